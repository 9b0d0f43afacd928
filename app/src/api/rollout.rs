//! A domain's inboxes as its admins see them: how many a change affects, trying new settings
//! on a sample, and the revalidation after a save (canary first, pause, continue, revert).

use domain::DomainSettingsForm;
use leptos::prelude::*;
use services::views::{ConnectionAttemptView, DomainInboxesView, SampleView};

use crate::error::AppError;

#[server(endpoint = "unconfigured_domains")]
pub async fn unconfigured_domains() -> Result<std::sync::Arc<[ConnectionAttemptView]>, AppError> {
    let (_, state) = super::domains::manager()
        .await
        .map_err(crate::ssr::not_kept)?;
    crate::ssr::unconfigured_domains(&state)
        .await
        .map_err(crate::ssr::not_kept)
}

#[cfg(feature = "ssr")]
async fn reader() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        |r| r.can_manage_domains() || r.can_view_audit(),
        services::Refusal::SeeDomainInboxes,
    )
    .await
}

/// The domain's inbox count, the first inboxes and its latest revalidation.
#[server(endpoint = "domain_inboxes")]
pub async fn domain_inboxes(id: i32) -> Result<DomainInboxesView, AppError> {
    use crate::ssr::not_kept;
    let (account, state) = reader().await.map_err(not_kept)?;
    let approves = account.role == domain::Role::SuperAdmin;
    services::inboxes::domain_inboxes(&state.services, id, approves)
        .await
        .map_err(|e| not_kept(e.into()))
}

/// How many inboxes a change of the domain's settings affects.
#[server(endpoint = "domain_inbox_count")]
pub async fn domain_inbox_count(id: i32) -> Result<u64, AppError> {
    use crate::ssr::not_kept;
    let (_, state) = reader().await.map_err(not_kept)?;
    services::inboxes::inbox_count(&state.services, id)
        .await
        .map_err(|e| not_kept(e.into()))
}

/// Tries the form's settings with the stored credentials of up to five of the domain's inboxes
/// (IMAP and SMTP login, nothing sent, nothing saved).
#[server(endpoint = "try_on_sample")]
pub async fn try_on_sample(id: i32, settings: DomainSettingsForm) -> Result<SampleView, AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let refused = |e| crate::error::form_error(e, &settings);
    let parsed = services::domains::parse(settings.clone()).map_err(refused)?;
    let view = services::inboxes::try_on_sample(&state.services, &actor, id, &parsed)
        .await
        .map_err(refused)?;
    tracing::info!(domain = id, by = %account.email, tried = view.rows.len(), "settings tried on a sample");
    if crate::ssr::is_form_post().await {
        leptos_axum::redirect(&format!("/domains/{id}?sample={}", view.id));
    }
    Ok(view)
}

#[server(endpoint = "sample_result")]
pub async fn sample_result(id: u64) -> Result<Option<SampleView>, AppError> {
    let (_, state) = super::domains::manager().await?;
    Ok(state.services.samples.get(id))
}

/// "Continue anyway": the paused revalidation checks the other inboxes.
#[server(endpoint = "continue_rollout")]
pub async fn continue_rollout(job: i32) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let job = services::rollout::continue_revalidation(&state.services, &actor, job).await?;
    leptos_axum::redirect(&format!("/domains/{}", job.domain_id));
    Ok(())
}

/// "Revert to previous settings".
#[server(endpoint = "revert_rollout")]
pub async fn revert_rollout(job: i32) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let stored = services::rollout::revert_revalidation(&state.services, &actor, job).await?;
    leptos_axum::redirect(&format!("/domains/{}?reverted=1", stored.id));
    Ok(())
}
