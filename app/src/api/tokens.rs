//! API tokens on the signed-in user's profile: list, create (the secret shown once), revoke.

use domain::TokenScope;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A token as its owner sees it (never its secret, which is shown once at creation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i32,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    /// "Active", "Expired" or "Revoked".
    pub status: String,
}

/// A token just created, with its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub id: i32,
    pub name: String,
    pub secret: String,
}

#[cfg(feature = "ssr")]
async fn signed_in() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::signed_in().await
}

#[cfg(feature = "ssr")]
impl ApiTokenView {
    pub(crate) fn new(t: storage::ApiToken, now: chrono::DateTime<chrono::Utc>) -> Self {
        use services::format_time;
        let status = if t.revoked_at.is_some() {
            "Revoked"
        } else if t.is_expired(now) {
            "Expired"
        } else {
            "Active"
        };
        Self {
            id: t.id,
            name: t.name.to_string(),
            scope: t.scope,
            created_at: format_time(t.created_at),
            expires_at: t.expires_at.map(format_time),
            last_used_at: t.last_used_at.map(format_time),
            status: status.to_owned(),
        }
    }
}

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    let (account, state) = signed_in().await?;
    let tokens = storage::list_api_tokens(&state.services.db, account.id)
        .await
        .map_err(crate::ssr::store_error)?;
    let now = chrono::Utc::now();
    Ok(tokens
        .into_iter()
        .map(|t| ApiTokenView::new(t, now))
        .collect())
}

/// The token created by a form posted without JavaScript, shown on the next page view only.
#[server(endpoint = "issued_api_token")]
pub async fn issued_api_token() -> Result<Option<String>, AppError> {
    signed_in().await?;
    let parts = crate::ssr::request_parts().await?;
    Ok(web::take_new_token(&parts).map(|(secret, cleared)| {
        crate::ssr::set_response_cookie(&cleared);
        secret
    }))
}

#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    scope: String,
    expires_in_days: String,
) -> Result<NewApiToken, AppError> {
    let (account, state) = signed_in().await?;
    let parts = crate::ssr::request_parts().await?;
    let session = web::session_token(&parts).ok_or(AppError::Unauthenticated)?;
    let request = services::tokens::TokenRequest {
        name: domain::TokenName::parse(&name)
            .map_err(|e| AppError::invalid("name", e.to_string()))?,
        scope: TokenScope::parse(&scope).map_err(|e| AppError::invalid("scope", e.to_string()))?,
        lifetime: domain::TokenLifetime::parse(&expires_in_days)
            .map_err(|e| AppError::invalid("expires_in_days", e.to_string()))?,
    };
    let actor = super::domains::actor(&account).await;
    let issued = services::tokens::create_token(&state.services, &actor, &session, request).await?;
    tracing::info!(token = issued.token.id, by = %account.email, "API token created");
    if crate::ssr::is_form_post().await {
        crate::ssr::set_response_cookie(&web::new_token_cookie(&parts, &issued.secret));
        leptos_axum::redirect("/profile");
    }
    Ok(NewApiToken {
        id: issued.token.id,
        name: issued.token.name.to_string(),
        secret: issued.secret,
    })
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i32) -> Result<(), AppError> {
    let (account, state) = signed_in().await?;
    let actor = super::domains::actor(&account).await;
    services::tokens::revoke_token(&state.services, &actor, account.id, id).await?;
    if crate::ssr::is_form_post().await {
        leptos_axum::redirect("/profile?revoked=1");
    }
    Ok(())
}
