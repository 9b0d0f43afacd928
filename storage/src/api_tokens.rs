//! API tokens. The secret is shown once; only its SHA-256 is stored, so a token is found by
//! hashing what the client sends.

use chrono::{DateTime, Duration, Utc};
use domain::{TokenLifetime, TokenName, TokenScope};
use rand::rngs::OsRng;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, NewEvent};
use crate::entity::api_token::{ActiveModel, Column, Entity, Model};
use crate::entity::user;
use crate::users::to_account;
use crate::{now, Actor, StorageError, UserAccount};

mod revoke;

pub(crate) use revoke::revoke_all_api_tokens;
pub use revoke::revoke_api_token;

/// What every secret starts with, so secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "mds_";
/// Tokens one user may hold that are neither revoked nor expired.
pub const MAX_ACTIVE_TOKENS: u64 = 50;
/// `last_used_at` is refreshed at most this often, to spare a write per request.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i32,
    pub user_id: i32,
    pub name: TokenName,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn is_expired(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }
}

/// A token just created, with the secret the owner sees once.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Why a presented token does or does not act for its owner.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenCheck {
    Valid(Box<(UserAccount, ApiToken)>),
    Unknown,
    Expired,
    Revoked,
    /// The owner's account is disabled.
    OwnerDisabled,
}

/// Creates a token for the acting user (its owner), from their live session `session` (the
/// cookie's token), and records it in the history.
///
/// The owner's row is locked first, as a password reset or a disable locks it: one that runs at
/// the same moment either comes after this creation and revokes the new token with the others,
/// or comes before it, ends the session, and this creation is refused (`SessionEnded`), so no
/// token outlives the credentials it was made with.
pub async fn create_api_token(
    db: &DatabaseConnection,
    actor: &Actor,
    session: &str,
    name: TokenName,
    scope: TokenScope,
    lifetime: TokenLifetime,
) -> Result<IssuedToken, StorageError> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let at = now();
    let txn = crate::begin_write(db).await?;
    // FOR UPDATE on PostgreSQL (SQLite's write lock is already held): parallel creations are
    // counted one after the other, and serialised with the owner's reset or disable.
    let owner = user::Entity::find_by_id(actor.user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StorageError::NotFound)?;
    if owner.disabled || !crate::sessions::is_live_session_of(&txn, session, owner.id).await? {
        return Err(StorageError::SessionEnded);
    }
    let active = live(Entity::find().filter(Column::UserId.eq(actor.user_id)), at)
        .count(&txn)
        .await?;
    if active >= MAX_ACTIVE_TOKENS {
        return Err(StorageError::TokenLimit);
    }
    let expires_at = lifetime.days().map(|d| at + Duration::days(i64::from(d)));
    let model = ActiveModel {
        user_id: Set(actor.user_id),
        name: Set(name.as_str().to_owned()),
        secret_hash: Set(secret_hash(&secret)),
        scope: Set(scope.as_str().to_owned()),
        created_at: Set(at),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let token = to_token(model)?;
    let expiry = match token.expires_at {
        Some(e) => format!("expires {}", e.format("%Y-%m-%d %H:%M UTC")),
        None => "never expires".to_owned(),
    };
    let event = NewEvent::new(AuditAction::ApiTokenCreated)
        .target(&actor.email)
        .summary(format!(
            "API token #{} “{}”: {}, {expiry}",
            token.id,
            token.name,
            token.scope.label()
        ));
    crate::audit::append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(IssuedToken { token, secret })
}

/// The user's tokens, newest first (revoked and expired ones included).
pub async fn list_api_tokens(
    db: &DatabaseConnection,
    user_id: i32,
) -> Result<Vec<ApiToken>, StorageError> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_token)
        .collect()
}

/// The user a presented secret acts for, or why it does not.
pub async fn check_api_token(
    db: &DatabaseConnection,
    secret: &str,
) -> Result<TokenCheck, StorageError> {
    let Some((model, Some(owner))) = Entity::find()
        .filter(Column::SecretHash.eq(secret_hash(secret)))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(TokenCheck::Unknown);
    };
    let at = now();
    let token = to_token(model)?;
    if token.revoked_at.is_some() {
        return Ok(TokenCheck::Revoked);
    }
    if token.is_expired(at) {
        return Ok(TokenCheck::Expired);
    }
    if owner.disabled {
        return Ok(TokenCheck::OwnerDisabled);
    }
    if token
        .last_used_at
        .is_none_or(|seen| at - seen >= LAST_USED_RESOLUTION)
    {
        Entity::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(at))
            .filter(Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(TokenCheck::Valid(Box::new((to_account(owner)?, token))))
}

/// Only the tokens that still act: neither revoked nor expired at `at`.
fn live(query: sea_orm::Select<Entity>, at: DateTime<Utc>) -> sea_orm::Select<Entity> {
    query
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.is_null().or(Column::ExpiresAt.gt(at)))
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn to_token(m: Model) -> Result<ApiToken, StorageError> {
    let corrupt = |what: &str| StorageError::Corrupt(format!("API token {} {what}", m.id));
    Ok(ApiToken {
        id: m.id,
        user_id: m.user_id,
        name: TokenName::parse(&m.name).map_err(|_| corrupt("name"))?,
        scope: TokenScope::parse(&m.scope).map_err(|_| corrupt("scope"))?,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}
