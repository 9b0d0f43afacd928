//! The worker's side of a revalidation job: claiming items under a lease, recording each
//! check, handing items back, and forgetting an inbox that is removed.

use chrono::{DateTime, Utc};
use domain::RolloutState;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QueryResult, Set, Statement, Value,
};

use super::{finished_summary, lock_clause, locked_job, parse_failures};
use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::revalidation_item as item;
use crate::entity::revalidation_job::{ActiveModel, Column, Entity};
use crate::inboxes::{store_check, CheckResult};
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
    let jobs = Entity::find()
        .filter(Column::Expanded.eq(true))
        .filter(Column::State.is_in([
            RolloutState::Canary.as_str(),
            RolloutState::Running.as_str(),
        ]))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for job in jobs {
        let room = limit.saturating_sub(claimed.len() as u64);
        if room == 0 {
            break;
        }
        let txn = crate::begin_write(db).await?;
        let job = locked_job(&txn, job.id).await?;
        let canary = job.state == RolloutState::Canary.as_str();
        let n = match RolloutState::parse(&job.state) {
            Some(RolloutState::Canary) if held_or_done(&txn, job.id).await? => 0,
            Some(RolloutState::Canary) => 1,
            Some(RolloutState::Running) => room,
            _ => 0,
        };
        if n > 0 {
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
            for r in rows {
                claimed.push(ClaimedItem {
                    job_id: job.id,
                    inbox_id: r.try_get::<i32>("", "inbox_id")?,
                    canary,
                });
            }
        }
        txn.commit().await?;
    }
    Ok(claimed)
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

/// What the check of one item found.
#[derive(Clone, Debug)]
pub struct ItemOutcome {
    pub result: CheckResult,
    /// The failure's category (for the job's tally), when the inbox is disconnected.
    pub category: Option<String>,
    /// A canary failure that must pause the rollout (settings or certificate), with its text.
    pub pause: Option<String>,
}

/// Records a claimed item's check with the inbox's new state, in one transaction. Returns
/// `false` when the item is no longer this worker's (its lease ran out and another took it).
pub async fn finish_item(
    db: &DatabaseConnection,
    worker: &str,
    item: ClaimedItem,
    outcome: &ItemOutcome,
) -> Result<bool, StorageError> {
    let txn = crate::begin_write(db).await?;
    let job = locked_job(&txn, item.job_id).await?;
    let done = item::Entity::update_many()
        .col_expr(item::Column::State, "done".into())
        .col_expr(
            item::Column::LeaseUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(item::Column::JobId.eq(item.job_id))
        .filter(item::Column::InboxId.eq(item.inbox_id))
        .filter(item::Column::State.eq("claimed"))
        .filter(item::Column::Worker.eq(worker))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    let state = RolloutState::parse(&job.state);
    if state == Some(RolloutState::Superseded) {
        // A later change has its own job: this result is for settings no longer in force.
        txn.commit().await?;
        return Ok(true);
    }
    store_check(&txn, item.inbox_id, &outcome.result, Some(item.job_id)).await?;
    let mut failures = parse_failures(&job.failures)?;
    if let Some(c) = &outcome.category {
        *failures.entry(c.clone()).or_default() += 1;
    }
    let checked = job.checked + 1;
    let connected = job.connected + i32::from(outcome.category.is_none());
    let (id, domain_id, name, total) = (job.id, job.domain_id, job.domain_name.clone(), job.total);
    let mut row: ActiveModel = job.into();
    row.checked = Set(checked);
    row.connected = Set(connected);
    row.failures = Set(serde_json::to_string(&failures).unwrap_or_else(|_| "{}".into()));
    row.updated_at = Set(now());
    let mut event = None;
    if state == Some(RolloutState::Canary) {
        match &outcome.pause {
            Some(why) => {
                row.state = Set(RolloutState::Paused.as_str().to_owned());
                row.pause_detail = Set(Some(why.clone()));
                event = Some((
                    AuditAction::RolloutPaused,
                    format!("Revalidation paused: the first inbox checked failed: {why}"),
                ));
            }
            None => row.state = Set(RolloutState::Running.as_str().to_owned()),
        }
    }
    if event.is_none() && checked >= total {
        row.state = Set(RolloutState::Done.as_str().to_owned());
        row.finished_at = Set(Some(now()));
        event = Some((
            AuditAction::RolloutFinished,
            finished_summary(checked, connected, &failures),
        ));
    }
    row.update(&txn).await?;
    if let Some((action, summary)) = event {
        let event = NewEvent::new(action)
            .domain(Some(domain_id), &name)
            .summary(summary)
            .job(id);
        audit::append(&txn, None, event).await?;
    }
    txn.commit().await?;
    tracing::debug!(job = id, inbox = item.inbox_id, "revalidation item done");
    Ok(true)
}

/// An inbox removed while jobs still had to check it (in the removal's transaction): its
/// items go, and each such job counts one inbox fewer, finishing when nothing is left to
/// check. Otherwise the job would wait forever for an inbox that no longer exists.
pub(crate) async fn forget_inbox(
    conn: &DatabaseTransaction,
    inbox_id: i32,
) -> Result<(), StorageError> {
    let jobs: Vec<i32> = item::Entity::find()
        .filter(item::Column::InboxId.eq(inbox_id))
        .filter(item::Column::State.ne("done"))
        .order_by_asc(item::Column::JobId)
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.job_id)
        .collect();
    for id in jobs {
        let job = locked_job(conn, id).await?;
        item::Entity::delete_many()
            .filter(item::Column::JobId.eq(id))
            .filter(item::Column::InboxId.eq(inbox_id))
            .exec(conn)
            .await?;
        let state = RolloutState::parse(&job.state);
        if !state.is_some_and(RolloutState::is_active) {
            continue;
        }
        let total = job.total - 1;
        // A paused job waits for its admin's decision; continuing it finishes it then.
        let finishes = job.checked >= total && state != Some(RolloutState::Paused);
        let event = (finishes && job.checked > 0)
            .then(|| {
                Ok::<_, StorageError>(finished_summary(
                    job.checked,
                    job.connected,
                    &parse_failures(&job.failures)?,
                ))
            })
            .transpose()?;
        let (domain_id, name) = (job.domain_id, job.domain_name.clone());
        let mut row: ActiveModel = job.into();
        row.total = Set(total);
        row.updated_at = Set(now());
        if finishes {
            row.state = Set(RolloutState::Done.as_str().to_owned());
            row.finished_at = Set(Some(now()));
        }
        row.update(conn).await?;
        if let Some(summary) = event {
            let event = NewEvent::new(AuditAction::RolloutFinished)
                .domain(Some(domain_id), &name)
                .summary(summary)
                .job(id);
            audit::append(conn, None, event).await?;
        }
    }
    Ok(())
}
