//! The domain's OAuth client secret, changed in the transaction of the settings it belongs to.
//! The value is sealed by the caller (storage never sees it in clear) and recorded in the
//! history only as "Set" or "Replaced".

use domain::{Field, FieldChange};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::domain::{Column, Entity};
use crate::StorageError;

/// What a change does to the domain's OAuth client secret.
#[derive(Clone, Copy)]
pub enum ClientSecret<'a> {
    /// Keeps the stored one (it goes when the domain stops using OAuth).
    Keep,
    /// Stores a new one: the function seals it for the domain's id.
    Seal(&'a (dyn Fn(i32) -> Vec<u8> + Sync)),
}

/// Applies `secret` to domain `id`, which now does or does not use OAuth; the change to record.
pub(super) async fn apply(
    txn: &DatabaseTransaction,
    id: i32,
    uses_oauth: bool,
    secret: ClientSecret<'_>,
) -> Result<Option<FieldChange>, StorageError> {
    let had = stored(txn, id).await?.is_some();
    let new = match (uses_oauth, secret) {
        (true, ClientSecret::Keep) => return Ok(None),
        (true, ClientSecret::Seal(seal)) => Some(seal(id)),
        (false, _) if !had => return Ok(None),
        (false, _) => None,
    };
    let after = new
        .as_ref()
        .map(|_| if had { "Replaced" } else { "Set" }.to_owned());
    Entity::update_many()
        .col_expr(Column::OauthClientSecret, Expr::value(new))
        .filter(Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(Some(FieldChange {
        field: Field::OAuthClientSecret,
        before: had.then(|| "Set".to_owned()),
        after,
    }))
}

/// The sealed secret of domain `id`, if it has one.
async fn stored(
    conn: &impl sea_orm::ConnectionTrait,
    id: i32,
) -> Result<Option<Vec<u8>>, StorageError> {
    let row: Option<Option<Vec<u8>>> = Entity::find_by_id(id)
        .select_only()
        .column(Column::OauthClientSecret)
        .into_tuple()
        .one(conn)
        .await?;
    row.ok_or(StorageError::NotFound)
}
