//! Claims on due periodic inbox checks: a lease on the inbox row, so another worker or process
//! skips it until the check is recorded, the worker hands it back, or the lease ends.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entity::inbox::{Column, Entity};
use crate::{now, StorageError};

/// Claims up to `limit` inboxes whose periodic check is due, until `lease_until` (so another
/// worker or process skips them). Returns their ids, most overdue first.
pub async fn claim_due_inboxes(
    db: &DatabaseConnection,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<i32>, StorageError> {
    use sea_orm::{DatabaseBackend, Statement, Value};
    let backend = db.get_database_backend();
    let lock = match backend {
        DatabaseBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE inboxes SET check_lease_until = $1 WHERE id IN (\
         SELECT id FROM inboxes WHERE next_check_at <= $2 AND \
         (check_lease_until IS NULL OR check_lease_until < $2) \
         ORDER BY next_check_at LIMIT $3{lock}) RETURNING id"
    );
    let values: [Value; 3] = [lease_until.into(), now().into(), (limit as i64).into()];
    let rows = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.into_iter()
        .map(|r| r.try_get::<i32>("", "id").map_err(StorageError::from))
        .collect()
}

/// Hands back the periodic checks claimed until `lease_until` that were not recorded (the
/// worker is stopping): they are due again at once for any worker. A claim another worker
/// holds now (its own lease) is left alone. Returns how many.
pub async fn release_periodic_claims(
    db: &DatabaseConnection,
    ids: &[i32],
    lease_until: DateTime<Utc>,
) -> Result<u64, StorageError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = Entity::update_many()
        .col_expr(
            Column::CheckLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::CheckLeaseUntil.eq(lease_until))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Ends a claim without a check: the inbox keeps its state and is due again at `next_check_at`
/// (its domain's new hosts wait for a super admin's approval).
pub async fn postpone_check(
    db: &DatabaseConnection,
    id: i32,
    next_check_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    Entity::update_many()
        .col_expr(Column::NextCheckAt, Expr::value(next_check_at))
        .col_expr(
            Column::CheckLeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
