//! The change history for auditors (and super admins; account admins see domain events):
//! filtered pages, one event with its diff and report, Verify, and on-demand checkpoints.

use leptos::prelude::*;
use services::views::{AuditEventDetail, HistoryPage, HistoryQuery, VerifyView};

use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn reader() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        domain::Rights::can_view_audit,
        services::Refusal::ReadHistory,
    )
    .await
}

/// A page of the filtered history, newest first; `before` continues below that seq.
#[server(endpoint = "audit_history")]
pub async fn audit_history(
    #[server(default)] query: HistoryQuery,
    #[server(default)] before: Option<i64>,
) -> Result<HistoryPage, AppError> {
    let (account, state) = reader().await?;
    let filter = services::history::audit_filter(&account, &query)?;
    Ok(services::history::history_page(&state.services, &filter, before).await?)
}

#[server(endpoint = "audit_event")]
pub async fn audit_event(id: i32) -> Result<AuditEventDetail, AppError> {
    let (account, state) = reader().await?;
    Ok(services::history::audit_event_detail(&state.services, &account, id).await?)
}

/// Walks the whole chain and every checkpoint.
#[server(endpoint = "verify_history")]
pub async fn verify_history() -> Result<VerifyView, AppError> {
    let (account, state) = reader().await?;
    Ok(services::history::verify_view(&state.services, &account).await?)
}

/// Signs the chain's head now (super admins; the server also signs periodically).
#[server(endpoint = "sign_checkpoint")]
pub async fn sign_checkpoint() -> Result<(), AppError> {
    let (account, state) = crate::ssr::require(
        domain::Rights::can_manage_users,
        services::Refusal::SignCheckpoint,
    )
    .await?;
    storage::sign_checkpoint(&state.services.db, &state.services.audit_signer)
        .await
        .map_err(crate::ssr::store_error)?;
    tracing::info!(by = %account.email, "audit checkpoint signed on demand");
    leptos_axum::redirect("/history/verify");
    Ok(())
}
