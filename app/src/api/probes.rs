//! Connection tests: start one, follow its progress, pin the certificate it saw.

use domain::DomainSettingsForm;
use leptos::prelude::*;

use services::views::ProbeView;

use crate::error::AppError;

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
    use services::probes::{start_probe, TestMailbox};
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let mailbox = TestMailbox {
        email: probe_email,
        username: probe_username,
        password: probe_password,
    };
    let typed = settings.clone();
    let (record, running) = start_probe(&state.services, &actor, id, settings, mailbox)
        .await
        .map_err(|e| crate::error::form_error(e, &typed))?;
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
        services::Refusal::ManageDomains,
    )
    .await?;
    Ok(services::probes::probe_for(&state.services, &account, id).await?)
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
    let saved =
        services::pin_certificate(&state.services.db, &actor, id, version, probe_id, &leg).await?;
    tracing::info!(domain = %saved.settings.domain, leg, by = %account.email, "certificate pinned");
    leptos_axum::redirect(&format!("/domains/{id}?pinned={leg}"));
    Ok(())
}
