//! Revoking API tokens: one by its owner or a super admin, or all of a user's at once when their
//! password is reset or their account disabled.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{live, to_token, ApiToken};
use crate::audit::{AuditAction, NewEvent};
use crate::entity::api_token::{ActiveModel, Column, Entity};
use crate::entity::user;
use crate::{now, Actor, StorageError};

/// Revokes token `id` of the user `owner_id` (`NotFound` if that user holds no such token), as
/// `actor`: the owner, or a super admin (who may do so is the caller's decision). The history
/// names who revoked whose token. Revoking a revoked token changes nothing and records nothing.
pub async fn revoke_api_token(
    db: &DatabaseConnection,
    actor: &Actor,
    owner_id: i32,
    id: i32,
) -> Result<ApiToken, StorageError> {
    let txn = crate::begin_write(db).await?;
    let (model, owner) = Entity::find_by_id(id)
        .filter(Column::UserId.eq(owner_id))
        .find_also_related(user::Entity)
        .one(&txn)
        .await?
        .ok_or(StorageError::NotFound)?;
    let owner = owner.ok_or(StorageError::NotFound)?;
    if model.revoked_at.is_some() {
        return to_token(model);
    }
    let mut active: ActiveModel = model.into();
    active.revoked_at = Set(Some(now()));
    let token = to_token(active.update(&txn).await?)?;
    let summary = if actor.user_id == owner.id {
        format!("API token #{} “{}” revoked", token.id, token.name)
    } else {
        format!(
            "{} revoked API token #{} “{}” of {}",
            actor.email, token.id, token.name, owner.email
        )
    };
    let event = NewEvent::new(AuditAction::ApiTokenRevoked)
        .target(&owner.email)
        .summary(summary);
    crate::audit::append(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes every live token of `owner` inside `txn`, the transaction of the password reset or
/// account change that is the reason (`because`, e.g. "password reset by admin@example.org"),
/// with one "API token revoked" event listing them. Returns how many were revoked.
pub(crate) async fn revoke_all_api_tokens(
    txn: &DatabaseTransaction,
    actor: &Actor,
    owner: &user::Model,
    because: &str,
) -> Result<usize, StorageError> {
    let at = now();
    let tokens = live(Entity::find().filter(Column::UserId.eq(owner.id)), at)
        .order_by_asc(Column::Id)
        .all(txn)
        .await?;
    if tokens.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i32> = tokens.iter().map(|t| t.id).collect();
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(at))
        .filter(Column::Id.is_in(ids))
        .exec(txn)
        .await?;
    let listed: Vec<String> = tokens
        .iter()
        .map(|t| format!("#{} “{}”", t.id, t.name))
        .collect();
    let event = NewEvent::new(AuditAction::ApiTokenRevoked)
        .target(&owner.email)
        .summary(format!(
            "{} API token(s) of {} revoked ({because}): {}",
            tokens.len(),
            owner.email,
            listed.join(", ")
        ));
    crate::audit::append(txn, Some(actor), event).await?;
    Ok(tokens.len())
}
