//! The mail server hosts a domain's stored inbox passwords may be sent to. A valid certificate
//! does not make a host trustworthy (anyone can get one for a name of their own), so a host
//! the domain has never used is approved by a super admin: saved by one, or by their
//! **Continue** on the revalidation that waits for it.

use domain::{DomainSettings, Role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::domain_host::{ActiveModel, Column, Entity};
use crate::{now, Actor, StorageError};

/// The settings' IMAP and SMTP hosts, lower-cased, without repeats.
pub fn hosts_of(settings: &DomainSettings) -> Vec<String> {
    let mut hosts = vec![
        settings.imap_host.to_string().to_lowercase(),
        settings.smtp_host.to_string().to_lowercase(),
    ];
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Of the settings' hosts, those not approved for the domain (empty: all are).
pub async fn unapproved_hosts(
    conn: &impl ConnectionTrait,
    domain_id: i32,
    settings: &DomainSettings,
) -> Result<Vec<String>, StorageError> {
    let hosts = hosts_of(settings);
    let approved: Vec<String> = Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .filter(Column::Host.is_in(hosts.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.host)
        .collect();
    Ok(hosts
        .into_iter()
        .filter(|h| !approved.contains(h))
        .collect())
}

/// Records `hosts` as approved for the domain by `actor` (already approved ones stay as they were).
pub(crate) async fn approve(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    domain_id: i32,
    hosts: &[String],
) -> Result<(), StorageError> {
    if hosts.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows = hosts.iter().map(|host| ActiveModel {
        domain_id: Set(domain_id),
        host: Set(host.clone()),
        approved_by: Set(actor.email.clone()),
        approved_at: Set(at),
    });
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([Column::DomainId, Column::Host])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(conn)
        .await?;
    Ok(())
}

/// A deleted domain's approvals go with it (a domain created later under its name starts anew).
pub(crate) async fn forget(
    conn: &impl ConnectionTrait,
    domain_id: i32,
) -> Result<(), StorageError> {
    Entity::delete_many()
        .filter(Column::DomainId.eq(domain_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// In a save's transaction: a super admin's save approves its hosts, and so does a save no
/// inbox's stored password depends on yet (inboxes connected later give their password to
/// these hosts themselves). Otherwise returns the hosts that wait for a super admin.
pub(crate) async fn admit(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    domain_id: i32,
    settings: &DomainSettings,
) -> Result<Vec<String>, StorageError> {
    let unapproved = unapproved_hosts(conn, domain_id, settings).await?;
    if unapproved.is_empty() {
        return Ok(unapproved);
    }
    if actor.role == Some(Role::SuperAdmin)
        || !crate::inboxes::domain_has_inboxes(conn, domain_id).await?
    {
        approve(conn, actor, domain_id, &unapproved).await?;
        return Ok(Vec::new());
    }
    Ok(unapproved)
}

/// The pause text of a revalidation waiting for approval.
pub(crate) fn approval_detail(hosts: &[String]) -> String {
    format!(
        "Waiting for a super admin: {} {} never been used by this domain, so no stored \
         password is sent there until a super admin reviews the change and clicks Continue.",
        hosts.join(" and "),
        if hosts.len() == 1 { "has" } else { "have" },
    )
}

/// Whether every host of `settings` is approved for the domain (a check may send stored
/// passwords there).
pub async fn hosts_approved(
    db: &DatabaseConnection,
    domain_id: i32,
    settings: &DomainSettings,
) -> Result<bool, StorageError> {
    Ok(unapproved_hosts(db, domain_id, settings).await?.is_empty())
}

/// A revalidation that starts paused until a super admin approves the new hosts is its own
/// "Revalidation paused" event, after the change that started it.
pub(crate) async fn record_approval_wait(
    conn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    domain_id: i32,
    name: &str,
    job: Option<i32>,
    waiting: &[String],
) -> Result<(), StorageError> {
    let Some(job) = job.filter(|_| !waiting.is_empty()) else {
        return Ok(());
    };
    let event = NewEvent::new(AuditAction::RolloutPaused)
        .domain(Some(domain_id), name)
        .summary(format!("Revalidation paused: {}", approval_detail(waiting)))
        .job(job);
    audit::append(conn, Some(actor), event).await
}
