//! The Apple configuration profile of an inbox: `GET /inboxes/{id}/mail.mobileconfig`, for
//! the inbox's owner (the document itself is `clients::apple_profile`).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use http::{header, request::Parts};

use super::ip_exports::refusal;
use super::{account_of, AppState};
use crate::error::AppError;

pub async fn apple_profile(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    parts: Parts,
) -> Response {
    match profile(&state, id, &parts).await {
        Ok((name, body)) => Response::builder()
            .header(header::CONTENT_TYPE, "application/x-apple-aspen-config")
            .header(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            )
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::from(body))
            .unwrap_or_else(|_| refusal(AppError::Internal)),
        Err(e) => refusal(e),
    }
}

async fn profile(state: &AppState, id: i32, parts: &Parts) -> Result<(String, Vec<u8>), AppError> {
    let account = account_of(state, parts)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let inbox = match storage::get_inbox(&state.services.db, id).await {
        Ok(i) if i.user_id == account.id => i,
        Ok(_) | Err(storage::StorageError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(super::store_error(e)),
    };
    let login = inbox.username.as_deref().unwrap_or(&inbox.email);
    let account = clients::ProfileAccount {
        id: inbox.id,
        email: &inbox.email,
        login,
        settings: &inbox.settings,
    };
    let body = clients::apple_profile(&account, state.profile_signer.as_deref()).map_err(|e| {
        tracing::error!(error = %e, "could not write a profile");
        AppError::Internal
    })?;
    Ok((format!("{}.mobileconfig", inbox.email), body))
}
