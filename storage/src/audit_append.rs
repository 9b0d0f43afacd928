//! Appending to the audit trail: an event is built with [`NewEvent`] and chained by [`append`]
//! inside the transaction of the change it records.

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::Serialize;

use crate::audit::AuditAction;
use crate::chain::ChainedEvent;
use crate::{now, Actor, StorageError};

/// An event to append to the trail, inside the transaction of the change it records.
#[derive(Clone, Debug)]
pub(crate) struct NewEvent {
    action: AuditAction,
    domain_id: Option<i32>,
    domain_name: String,
    target: Option<String>,
    changes: String,
    summary: Option<String>,
    probe_report_id: Option<i32>,
    job_id: Option<i32>,
    /// Who acted when no account did (a failed login): typed address, client IP, user agent.
    unauthenticated: Option<(String, Option<String>, Option<String>)>,
}

impl NewEvent {
    pub(crate) fn new(action: AuditAction) -> Self {
        NewEvent {
            action,
            domain_id: None,
            domain_name: String::new(),
            target: None,
            changes: "[]".to_owned(),
            summary: None,
            probe_report_id: None,
            job_id: None,
            unauthenticated: None,
        }
    }

    pub(crate) fn domain(mut self, id: Option<i32>, name: &str) -> Self {
        self.domain_id = id;
        self.domain_name = name.to_owned();
        self
    }

    pub(crate) fn target(mut self, target: &str) -> Self {
        self.target = Some(target.to_owned());
        self
    }

    pub(crate) fn summary(mut self, summary: String) -> Self {
        self.summary = Some(summary);
        self
    }

    pub(crate) fn report(mut self, probe_report_id: Option<i32>) -> Self {
        self.probe_report_id = probe_report_id;
        self
    }

    pub(crate) fn job(mut self, job_id: i32) -> Self {
        self.job_id = Some(job_id);
        self
    }

    /// Who acted when no account did: the typed address, client IP and user agent.
    pub(crate) fn unauthenticated(
        mut self,
        typed: String,
        client_ip: Option<String>,
        user_agent: Option<String>,
    ) -> Self {
        self.unauthenticated = Some((typed, client_ip, user_agent));
        self
    }

    pub(crate) fn changes(mut self, changes: &impl Serialize) -> Result<Self, StorageError> {
        self.changes = serde_json::to_string(changes)
            .map_err(|e| StorageError::Corrupt(format!("audit changes: {e}")))?;
        Ok(self)
    }
}

/// Appends `event` to the chain inside `txn`; `actor` is `None` for the background worker.
/// Only one transaction extends the chain at a time: PostgreSQL takes a transaction-scoped
/// advisory lock, SQLite already holds the write lock (`begin_write`).
pub(crate) async fn append(
    txn: &DatabaseTransaction,
    actor: Option<&Actor>,
    event: NewEvent,
) -> Result<(), StorageError> {
    crate::audit_chain::lock_chain(txn).await?;
    let head = crate::audit_chain::head(txn).await?;
    let (actor_email, client_ip, user_agent) = match (actor, event.unauthenticated) {
        (Some(a), _) => (a.email.clone(), a.client_ip.clone(), a.user_agent.clone()),
        (None, Some(who)) => who,
        (None, None) => ("revalidation worker".to_owned(), None, None),
    };
    let mut chained = ChainedEvent {
        id: head.next_id,
        seq: head.seq + 1,
        occurred_at: now(),
        actor_user_id: actor.map(|a| a.user_id),
        actor_email,
        actor_role: actor.and_then(|a| a.role).map(|r| r.as_str().to_owned()),
        client_ip,
        user_agent,
        domain_id: event.domain_id,
        domain_name: event.domain_name,
        target: event.target,
        action: event.action.as_str().to_owned(),
        changes: event.changes,
        summary: event.summary,
        probe_report_id: event.probe_report_id,
        job_id: event.job_id,
        api_token_id: actor.and_then(|a| a.api_token_id),
        prev_hash: String::new(),
        hash: String::new(),
    };
    chained.seal(&head.hash);
    crate::audit_chain::insert(txn, chained).await
}

/// A login (`actor` signed in), a logout, or a failed login (`actor` is `None`: `who` typed
/// the address, from `client_ip` with `user_agent`). `summary` says why a login failed.
pub async fn record_login(
    db: &DatabaseConnection,
    action: AuditAction,
    actor: Option<&Actor>,
    who: &Actor,
    summary: Option<String>,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    let mut event = NewEvent::new(action).target(&who.email);
    event.summary = summary;
    if actor.is_none() {
        event = event.unauthenticated(
            who.email.clone(),
            who.client_ip.clone(),
            who.user_agent.clone(),
        );
    }
    append(&txn, actor, event).await?;
    txn.commit().await?;
    Ok(())
}

/// A *Try on a sample* of the domain's inboxes (`summary`: hosts, ports, inboxes, verdicts).
pub async fn record_sample_tried(
    db: &DatabaseConnection,
    actor: &Actor,
    domain_id: i32,
    domain_name: &str,
    summary: String,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    let event = NewEvent::new(AuditAction::SampleTried)
        .domain(Some(domain_id), domain_name)
        .summary(summary);
    append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(())
}
