//! Revalidation jobs: one per domain change that reaches inboxes. The job row commits with the
//! change (constant cost); a worker expands it into one item per inbox and claims items under
//! a lease, so a job survives a crashed worker and two workers never hold the same item.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{DomainSettings, RolloutState};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, NotSet, QueryFilter, QueryOrder, Set, Statement,
};
use serde::{Deserialize, Serialize};

use crate::entity::revalidation_job::{ActiveModel, Column, Entity, Model};
use crate::{now, Actor, StorageError};

mod claims;
mod items;
mod resume;

pub use claims::{claim_items, release_claims, ClaimedItem};
pub(crate) use items::forget_inbox;
pub use items::{finish_item, ItemOutcome};
pub use resume::continue_job;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevalidationJob {
    pub id: i32,
    pub domain_id: i32,
    pub domain_name: String,
    pub domain_version: i32,
    /// The settings before the change, for "Revert to previous settings".
    pub previous_settings: Option<DomainSettings>,
    pub state: RolloutState,
    pub total: i32,
    pub checked: i32,
    pub connected: i32,
    /// Category → inboxes disconnected with it.
    pub failures: BTreeMap<String, i32>,
    pub pause_detail: Option<String>,
    /// Paused until a super admin approves a host the domain has never used.
    pub awaiting_approval: bool,
    pub actor_email: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Starts a revalidation for a domain change (in the change's transaction): earlier active
/// jobs of the domain are superseded. Nothing is created when no inbox uses the domain. With
/// hosts `waiting` for a super admin's approval, it starts paused.
pub(crate) async fn start_job(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    domain_id: i32,
    domain_name: &str,
    version: i32,
    previous: Option<&DomainSettings>,
    waiting: &[String],
) -> Result<Option<i32>, StorageError> {
    Entity::update_many()
        .col_expr(Column::State, RolloutState::Superseded.as_str().into())
        .col_expr(Column::UpdatedAt, now().into())
        .filter(Column::DomainId.eq(domain_id))
        .filter(Column::State.is_in(active_states()))
        .exec(conn)
        .await?;
    if !crate::inboxes::domain_has_inboxes(conn, domain_id).await? {
        return Ok(None);
    }
    let previous = previous
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("job settings: {e}")))?;
    let at = now();
    ActiveModel {
        id: NotSet,
        domain_id: Set(domain_id),
        domain_name: Set(domain_name.to_owned()),
        domain_version: Set(version),
        previous_settings: Set(previous),
        state: Set(if waiting.is_empty() {
            RolloutState::Canary
        } else {
            RolloutState::Paused
        }
        .as_str()
        .to_owned()),
        expanded: Set(false),
        total: Set(0),
        checked: Set(0),
        connected: Set(0),
        failures: Set("{}".to_owned()),
        pause_detail: Set(
            (!waiting.is_empty()).then(|| crate::domain_hosts::approval_detail(waiting))
        ),
        awaiting_approval: Set(!waiting.is_empty()),
        actor_email: Set(actor.email.clone()),
        created_at: Set(at),
        updated_at: Set(at),
        finished_at: Set(None),
    }
    .insert(conn)
    .await
    .map(|job| Some(job.id))
    .map_err(StorageError::from)
}

fn active_states() -> [&'static str; 3] {
    [
        RolloutState::Canary.as_str(),
        RolloutState::Running.as_str(),
        RolloutState::Paused.as_str(),
    ]
}

/// `FOR UPDATE` where the database has row locks; SQLite serializes writers anyway.
fn lock_clause(backend: DatabaseBackend, skip_locked: bool) -> &'static str {
    match (backend, skip_locked) {
        (DatabaseBackend::Postgres, true) => " FOR UPDATE SKIP LOCKED",
        (DatabaseBackend::Postgres, false) => " FOR UPDATE",
        _ => "",
    }
}

/// Locks the job row on PostgreSQL (SQLite writers are serialized by `begin_write`).
async fn locked_job(conn: &impl ConnectionTrait, id: i32) -> Result<Model, StorageError> {
    let backend = conn.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        let sql = "SELECT id FROM revalidation_jobs WHERE id = $1 FOR UPDATE";
        conn.execute(Statement::from_sql_and_values(backend, sql, [id.into()]))
            .await?;
    }
    Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StorageError::NotFound)
}

/// Expands new jobs into one pending item per inbox (one statement each). Returns how many
/// jobs were expanded.
pub async fn expand_jobs(db: &DatabaseConnection) -> Result<usize, StorageError> {
    let new: Vec<i32> = Entity::find()
        .filter(Column::Expanded.eq(false))
        .filter(Column::State.is_in(active_states()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut expanded = 0;
    for id in new {
        let txn = crate::begin_write(db).await?;
        let job = locked_job(&txn, id).await?;
        if job.expanded {
            continue;
        }
        let insert = "INSERT INTO revalidation_items (job_id, inbox_id, state, attempts) \
                      SELECT $1, id, 'pending', 0 FROM inboxes WHERE domain_id = $2";
        let rows = txn
            .execute(Statement::from_sql_and_values(
                txn.get_database_backend(),
                insert,
                [job.id.into(), job.domain_id.into()],
            ))
            .await?
            .rows_affected();
        let total = i32::try_from(rows).unwrap_or(i32::MAX);
        let mut row: ActiveModel = job.into();
        row.expanded = Set(true);
        row.total = Set(total);
        row.updated_at = Set(now());
        if total == 0 {
            row.state = Set(RolloutState::Done.as_str().to_owned());
            row.finished_at = Set(Some(now()));
        }
        row.update(&txn).await?;
        crate::positions::checks_moved(&txn).await?;
        txn.commit().await?;
        expanded += 1;
    }
    Ok(expanded)
}

fn finished_summary(checked: i32, connected: i32, failures: &BTreeMap<String, i32>) -> String {
    let mut s = format!(
        "{checked} inboxes revalidated: {connected} connected, {} disconnected",
        checked - connected
    );
    if !failures.is_empty() {
        let by: Vec<String> = failures.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        s.push_str(&format!(" ({})", by.join(", ")));
    }
    s
}

pub async fn get_job(db: &DatabaseConnection, id: i32) -> Result<RevalidationJob, StorageError> {
    to_job(
        Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(StorageError::NotFound)?,
    )
}

/// The domain's latest revalidation, if any.
pub async fn latest_job(
    db: &DatabaseConnection,
    domain_id: i32,
) -> Result<Option<RevalidationJob>, StorageError> {
    Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .order_by_desc(Column::Id)
        .one(db)
        .await?
        .map(to_job)
        .transpose()
}

fn parse_failures(json: &str) -> Result<BTreeMap<String, i32>, StorageError> {
    serde_json::from_str(json).map_err(|e| StorageError::Corrupt(format!("job failures: {e}")))
}

fn to_job(m: Model) -> Result<RevalidationJob, StorageError> {
    Ok(RevalidationJob {
        id: m.id,
        domain_id: m.domain_id,
        domain_name: m.domain_name,
        domain_version: m.domain_version,
        previous_settings: m
            .previous_settings
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StorageError::Corrupt(format!("job settings: {e}")))?,
        state: RolloutState::parse(&m.state)
            .ok_or_else(|| StorageError::Corrupt(format!("job state {:?}", m.state)))?,
        total: m.total,
        checked: m.checked,
        connected: m.connected,
        failures: parse_failures(&m.failures)?,
        pause_detail: m.pause_detail,
        awaiting_approval: m.awaiting_approval,
        actor_email: m.actor_email,
        created_at: m.created_at,
        finished_at: m.finished_at,
    })
}
