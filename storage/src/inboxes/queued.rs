//! Which inboxes a running revalidation has yet to check (they show as "Checking").

use std::collections::HashSet;

use domain::RolloutState;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{revalidation_item as item, revalidation_job as job};
use crate::StorageError;

/// Of `ids`, the inboxes an active job has yet to check.
pub(super) async fn inboxes_awaiting_check(
    conn: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashSet<i32>, StorageError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let active = Query::select()
        .column(job::Column::Id)
        .from(job::Entity)
        .and_where(job::Column::State.is_in([
            RolloutState::Canary.as_str(),
            RolloutState::Running.as_str(),
        ]))
        .to_owned();
    let rows = item::Entity::find()
        .filter(item::Column::InboxId.is_in(ids.to_vec()))
        .filter(item::Column::State.ne("done"))
        .filter(item::Column::JobId.in_subquery(active))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|m| m.inbox_id).collect())
}
