//! Removing an inbox: the inbox row and its stored password go, and every revalidation still
//! waiting to check it stops waiting, in one transaction.

use sea_orm::{DatabaseConnection, EntityTrait};

use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::inbox::Entity;
use crate::{Actor, StorageError};

/// Removes an inbox and its stored password.
pub async fn remove_inbox(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    let model = Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StorageError::NotFound)?;
    // Revalidations waiting to check it no longer wait for it (their rows locked before the
    // inbox's, in the order a finishing check locks them).
    crate::jobs::forget_inbox(&txn, id).await?;
    Entity::delete_by_id(id).exec(&txn).await?;
    let event = NewEvent::new(AuditAction::InboxRemoved)
        .domain(model.domain_id, &model.mail_domain)
        .target(&model.email)
        .summary(format!("{} removed the inbox {}", actor.email, model.email));
    audit::append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(())
}
