//! Starting a connection test, for the pages' server functions and the JSON API alike.

use domain::DomainSettingsForm;
use storage::Actor;

use super::AppState;
use crate::error::AppError;

/// What to test, and with which mailbox.
pub struct ProbeRequest {
    /// The saved domain the values belong to, if any.
    pub domain_id: Option<i32>,
    pub settings: DomainSettingsForm,
    pub email: String,
    pub username: Option<String>,
    pub password: String,
}

/// Starts a connection test: the caller's per-minute allowance, the values parsed, the record
/// stored. Returns the test's id and its running task.
pub async fn start_probe(
    state: &AppState,
    actor: &Actor,
    request: ProbeRequest,
) -> Result<(i32, tokio::task::JoinHandle<()>), AppError> {
    admit(state, actor.user_id).await?;
    let parsed = super::domain_service::parse(request.settings)?;
    let credentials = credentials(request.email, request.username, request.password)?;
    let run = storage::ProbeRun::Admin;
    let record = storage::start_probe_record(&state.db, actor, request.domain_id, &parsed, run)
        .await
        .map_err(super::store_error)?;
    let running = state.probes.spawn(
        state.db.clone(),
        (record, actor.clone()),
        &parsed,
        credentials,
    );
    tracing::info!(record, domain = %parsed.domain, by = %actor.email, "probe started");
    Ok((record, running))
}

/// Counts a connection test against `user_id`'s allowance per minute, shared by every server
/// process (the count is kept in the database).
pub async fn admit(state: &AppState, user_id: i32) -> Result<(), AppError> {
    let per_minute = state.probes.per_minute();
    let key = format!("connection-tests:user:{user_id}");
    match storage::take_rate_slot(&state.db, &key, per_minute, chrono::Duration::seconds(60))
        .await
        .map_err(super::store_error)?
    {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => Err(AppError::RateLimited {
            retry_after_secs,
            per_minute,
            allowance: crate::error::Allowance::ConnectionTests,
        }),
    }
}

/// The test mailbox's credentials from the form's fields.
pub fn credentials(
    email: String,
    username: Option<String>,
    password: String,
) -> Result<probe::Credentials, AppError> {
    let email = domain::EmailAddress::parse(&email)
        .map_err(|e| AppError::invalid("probe_email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::invalid(
            "probe_password",
            "Enter the test mailbox's password.",
        ));
    }
    let username = username
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    Ok(probe::Credentials::new(
        email.to_string(),
        username,
        password,
    ))
}
