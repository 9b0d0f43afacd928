//! Sliding-window rate limits shared by every server process: a key (such as
//! `connection-tests:user:7`) may be used `limit` times within a window. The check and the count
//! happen in one write transaction that locks the key's row, so parallel requests on two
//! processes are counted one by one.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::entity::rate_limit::{ActiveModel, Column, Entity};
use crate::{now, StorageError};

/// Counts one use of `key`, or says how many seconds until the oldest use in the window ends
/// (and then counts nothing).
pub async fn take_rate_slot(
    db: &DatabaseConnection,
    key: &str,
    limit: usize,
    window: Duration,
) -> Result<Result<(), u64>, StorageError> {
    let txn = crate::begin_write(db).await?;
    // A write first: it creates the row or locks it (PostgreSQL), or takes SQLite's write lock.
    let row = Entity::insert(ActiveModel {
        key: Set(key.to_owned()),
        hits: Set("[]".to_owned()),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .update_column(Column::UpdatedAt)
            .to_owned(),
    )
    .exec_with_returning(&txn)
    .await?;
    // The time is read once the row is ours: a request that waited for the lock must not count
    // (or measure the wait) from before the uses counted while it waited.
    let at = now();
    let mut hits = live_hits(&row.hits, at, window);
    if hits.len() >= limit {
        txn.rollback().await?;
        let oldest = hits.first().copied().unwrap_or(at.timestamp_millis());
        let ends = (oldest + window.num_milliseconds() - at.timestamp_millis())
            .clamp(0, window.num_milliseconds());
        return Ok(Err((ends as u64).div_ceil(1000).max(1)));
    }
    hits.push(at.timestamp_millis());
    let hits = serde_json::to_string(&hits)
        .map_err(|e| StorageError::Corrupt(format!("rate limit: {e}")))?;
    Entity::update_many()
        .col_expr(Column::Hits, sea_orm::sea_query::Expr::value(hits))
        .filter(Column::Key.eq(key))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Removes the rows of keys unused for longer than `older_than` (the longest window).
pub async fn purge_rate_limits(
    db: &DatabaseConnection,
    older_than: Duration,
) -> Result<u64, StorageError> {
    let result = Entity::delete_many()
        .filter(Column::UpdatedAt.lt(now() - older_than))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The stored uses still inside the window, oldest first (an unreadable list counts as empty).
fn live_hits(stored: &str, at: DateTime<Utc>, window: Duration) -> Vec<i64> {
    let since = (at - window).timestamp_millis();
    let mut hits: Vec<i64> = serde_json::from_str(stored).unwrap_or_default();
    hits.retain(|t| *t > since);
    hits.sort_unstable();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_window_counts() {
        let at = DateTime::from_timestamp_millis(100_000).expect("time");
        let hits = live_hits("[30000, 40001, 99000, 50000]", at, Duration::seconds(60));
        assert_eq!(hits, vec![40_001, 50_000, 99_000]);
        assert!(live_hits("not json", at, Duration::seconds(60)).is_empty());
    }
}
