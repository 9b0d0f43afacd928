//! "View connection IPs" (seed 002): the static ranges a domain's connections leave from, the
//! *Use static IP addresses* switch, and the test from every static address.

use leptos::prelude::*;
use services::views::{ConnectionIpsView, SourceTestView};

use crate::error::AppError;

#[server(endpoint = "connection_ips")]
pub async fn connection_ips(id: i32) -> Result<ConnectionIpsView, AppError> {
    let (_, state) = super::domains::manager().await?;
    Ok(services::static_ips::connection_ips_view(&state.services, id).await?)
}

/// Turns the domain's *Use static IP addresses* switch on or off: a versioned, audited change.
#[server(endpoint = "set_static_ips")]
pub async fn set_static_ips(
    id: i32,
    version: i32,
    #[server(default)] on: domain::Checked,
) -> Result<(), AppError> {
    let (account, state) = super::domains::manager().await?;
    let actor = super::domains::actor(&account).await;
    let saved =
        services::static_ips::set_static_ips(&state.services, &actor, id, version, on.0).await?;
    tracing::info!(domain = %saved.settings.domain, on = on.0, by = %account.email, "static IP addresses switched");
    leptos_axum::redirect(&format!("/domains/{id}/ips"));
    Ok(())
}

/// Logs in to the domain's IMAP and SMTP servers once from every usable static address.
#[server(endpoint = "test_static_addresses")]
pub async fn test_static_addresses(
    id: i32,
    probe_email: String,
    #[server(default)] probe_username: Option<String>,
    probe_password: String,
) -> Result<SourceTestView, AppError> {
    let (account, state) = super::domains::manager().await?;
    let mailbox = services::probes::TestMailbox {
        email: probe_email,
        username: probe_username,
        password: probe_password,
    };
    let view =
        services::static_ips::test_static_addresses(&state.services, &account, id, mailbox).await?;
    tracing::info!(id, rows = view.rows.len(), ms = view.elapsed_ms, by = %account.email, "static addresses tested");
    if crate::ssr::is_form_post().await {
        leptos_axum::redirect(&format!("/domains/{id}/ips?source_test={}", view.id));
    }
    Ok(view)
}

/// A finished "Test from every static address" (where a form post without JavaScript lands).
#[server(endpoint = "static_address_test")]
pub async fn static_address_test(domain_id: i32, id: u64) -> Result<SourceTestView, AppError> {
    let (_, state) = super::domains::manager().await?;
    state
        .services
        .source_tests
        .get(id)
        .filter(|view| view.domain_id == domain_id)
        .ok_or(AppError::NotFound)
}
