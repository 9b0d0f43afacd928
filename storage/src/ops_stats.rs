//! Figures for the operators' metrics, read when they are scraped.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{inbox, revalidation_item as item, revalidation_job as job};
use crate::StorageError;

/// The revalidation queue, over every server process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueStats {
    /// Items waiting for a worker.
    pub pending: u64,
    /// Items a worker holds now.
    pub claimed: u64,
    /// Jobs not finished yet.
    pub unfinished_jobs: u64,
    /// Seconds since the oldest unfinished job started (0 when none).
    pub oldest_unfinished_secs: f64,
}

pub async fn queue_stats(db: &DatabaseConnection) -> Result<QueueStats, StorageError> {
    let mut stats = QueueStats::default();
    let counts: Vec<(String, i64)> = item::Entity::find()
        .select_only()
        .column(item::Column::State)
        .column_as(item::Column::InboxId.count(), "n")
        .filter(item::Column::State.is_in(["pending", "claimed"]))
        .group_by(item::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    for (state, n) in counts {
        let n = u64::try_from(n).unwrap_or(0);
        match state.as_str() {
            "pending" => stats.pending = n,
            _ => stats.claimed = n,
        }
    }
    let unfinished = job::Entity::find().filter(job::Column::FinishedAt.is_null());
    stats.unfinished_jobs = sea_orm::PaginatorTrait::count(unfinished.clone(), db).await?;
    if let Some(oldest) = unfinished
        .order_by_asc(job::Column::CreatedAt)
        .one(db)
        .await?
    {
        stats.oldest_unfinished_secs =
            (Utc::now() - oldest.created_at).num_milliseconds().max(0) as f64 / 1000.0;
    }
    Ok(stats)
}

/// How many inboxes are in each stored status (`connected`, `disconnected`).
pub async fn inbox_status_counts(
    db: &DatabaseConnection,
) -> Result<Vec<(String, u64)>, StorageError> {
    let counts: Vec<(String, i64)> = inbox::Entity::find()
        .select_only()
        .column(inbox::Column::Status)
        .column_as(inbox::Column::Id.count(), "n")
        .group_by(inbox::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
        .collect())
}
