//! Connection tests: start one, follow its progress, pin the certificate it saw.

use domain::DomainSettingsForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A probe as the panel shows it: the tested values, the steps so far and, once it has ended,
/// the report with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeView {
    pub id: i32,
    pub domain_id: Option<i32>,
    pub settings: domain::DomainSettings,
    pub state: ProbeState,
    pub steps: Vec<probe::StepReport>,
    pub report: Option<probe::ProbeReport>,
    pub actor_email: String,
    pub started_at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeState {
    Running,
    Finished,
    /// The server stopped while the probe ran.
    Interrupted,
}

/// Starts a connection test of the values in the form. Returns the probe's id; a browser form
/// post (no JavaScript) is sent on to the panel showing the test.
#[server(endpoint = "start_probe")]
pub async fn start_probe(
    #[server(default)] id: Option<i32>,
    settings: DomainSettingsForm,
    probe_email: String,
    #[server(default)] probe_username: Option<String>,
    probe_password: String,
) -> Result<i32, AppError> {
    use crate::ssr::probe_service::{start_probe, ProbeRequest};
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let request = ProbeRequest {
        domain_id: id,
        settings,
        email: probe_email,
        username: probe_username,
        password: probe_password,
    };
    let (record, running) = start_probe(&state, &actor, request).await?;
    // Without JavaScript nothing can poll: the answer is the page with the finished report.
    if crate::ssr::is_form_post().await {
        if let Err(e) = running.await {
            tracing::error!(record, error = %e, "probe task failed");
        }
        let panel = id.map_or("/domains/new".to_string(), |id| format!("/domains/{id}"));
        leptos_axum::redirect(&format!("{panel}?probe={record}"));
    }
    Ok(record)
}

#[server(endpoint = "probe_progress")]
pub async fn probe_progress(id: i32) -> Result<ProbeView, AppError> {
    // Admins follow every test; an end user follows the tests of their own inbox connections.
    let (account, state) = crate::ssr::require(
        |r| r.role != domain::Role::Auditor,
        super::domains::MANAGE_REFUSAL,
    )
    .await?;
    let stored = storage::get_probe(&state.db, id)
        .await
        .map_err(crate::ssr::store_error)?
        .ok_or(AppError::NotFound)?;
    if !account.rights().can_manage_domains() && stored.actor_user_id != account.id {
        return Err(AppError::NotFound);
    }
    Ok(view_of(&state, id, stored))
}

/// The probe as the panel (and the change history) shows it, live while it runs.
#[cfg(feature = "ssr")]
pub fn view_of(state: &crate::ssr::AppState, id: i32, stored: storage::StoredProbe) -> ProbeView {
    let live = state.probes.live_steps(id);
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
        started_at: super::format_time(stored.created_at),
    }
}

/// Pins the certificate the probe saw on one leg ("imap" or "smtp") of a saved domain.
#[server(endpoint = "pin_certificate")]
pub async fn pin_certificate(
    id: i32,
    version: i32,
    probe_id: i32,
    leg: String,
) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let saved = crate::ssr::pin_certificate(&state.db, &actor, id, version, probe_id, &leg).await?;
    tracing::info!(domain = %saved.settings.domain, leg, by = %account.email, "certificate pinned");
    leptos_axum::redirect(&format!("/domains/{id}?pinned={leg}"));
    Ok(())
}
