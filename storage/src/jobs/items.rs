//! The worker's side of a revalidation job: recording each check, and forgetting an inbox that
//! is removed.

use chrono::{DateTime, Utc};
use domain::RolloutState;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use super::claims::ClaimedItem;
use super::{finished_summary, locked_job, parse_failures};
use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::revalidation_item as item;
use crate::entity::revalidation_job::{ActiveModel, Model};
use crate::inboxes::{store_check, CheckResult};
use crate::{now, StorageError};

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
    if !mark_done(&txn, worker, item).await? {
        return Ok(false);
    }
    if RolloutState::parse(&job.state) == Some(RolloutState::Superseded) {
        // A later change has its own job: this result is for settings no longer in force.
        txn.commit().await?;
        return Ok(true);
    }
    store_check(&txn, item.inbox_id, &outcome.result, Some(item.job_id)).await?;
    let id = job.id;
    tally_check(&txn, job, outcome).await?;
    crate::positions::checks_moved(&txn).await?;
    txn.commit().await?;
    tracing::debug!(job = id, inbox = item.inbox_id, "revalidation item done");
    Ok(true)
}

/// Marks the item done if `worker` still holds it; whether it did.
async fn mark_done(
    txn: &DatabaseTransaction,
    worker: &str,
    item: ClaimedItem,
) -> Result<bool, StorageError> {
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
        .exec(txn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Counts the check in the job's tally and moves the job on (after its canary: running or
/// paused; after its last item: done), recording the event of that move.
async fn tally_check(
    txn: &DatabaseTransaction,
    job: Model,
    outcome: &ItemOutcome,
) -> Result<(), StorageError> {
    let state = RolloutState::parse(&job.state);
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
        event = settle_canary(&mut row, outcome.pause.as_deref());
    }
    if event.is_none() && checked >= total {
        row.state = Set(RolloutState::Done.as_str().to_owned());
        row.finished_at = Set(Some(now()));
        event = Some((
            AuditAction::RolloutFinished,
            finished_summary(checked, connected, &failures),
        ));
    }
    row.update(txn).await?;
    if let Some((action, summary)) = event {
        let event = NewEvent::new(action)
            .domain(Some(domain_id), &name)
            .summary(summary)
            .job(id);
        audit::append(txn, None, event).await?;
    }
    Ok(())
}

/// After the canary's check: paused when it must pause the rollout (with the event to record),
/// running otherwise.
fn settle_canary(row: &mut ActiveModel, pause: Option<&str>) -> Option<(AuditAction, String)> {
    match pause {
        Some(why) => {
            row.state = Set(RolloutState::Paused.as_str().to_owned());
            row.pause_detail = Set(Some(why.to_owned()));
            Some((
                AuditAction::RolloutPaused,
                format!("Revalidation paused: the first inbox checked failed: {why}"),
            ))
        }
        None => {
            row.state = Set(RolloutState::Running.as_str().to_owned());
            None
        }
    }
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
