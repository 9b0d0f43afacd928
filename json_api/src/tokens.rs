//! `/api/v1/users/{id}/tokens`: any user's API tokens, for super admins, who may revoke them
//! (an account reset because it was stolen may still have tokens made with it).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use domain::{Rights, TokenScope};
use serde::Serialize;
use services::{tokens as token_service, Refusal, Services};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Path;

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_user_tokens))
        .routes(routes!(revoke_user_token))
}

/// An API token (never its secret, which only its owner saw, once).
#[derive(Serialize, ToSchema)]
pub struct Token {
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    /// Absent: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

impl From<storage::ApiToken> for Token {
    fn from(t: storage::ApiToken) -> Self {
        let status = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_expired(Utc::now()) {
            "expired"
        } else {
            "active"
        };
        Token {
            id: t.id,
            user_id: t.user_id,
            name: t.name.to_string(),
            scope: t.scope,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserTokens {
    pub user_id: i32,
    pub email: String,
    /// Newest first, revoked and expired ones included.
    pub items: Vec<Token>,
}

/// List a user's API tokens (super admins).
#[utoipa::path(get, path = "/users/{id}/tokens", tag = "tokens", params(("id" = i32, Path)),
    responses((status = 200, body = UserTokens), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn list_user_tokens(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
) -> Result<Json<UserTokens>, ApiError> {
    caller.require(Rights::can_manage_users, Refusal::ManageUsers, false)?;
    let (owner, tokens) = token_service::user_tokens(&services, id).await?;
    Ok(Json(UserTokens {
        user_id: owner.id,
        email: owner.email,
        items: tokens.into_iter().map(Token::from).collect(),
    }))
}

/// Revoke one of a user's API tokens (super admins); the change history names who revoked
/// whose token. Revoking a revoked token changes nothing.
#[utoipa::path(delete, path = "/users/{id}/tokens/{token_id}", tag = "tokens",
    params(("id" = i32, Path), ("token_id" = i32, Path)),
    responses((status = 200, body = Token), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn revoke_user_token(
    State(services): State<Services>,
    caller: Caller,
    Path((id, token_id)): Path<(i32, i32)>,
) -> Result<Json<Token>, ApiError> {
    caller.require(Rights::can_manage_users, Refusal::ManageUsers, true)?;
    let token = token_service::revoke_token(&services, &caller.actor(), id, token_id).await?;
    Ok(Json(token.into()))
}
