//! Connection-test (probe) reports. Storage keeps the report as the engine's JSON; it only needs
//! to know whether the probe passed and which settings it tested.

use chrono::{DateTime, Utc};
use domain::DomainSettings;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, NewEvent};
use crate::entity::probe_report::{ActiveModel, Column, Entity, Model};
use crate::{now, Actor, StorageError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredProbe {
    pub id: i32,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    /// What was tested (the form's values at the time, which may never have been saved).
    pub settings: DomainSettings,
    pub ok: bool,
    pub category: Option<String>,
    /// The report as JSON; `None` while the probe runs (or if the server stopped during it).
    pub report: Option<String>,
    pub actor_user_id: i32,
    pub actor_email: String,
    /// Run by an admin (not by an end user connecting an inbox).
    pub by_admin: bool,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Identifies exactly these settings: a save looks for a successful probe with the same hash.
pub fn settings_hash(settings: &DomainSettings) -> String {
    let canonical = serde_json::to_vec(settings).unwrap_or_default();
    hex::encode(Sha256::digest(canonical))
}

/// Who ran a connection test, which decides what it may vouch for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeRun {
    /// An admin, from the domain form or the API: a pass lets these settings be saved without
    /// *Save anyway*, and its certificates can be pinned.
    Admin,
    /// An end user connecting an inbox: it vouches for nothing an admin saves.
    InboxConnect,
}

/// Records that a probe of `settings` has started; returns its id.
pub async fn start_probe_record(
    db: &DatabaseConnection,
    actor: &Actor,
    domain_id: Option<i32>,
    settings: &DomainSettings,
    run: ProbeRun,
) -> Result<i32, StorageError> {
    let row = ActiveModel {
        id: NotSet,
        domain_id: Set(domain_id),
        domain_name: Set(settings.domain.to_string()),
        settings_hash: Set(settings_hash(settings)),
        settings: Set(serde_json::to_string(settings)
            .map_err(|e| StorageError::Corrupt(format!("probe settings: {e}")))?),
        ok: Set(false),
        category: Set(None),
        report: Set(String::new()),
        actor_user_id: Set(actor.user_id),
        by_admin: Set(run == ProbeRun::Admin),
        actor_email: Set(actor.email.clone()),
        created_at: Set(now()),
        finished_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Stores the finished report and appends its "Connection test" event (verdict, report link).
pub async fn finish_probe_record(
    db: &DatabaseConnection,
    id: i32,
    actor: &Actor,
    ok: bool,
    category: Option<&str>,
    report_json: &str,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    let row = Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StorageError::NotFound)?;
    let (domain_id, domain_name) = (row.domain_id, row.domain_name.clone());
    let mut row: ActiveModel = row.into();
    row.ok = Set(ok);
    row.category = Set(category.map(str::to_owned));
    row.report = Set(report_json.to_owned());
    row.finished_at = Set(Some(now()));
    row.update(&txn).await?;
    let verdict = match category {
        None if ok => "passed".to_owned(),
        None => "failed".to_owned(),
        Some(category) => format!("failed: {category}"),
    };
    let event = NewEvent::new(AuditAction::ConnectionTest)
        .domain(domain_id, &domain_name)
        .summary(format!("Connection test of {domain_name} {verdict}"))
        .report(Some(id));
    crate::audit::append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn get_probe(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<StoredProbe>, StorageError> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_stored)
        .transpose()
}

/// The domain's most recent probes, newest first.
pub async fn domain_probes(
    db: &DatabaseConnection,
    domain_id: i32,
    limit: u64,
) -> Result<Vec<StoredProbe>, StorageError> {
    let rows = Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter().map(to_stored).collect()
}

/// The latest successful admin's probe of exactly these settings, if any.
pub async fn successful_probe_for(
    conn: &impl ConnectionTrait,
    settings: &DomainSettings,
) -> Result<Option<i32>, StorageError> {
    let row = Entity::find()
        .filter(Column::SettingsHash.eq(settings_hash(settings)))
        .filter(Column::Ok.eq(true))
        .filter(Column::ByAdmin.eq(true))
        .order_by_desc(Column::Id)
        .one(conn)
        .await?;
    Ok(row.map(|r| r.id))
}

fn to_stored(m: Model) -> Result<StoredProbe, StorageError> {
    let settings = serde_json::from_str(&m.settings)
        .map_err(|e| StorageError::Corrupt(format!("probe {} settings: {e}", m.id)))?;
    Ok(StoredProbe {
        id: m.id,
        domain_id: m.domain_id,
        domain_name: m.domain_name,
        settings,
        ok: m.ok,
        category: m.category,
        report: (!m.report.is_empty()).then_some(m.report),
        actor_user_id: m.actor_user_id,
        actor_email: m.actor_email,
        by_admin: m.by_admin,
        created_at: m.created_at,
        finished_at: m.finished_at,
    })
}
