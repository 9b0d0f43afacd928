//! The append-only audit trail: every change in the product, each event chained to the last
//! (see `chain` and `audit_chain`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{AccountChange, Field, FieldChange, Role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entity::audit_event::{Column, Entity, Model};
use crate::StorageError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Created,
    Updated,
    Deleted,
    /// The settings before a change were restored ("Revert to previous settings").
    Reverted,
    /// A connection test finished (its verdict in the summary, its report linked).
    ConnectionTest,
    InboxConnected,
    InboxPasswordChanged,
    InboxRemoved,
    /// An inbox's state changed (connected ↔ disconnected) after a check.
    InboxState,
    RolloutPaused,
    RolloutContinued,
    RolloutFinished,
    UserCreated,
    UserUpdated,
    PasswordReset,
    LoggedIn,
    LoginFailed,
    LoggedOut,
    ApiTokenCreated,
    ApiTokenRevoked,
    /// Logins refused while a throttle key was locked: one event per key and lock, with a count.
    LoginsRefused,
    /// Settings tried with the stored passwords of a sample of a domain's inboxes.
    SampleTried,
}

impl AuditAction {
    pub const ALL: [AuditAction; 22] = [
        AuditAction::Created,
        AuditAction::Updated,
        AuditAction::Deleted,
        AuditAction::Reverted,
        AuditAction::ConnectionTest,
        AuditAction::InboxConnected,
        AuditAction::InboxPasswordChanged,
        AuditAction::InboxRemoved,
        AuditAction::InboxState,
        AuditAction::RolloutPaused,
        AuditAction::RolloutContinued,
        AuditAction::RolloutFinished,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::PasswordReset,
        AuditAction::LoggedIn,
        AuditAction::LoginFailed,
        AuditAction::LoggedOut,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::LoginsRefused,
        AuditAction::SampleTried,
    ];

    /// Actions that move a domain to its next version (one event per version).
    const VERSION_BUMPS: [AuditAction; 2] = [AuditAction::Updated, AuditAction::Reverted];

    /// The stored name (and the export's).
    pub fn as_str(&self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Updated => "updated",
            AuditAction::Deleted => "deleted",
            AuditAction::Reverted => "reverted",
            AuditAction::ConnectionTest => "connection_test",
            AuditAction::InboxConnected => "inbox_connected",
            AuditAction::InboxPasswordChanged => "inbox_password_changed",
            AuditAction::InboxRemoved => "inbox_removed",
            AuditAction::InboxState => "inbox_state",
            AuditAction::RolloutPaused => "rollout_paused",
            AuditAction::RolloutContinued => "rollout_continued",
            AuditAction::RolloutFinished => "rollout_finished",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserUpdated => "user_updated",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::LoggedIn => "logged_in",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoggedOut => "logged_out",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::ApiTokenRevoked => "api_token_revoked",
            AuditAction::LoginsRefused => "logins_refused",
            AuditAction::SampleTried => "sample_tried",
        }
    }

    /// How the history shows it.
    pub fn label(&self) -> &'static str {
        match self {
            AuditAction::Created => "Created",
            AuditAction::Updated => "Updated",
            AuditAction::Deleted => "Deleted",
            AuditAction::Reverted => "Reverted",
            AuditAction::ConnectionTest => "Connection test",
            AuditAction::InboxConnected => "Inbox connected",
            AuditAction::InboxPasswordChanged => "Inbox password changed",
            AuditAction::InboxRemoved => "Inbox removed",
            AuditAction::InboxState => "Inbox status",
            AuditAction::RolloutPaused => "Revalidation paused",
            AuditAction::RolloutContinued => "Revalidation continued",
            AuditAction::RolloutFinished => "Revalidation finished",
            AuditAction::UserCreated => "User created",
            AuditAction::UserUpdated => "User changed",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::LoggedIn => "Logged in",
            AuditAction::LoginFailed => "Login failed",
            AuditAction::LoggedOut => "Logged out",
            AuditAction::ApiTokenCreated => "API token created",
            AuditAction::ApiTokenRevoked => "API token revoked",
            AuditAction::LoginsRefused => "Logins refused (throttled)",
            AuditAction::SampleTried => "Tried on a sample",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether the event's changes are a user account's fields (not a domain's).
    fn changes_accounts(&self) -> bool {
        matches!(self, AuditAction::UserCreated | AuditAction::UserUpdated)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i32,
    /// Position in the hash chain (`None` only for an event inserted outside the application).
    pub seq: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<i32>,
    pub actor_email: String,
    pub actor_role: Option<Role>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub domain_id: Option<i32>,
    /// Empty for events about no domain (logins, users).
    pub domain_name: String,
    /// The user or inbox address an event is about, when that is not (only) a domain.
    pub target: Option<String>,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
    pub account_changes: Vec<AccountChange>,
    /// The connection test's report: of exactly the saved values, or the test itself.
    pub probe_report_id: Option<i32>,
    pub job_id: Option<i32>,
    /// What happened, for events without field changes (inboxes, rollouts, tests, logins).
    pub summary: Option<String>,
    /// The API token the change was made with (its owner is the actor).
    pub api_token_id: Option<i32>,
    pub hash: Option<String>,
}

pub(crate) use crate::audit_append::{append, NewEvent};

/// The latest `limit` events of one domain, newest first (kept after the domain is deleted).
pub async fn domain_history(
    db: &DatabaseConnection,
    domain_id: i32,
    limit: u64,
) -> Result<Vec<AuditEvent>, StorageError> {
    Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .order_by_desc(Column::Seq)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
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
    // In i64: a client may send any i32 as the version it read (i32::MIN overflowed in i32).
    let Ok(count) = u64::try_from(i64::from(to_version) - i64::from(from_version)) else {
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

pub(crate) fn to_event(m: Model) -> Result<AuditEvent, StorageError> {
    let action = AuditAction::parse(&m.action)
        .ok_or_else(|| StorageError::Corrupt(format!("audit action {:?}", m.action)))?;
    let (changes, account_changes) = if action.changes_accounts() {
        let account = serde_json::from_str(&m.changes)
            .map_err(|e| StorageError::Corrupt(format!("audit account changes: {e}")))?;
        (Vec::new(), account)
    } else {
        (parse_changes(&m.changes)?, Vec::new())
    };
    Ok(AuditEvent {
        id: m.id,
        seq: m.seq,
        occurred_at: m.occurred_at,
        actor_user_id: m.actor_user_id,
        actor_email: m.actor_email,
        actor_role: m.actor_role.as_deref().and_then(|r| Role::parse(r).ok()),
        client_ip: m.client_ip,
        user_agent: m.user_agent,
        domain_id: m.domain_id,
        domain_name: m.domain_name,
        target: m.target,
        action,
        changes,
        account_changes,
        probe_report_id: m.probe_report_id,
        job_id: m.job_id,
        summary: m.summary,
        api_token_id: m.api_token_id,
        hash: m.hash,
    })
}
