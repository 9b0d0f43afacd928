//! Login sessions. The cookie carries a random token; only its SHA-256 is stored.

use chrono::{DateTime, Duration, Utc};
use domain::Role;
use rand::rngs::OsRng;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, Statement,
};
use sha2::{Digest, Sha256};

use crate::entity::session::{ActiveModel, Column, Entity};
use crate::entity::user;
use crate::positions::POSITIONS;
use crate::users::to_account;
use crate::{now, ListPositions, StorageError, UserAccount};

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
    if user.disabled {
        return Ok(None);
    }
    let live = is_live(
        db,
        &session.id,
        session.expires_at,
        session.last_seen_at,
        idle_timeout,
    );
    match live.await? {
        true => Ok(Some(to_account(user)?)),
        false => Ok(None),
    }
}

/// [`session_user`] and [`crate::list_positions`] in one statement: what a page kept between
/// requests needs to know that it is still current. `None` as [`session_user`].
pub async fn session_user_at_positions(
    db: &DatabaseConnection,
    token: &str,
    idle_timeout: Duration,
) -> Result<Option<(UserAccount, ListPositions)>, StorageError> {
    let sql = format!(
        "SELECT u.id, u.email, u.role, u.account_access, u.disabled, u.created_at, \
         s.expires_at, s.last_seen_at, {POSITIONS} \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
    );
    let id = token_id(token);
    let statement =
        Statement::from_sql_and_values(db.get_database_backend(), sql, [id.clone().into()]);
    let Some(row) = db.query_one(statement).await? else {
        return Ok(None);
    };
    let (expires_at, last_seen_at) = (
        row.try_get("", "expires_at")?,
        row.try_get("", "last_seen_at")?,
    );
    let disabled: bool = row.try_get("", "disabled")?;
    if disabled || !is_live(db, &id, expires_at, last_seen_at, idle_timeout).await? {
        return Ok(None);
    }
    let role: String = row.try_get("", "role")?;
    let account = UserAccount {
        id: row.try_get("", "id")?,
        email: row.try_get("", "email")?,
        role: Role::parse(&role)
            .map_err(|_| StorageError::Corrupt(format!("user role {role:?}")))?,
        account_access: row.try_get("", "account_access")?,
        disabled,
        created_at: row.try_get("", "created_at")?,
    };
    Ok(Some((account, ListPositions::read(&row)?)))
}

/// Whether a session is still live now; refreshes its `last_seen_at` when that is due.
async fn is_live(
    db: &DatabaseConnection,
    id: &str,
    expires_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    idle_timeout: Duration,
) -> Result<bool, StorageError> {
    let at = now();
    if expires_at <= at || at - last_seen_at > idle_timeout {
        return Ok(false);
    }
    if at - last_seen_at >= LAST_SEEN_RESOLUTION {
        Entity::update_many()
            .col_expr(Column::LastSeenAt, Expr::value(at))
            .filter(Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(true)
}

/// Whether `token` names an unexpired session of `user_id` (inside the caller's transaction; the
/// idle time was checked when the request was let in).
pub(crate) async fn is_live_session_of(
    conn: &impl ConnectionTrait,
    token: &str,
    user_id: i32,
) -> Result<bool, StorageError> {
    let found = Entity::find_by_id(token_id(token))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ExpiresAt.gt(now()))
        .count(conn)
        .await?;
    Ok(found > 0)
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
