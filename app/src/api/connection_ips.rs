//! "View connection IPs" (seed 002): the static ranges a domain's connections leave from, the
//! *Use static IP addresses* switch, and the test from every static address.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::DomainView;
use crate::error::AppError;

/// The panel's data: the domain and this installation's static ranges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionIpsView {
    pub domain: DomainView,
    /// Empty when the operator configured no static addresses.
    pub ranges: Vec<IpRange>,
    /// This host's addresses inside the ranges, which connections are spread over (at most
    /// `USABLE_SHOWN` listed).
    pub usable: Vec<String>,
    pub usable_total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IpRange {
    pub cidr: String,
    /// "IPv4" or "IPv6".
    pub family: String,
    /// How many addresses the range holds, for people ("256", "65,536", "2^64").
    pub addresses: String,
}

/// One run of "Test from every static address".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceTestView {
    pub id: u64,
    pub domain_id: i32,
    pub rows: Vec<probe::SourceCheck>,
    pub elapsed_ms: u64,
    pub actor_email: String,
    pub ran_at: String,
}

pub const USABLE_SHOWN: usize = 16;

/// Why the switch is disabled when the operator configured no static ranges.
pub const NO_RANGES_REASON: &str =
    "This installation has no static addresses; ask the operator to set MAILSETTINGS_STATIC_EGRESS.";

#[server(endpoint = "connection_ips")]
pub async fn connection_ips(id: i32) -> Result<ConnectionIpsView, AppError> {
    let (_, state) = super::domains::manager().await?;
    crate::ssr::connection_ips_view(&state, id).await
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
    let saved = crate::ssr::set_static_ips(&state, &actor, id, version, on.0).await?;
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
    crate::ssr::probe_service::admit(&state, account.id).await?;
    let credentials =
        crate::ssr::probe_service::credentials(probe_email, probe_username, probe_password)?;
    let view = crate::ssr::test_static_addresses(&state, &account, id, credentials).await?;
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
        .source_tests
        .get(id)
        .filter(|view| view.domain_id == domain_id)
        .ok_or(AppError::NotFound)
}
