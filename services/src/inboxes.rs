//! The inbox service: connecting an inbox through the connection test, a new password, the
//! domain panel's inbox data, and trying settings on a sample of inboxes (kept in memory for a
//! while, so a form post without JavaScript can be shown after its redirect).

use domain::{DomainSettings, DomainSettingsForm, EmailAddress};
use futures::future::join_all;
use storage::{Actor, NewInbox, StoredDomain, StoredInbox, UserAccount};

use crate::views::{
    DomainInboxesView, InboxView, RolloutView, SampleRow, SampleView, INBOXES_SHOWN, SAMPLE_SIZE,
};
use crate::{ServiceError, Services};

/// The saved settings of the domain called `name`, if it has any.
pub async fn domain_named(
    services: &Services,
    name: &str,
) -> Result<Option<StoredDomain>, ServiceError> {
    storage::find_domain(&services.db, name)
        .await
        .map_err(ServiceError::from)
}

pub struct ConnectRequest {
    pub email: EmailAddress,
    pub username: Option<String>,
    pub password: String,
    /// The settings the user typed; used only when the domain has none.
    pub typed: Option<DomainSettingsForm>,
}

/// Starts the connection test for a new inbox; when it passes, the inbox is stored with its
/// password encrypted. Returns the test's id and its task.
pub async fn start_connect(
    services: &Services,
    account: &UserAccount,
    actor: Actor,
    request: ConnectRequest,
) -> Result<(i32, tokio::task::JoinHandle<()>), ServiceError> {
    crate::probes::admit(services, account.id).await?;
    let mail_domain = request.email.mail_domain().to_string();
    let managed = domain_named(services, &mail_domain).await?;
    let settings = settings_to_test(managed.as_ref(), request.typed.clone(), &mail_domain)?;
    let domain_id = managed.as_ref().map(|d| d.id);
    let run = storage::ProbeRun::InboxConnect;
    let record =
        storage::start_probe_record(&services.db, &actor, domain_id, &settings, run).await?;
    if managed.is_none() {
        let email = request.email.as_str();
        storage::record_connection_attempt(&services.db, account.id, email, &settings, record)
            .await?;
    }
    let email = request.email.to_string();
    let credentials =
        probe::Credentials::new(email.clone(), request.username.clone(), request.password);
    let sealed = inboxes::seal_password(&services.vault, account.id, &email, credentials.secret());
    let new = NewInbox {
        user_id: account.id,
        email,
        mail_domain,
        domain_id,
        own_settings: managed.is_none().then(|| settings.clone()),
        username: request.username,
        secret: sealed,
        next_check_at: services.worker.next_check(),
    };
    let then = store_when_passed(services.db.clone(), actor.clone(), new);
    let running = services.probes.spawn_then(
        services.db.clone(),
        (record, actor),
        &settings,
        credentials,
        then,
    );
    Ok((record, running))
}

/// The domain's settings when it has them; otherwise what the user typed (without the admins'
/// choices).
fn settings_to_test(
    managed: Option<&StoredDomain>,
    typed: Option<DomainSettingsForm>,
    mail_domain: &str,
) -> Result<DomainSettings, ServiceError> {
    match (managed, typed) {
        (Some(d), _) => Ok(d.settings.clone()),
        (None, Some(mut typed)) => {
            typed.domain = mail_domain.to_owned();
            refuse_admin_choices(&typed)?;
            crate::domains::parse(typed)
        }
        (None, None) => Err(ServiceError::invalid(
            "imap_host",
            "Your administrator has not set up this domain: enter the IMAP and SMTP settings.",
        )),
    }
}

/// After the test: the inbox is stored only when it passed.
fn store_when_passed(
    db: storage::DatabaseConnection,
    actor: Actor,
    new: NewInbox,
) -> crate::probe_runner::AfterProbe {
    Box::new(move |report: &probe::ProbeReport| {
        let ok = report.ok;
        Box::pin(async move {
            if !ok {
                return; // nothing is stored
            }
            match storage::connect_inbox(&db, &actor, new).await {
                Ok(inbox) => tracing::info!(inbox = inbox.id, "inbox connected"),
                Err(e) => tracing::error!(error = %e, "could not store a connected inbox"),
            }
        })
    })
}

/// Static addresses and certificate exceptions are the admins' choices: an end user typing
/// the settings of a domain without settings cannot turn them on.
fn refuse_admin_choices(typed: &DomainSettingsForm) -> Result<(), ServiceError> {
    let refused = if typed.use_static_ips {
        Some(("use_static_ips", "Use static IP addresses"))
    } else if typed.allow_non_secure_certificate {
        Some((
            "allow_non_secure_certificate",
            "Allow non-secure certificate",
        ))
    } else if !typed.imap_cert_pin.trim().is_empty() || !typed.smtp_cert_pin.trim().is_empty() {
        Some(("imap_cert_pin", "A certificate pin"))
    } else {
        None
    };
    match refused {
        Some((field, label)) => Err(ServiceError::invalid(
            field,
            format!(
                "{label} is set by your administrator, not when you connect an inbox: ask them \
                 to add {} under Domains.",
                typed.domain
            ),
        )),
        None => Ok(()),
    }
}

