//! Secrets the installation generates for itself on first use and keeps in its database, so
//! every server process sharing the database uses the same one.

use rand::rngs::OsRng;
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use crate::entity::installation_secret::{ActiveModel, Column, Entity};
use crate::StorageError;

/// The 32-byte secret called `name`, created at random the first time it is asked for.
pub async fn installation_secret(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Vec<u8>, StorageError> {
    let mut fresh = [0u8; 32];
    OsRng.fill_bytes(&mut fresh);
    // Whoever inserts first wins; every caller then reads the same value.
    Entity::insert(ActiveModel {
        name: Set(name.to_string()),
        value: Set(hex::encode(fresh)),
    })
    .on_conflict(OnConflict::column(Column::Name).do_nothing().to_owned())
    .do_nothing()
    .exec(db)
    .await?;
    let row = Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .ok_or(StorageError::NotFound)?;
    hex::decode(&row.value).map_err(|e| StorageError::Corrupt(format!("secret {name}: {e}")))
}

/// The value stored under `name`, if any.
pub async fn stored_secret(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<Vec<u8>>, StorageError> {
    Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .map(|row| {
            hex::decode(&row.value)
                .map_err(|e| StorageError::Corrupt(format!("secret {name}: {e}")))
        })
        .transpose()
}

/// Stores `value` under `name` unless a value is there already; returns the value kept.
pub async fn keep_secret(
    db: &DatabaseConnection,
    name: &str,
    value: &[u8],
) -> Result<Vec<u8>, StorageError> {
    Entity::insert(ActiveModel {
        name: Set(name.to_string()),
        value: Set(hex::encode(value)),
    })
    .on_conflict(OnConflict::column(Column::Name).do_nothing().to_owned())
    .do_nothing()
    .exec(db)
    .await?;
    stored_secret(db, name).await?.ok_or(StorageError::NotFound)
}
