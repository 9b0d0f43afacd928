//! Login sessions. The cookie carries a random token; only its SHA-256 is stored.

use chrono::Duration;
use rand::rngs::OsRng;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::entity::session::{ActiveModel, Column, Entity};
use crate::entity::user;
use crate::users::to_account;
use crate::{now, StorageError, UserAccount};

/// `last_seen_at` is refreshed at most this often, to spare a write per request.
const LAST_SEEN_RESOLUTION: Duration = Duration::minutes(1);

/// Starts a session for `user_id` and returns the token for the cookie (64 hex characters).
pub async fn create_session(
    db: &DatabaseConnection,
    user_id: i32,
    ttl: Duration,
) -> Result<String, StorageError> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let at = now();
    Entity::insert(ActiveModel {
        id: Set(token_id(&token)),
        user_id: Set(user_id),
        created_at: Set(at),
        expires_at: Set(at + ttl),
        last_seen_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// The signed-in user, or `None` if the token is unknown, expired, unused for longer than
/// `idle_timeout`, or the user is disabled.
pub async fn session_user(
    db: &DatabaseConnection,
    token: &str,
    idle_timeout: Duration,
) -> Result<Option<UserAccount>, StorageError> {
    let Some((session, Some(user))) = Entity::find_by_id(token_id(token))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = now();
    if session.expires_at <= at || at - session.last_seen_at > idle_timeout || user.disabled {
        return Ok(None);
    }
    if at - session.last_seen_at >= LAST_SEEN_RESOLUTION {
        Entity::update_many()
            .col_expr(Column::LastSeenAt, Expr::value(at))
            .filter(Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(Some(to_account(user)?))
}

/// Ends the session (logout). Unknown tokens are ignored.
pub async fn delete_session(db: &DatabaseConnection, token: &str) -> Result<(), StorageError> {
    Entity::delete_by_id(token_id(token)).exec(db).await?;
    Ok(())
}

/// Removes expired sessions; returns how many were removed.
pub async fn delete_expired_sessions(db: &DatabaseConnection) -> Result<u64, StorageError> {
    let result = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub(crate) fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
