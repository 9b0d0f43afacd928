//! Claiming revalidation items under a lease, and handing them back.

use chrono::{DateTime, Utc};
use domain::RolloutState;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QueryResult, Statement, Value,
};

use super::{lock_clause, locked_job};
use crate::entity::revalidation_item as item;
use crate::entity::revalidation_job::{Column, Entity, Model};
use crate::{now, StorageError};

/// One inbox of one job, held by a worker until its lease ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimedItem {
    pub job_id: i32,
    pub inbox_id: i32,
    /// The job's first check: its failure can pause the rollout.
    pub canary: bool,
}

/// Hands back the items `worker` holds (it is shutting down): claimable by any worker at once
/// instead of when the lease ends. Returns how many.
pub async fn release_claims(db: &DatabaseConnection, worker: &str) -> Result<u64, StorageError> {
    let result = item::Entity::update_many()
        .col_expr(
            item::Column::State,
            sea_orm::sea_query::Expr::value("pending"),
        )
        .col_expr(
            item::Column::Worker,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            item::Column::LeaseUntil,
            sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(item::Column::Worker.eq(worker))
        .filter(item::Column::State.eq("claimed"))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Claims up to `limit` items of active jobs for `worker` until `lease_until`: items never
/// claimed, and items whose worker's lease ran out. A job in its canary phase gives out one
/// item only, and none while that one is held or done.
pub async fn claim_items(
    db: &DatabaseConnection,
    worker: &str,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<ClaimedItem>, StorageError> {
    let jobs = active_jobs(db).await?;
    let mut claimed = Vec::new();
    for job in jobs {
        let room = limit.saturating_sub(claimed.len() as u64);
        if room == 0 {
            break;
        }
        let txn = crate::begin_write(db).await?;
        let job = locked_job(&txn, job.id).await?;
        let n = claimable(&txn, &job, room).await?;
        if n > 0 {
            claimed.extend(claim_from_job(&txn, &job, worker, lease_until, n).await?);
        }
        txn.commit().await?;
    }
    Ok(claimed)
}

/// Expanded jobs in their canary or running phase, oldest first.
async fn active_jobs(db: &DatabaseConnection) -> Result<Vec<Model>, StorageError> {
    Ok(Entity::find()
        .filter(Column::Expanded.eq(true))
        .filter(Column::State.is_in([
            RolloutState::Canary.as_str(),
            RolloutState::Running.as_str(),
        ]))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// How many items the (locked) job may give out now, at most `room`.
async fn claimable(txn: &DatabaseTransaction, job: &Model, room: u64) -> Result<u64, StorageError> {
    Ok(match RolloutState::parse(&job.state) {
        Some(RolloutState::Canary) if held_or_done(txn, job.id).await? => 0,
        Some(RolloutState::Canary) => 1,
        Some(RolloutState::Running) => room,
        _ => 0,
    })
}

/// Claims up to `n` of the job's pending or lapsed items, lowest inbox id first.
async fn claim_from_job(
    txn: &DatabaseTransaction,
    job: &Model,
    worker: &str,
    lease_until: DateTime<Utc>,
    n: u64,
) -> Result<Vec<ClaimedItem>, StorageError> {
    let canary = job.state == RolloutState::Canary.as_str();
    let backend = txn.get_database_backend();
    let sql = format!(
        "UPDATE revalidation_items SET state = 'claimed', worker = $1, lease_until = $2, \
         attempts = attempts + 1 WHERE job_id = $3 AND inbox_id IN (\
         SELECT inbox_id FROM revalidation_items WHERE job_id = $3 AND \
         (state = 'pending' OR (state = 'claimed' AND lease_until < $4)) \
         ORDER BY inbox_id LIMIT $5{}) RETURNING inbox_id",
        lock_clause(backend, true)
    );
    let values: [Value; 5] = [
        worker.into(),
        lease_until.into(),
        job.id.into(),
        now().into(),
        (n as i64).into(),
    ];
    let rows = txn
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ClaimedItem {
                job_id: job.id,
                inbox_id: r.try_get::<i32>("", "inbox_id")?,
                canary,
            })
        })
        .collect()
}

async fn held_or_done(conn: &impl ConnectionTrait, job_id: i32) -> Result<bool, StorageError> {
    let sql = "SELECT COUNT(*) AS n FROM revalidation_items WHERE job_id = $1 AND \
               (state = 'done' OR (state = 'claimed' AND lease_until >= $2))";
    let row: Option<QueryResult> = conn
        .query_one(Statement::from_sql_and_values(
            conn.get_database_backend(),
            sql,
            [job_id.into(), now().into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0)
}
