//! Connection attempts of end users whose domain has no settings yet: a super admin sees the
//! domain in the list and creates its settings from the attempt.

use chrono::{DateTime, Utc};
use domain::DomainSettings;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::entity::domain as domain_row;
use crate::entity::inbox_attempt::{ActiveModel, Column, Entity, Model};
use crate::{now, StorageError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionAttempt {
    pub id: i32,
    pub user_id: i32,
    pub email: String,
    pub mail_domain: String,
    /// What the user typed.
    pub settings: DomainSettings,
    pub probe_report_id: i32,
    pub created_at: DateTime<Utc>,
}

/// Records an end user's connection attempt with typed settings.
pub async fn record_connection_attempt(
    db: &DatabaseConnection,
    user_id: i32,
    email: &str,
    settings: &DomainSettings,
    probe_report_id: i32,
) -> Result<i32, StorageError> {
    let json = serde_json::to_string(settings)
        .map_err(|e| StorageError::Corrupt(format!("attempt settings: {e}")))?;
    let txn = crate::begin_write(db).await?;
    let model = ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        email: Set(email.to_owned()),
        mail_domain: Set(settings.domain.to_string()),
        settings: Set(json),
        probe_report_id: Set(probe_report_id),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    crate::positions::bump_version(&txn, "inbox_attempts").await?;
    txn.commit().await?;
    Ok(model.id)
}

/// The latest attempt for each domain that still has no settings, newest first.
pub async fn unconfigured_connection_attempts(
    db: &DatabaseConnection,
) -> Result<Vec<ConnectionAttempt>, StorageError> {
    let configured = Query::select()
        .column(domain_row::Column::Domain)
        .from(domain_row::Entity)
        .to_owned();
    let recent = Entity::find()
        .filter(Column::MailDomain.not_in_subquery(configured))
        .order_by_desc(Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    recent
        .into_iter()
        .filter(|m| seen.insert(m.mail_domain.clone()))
        .map(to_attempt)
        .collect()
}

fn to_attempt(m: Model) -> Result<ConnectionAttempt, StorageError> {
    Ok(ConnectionAttempt {
        id: m.id,
        user_id: m.user_id,
        email: m.email,
        mail_domain: m.mail_domain,
        settings: serde_json::from_str(&m.settings)
            .map_err(|e| StorageError::Corrupt(format!("attempt settings: {e}")))?,
        probe_report_id: m.probe_report_id,
        created_at: m.created_at,
    })
}
