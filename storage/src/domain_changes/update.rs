//! A change of a domain's settings (an edit or a revert): the compare-and-swap write, the
//! revalidation job it starts and its audit event, in one transaction.

use domain::{diff, DomainSettings, FieldChange};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};

use super::{conflict, with_job, ClientSecret};
use crate::audit::{self, AuditAction, NewEvent};
use crate::domains::{load, settings_columns, Actor, StoredDomain};
use crate::entity::domain::{Column, Entity};
use crate::error::unique_or;
use crate::{now, StorageError};

/// An edit or a revert.
pub(super) struct Change<'a> {
    pub settings: DomainSettings,
    pub secret: ClientSecret<'a>,
    pub action: AuditAction,
}

pub(super) async fn change_domain(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    change: Change<'_>,
) -> Result<StoredDomain, StorageError> {
    let Change {
        settings,
        secret,
        action,
    } = change;
    let txn = crate::begin_write(db).await?;
    let current = load(&txn, id).await?;
    if current.version != expected_version {
        return Err(stale(&txn, current, expected_version, &settings).await);
    }
    let mut changes = diff(Some(&current.settings), Some(&settings));
    if changes.is_empty() && matches!(secret, ClientSecret::Keep) {
        return Ok(current);
    }
    if settings.domain != current.settings.domain {
        refuse_rename_with_inboxes(&txn, &current).await?;
    }
    if !write_settings(&txn, id, expected_version, &settings).await? {
        // Someone committed between our read and our write.
        let current = load(&txn, id).await?;
        return Err(stale(&txn, current, expected_version, &settings).await);
    }
    let uses_oauth = settings.oauth.is_some();
    changes.extend(super::client_secret::apply(&txn, id, uses_oauth, secret).await?);
    record_change(&txn, actor, action, &current, &settings, &changes).await?;
    let updated = load(&txn, id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The conflict with what others committed since `expected_version`.
async fn stale(
    txn: &DatabaseTransaction,
    current: StoredDomain,
    expected_version: i32,
    submitted: &DomainSettings,
) -> StorageError {
    let fallback = diff(Some(submitted), Some(&current.settings));
    conflict(txn, current, expected_version, fallback).await
}

/// The inboxes' addresses stay at the old name: their passwords must not follow the settings to
/// the new name's servers, so a domain with inboxes cannot be renamed.
async fn refuse_rename_with_inboxes(
    txn: &DatabaseTransaction,
    current: &StoredDomain,
) -> Result<(), StorageError> {
    let inboxes = crate::inboxes::count_domain_inboxes(txn, current.id).await?;
    if inboxes > 0 {
        return Err(StorageError::RenameWithInboxes {
            name: current.settings.domain.to_string(),
            inboxes,
        });
    }
    Ok(())
}

/// Writes the settings if the row is still at `expected_version`, raising it by one; whether
/// it was.
async fn write_settings(
    txn: &DatabaseTransaction,
    id: i32,
    expected_version: i32,
    settings: &DomainSettings,
) -> Result<bool, StorageError> {
    let name = settings.domain.to_string();
    let mut row = settings_columns(settings);
    row.updated_at = Set(now());
    let result = Entity::update_many()
        .set(row)
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected_version))
        .exec(txn)
        .await
        .map_err(|e| unique_or(e, || StorageError::DuplicateDomain(name.clone())))?;
    Ok(result.rows_affected > 0)
}

/// Starts the change's revalidation job and appends its audit event (with the probe that
/// validated the settings, and the wait for approval of new hosts, if any).
async fn record_change(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: AuditAction,
    before: &StoredDomain,
    settings: &DomainSettings,
    changes: &[FieldChange],
) -> Result<(), StorageError> {
    let (id, name) = (before.id, settings.domain.to_string());
    let validated_by = crate::probes::successful_probe_for(txn, settings).await?;
    // `before` was read at the expected version, which the write raised by one.
    let version = before.version + 1;
    let waiting = crate::domain_hosts::admit(txn, actor, id, settings).await?;
    let previous = Some(&before.settings);
    let job = crate::jobs::start_job(txn, actor, id, &name, version, previous, &waiting).await?;
    let event = NewEvent::new(action)
        .domain(Some(id), &name)
        .changes(&changes)?
        .report(validated_by);
    audit::append(txn, Some(actor), with_job(event, job)).await?;
    crate::domain_hosts::record_approval_wait(txn, actor, id, &name, job, &waiting).await?;
    Ok(())
}
