//! Inboxes: an end user's mailbox. While its domain has settings the inbox references them (an
//! edit reaches every inbox without touching inbox rows); otherwise it keeps the values the
//! user typed. The password arrives and leaves encrypted: storage never sees the key.

use chrono::{DateTime, Utc};
use domain::{DomainSettings, InboxState};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, NotSet, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditAction, NewEvent};
use crate::entity::inbox::{ActiveModel, Column, Entity};
use crate::{now, Actor, StorageError};

mod queued;
mod read;

use read::load_one;
pub use read::{
    count_domain_inboxes, get_inbox, inbox_secret, list_inboxes, list_inboxes_after,
    sample_inboxes, InboxOwner,
};

/// Why an inbox is disconnected: the probe's category and cause, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFailure {
    pub category: String,
    pub detail_code: Option<String>,
    pub detail: String,
    pub failed_step: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredInbox {
    pub id: i32,
    pub user_id: i32,
    pub owner_email: String,
    pub email: String,
    pub mail_domain: String,
    /// The domain whose settings the inbox uses; `None` while it keeps its own.
    pub domain_id: Option<i32>,
    pub settings: DomainSettings,
    pub username: Option<String>,
    pub state: InboxState,
    pub failure: Option<InboxFailure>,
    pub transient_failures: i32,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_connected_at: Option<DateTime<Utc>>,
    pub next_check_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// What a check needs: the inbox, its settings and its encrypted password.
#[derive(Clone, Debug)]
pub struct InboxSecret {
    pub inbox: StoredInbox,
    pub secret: Vec<u8>,
}

/// A new inbox, after its connection test passed.
#[derive(Clone, Debug)]
pub struct NewInbox {
    pub user_id: i32,
    pub email: String,
    pub mail_domain: String,
    /// `Some` when the domain has settings (the inbox references them).
    pub domain_id: Option<i32>,
    /// The typed settings, for a domain without settings.
    pub own_settings: Option<DomainSettings>,
    pub username: Option<String>,
    pub secret: Vec<u8>,
    pub next_check_at: DateTime<Utc>,
}

/// The result of a check, as decided by the caller.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// `Connected` or `Disconnected`.
    pub state: InboxState,
    pub failure: Option<InboxFailure>,
    pub transient_failures: i32,
    pub next_check_at: DateTime<Utc>,
}

/// Connects an inbox (or reconnects it with a new password if the user already has it).
pub async fn connect_inbox(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewInbox,
) -> Result<StoredInbox, StorageError> {
    let txn = crate::begin_write(db).await?;
    let at = now();
    let own = new
        .own_settings
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("inbox settings: {e}")))?;
    let existing = Entity::find()
        .filter(Column::UserId.eq(new.user_id))
        .filter(Column::Email.eq(&new.email))
        .one(&txn)
        .await?;
    let row = ActiveModel {
        id: existing.as_ref().map_or(NotSet, |m| Set(m.id)),
        user_id: Set(new.user_id),
        email: Set(new.email.clone()),
        mail_domain: Set(new.mail_domain.clone()),
        domain_id: Set(new.domain_id),
        own_settings: Set(own),
        username: Set(new.username),
        secret: Set(new.secret),
        status: Set(InboxState::Connected.as_str().to_owned()),
        category: Set(None),
        detail_code: Set(None),
        detail: Set(None),
        failed_step: Set(None),
        transient_failures: Set(0),
        last_checked_at: Set(Some(at)),
        last_connected_at: Set(Some(at)),
        next_check_at: Set(new.next_check_at),
        check_lease_until: Set(None),
        created_at: existing.as_ref().map_or(Set(at), |m| Set(m.created_at)),
    };
    let model = match existing {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    let event = NewEvent::new(AuditAction::InboxConnected)
        .domain(new.domain_id, &new.mail_domain)
        .target(&new.email)
        .summary(format!("{} connected the inbox {}", actor.email, new.email));
    audit::append(&txn, Some(actor), event).await?;
    let inbox = load_one(&txn, model).await?;
    txn.commit().await?;
    Ok(inbox)
}

