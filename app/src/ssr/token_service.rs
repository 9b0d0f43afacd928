//! API tokens, for the pages' server functions and the JSON API alike: creating one (within the
//! per-minute allowance and the cap on live tokens), and a super admin's view of anyone's.

use domain::{TokenLifetime, TokenName, TokenScope};
use storage::{Actor, ApiToken, IssuedToken, StorageError, UserAccount};

use super::{store_error, AppState};
use crate::error::{Allowance, AppError};

/// Tokens one user may create per minute, counted in the database over all server processes.
pub const TOKENS_PER_MINUTE: usize = 10;

/// What a new token is called, may do, and how long it lives.
pub struct TokenRequest {
    pub name: TokenName,
    pub scope: TokenScope,
    pub lifetime: TokenLifetime,
}

/// Creates a token for `actor` from their live session `session` (the cookie's token).
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    session: &str,
    request: TokenRequest,
) -> Result<IssuedToken, AppError> {
    admit(state, actor.user_id).await?;
    let TokenRequest {
        name,
        scope,
        lifetime,
    } = request;
    match storage::create_api_token(&state.db, actor, session, name, scope, lifetime).await {
        Ok(issued) => Ok(issued),
        Err(StorageError::TokenLimit) => Err(AppError::invalid(
            "name",
            format!(
                "You already have {} active tokens, the most one account may hold: revoke one \
                 you no longer use first.",
                storage::MAX_ACTIVE_TOKENS
            ),
        )),
        Err(StorageError::SessionEnded) => Err(AppError::Unauthenticated),
        Err(e) => Err(store_error(e)),
    }
}

async fn admit(state: &AppState, user_id: i32) -> Result<(), AppError> {
    let key = format!("api-tokens:user:{user_id}");
    let window = chrono::Duration::seconds(60);
    match storage::take_rate_slot(&state.db, &key, TOKENS_PER_MINUTE, window)
        .await
        .map_err(store_error)?
    {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => Err(AppError::RateLimited {
            retry_after_secs,
            per_minute: TOKENS_PER_MINUTE,
            allowance: Allowance::ApiTokens,
        }),
    }
}

/// A user and their tokens, newest first (revoked and expired ones included).
pub async fn user_tokens(
    state: &AppState,
    user_id: i32,
) -> Result<(UserAccount, Vec<ApiToken>), AppError> {
    let owner = storage::get_user(&state.db, user_id)
        .await
        .map_err(store_error)?
        .ok_or(AppError::NotFound)?;
    let tokens = storage::list_api_tokens(&state.db, user_id)
        .await
        .map_err(store_error)?;
    Ok((owner, tokens))
}

/// Revokes token `id` of `owner_id` as `actor` (the owner, or a super admin).
pub async fn revoke_token(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
    id: i32,
) -> Result<ApiToken, AppError> {
    let token = storage::revoke_api_token(&state.db, actor, owner_id, id)
        .await
        .map_err(store_error)?;
    tracing::info!(token = id, owner = owner_id, by = %actor.email, "API token revoked");
    Ok(token)
}