/// Checks the inbox's logins with the new password; stores it only when they pass.
pub async fn update_password(
    services: &Services,
    actor: &Actor,
    inbox: &StoredInbox,
    username: Option<String>,
    password: String,
) -> Result<StoredInbox, ServiceError> {
    let sealed = inboxes::seal_password(&services.vault, inbox.user_id, &inbox.email, &password);
    let mut trial = inbox.clone();
    trial.username = username.clone();
    let options = services.probes.options_for(inbox.settings.use_static_ips);
    let check =
        inboxes::check_inbox(&services.vault, &trial, &sealed, &inbox.settings, &options).await?;
    if let Some(failed) = check.failure() {
        let title = failed.title.clone().unwrap_or_default();
        let detail = failed.detail.clone().unwrap_or_default();
        return Err(ServiceError::invalid(
            "password",
            format!("{title}: {detail}"),
        ));
    }
    storage::update_inbox_secret(&services.db, actor, inbox.id, username, sealed)
        .await
        .map_err(ServiceError::from)
}

/// The domain panel's inboxes and latest revalidation; `approves`: the caller is a super admin.
pub async fn domain_inboxes(
    services: &Services,
    id: i32,
    approves: bool,
) -> Result<DomainInboxesView, ServiceError> {
    let current = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // The job first: a check that commits between the reads then shows as an inbox newer than
    // its job, and the panel (which polls while the job is active) fetches again. Read the
    // other way round, a job that just paused could come with its inbox still "Checking", and
    // the panel would stop polling on that stale row.
    let job = storage::latest_job(&services.db, id).await?;
    let count = storage::count_domain_inboxes(&services.db, id).await?;
    // Most domains have no inboxes: nothing more to read then.
    let shown = if count == 0 {
        Vec::new()
    } else {
        let owner = storage::InboxOwner::Domain(id);
        storage::list_inboxes_after(&services.db, owner, None, INBOXES_SHOWN).await?
    };
    Ok(DomainInboxesView {
        count,
        shown: shown.into_iter().map(InboxView::from).collect(),
        rollout: job.map(|j| rollout_view(j, approves, current.version)),
    })
}

/// How many inboxes use the domain's settings (what a change of them affects).
pub async fn inbox_count(services: &Services, id: i32) -> Result<u64, ServiceError> {
    let count = storage::count_domain_inboxes(&services.db, id).await?;
    if count == 0 && storage::get_domain(&services.db, id).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    Ok(count)
}

/// `approves`: the caller is a super admin; `version`: the domain's current version.
fn rollout_view(j: storage::RevalidationJob, approves: bool, version: i32) -> RolloutView {
    RolloutView {
        id: j.id,
        state: j.state,
        total: j.total,
        checked: j.checked,
        connected: j.connected,
        failures: j
            .failures
            .into_iter()
            .map(|(c, n)| (category_title(&c), n))
            .collect(),
        pause_detail: j.pause_detail,
        awaiting_approval: j.awaiting_approval,
        can_continue: approves || !j.awaiting_approval,
        can_revert: j.previous_settings.is_some() && j.domain_version == version,
        started_by: j.actor_email,
        started_at: crate::format_time(j.created_at),
    }
}

fn category_title(stored: &str) -> String {
    serde_json::from_value::<probe::Category>(serde_json::Value::String(stored.to_string()))
        .map_or_else(|_| stored.to_string(), |c| c.title().to_string())
}

/// Tries `settings` with the stored passwords of up to [`SAMPLE_SIZE`] of the domain's inboxes
/// (IMAP and SMTP login). It counts as a connection test against the caller's allowance, and
/// is recorded with the hosts, ports and verdicts.
pub async fn try_on_sample(
    services: &Services,
    actor: &Actor,
    domain_id: i32,
    settings: &DomainSettings,
) -> Result<SampleView, ServiceError> {
    let saved = storage::get_domain(&services.db, domain_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    crate::custody::allow_stored_passwords(services, actor, &saved, settings).await?;
    crate::probes::admit(services, actor.user_id).await?;
    let sample = storage::sample_inboxes(&services.db, domain_id, SAMPLE_SIZE).await?;
    let options = services.probes.options_for(settings.use_static_ips);
    let caps = services.worker.caps();
    let rows = join_all(sample.iter().map(|s| {
        let options = &options;
        async move {
            let _permits = caps.acquire(settings).await;
            let check =
                inboxes::check_inbox(&services.vault, &s.inbox, &s.secret, settings, options).await;
            match check {
                Ok(c) => SampleRow {
                    email: s.inbox.email.clone(),
                    ok: c.ok(),
                    title: c.failure().and_then(|f| f.title.clone()),
                    detail: c.failure().and_then(|f| f.detail.clone()),
                },
                Err(e) => SampleRow {
                    email: s.inbox.email.clone(),
                    ok: false,
                    title: None,
                    detail: Some(e.to_string()),
                },
            }
        }
    }))
    .await;
    crate::custody::record_sample(services, actor, &saved, settings, &rows).await?;
    let view = SampleView {
        id: services.samples.next_id(),
        domain_id,
        rows,
    };
    services.samples.keep(view.id, view.clone());
    Ok(view)
}

/// The latest sample results, for the page a form post is redirected to.
pub type SampleResults = crate::recent::RecentResults<SampleView>;
