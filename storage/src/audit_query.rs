//! Reading the trail: filtered pages, newest first by sequence number (keyset, so a page stays
//! the same while new events arrive), one event, and the export's stream in chain order.

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::StreamExt;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::audit::{to_event, AuditAction, AuditEvent};
use crate::chain::ChainedEvent;
use crate::entity::audit_event::{Column, Entity};
use crate::StorageError;

/// Rows read per query by the export stream.
const EXPORT_BATCH: u64 = 2_000;

/// Which events to show; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// A domain name (its stored punycode form), exactly.
    pub domain: Option<String>,
    /// The actor's email, exactly (case-insensitive).
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    /// From this instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant, exclusive.
    pub until: Option<DateTime<Utc>>,
    /// Only events about a domain (what account admins may read).
    pub domains_only: bool,
}

impl AuditFilter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(domain) = &self.domain {
            c = c.add(Column::DomainName.eq(domain.as_str()));
        }
        if let Some(actor) = &self.actor {
            c = c.add(
                Expr::expr(Func::lower(Expr::col(Column::ActorEmail))).eq(actor.to_lowercase()),
            );
        }
        if let Some(action) = self.action {
            c = c.add(Column::Action.eq(action.as_str()));
        }
        if let Some(from) = self.from {
            c = c.add(Column::OccurredAt.gte(from));
        }
        if let Some(until) = self.until {
            c = c.add(Column::OccurredAt.lt(until));
        }
        if self.domains_only {
            c = c.add(Column::DomainName.ne(""));
        }
        c
    }

    /// The same test as the query, for an event already read (the JSON export's chain).
    pub fn matches(&self, e: &ChainedEvent) -> bool {
        self.domain.as_ref().is_none_or(|d| e.domain_name == *d)
            && self
                .actor
                .as_ref()
                .is_none_or(|a| e.actor_email.to_lowercase() == a.to_lowercase())
            && self.action.is_none_or(|a| e.action == a.as_str())
            && self.from.is_none_or(|from| e.occurred_at >= from)
            && self.until.is_none_or(|until| e.occurred_at < until)
            && (!self.domains_only || !e.domain_name.is_empty())
    }

    fn select(&self) -> Select<Entity> {
        Entity::find().filter(self.condition())
    }
}

/// One page of the filtered trail, newest first: events with seq below `before_seq` (all when
/// `None`). Unchained rows (no seq) are not listed; Verify reports them.
pub async fn history_page(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEvent>, StorageError> {
    let mut query = filter.select().filter(Column::Seq.is_not_null());
    if let Some(before) = before_seq {
        query = query.filter(Column::Seq.lt(before));
    }
    query
        .order_by_desc(Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
}

pub async fn get_event(db: &DatabaseConnection, id: i32) -> Result<AuditEvent, StorageError> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_event)
        .ok_or(StorageError::NotFound)?
}

/// The first event `filter` matches with seq at most `up_to_seq` (where an export starts).
pub(crate) async fn first_match(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    up_to_seq: i64,
) -> Result<Option<ChainedEvent>, StorageError> {
    Ok(filter
        .select()
        .filter(Column::Seq.is_not_null())
        .filter(Column::Seq.lte(up_to_seq))
        .order_by_asc(Column::Seq)
        .one(db)
        .await?
        .map(crate::audit_chain::to_chained))
}

/// How many events `filter` matches with seq from `from_seq` to `to_seq`.
pub(crate) async fn count_matches(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    from_seq: i64,
    to_seq: i64,
) -> Result<u64, StorageError> {
    Ok(filter
        .select()
        .filter(Column::Seq.between(from_seq, to_seq))
        .count(db)
        .await?)
}

/// The filtered events in chain order, read in batches (nothing buffers the whole table).
pub fn export_stream(
    db: DatabaseConnection,
    filter: AuditFilter,
) -> BoxStream<'static, Result<ChainedEvent, StorageError>> {
    chained_stream(db, Some(filter), 0)
}

/// Every chained event with seq above `after_seq`, in chain order, in batches.
pub fn chain_stream(
    db: DatabaseConnection,
    after_seq: i64,
) -> BoxStream<'static, Result<ChainedEvent, StorageError>> {
    chained_stream(db, None, after_seq)
}

fn chained_stream(
    db: DatabaseConnection,
    filter: Option<AuditFilter>,
    after_seq: i64,
) -> BoxStream<'static, Result<ChainedEvent, StorageError>> {
    let state = Some((db, filter, after_seq));
    futures::stream::unfold(state, |state| async move {
        let (db, filter, after) = state?;
        let query = filter
            .as_ref()
            .map_or_else(Entity::find, AuditFilter::select)
            .filter(Column::Seq.gt(after))
            .order_by_asc(Column::Seq)
            .limit(EXPORT_BATCH);
        match query.all(&db).await {
            Err(e) => Some((vec![Err(StorageError::from(e))], None)),
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                let last = rows.last().and_then(|r| r.seq).unwrap_or(after);
                let batch: Vec<_> = rows
                    .into_iter()
                    .map(|r| Ok(crate::audit_chain::to_chained(r)))
                    .collect();
                Some((batch, Some((db, filter, last))))
            }
        }
    })
    .flat_map(futures::stream::iter)
    .boxed()
}
