//! Logins refused by the throttle are counted, not recorded one by one: anyone can send them
//! without signing in, and an event each would let them grow the append-only history (and
//! take the chain's write lock) at will. Each lock of a key gets one counter; once the lock has
//! ended, the count becomes one "Logins refused" event.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::login_refusal::{ActiveModel, Column, Entity, Model};
use crate::{now, Refusal, StorageError};

/// Who was refused: what they typed, from where.
#[derive(Clone, Debug)]
pub struct RefusedLogin {
    pub typed_email: String,
    pub client_ip: String,
    pub user_agent: Option<String>,
}

/// Counts one refused login against the lock that refused it (one upsert; the first refusal
/// of a lock keeps who it was).
pub async fn count_refusal(
    db: &DatabaseConnection,
    refusal: &Refusal,
    who: &RefusedLogin,
) -> Result<(), StorageError> {
    let at = now();
    Entity::insert(ActiveModel {
        key: Set(refusal.key.clone()),
        locked_until: Set(refusal.locked_until),
        refused: Set(1),
        typed_email: Set(who.typed_email.clone()),
        client_ip: Set(who.client_ip.clone()),
        user_agent: Set(who.user_agent.clone()),
        first_at: Set(at),
        last_at: Set(at),
    })
    .on_conflict(
        OnConflict::columns([Column::Key, Column::LockedUntil])
            .value(Column::Refused, Expr::col((Entity, Column::Refused)).add(1))
            .value(Column::LastAt, at)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Turns the counts of locks that have ended into one event each (at most `limit` per call);
/// returns how many events were recorded.
pub async fn record_ended_refusals(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<u64, StorageError> {
    let ended = Entity::find()
        .filter(Column::LockedUntil.lt(now()))
        .order_by_asc(Column::LockedUntil)
        .limit(limit)
        .all(db)
        .await?;
    let mut recorded = 0;
    for row in ended {
        let txn = crate::begin_write(db).await?;
        // Another process may have recorded it meanwhile: only the one that deletes it records.
        let gone = Entity::delete_many()
            .filter(Column::Key.eq(&row.key))
            .filter(Column::LockedUntil.eq(row.locked_until))
            .exec(&txn)
            .await?;
        if gone.rows_affected == 1 {
            audit::append(&txn, None, event(&row)).await?;
            recorded += 1;
        }
        txn.commit().await?;
    }
    Ok(recorded)
}

fn event(row: &Model) -> NewEvent {
    let whose = match row.key.split_once(':') {
        Some(("net", network)) => format!("the network {network}"),
        Some(("account", _)) => format!("the account {}", row.typed_email),
        _ => "addresses without an account".to_owned(),
    };
    let times = |n: i32| if n == 1 { "attempt" } else { "attempts" };
    let summary = format!(
        "{} login {} refused from {} to {} while {whose} was locked after too many failed \
         logins (the passwords were not checked; the first came from {})",
        row.refused,
        times(row.refused),
        stamp(row.first_at),
        stamp(row.last_at),
        row.client_ip,
    );
    NewEvent::new(AuditAction::LoginsRefused)
        .target(&row.typed_email)
        .summary(summary)
        .unauthenticated(
            row.typed_email.clone(),
            Some(row.client_ip.clone()),
            row.user_agent.clone(),
        )
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
