//! Changing a domain's settings: create, edit, revert, delete. Each change is one transaction
//! with what it sets off: the inboxes it adopts or releases, the hosts it admits, the
//! revalidation it starts and its audit event.

mod client_secret;
mod update;

pub use client_secret::ClientSecret;

use domain::{diff, DomainSettings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use crate::audit::{self, AuditAction, NewEvent};
use crate::domains::{load, settings_columns, Actor, StoredDomain};
use crate::entity::domain::{Column, Entity};
use crate::error::unique_or;
use crate::{now, StorageError};
use update::change_domain;

/// Stores a new domain at version 1.
pub async fn create_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    settings: DomainSettings,
) -> Result<StoredDomain, StorageError> {
    create_domain_with(db, actor, settings, ClientSecret::Keep).await
}

/// Stores a new domain at version 1, with its OAuth client secret if it has one.
pub async fn create_domain_with(
    db: &DatabaseConnection,
    actor: &Actor,
    settings: DomainSettings,
    secret: ClientSecret<'_>,
) -> Result<StoredDomain, StorageError> {
    let txn = crate::begin_write(db).await?;
    let at = now();
    let name = settings.domain.to_string();
    let mut row = settings_columns(&settings);
    row.version = Set(1);
    row.created_at = Set(at);
    row.updated_at = Set(at);
    let model = row
        .insert(&txn)
        .await
        .map_err(|e| unique_or(e, || StorageError::DuplicateDomain(name.clone())))?;
    let mut changes = diff(None, Some(&settings));
    let uses_oauth = settings.oauth.is_some();
    changes.extend(client_secret::apply(&txn, model.id, uses_oauth, secret).await?);
    let validated_by = crate::probes::successful_probe_for(&txn, &settings).await?;
    // Inboxes connected with typed settings now use the domain's.
    crate::inboxes::adopt_domain_inboxes(&txn, model.id, &name).await?;
    let waiting = crate::domain_hosts::admit(&txn, actor, model.id, &settings).await?;
    let job = crate::jobs::start_job(&txn, actor, model.id, &name, 1, None, &waiting).await?;
    let event = NewEvent::new(AuditAction::Created)
        .domain(Some(model.id), &name)
        .changes(&changes)?
        .report(validated_by);
    audit::append(&txn, Some(actor), with_job(event, job)).await?;
    crate::domain_hosts::record_approval_wait(&txn, actor, model.id, &name, job, &waiting).await?;
    let stored = crate::domains::load(&txn, model.id).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Compare-and-swap update: succeeds only if the row is still at `expected_version`.
///
/// On `Conflict`, `changes` is what others changed between `expected_version` and the current
/// version (rebuilt from the audit trail); if the trail cannot tell, it falls back to the diff
/// between the submitted settings (before) and the current ones (after).
/// An update that changes nothing writes no event and keeps the version.
pub async fn update_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    settings: DomainSettings,
) -> Result<StoredDomain, StorageError> {
    update_domain_with(
        db,
        actor,
        id,
        expected_version,
        settings,
        ClientSecret::Keep,
    )
    .await
}

/// Like [`update_domain`], replacing the OAuth client secret when `secret` says so.
pub async fn update_domain_with(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    settings: DomainSettings,
    secret: ClientSecret<'_>,
) -> Result<StoredDomain, StorageError> {
    let change = update::Change {
        settings,
        secret,
        action: AuditAction::Updated,
    };
    change_domain(db, actor, id, expected_version, change).await
}

/// "Revert to previous settings": restores the settings from before the change that started
/// revalidation `job_id`, as a new version (so it revalidates again). Refused with `Conflict`
/// when the domain has changed since that job.
pub async fn revert_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: i32,
) -> Result<StoredDomain, StorageError> {
    let job = crate::jobs::get_job(db, job_id).await?;
    let previous = job.previous_settings.ok_or(StorageError::NotFound)?;
    let change = update::Change {
        settings: previous,
        secret: ClientSecret::Keep,
        action: AuditAction::Reverted,
    };
    change_domain(db, actor, job.domain_id, job.domain_version, change).await
}

/// Deletes the domain if it is still at `expected_version`; its audit trail stays.
pub async fn delete_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    let current = load(&txn, id).await?;
    if current.version != expected_version {
        return Err(conflict(&txn, current, expected_version, Vec::new()).await);
    }
    // Its inboxes keep working with a copy of the settings.
    crate::inboxes::release_domain_inboxes(&txn, id, &current.settings).await?;
    let result = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        let current = load(&txn, id).await?;
        return Err(conflict(&txn, current, expected_version, Vec::new()).await);
    }
    crate::domain_hosts::forget(&txn, id).await?;
    let name = current.settings.domain.to_string();
    let changes = diff(Some(&current.settings), None);
    let event = NewEvent::new(AuditAction::Deleted)
        .domain(Some(id), &name)
        .changes(&changes)?;
    audit::append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(())
}

pub(crate) async fn conflict(
    conn: &impl ConnectionTrait,
    current: StoredDomain,
    expected_version: i32,
    fallback: Vec<domain::FieldChange>,
) -> StorageError {
    let changes =
        match audit::changes_between(conn, current.id, expected_version, current.version).await {
            Ok(Some(changes)) => changes,
            Ok(None) => fallback,
            Err(e) => return e,
        };
    StorageError::Conflict {
        current: Box::new(current),
        changes,
    }
}

fn with_job(event: NewEvent, job: Option<i32>) -> NewEvent {
    match job {
        Some(job) => event.job(job),
        None => event,
    }
}
