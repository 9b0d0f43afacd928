//! Domain settings as stored, and reading them (`domain_changes` writes them).

use chrono::{DateTime, Utc};
use domain::DomainSettings;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entity::domain::{Column, Entity};

mod columns;

use crate::StorageError;
pub(crate) use columns::settings_columns;
pub(crate) use columns::settings_of;
pub(crate) use columns::to_stored;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDomain {
    pub id: i32,
    pub settings: DomainSettings,
    /// The domain's OAuth application has a stored client secret.
    #[serde(default)]
    pub has_client_secret: bool,
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

/// The domain, read inside the caller's transaction.
pub(crate) async fn get_domain_in(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<StoredDomain, StorageError> {
    load(conn, id).await
}

pub(crate) async fn load(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<StoredDomain, StorageError> {
    let model = Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    to_stored(model)
}
