//! Failure counters with lock-outs, kept in the database so that they hold across server
//! processes. An attempt is counted *before* the password is checked, in one transaction with
//! the lock check: parallel guesses queue on the row and get no more tries than a sequence.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use crate::entity::login_throttle::{ActiveModel, Column, Entity, Model};
use crate::{now, StorageError};

/// How many consecutive failures a key tolerates, and how long it is then locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockPolicy {
    pub max_failures: u32,
    /// The first lock-out; each further failure doubles it, up to `max_lockout`.
    pub first_lockout: Duration,
    pub max_lockout: Duration,
    /// Failures older than this are forgotten.
    pub forget_after: Duration,
}

impl LockPolicy {
    fn lockout(&self, failures: i32) -> Duration {
        let beyond = u32::try_from(failures)
            .unwrap_or(0)
            .saturating_sub(self.max_failures);
        let factor = 1i32 << beyond.min(20);
        (self.first_lockout * factor).min(self.max_lockout)
    }
}

/// One counter: a key such as `net:192.0.2.7` and the policy it follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub policy: LockPolicy,
    /// Whether a lock on this key refuses the attempt; when false the attempt is only counted
    /// (an account's owner on a network they use is not refused by the account's lock).
    pub enforce: bool,
}

/// What `begin_login_attempt` counted, so that a successful attempt can be taken back exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CountedLoginAttempt {
    /// Locks this attempt set: key, the lock it replaced (ended or none), the lock it set.
    locks: Vec<(String, Option<DateTime<Utc>>, DateTime<Utc>)>,
}

/// An attempt refused because a key is locked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub retry_after_secs: u64,
    /// The locked key, and until when: together they name the lock the refusal counts in.
    pub key: String,
    pub locked_until: DateTime<Utc>,
}

/// Counts an attempt against every key, or says which key is locked and how many seconds to
/// wait (and then counts nothing). Keys are locked in a fixed order so concurrent attempts
/// cannot deadlock.
pub async fn begin_login_attempt(
    db: &DatabaseConnection,
    keys: &[ThrottleKey],
) -> Result<Result<CountedLoginAttempt, Refusal>, StorageError> {
    let mut ordered: Vec<&ThrottleKey> = keys.iter().collect();
    ordered.sort_by(|a, b| a.key.cmp(&b.key));
    ordered.dedup_by(|a, b| a.key == b.key);
    let at = now();
    let mut counted = CountedLoginAttempt::default();
    let txn = crate::begin_write(db).await?;
    for key in ordered {
        // A write first: SQLite takes its write lock here, PostgreSQL locks the row.
        forget_stale(&txn, key, at).await?;
        let row = count(&txn, &key.key, at).await?;
        if let Some(until) = row.locked_until.filter(|until| key.enforce && *until > at) {
            txn.rollback().await?;
            return Ok(Err(Refusal {
                retry_after_secs: seconds_until(until, at),
                key: key.key.clone(),
                locked_until: until,
            }));
        }
        if row.failures >= key.policy.max_failures as i32 {
            // This attempt is the last allowed one: lock now, so attempts racing it are refused.
            let until = at + key.policy.lockout(row.failures);
            Entity::update_many()
                .col_expr(Column::LockedUntil, Expr::value(until))
                .filter(Column::Key.eq(&key.key))
                .exec(&txn)
                .await?;
            counted
                .locks
                .push((key.key.clone(), row.locked_until, until));
        }
    }
    txn.commit().await?;
    Ok(Ok(counted))
}

