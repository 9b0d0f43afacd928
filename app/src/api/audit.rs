//! The change history for auditors (and super admins; account admins see domain events):
//! filtered pages, one event with its diff and report, Verify, and on-demand checkpoints.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::probes::ProbeView;
use crate::error::AppError;

pub const AUDIT_REFUSAL: &str = "You do not have permission to read the change history.";

/// The filter as the URL carries it (`/history?domain=…&actor=…`), every part optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    /// First day shown, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub from: String,
    /// Last day shown, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub to: String,
}

impl HistoryQuery {
    /// The query string that repeats this filter (for page links and exports).
    pub fn to_query_string(&self) -> String {
        let pairs = [
            ("domain", &self.domain),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One field's before → after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i32,
    pub seq: i64,
    /// UTC, to the second, for display without JavaScript.
    pub occurred_at: String,
    /// RFC 3339, for the viewer's own time zone.
    pub occurred_at_iso: String,
    pub actor_email: String,
    pub actor_role: Option<String>,
    /// The API token the actor used, if the change came through the JSON API.
    pub api_token_id: Option<i32>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub target: Option<String>,
    pub action: String,
    pub summary: Option<String>,
    pub diff: Vec<DiffRow>,
    pub probe_report_id: Option<i32>,
    pub job_id: Option<i32>,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<AuditEntryView>,
    /// `before` for the next (older) page, if there is one.
    pub older: Option<i64>,
    /// (stored name, label) of every action, for the filter.
    pub actions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventDetail {
    pub entry: AuditEntryView,
    pub report: Option<ProbeView>,
    /// The revalidation the event belongs to, in a sentence.
    pub job: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyView {
    pub intact: bool,
    /// What Verify found, in a sentence (the first broken event when not intact).
    pub message: String,
    pub events: u64,
    pub checkpoints: u64,
    pub latest_checkpoint: Option<String>,
    /// The server's Ed25519 public key (hex), for offline verification of exports.
    pub public_key: String,
    pub can_sign: bool,
}

#[cfg(feature = "ssr")]
async fn reader() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(domain::Rights::can_view_audit, AUDIT_REFUSAL).await
}

/// A page of the filtered history, newest first; `before` continues below that seq.
#[server(endpoint = "audit_history")]
pub async fn audit_history(
    #[server(default)] query: HistoryQuery,
    #[server(default)] before: Option<i64>,
) -> Result<HistoryPage, AppError> {
    let (account, state) = reader().await?;
    let filter = crate::ssr::audit_filter(&account, &query)?;
    crate::ssr::history_page(&state, &filter, before).await
}

#[server(endpoint = "audit_event")]
pub async fn audit_event(id: i32) -> Result<AuditEventDetail, AppError> {
    let (account, state) = reader().await?;
    crate::ssr::audit_event_detail(&state, &account, id).await
}

/// Walks the whole chain and every checkpoint.
#[server(endpoint = "verify_history")]
pub async fn verify_history() -> Result<VerifyView, AppError> {
    let (account, state) = reader().await?;
    crate::ssr::verify_view(&state, &account).await
}

/// Signs the chain's head now (super admins; the server also signs periodically).
#[server(endpoint = "sign_checkpoint")]
pub async fn sign_checkpoint() -> Result<(), AppError> {
    let (account, state) = crate::ssr::require(
        domain::Rights::can_manage_users,
        "Only super admins can sign a checkpoint.",
    )
    .await?;
    storage::sign_checkpoint(&state.db, &state.audit_signer)
        .await
        .map_err(crate::ssr::store_error)?;
    tracing::info!(by = %account.email, "audit checkpoint signed on demand");
    leptos_axum::redirect("/history/verify");
    Ok(())
}
