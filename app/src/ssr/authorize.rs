//! Who is calling, and may they? Every server function starts here.

use std::net::IpAddr;
use std::sync::Arc;

use domain::Rights;
use http::request::Parts;
use storage::{StorageError, UserAccount};
use tokio::sync::OnceCell;

use super::AppState;
use crate::error::AppError;
use web::session_token;

pub async fn request_parts() -> Result<Parts, AppError> {
    leptos_axum::extract::<Parts>().await.map_err(|e| {
        tracing::error!(error = %e, "request parts missing from the Leptos context");
        AppError::Internal
    })
}

/// The client's address: the TCP peer, or the client a trusted proxy names.
pub async fn client_addr() -> Result<IpAddr, AppError> {
    let parts = request_parts().await?;
    parts
        .extensions
        .get::<web::ClientInfo>()
        .map(|c| c.ip)
        .ok_or_else(|| {
            tracing::error!("client info missing: the attach_client_info layer is not installed");
            AppError::Internal
        })
}

/// The client's address as recorded in the audit trail.
pub async fn client_ip() -> Option<String> {
    client_addr().await.ok().map(|ip| ip.to_string())
}

/// The client's User-Agent as recorded in the audit trail (at most 256 characters).
pub async fn user_agent() -> Option<String> {
    let parts = request_parts().await.ok()?;
    let agent = parts.headers.get(http::header::USER_AGENT)?.to_str().ok()?;
    Some(agent.chars().take(256).collect())
}

/// Lookups done once per request: a page's header and its server functions all ask who is
/// calling (the session check), and the domain list's resources where the lists stand; each
/// asking would otherwise be a database query. Provided afresh for every request (see the
/// server's router), so no answer outlives its request.
#[derive(Clone, Default)]
pub struct RequestMemo {
    account: Arc<OnceCell<Option<UserAccount>>>,
    pub(super) positions: Arc<OnceCell<storage::ListPositions>>,
}

/// The signed-in account, if the session cookie names a live session.
pub async fn current_account() -> Result<Option<UserAccount>, AppError> {
    let state = AppState::from_context()?;
    let parts = request_parts().await?;
    match leptos::prelude::use_context::<RequestMemo>() {
        Some(memo) => memo
            .account
            .get_or_try_init(|| account_of(&state, &parts))
            .await
            .cloned(),
        None => account_of(&state, &parts).await,
    }
}

/// The account whose live session the request's cookie names (also for plain axum handlers).
pub async fn account_of(state: &AppState, parts: &Parts) -> Result<Option<UserAccount>, AppError> {
    let Some(token) = session_token(parts) else {
        return Ok(None);
    };
    storage::session_user(&state.services.db, &token, state.cookies.idle_timeout())
        .await
        .map_err(store_error)
}

/// The caller's account and the app state, when `allowed` says the caller's rights suffice.
pub async fn require(
    allowed: fn(&Rights) -> bool,
    refusal: services::Refusal,
) -> Result<(UserAccount, AppState), AppError> {
    let state = AppState::from_context()?;
    match current_account().await? {
        None => Err(AppError::Unauthenticated),
        Some(account) if allowed(&account.rights()) => Ok((account, state)),
        Some(account) => {
            tracing::warn!(user = %account.email, "refused: {refusal}");
            Err(AppError::Forbidden(refusal.to_string()))
        }
    }
}

/// The caller's account and the app state, whatever their rights.
pub async fn signed_in() -> Result<(UserAccount, AppState), AppError> {
    let state = AppState::from_context()?;
    match current_account().await? {
        Some(account) => Ok((account, state)),
        None => Err(AppError::Unauthenticated),
    }
}

/// A plain HTML form post (no JavaScript), as opposed to a call from the hydrated app or a script.
pub async fn is_form_post() -> bool {
    request_parts().await.is_ok_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Maps a storage failure to what the user may see; the detail goes to the log.
pub fn store_error(err: StorageError) -> AppError {
    match err {
        StorageError::NotFound => AppError::NotFound,
        other => {
            tracing::error!(error = %other, "storage failure");
            AppError::Internal
        }
    }
}
