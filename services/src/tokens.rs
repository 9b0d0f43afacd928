//! API tokens, for the pages' server functions and the JSON API alike: creating one (within the
//! per-minute allowance and the cap on live tokens), and a super admin's view of anyone's.

use domain::{TokenLifetime, TokenName, TokenScope};
use storage::{Actor, ApiToken, IssuedToken, StorageError, UserAccount};

use crate::{Allowance, ServiceError, Services};

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
    services: &Services,
    actor: &Actor,
    session: &str,
    request: TokenRequest,
) -> Result<IssuedToken, ServiceError> {
    admit(services, actor.user_id).await?;
    let TokenRequest {
        name,
        scope,
        lifetime,
    } = request;
    match storage::create_api_token(&services.db, actor, session, name, scope, lifetime).await {
        Ok(issued) => Ok(issued),
        Err(StorageError::TokenLimit) => Err(ServiceError::invalid(
            "name",
            format!(
                "You already have {} active tokens, the most one account may hold: revoke one \
                 you no longer use first.",
                storage::MAX_ACTIVE_TOKENS
            ),
        )),
        Err(StorageError::SessionEnded) => Err(ServiceError::Unauthenticated),
        Err(e) => Err(ServiceError::from(e)),
    }
}

async fn admit(services: &Services, user_id: i32) -> Result<(), ServiceError> {
    let key = format!("api-tokens:user:{user_id}");
    let window = chrono::Duration::seconds(60);
    match storage::take_rate_slot(&services.db, &key, TOKENS_PER_MINUTE, window).await? {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => Err(ServiceError::RateLimited {
            retry_after_secs,
            per_minute: TOKENS_PER_MINUTE,
            allowance: Allowance::ApiTokens,
        }),
    }
}

/// A user and their tokens, newest first (revoked and expired ones included).
pub async fn user_tokens(
    services: &Services,
    user_id: i32,
) -> Result<(UserAccount, Vec<ApiToken>), ServiceError> {
    let owner = storage::get_user(&services.db, user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let tokens = storage::list_api_tokens(&services.db, user_id).await?;
    Ok((owner, tokens))
}

/// Revokes token `id` of `owner_id` as `actor` (the owner, or a super admin).
pub async fn revoke_token(
    services: &Services,
    actor: &Actor,
    owner_id: i32,
    id: i32,
) -> Result<ApiToken, ServiceError> {
    let token = storage::revoke_api_token(&services.db, actor, owner_id, id).await?;
    tracing::info!(token = id, owner = owner_id, by = %actor.email, "API token revoked");
    Ok(token)
}
