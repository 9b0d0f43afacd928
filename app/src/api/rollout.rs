//! A domain's inboxes as its admins see them: how many a change affects, trying new settings
//! on a sample, and the revalidation after a save (canary first, pause, continue, revert).

use domain::{DomainSettingsForm, RolloutState};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::inboxes::InboxView;
use crate::error::AppError;

/// Inboxes listed on the domain panel (the count covers all of them).
pub const INBOXES_SHOWN: u64 = 200;
/// Inboxes a "Try on a sample" uses.
pub const SAMPLE_SIZE: u64 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainInboxesView {
    pub count: u64,
    pub shown: Vec<InboxView>,
    pub rollout: Option<RolloutView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolloutView {
    pub id: i32,
    pub state: RolloutState,
    pub total: i32,
    pub checked: i32,
    pub connected: i32,
    /// (category title, inboxes disconnected with it).
    pub failures: Vec<(String, i32)>,
    pub pause_detail: Option<String>,
    /// Paused until a super admin approves a host the domain has never used.
    pub awaiting_approval: bool,
    /// The caller may continue it (a revalidation awaiting approval: super admins only).
    pub can_continue: bool,
    /// The settings before the change are known, and the domain has not changed since.
    pub can_revert: bool,
    pub started_by: String,
    pub started_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleView {
    pub id: u64,
    pub domain_id: i32,
    pub rows: Vec<SampleRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    pub email: String,
    pub ok: bool,
    pub title: Option<String>,
    pub detail: Option<String>,
}

/// A domain without settings where an end user tried to connect an inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub mail_domain: String,
    pub email: String,
    /// The attempt's connection test, which holds the typed settings.
    pub probe_id: i32,
    pub at: String,
}

#[server(endpoint = "unconfigured_domains")]
pub async fn unconfigured_domains() -> Result<std::sync::Arc<[AttemptView]>, AppError> {
    let (_, state) = super::domains::manager().await?;
    crate::ssr::unconfigured_domains(&state).await
}

#[cfg(feature = "ssr")]
async fn reader() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        |r| r.can_manage_domains() || r.can_view_audit(),
        "You do not have permission to see this domain's inboxes.",
    )
    .await
}

/// The domain's inbox count, the first inboxes and its latest revalidation.
#[server(endpoint = "domain_inboxes")]
pub async fn domain_inboxes(id: i32) -> Result<DomainInboxesView, AppError> {
    let (account, state) = reader().await?;
    let approves = account.role == domain::Role::SuperAdmin;
    crate::ssr::domain_inboxes(&state, id, approves).await
}

/// Tries the form's settings with the stored credentials of up to five of the domain's inboxes
/// (IMAP and SMTP login, nothing sent, nothing saved).
#[server(endpoint = "try_on_sample")]
pub async fn try_on_sample(id: i32, settings: DomainSettingsForm) -> Result<SampleView, AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let parsed = crate::ssr::domain_service::parse(settings)?;
    let view = crate::ssr::try_on_sample(&state, &actor, id, &parsed).await?;
    tracing::info!(domain = id, by = %account.email, tried = view.rows.len(), "settings tried on a sample");
    if crate::ssr::is_form_post().await {
        leptos_axum::redirect(&format!("/domains/{id}?sample={}", view.id));
    }
    Ok(view)
}

#[server(endpoint = "sample_result")]
pub async fn sample_result(id: u64) -> Result<Option<SampleView>, AppError> {
    let (_, state) = super::domains::manager().await?;
    Ok(state.samples.get(id))
}

/// "Continue anyway": the paused revalidation checks the other inboxes.
#[server(endpoint = "continue_rollout")]
pub async fn continue_rollout(job: i32) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let job = crate::ssr::rollout_service::continue_revalidation(&state, &actor, job).await?;
    leptos_axum::redirect(&format!("/domains/{}", job.domain_id));
    Ok(())
}

/// "Revert to previous settings".
#[server(endpoint = "revert_rollout")]
pub async fn revert_rollout(job: i32) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let stored = crate::ssr::rollout_service::revert_revalidation(&state, &actor, job).await?;
    leptos_axum::redirect(&format!("/domains/{}?reverted=1", stored.id));
    Ok(())
}
