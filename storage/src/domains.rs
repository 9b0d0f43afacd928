//! Domain settings, each change committed together with its audit event.

use chrono::{DateTime, Utc};
use domain::{diff, DomainSettings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::domain::{Column, Entity};
use crate::error::unique_or;

mod change;
mod columns;

use crate::{now, StorageError};
use change::change_domain;
pub(crate) use columns::settings_of;
use columns::{settings_columns, to_stored};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDomain {
    pub id: i32,
    pub settings: DomainSettings,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who makes a change, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i32,
    pub email: String,
    /// `None` only where no account is behind it (the command line, a failed login).
    pub role: Option<domain::Role>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The API token acting for the user, when the change came through the API.
    pub api_token_id: Option<i32>,
}

/// All domains, ordered by domain name.
pub async fn list_domains(db: &DatabaseConnection) -> Result<Vec<StoredDomain>, StorageError> {
    Entity::find()
        .order_by_asc(Column::Domain)
        .all(db)
        .await?
        .into_iter()
        .map(to_stored)
        .collect()
}

/// Up to `limit` domains ordered by name, those after the domain named `after` (its stored
/// form): a page of a cursor-paginated list.
pub async fn list_domains_after(
    db: &DatabaseConnection,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<StoredDomain>, StorageError> {
    let mut query = Entity::find().order_by_asc(Column::Domain).limit(limit);
    if let Some(name) = after {
        query = query.filter(Column::Domain.gt(name));
    }
    query.all(db).await?.into_iter().map(to_stored).collect()
}

/// The domain called `name` (its stored, punycode form).
pub async fn find_domain(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<StoredDomain>, StorageError> {
    Entity::find()
        .filter(Column::Domain.eq(name))
        .one(db)
        .await?
        .map(to_stored)
        .transpose()
}

pub async fn get_domain(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<StoredDomain>, StorageError> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_stored)
        .transpose()
}

/// Stores a new domain at version 1.
pub async fn create_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    settings: DomainSettings,
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
    let changes = diff(None, Some(&settings));
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
    txn.commit().await?;
    to_stored(model)
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
    change_domain(
        db,
        actor,
        id,
        expected_version,
        settings,
        AuditAction::Updated,
    )
    .await
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
    change_domain(
        db,
        actor,
        job.domain_id,
        job.domain_version,
        previous,
        AuditAction::Reverted,
    )
    .await
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

/// The domain, read inside the caller's transaction.
pub(crate) async fn get_domain_in(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<StoredDomain, StorageError> {
    load(conn, id).await
}

async fn load(conn: &impl ConnectionTrait, id: i32) -> Result<StoredDomain, StorageError> {
    let model = Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    to_stored(model)
}

async fn conflict(
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