/// Stores a new password (and username) after a check with it passed.
pub async fn update_inbox_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    username: Option<String>,
    secret: Vec<u8>,
) -> Result<StoredInbox, StorageError> {
    let txn = crate::begin_write(db).await?;
    let model = Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StorageError::NotFound)?;
    let at = now();
    let was_connected = model.status == InboxState::Connected.as_str();
    let mut row: ActiveModel = model.into();
    row.username = Set(username);
    row.secret = Set(secret);
    row.status = Set(InboxState::Connected.as_str().to_owned());
    row.category = Set(None);
    row.detail_code = Set(None);
    row.detail = Set(None);
    row.failed_step = Set(None);
    row.transient_failures = Set(0);
    row.last_checked_at = Set(Some(at));
    row.last_connected_at = Set(Some(at));
    let model = row.update(&txn).await?;
    let summary = if was_connected {
        format!("{}: new password saved", model.email)
    } else {
        format!("{}: connected again with a new password", model.email)
    };
    let event = NewEvent::new(AuditAction::InboxPasswordChanged)
        .domain(model.domain_id, &model.mail_domain)
        .target(&model.email)
        .summary(summary);
    audit::append(&txn, Some(actor), event).await?;
    let inbox = load_one(&txn, model).await?;
    txn.commit().await?;
    Ok(inbox)
}

/// Stores a check's result; a change of state is one audit event. Used inside the caller's
/// transaction (a revalidation item commits with it).
pub(crate) async fn store_check(
    conn: &DatabaseTransaction,
    id: i32,
    result: &CheckResult,
    job_id: Option<i32>,
) -> Result<(), StorageError> {
    let Some(model) = Entity::find_by_id(id).one(conn).await? else {
        return Ok(()); // removed while it was checked
    };
    let at = now();
    let before = model.status.clone();
    let (email, mail_domain, domain_id) = (
        model.email.clone(),
        model.mail_domain.clone(),
        model.domain_id,
    );
    let mut row: ActiveModel = model.into();
    row.status = Set(result.state.as_str().to_owned());
    let f = result.failure.as_ref();
    row.category = Set(f.map(|f| f.category.clone()));
    row.detail_code = Set(f.and_then(|f| f.detail_code.clone()));
    row.detail = Set(f.map(|f| f.detail.clone()));
    row.failed_step = Set(f.and_then(|f| f.failed_step.clone()));
    row.transient_failures = Set(result.transient_failures);
    row.last_checked_at = Set(Some(at));
    if result.state == InboxState::Connected {
        row.last_connected_at = Set(Some(at));
    }
    row.next_check_at = Set(result.next_check_at);
    row.check_lease_until = Set(None);
    row.update(conn).await?;
    if before != result.state.as_str() {
        // The state decides the words: a periodic check that failed transiently keeps its
        // previous failure on record but not its state.
        let summary = match (result.state, f) {
            (InboxState::Disconnected, Some(f)) => {
                format!("{email}: disconnected ({}: {})", f.category, f.detail)
            }
            (state, _) => format!("{email}: {}", state.label().to_lowercase()),
        };
        let mut event = NewEvent::new(AuditAction::InboxState)
            .domain(domain_id, &mail_domain)
            .target(&email)
            .summary(summary);
        if let Some(job) = job_id {
            event = event.job(job);
        }
        audit::append(conn, None, event).await?;
    }
    Ok(())
}

/// Stores a periodic check's result (its own transaction).
pub async fn record_check(
    db: &DatabaseConnection,
    id: i32,
    result: &CheckResult,
) -> Result<(), StorageError> {
    let txn = crate::begin_write(db).await?;
    store_check(&txn, id, result, None).await?;
    crate::positions::checks_moved(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// When a domain gets settings: its inboxes drop their own and reference the domain's.
pub(crate) async fn adopt_domain_inboxes(
    conn: &impl ConnectionTrait,
    domain_id: i32,
    mail_domain: &str,
) -> Result<u64, StorageError> {
    let result = Entity::update_many()
        .col_expr(Column::DomainId, domain_id.into())
        .col_expr(Column::OwnSettings, Option::<String>::None.into())
        .filter(Column::MailDomain.eq(mail_domain))
        .filter(Column::DomainId.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// When a domain's settings are deleted: its inboxes keep a copy and stay as they are.
pub(crate) async fn release_domain_inboxes(
    conn: &impl ConnectionTrait,
    domain_id: i32,
    settings: &DomainSettings,
) -> Result<(), StorageError> {
    let json = serde_json::to_string(settings)
        .map_err(|e| StorageError::Corrupt(format!("inbox settings: {e}")))?;
    Entity::update_many()
        .col_expr(Column::OwnSettings, Some(json).into())
        .col_expr(Column::DomainId, Option::<i32>::None.into())
        .filter(Column::DomainId.eq(domain_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Whether any inbox uses the domain's settings.
pub(crate) async fn domain_has_inboxes(
    conn: &impl ConnectionTrait,
    domain_id: i32,
) -> Result<bool, StorageError> {
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::DomainId.eq(domain_id))
        .limit(1)
        .into_tuple::<i32>()
        .one(conn)
        .await?
        .is_some())
}
