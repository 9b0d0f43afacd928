//! The append-only audit trail: domain changes, inbox events and revalidation outcomes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{Field, FieldChange};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::entity::audit_event::{ActiveModel, Column, Entity, Model};
use crate::{now, Actor, StorageError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Created,
    Updated,
    Deleted,
    /// The settings before a change were restored ("Revert to previous settings").
    Reverted,
    InboxConnected,
    InboxRemoved,
    /// An inbox's state changed (connected ↔ disconnected) after a check.
    InboxState,
    RolloutPaused,
    RolloutContinued,
    RolloutFinished,
}

impl AuditAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Updated => "updated",
            AuditAction::Deleted => "deleted",
            AuditAction::Reverted => "reverted",
            AuditAction::InboxConnected => "inbox_connected",
            AuditAction::InboxRemoved => "inbox_removed",
            AuditAction::InboxState => "inbox_state",
            AuditAction::RolloutPaused => "rollout_paused",
            AuditAction::RolloutContinued => "rollout_continued",
            AuditAction::RolloutFinished => "rollout_finished",
        }
    }

    pub const ALL: [AuditAction; 10] = [
        AuditAction::Created,
        AuditAction::Updated,
        AuditAction::Deleted,
        AuditAction::Reverted,
        AuditAction::InboxConnected,
        AuditAction::InboxRemoved,
        AuditAction::InboxState,
        AuditAction::RolloutPaused,
        AuditAction::RolloutContinued,
        AuditAction::RolloutFinished,
    ];

    /// Actions that move a domain to its next version (one event per version).
    const VERSION_BUMPS: [AuditAction; 2] = [AuditAction::Updated, AuditAction::Reverted];

    /// How the history shows it.
    pub fn label(&self) -> &'static str {
        match self {
            AuditAction::Created => "Created",
            AuditAction::Updated => "Updated",
            AuditAction::Deleted => "Deleted",
            AuditAction::Reverted => "Reverted",
            AuditAction::InboxConnected => "Inbox connected",
            AuditAction::InboxRemoved => "Inbox removed",
            AuditAction::InboxState => "Inbox status",
            AuditAction::RolloutPaused => "Revalidation paused",
            AuditAction::RolloutContinued => "Revalidation continued",
            AuditAction::RolloutFinished => "Revalidation finished",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i32,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<i32>,
    pub actor_email: String,
    pub client_ip: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
    /// The successful connection test of exactly the saved values, if there was one.
    pub probe_report_id: Option<i32>,
    /// What happened, for events without field changes (inboxes, rollouts).
    pub summary: Option<String>,
}

/// Every event of one domain, newest first (kept after the domain is deleted).
pub async fn domain_history(
    db: &DatabaseConnection,
    domain_id: i32,
) -> Result<Vec<AuditEvent>, StorageError> {
    Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .order_by_desc(Column::OccurredAt)
        .order_by_desc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
}

/// The latest `limit` events across all domains, newest first.
pub async fn recent_events(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<AuditEvent>, StorageError> {
    Entity::find()
        .order_by_desc(Column::OccurredAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
}

pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    domain_id: i32,
    domain_name: &str,
    action: AuditAction,
    changes: &[FieldChange],
    probe_report_id: Option<i32>,
) -> Result<(), StorageError> {
    let changes = serde_json::to_string(changes)
        .map_err(|e| StorageError::Corrupt(format!("audit changes: {e}")))?;
    ActiveModel {
        id: NotSet,
        occurred_at: Set(now()),
        actor_user_id: Set(Some(actor.user_id)),
        actor_email: Set(actor.email.clone()),
        client_ip: Set(actor.client_ip.clone()),
        domain_id: Set(Some(domain_id)),
        domain_name: Set(domain_name.to_owned()),
        action: Set(action.as_str().to_owned()),
        changes: Set(changes),
        probe_report_id: Set(probe_report_id),
        summary: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// An event without field changes; `actor` is `None` for the background worker.
pub(crate) async fn record_summary(
    conn: &impl ConnectionTrait,
    actor: Option<&Actor>,
    domain_id: Option<i32>,
    domain_name: &str,
    action: AuditAction,
    summary: String,
) -> Result<(), StorageError> {
    ActiveModel {
        id: NotSet,
        occurred_at: Set(now()),
        actor_user_id: Set(actor.map(|a| a.user_id)),
        actor_email: Set(
            actor.map_or_else(|| "revalidation worker".to_owned(), |a| a.email.clone())
        ),
        client_ip: Set(actor.and_then(|a| a.client_ip.clone())),
        domain_id: Set(domain_id),
        domain_name: Set(domain_name.to_owned()),
        action: Set(action.as_str().to_owned()),
        changes: Set("[]".to_owned()),
        probe_report_id: Set(None),
        summary: Set(Some(summary)),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What changed between `from_version` and `to_version` of a domain, merged per field.
///
/// Relies on each version bump writing exactly one "updated" event; returns `None` when the
/// trail does not hold exactly that many events (so the caller can fall back).
pub(crate) async fn changes_between(
    conn: &impl ConnectionTrait,
    domain_id: i32,
    from_version: i32,
    to_version: i32,
) -> Result<Option<Vec<FieldChange>>, StorageError> {
    let Ok(count) = u64::try_from(to_version - from_version) else {
        return Ok(None);
    };
    if count == 0 {
        return Ok(None);
    }
    let newest_first = Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .filter(Column::Action.is_in(AuditAction::VERSION_BUMPS.map(|a| a.as_str())))
        .order_by_desc(Column::Id)
        .limit(count)
        .all(conn)
        .await?;
    if newest_first.len() as u64 != count {
        return Ok(None);
    }
    let mut merged: BTreeMap<Field, FieldChange> = BTreeMap::new();
    for event in newest_first {
        for change in parse_changes(&event.changes)? {
            merged
                .entry(change.field)
                .and_modify(|m| m.before = change.before.clone())
                .or_insert(change);
        }
    }
    Ok(Some(
        merged
            .into_values()
            .filter(|c| c.before != c.after)
            .collect(),
    ))
}

fn parse_changes(json: &str) -> Result<Vec<FieldChange>, StorageError> {
    serde_json::from_str(json).map_err(|e| StorageError::Corrupt(format!("audit changes: {e}")))
}

fn to_event(m: Model) -> Result<AuditEvent, StorageError> {
    let action = AuditAction::parse(&m.action)
        .ok_or_else(|| StorageError::Corrupt(format!("audit action {:?}", m.action)))?;
    Ok(AuditEvent {
        id: m.id,
        occurred_at: m.occurred_at,
        actor_user_id: m.actor_user_id,
        actor_email: m.actor_email,
        client_ip: m.client_ip,
        domain_id: m.domain_id,
        domain_name: m.domain_name,
        action,
        changes: parse_changes(&m.changes)?,
        probe_report_id: m.probe_report_id,
        summary: m.summary,
    })
}
