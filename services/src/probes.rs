//! Starting a connection test, for the pages' server functions and the JSON API alike.

use domain::DomainSettingsForm;
use storage::Actor;

use crate::views::{ProbeState, ProbeView};
use crate::{ServiceError, Services};

/// The mailbox a connection test logs in with, as typed.
pub struct TestMailbox {
    pub email: String,
    pub username: Option<String>,
    pub password: String,
}

impl TestMailbox {
    /// The credentials, or which field is wrong.
    pub fn credentials(self) -> Result<probe::Credentials, ServiceError> {
        let email = domain::EmailAddress::parse(&self.email)
            .map_err(|e| ServiceError::invalid("probe_email", e.to_string()))?;
        if self.password.is_empty() {
            return Err(ServiceError::invalid(
                "probe_password",
                "Enter the test mailbox's password.",
            ));
        }
        let username = self
            .username
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        Ok(probe::Credentials::new(
            email.to_string(),
            username,
            self.password,
        ))
    }
}

/// Starts a connection test of `settings` (the saved domain's, if `domain_id`): the caller's
/// per-minute allowance, the values parsed, the record stored. Returns the test's id and its
/// running task.
pub async fn start_probe(
    services: &Services,
    actor: &Actor,
    domain_id: Option<i32>,
    settings: DomainSettingsForm,
    mailbox: TestMailbox,
) -> Result<(i32, tokio::task::JoinHandle<()>), ServiceError> {
    admit(services, actor.user_id).await?;
    let parsed = crate::domains::parse(settings)?;
    let credentials = mailbox.credentials()?;
    let run = storage::ProbeRun::Admin;
    let record = storage::start_probe_record(&services.db, actor, domain_id, &parsed, run).await?;
    let running = services.probes.spawn(
        services.db.clone(),
        (record, actor.clone()),
        &parsed,
        credentials,
    );
    tracing::info!(record, domain = %parsed.domain, by = %actor.email, "probe started");
    Ok((record, running))
}

/// Counts a connection test against `user_id`'s allowance per minute, shared by every server
/// process (the count is kept in the database).
pub async fn admit(services: &Services, user_id: i32) -> Result<(), ServiceError> {
    let per_minute = services.probes.per_minute();
    let key = format!("connection-tests:user:{user_id}");
    let window = chrono::Duration::seconds(60);
    match storage::take_rate_slot(&services.db, &key, per_minute, window).await? {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => Err(ServiceError::RateLimited {
            retry_after_secs,
            per_minute,
            allowance: crate::Allowance::ConnectionTests,
        }),
    }
}

/// Test `id` for `account`: admins follow every test; an end user follows the tests of their
/// own inbox connections (another's is "not found").
pub async fn probe_for(
    services: &Services,
    account: &storage::UserAccount,
    id: i32,
) -> Result<ProbeView, ServiceError> {
    let stored = storage::get_probe(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !account.rights().can_manage_domains() && stored.actor_user_id != account.id {
        return Err(ServiceError::NotFound);
    }
    Ok(probe_view(services, id, stored))
}

/// The probe as the panel (and the change history) shows it, live while it runs.
/// The probe as the panel (and the change history) shows it, live while it runs.
pub fn probe_view(services: &Services, id: i32, stored: storage::StoredProbe) -> ProbeView {
    let live = services.probes.live_steps(id);
    let report: Option<probe::ProbeReport> = match (&live, &stored.report) {
        (None, Some(json)) => serde_json::from_str(json)
            .map_err(|e| tracing::error!(id, error = %e, "unreadable probe report"))
            .ok(),
        _ => None,
    };
    let state = match (&live, &report) {
        (Some(_), _) => ProbeState::Running,
        (None, Some(_)) => ProbeState::Finished,
        (None, None) => ProbeState::Interrupted,
    };
    let steps = live
        .or_else(|| report.as_ref().map(|r| r.steps.clone()))
        .unwrap_or_default();
    ProbeView {
        id,
        domain_id: stored.domain_id,
        settings: stored.settings,
        state,
        steps,
        report,
        actor_email: stored.actor_email,
        started_at: crate::format_time(stored.created_at),
    }
}
