//! The chain's storage: one writer at a time extends it, events written before the chain
//! existed are chained once, and rows convert to and from [`ChainedEvent`].

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use crate::chain::{ChainedEvent, GENESIS_HASH};
use crate::entity::audit_event::{ActiveModel, Column, Entity, Model};
use crate::StorageError;

/// Any constant works: it names the audit chain among the installation's advisory locks.
const CHAIN_LOCK: i64 = 0x6175_6469_7463_6861;

/// Where the next event goes.
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub next_id: i32,
}

/// Serialises writers of the chain until `txn` ends.
pub(crate) async fn lock_chain(txn: &DatabaseTransaction) -> Result<(), StorageError> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [CHAIN_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct MaxId {
    max_id: Option<i32>,
}

/// The last chained event's seq and hash, and the next free id.
pub(crate) async fn head(conn: &impl ConnectionTrait) -> Result<Head, StorageError> {
    let last = Entity::find()
        .filter(Column::Seq.is_not_null())
        .order_by_desc(Column::Seq)
        .one(conn)
        .await?;
    let max_id = Entity::find()
        .select_only()
        .column_as(Expr::col(Column::Id).max(), "max_id")
        .into_model::<MaxId>()
        .one(conn)
        .await?
        .and_then(|m| m.max_id)
        .unwrap_or(0);
    Ok(match last {
        Some(m) => Head {
            seq: m.seq.unwrap_or(0),
            hash: m.hash.unwrap_or_default(),
            next_id: max_id + 1,
        },
        None => Head {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
            next_id: max_id + 1,
        },
    })
}

pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    event: ChainedEvent,
) -> Result<(), StorageError> {
    to_active(event).insert(txn).await?;
    Ok(())
}

/// Every column set, the id included (it is part of the hash).
pub(crate) fn to_active(event: ChainedEvent) -> ActiveModel {
    ActiveModel {
        id: Set(event.id),
        occurred_at: Set(event.occurred_at),
        actor_user_id: Set(event.actor_user_id),
        actor_email: Set(event.actor_email),
        client_ip: Set(event.client_ip),
        domain_id: Set(event.domain_id),
        domain_name: Set(event.domain_name),
        action: Set(event.action),
        changes: Set(event.changes),
        probe_report_id: Set(event.probe_report_id),
        summary: Set(event.summary),
        seq: Set(Some(event.seq)),
        actor_role: Set(event.actor_role),
        user_agent: Set(event.user_agent),
        target: Set(event.target),
        job_id: Set(event.job_id),
        api_token_id: Set(event.api_token_id),
        prev_hash: Set(Some(event.prev_hash)),
        hash: Set(Some(event.hash)),
    }
}

/// Chains the events written before the chain existed (once: only while no event has a hash,
/// so a row slipped in later is reported by Verify instead of being adopted). Returns how many.
pub(crate) async fn seal_unchained(db: &DatabaseConnection) -> Result<u64, StorageError> {
    let txn = crate::begin_write(db).await?;
    lock_chain(&txn).await?;
    let chained = Entity::find()
        .filter(Column::Hash.is_not_null())
        .one(&txn)
        .await?;
    if chained.is_some() {
        return Ok(0);
    }
    let rows = Entity::find().order_by_asc(Column::Id).all(&txn).await?;
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0;
    for (i, row) in rows.into_iter().enumerate() {
        let mut event = to_chained(row.clone());
        event.seq = i as i64 + 1;
        event.seal(&prev);
        prev = event.hash.clone();
        let mut active = row.into_active_model();
        active.seq = Set(Some(event.seq));
        active.prev_hash = Set(Some(event.prev_hash));
        active.hash = Set(Some(event.hash));
        active.update(&txn).await?;
        count += 1;
    }
    txn.commit().await?;
    if count > 0 {
        tracing::info!(
            events = count,
            "chained the audit events written before the chain"
        );
    }
    Ok(count)
}

/// A stored row as the chain sees it (missing seq or hashes read as 0 and empty).
pub(crate) fn to_chained(m: Model) -> ChainedEvent {
    ChainedEvent {
        id: m.id,
        seq: m.seq.unwrap_or(0),
        occurred_at: m.occurred_at,
        actor_user_id: m.actor_user_id,
        actor_email: m.actor_email,
        actor_role: m.actor_role,
        client_ip: m.client_ip,
        user_agent: m.user_agent,
        domain_id: m.domain_id,
        domain_name: m.domain_name,
        target: m.target,
        action: m.action,
        changes: m.changes,
        summary: m.summary,
        probe_report_id: m.probe_report_id,
        job_id: m.job_id,
        api_token_id: m.api_token_id,
        prev_hash: m.prev_hash.unwrap_or_default(),
        hash: m.hash.unwrap_or_default(),
    }
}
