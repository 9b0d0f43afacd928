//! Reading inboxes: lists, one inbox (with its encrypted password, for a check), samples, and
//! resolving each inbox's settings and owner.

use std::collections::HashSet;

use domain::{DomainSettings, InboxState};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{InboxFailure, InboxSecret, StoredInbox};
use crate::entity::inbox::{Column, Entity, Model};
use crate::entity::{domain as domain_row, user};
use crate::{now, StorageError};

/// Which inboxes to list.
#[derive(Clone, Copy, Debug)]
pub enum InboxOwner {
    User(i32),
    Domain(i32),
}

/// Inboxes of a user or of a domain, oldest first.
pub async fn list_inboxes(
    db: &DatabaseConnection,
    owner: InboxOwner,
) -> Result<Vec<StoredInbox>, StorageError> {
    let query = match owner {
        InboxOwner::User(id) => Entity::find().filter(Column::UserId.eq(id)),
        InboxOwner::Domain(id) => Entity::find().filter(Column::DomainId.eq(id)),
    };
    let models = query.order_by_asc(Column::Id).all(db).await?;
    load_many(db, models).await
}

/// Up to `limit` of the owner's inboxes in id order, those after id `after` (a page of a
/// cursor-paginated list).
pub async fn list_inboxes_after(
    db: &DatabaseConnection,
    owner: InboxOwner,
    after: Option<i32>,
    limit: u64,
) -> Result<Vec<StoredInbox>, StorageError> {
    let mut query = match owner {
        InboxOwner::User(id) => Entity::find().filter(Column::UserId.eq(id)),
        InboxOwner::Domain(id) => Entity::find().filter(Column::DomainId.eq(id)),
    };
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    let models = query.order_by_asc(Column::Id).limit(limit).all(db).await?;
    load_many(db, models).await
}

pub async fn get_inbox(db: &DatabaseConnection, id: i32) -> Result<StoredInbox, StorageError> {
    let model = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StorageError::NotFound)?;
    load_one(db, model).await
}

/// The inbox with its encrypted password, for a check.
pub async fn inbox_secret(db: &DatabaseConnection, id: i32) -> Result<InboxSecret, StorageError> {
    let model = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StorageError::NotFound)?;
    let secret = model.secret.clone();
    Ok(InboxSecret {
        inbox: load_one(db, model).await?,
        secret,
    })
}

/// How many inboxes use the domain's settings (one indexed count).
pub async fn count_domain_inboxes(
    db: &impl ConnectionTrait,
    domain_id: i32,
) -> Result<u64, StorageError> {
    Ok(Entity::find()
        .filter(Column::DomainId.eq(domain_id))
        .count(db)
        .await?)
}

/// Up to `n` of the domain's inboxes with their passwords, spread over the id range (one
/// indexed read each: the domain's other inboxes are not loaded).
pub async fn sample_inboxes(
    db: &DatabaseConnection,
    domain_id: i32,
    n: u64,
) -> Result<Vec<InboxSecret>, StorageError> {
    let count = count_domain_inboxes(db, domain_id).await?;
    let step = count.div_ceil(n.max(1)).max(1);
    let mut out = Vec::new();
    for offset in (0..count).step_by(step as usize).take(n as usize) {
        let id: Option<i32> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::DomainId.eq(domain_id))
            .order_by_asc(Column::Id)
            .offset(offset)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
        if let Some(id) = id {
            out.push(inbox_secret(db, id).await?);
        }
    }
    Ok(out)
}

pub(super) async fn load_one(
    conn: &impl ConnectionTrait,
    m: Model,
) -> Result<StoredInbox, StorageError> {
    load_many(conn, vec![m])
        .await?
        .pop()
        .ok_or(StorageError::NotFound)
}

/// Resolves each inbox's settings (its domain's, or its own) and its owner's address, and
/// whether a revalidation still has to check it.
async fn load_many(
    conn: &impl ConnectionTrait,
    models: Vec<Model>,
) -> Result<Vec<StoredInbox>, StorageError> {
    let domains = domains_of(conn, &models).await?;
    let owners = owner_emails(conn, &models).await?;
    let ids: Vec<i32> = models.iter().map(|m| m.id).collect();
    let queued = super::queued::inboxes_awaiting_check(conn, &ids).await?;
    let mut out = Vec::with_capacity(models.len());
    for m in models {
        let settings = inbox_settings(&m, &domains)?;
        let state = current_state(&m, &queued)?;
        let owner_email = owners
            .iter()
            .find(|(id, _)| *id == m.user_id)
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
        out.push(stored_inbox(m, settings, state, owner_email));
    }
    Ok(out)
}

/// The domain rows the inboxes reference.
async fn domains_of(
    conn: &impl ConnectionTrait,
    models: &[Model],
) -> Result<Vec<domain_row::Model>, StorageError> {
    let mut domain_ids: Vec<i32> = models.iter().filter_map(|m| m.domain_id).collect();
    domain_ids.sort_unstable();
    domain_ids.dedup();
    Ok(domain_row::Entity::find()
        .filter(domain_row::Column::Id.is_in(domain_ids))
        .all(conn)
        .await?)
}

/// Each owner's id and email address.
async fn owner_emails(
    conn: &impl ConnectionTrait,
    models: &[Model],
) -> Result<Vec<(i32, String)>, StorageError> {
    let mut user_ids: Vec<i32> = models.iter().map(|m| m.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Email)
        .filter(user::Column::Id.is_in(user_ids))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The settings the inbox uses: its domain's, or its own.
fn inbox_settings(
    m: &Model,
    domains: &[domain_row::Model],
) -> Result<DomainSettings, StorageError> {
    match (m.domain_id, &m.own_settings) {
        (Some(d), _) => {
            let row = domains
                .iter()
                .find(|r| r.id == d)
                .ok_or_else(|| StorageError::Corrupt(format!("inbox {}: no domain", m.id)))?;
            crate::domains::settings_of(row)
        }
        (None, Some(json)) => serde_json::from_str(json)
            .map_err(|e| StorageError::Corrupt(format!("inbox {} settings: {e}", m.id))),
        (None, None) => Err(StorageError::Corrupt(format!(
            "inbox {}: no settings",
            m.id
        ))),
    }
}

/// The stored state, or `Checking` while a check is queued or leased.
fn current_state(m: &Model, queued: &HashSet<i32>) -> Result<InboxState, StorageError> {
    let stored = InboxState::parse(&m.status)
        .ok_or_else(|| StorageError::Corrupt(format!("inbox status {:?}", m.status)))?;
    let leased = m.check_lease_until.is_some_and(|t| t > now());
    Ok(if queued.contains(&m.id) || leased {
        InboxState::Checking
    } else {
        stored
    })
}

fn stored_inbox(
    m: Model,
    settings: DomainSettings,
    state: InboxState,
    owner_email: String,
) -> StoredInbox {
    let failure = m.category.clone().map(|category| InboxFailure {
        category,
        detail_code: m.detail_code.clone(),
        detail: m.detail.clone().unwrap_or_default(),
        failed_step: m.failed_step.clone(),
    });
    StoredInbox {
        id: m.id,
        user_id: m.user_id,
        owner_email,
        email: m.email,
        mail_domain: m.mail_domain,
        domain_id: m.domain_id,
        settings,
        username: m.username,
        state,
        failure,
        transient_failures: m.transient_failures,
        last_checked_at: m.last_checked_at,
        last_connected_at: m.last_connected_at,
        next_check_at: m.next_check_at,
        created_at: m.created_at,
    }
}