/// Forgets the counters of `keys` (after a successful login), one by one in the order
/// `begin_login_attempt` locks them, so the two cannot deadlock on PostgreSQL.
pub async fn clear_login_attempts(
    db: &DatabaseConnection,
    keys: &[&str],
) -> Result<(), StorageError> {
    let mut ordered = keys.to_vec();
    ordered.sort_unstable();
    let txn = crate::begin_write(db).await?;
    for key in ordered {
        Entity::delete_by_id(key.to_string()).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Takes back what `attempt` counted against `key` (it succeeded): one failure, and the lock
/// it set, unless a later attempt has set another since.
pub async fn refund_login_attempt(
    db: &DatabaseConnection,
    attempt: &CountedLoginAttempt,
    key: &str,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gt(0))
        .exec(&txn)
        .await?;
    for (_, previous, set) in attempt.locks.iter().filter(|(k, _, _)| k == key) {
        Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(*previous))
            .filter(Column::Key.eq(key))
            .filter(Column::LockedUntil.eq(*set))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// How many rows the throttle holds, and whether `key` is one of them.
pub async fn throttle_size(
    db: &DatabaseConnection,
    key: &str,
) -> Result<(u64, bool), StorageError> {
    let rows = Entity::find().count(db).await?;
    let present = Entity::find_by_id(key.to_string()).one(db).await?.is_some();
    Ok((rows, present))
}

/// Records a marker row (no failures), e.g. a network an account has logged in from.
pub async fn touch_marker(db: &DatabaseConnection, key: &str) -> Result<(), StorageError> {
    let at = now();
    Entity::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        locked_until: Set(None),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .update_column(Column::UpdatedAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether a marker row for `key` was touched within `within`.
pub async fn has_marker(
    db: &DatabaseConnection,
    key: &str,
    within: Duration,
) -> Result<bool, StorageError> {
    Ok(Entity::find_by_id(key.to_string())
        .filter(Column::UpdatedAt.gt(now() - within))
        .one(db)
        .await?
        .is_some())
}

/// Removes failure counters untouched for `counters_older_than` whose lock has ended, and
/// markers untouched for `markers_older_than`; returns how many rows went.
pub async fn purge_throttle(
    db: &DatabaseConnection,
    counters_older_than: Duration,
    markers_older_than: Duration,
) -> Result<u64, StorageError> {
    let at = now();
    let counters = Condition::all()
        .add(Column::Failures.gt(0))
        .add(Column::UpdatedAt.lt(at - counters_older_than))
        .add(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(at)));
    let markers = Condition::all()
        .add(Column::Failures.eq(0))
        .add(Column::UpdatedAt.lt(at - markers_older_than));
    let result = Entity::delete_many()
        .filter(Condition::any().add(counters).add(markers))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

async fn forget_stale(
    conn: &impl ConnectionTrait,
    key: &ThrottleKey,
    at: DateTime<Utc>,
) -> Result<(), StorageError> {
    Entity::delete_many()
        .filter(Column::Key.eq(&key.key))
        .filter(Column::UpdatedAt.lt(at - key.policy.forget_after))
        .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(at)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds one failure to `key` (creating its row) and returns the row as it now stands.
async fn count(
    conn: &impl ConnectionTrait,
    key: &str,
    at: DateTime<Utc>,
) -> Result<Model, StorageError> {
    Entity::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(1),
        locked_until: Set(None),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .value(
                Column::Failures,
                Expr::col((Entity, Column::Failures)).add(1),
            )
            .value(Column::UpdatedAt, at)
            .to_owned(),
    )
    .exec_with_returning(conn)
    .await
    .map_err(StorageError::from)
}

fn seconds_until(until: DateTime<Utc>, at: DateTime<Utc>) -> u64 {
    let millis = (until - at).num_milliseconds().max(0) as u64;
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_up_to_the_cap() {
        let policy = LockPolicy {
            max_failures: 3,
            first_lockout: Duration::seconds(30),
            max_lockout: Duration::seconds(100),
            forget_after: Duration::hours(1),
        };
        assert_eq!(policy.lockout(3), Duration::seconds(30));
        assert_eq!(policy.lockout(4), Duration::seconds(60));
        assert_eq!(policy.lockout(5), Duration::seconds(100));
        assert_eq!(policy.lockout(i32::MAX), Duration::seconds(100));
    }
}
