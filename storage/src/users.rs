//! User accounts. The password hash never leaves this crate.

use chrono::{DateTime, Utc};
use domain::{account_diff, AccountValues, EmailAddress, Rights, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, IntoActiveModel, NotSet, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, NewEvent};
use crate::entity::session;
use crate::entity::user::{ActiveModel, Column, Entity, Model};
use crate::error::unique_or;
use crate::{now, password, Actor, StorageError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserAccount {
    pub id: i32,
    pub email: String,
    pub role: Role,
    pub account_access: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl UserAccount {
    pub fn rights(&self) -> Rights {
        Rights {
            role: self.role,
            account_access: self.account_access,
        }
    }
}

pub async fn count_users(db: &DatabaseConnection) -> Result<u64, StorageError> {
    Ok(Entity::find().count(db).await?)
}

/// Creates the first account, a super admin; `SetupAlreadyDone` if any user exists. The
/// history names the new account as its own creator, from `client_ip` with `user_agent`
/// (`None` from the command line).
pub async fn create_first_super_admin(
    db: &DatabaseConnection,
    email: &EmailAddress,
    password: &str,
    client_ip: Option<String>,
    user_agent: Option<String>,
) -> Result<UserAccount, StorageError> {
    let hash = password::hash_new_password(password).await?;
    let txn = crate::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Serialises concurrent setups; SQLite already allows only one writer.
        txn.execute_unprepared("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    if Entity::find().count(&txn).await? > 0 {
        return Err(StorageError::SetupAlreadyDone);
    }
    let user = insert(&txn, email, hash, Role::SuperAdmin, true).await?;
    let actor = Actor {
        user_id: user.id,
        email: user.email.clone(),
        role: Some(user.role),
        client_ip,
        user_agent,
        api_token_id: None,
    };
    record_change(&txn, &actor, None, &user, "created the first super admin").await?;
    txn.commit().await?;
    Ok(user)
}

pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &EmailAddress,
    password: &str,
    role: Role,
    account_access: bool,
) -> Result<UserAccount, StorageError> {
    let hash = password::hash_new_password(password).await?;
    let txn = crate::begin_write(db).await?;
    let user = insert(&txn, email, hash, role, account_access).await?;
    record_change(&txn, actor, None, &user, "created the user").await?;
    txn.commit().await?;
    Ok(user)
}

/// A "User created" (no `before`) or "User changed" event with the account's field diff.
async fn record_change(
    txn: &DatabaseTransaction,
    actor: &Actor,
    before: Option<&UserAccount>,
    after: &UserAccount,
    what: &str,
) -> Result<(), StorageError> {
    let values = |a: &UserAccount| AccountValues {
        email: a.email.clone(),
        rights: a.rights(),
        disabled: a.disabled,
    };
    let changes = account_diff(before.map(values).as_ref(), Some(&values(after)));
    if changes.is_empty() {
        return Ok(());
    }
    let action = match before {
        None => AuditAction::UserCreated,
        Some(_) => AuditAction::UserUpdated,
    };
    let event = NewEvent::new(action)
        .target(&after.email)
        .summary(format!("{} {what} {}", actor.email, after.email))
        .changes(&changes)?;
    crate::audit::append(txn, Some(actor), event).await
}

/// All users, ordered by email.
pub async fn list_users(db: &DatabaseConnection) -> Result<Vec<UserAccount>, StorageError> {
    Entity::find()
        .order_by_asc(Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(to_account)
        .collect()
}

pub async fn get_user(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<UserAccount>, StorageError> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_account)
        .transpose()
}

/// What a super admin may change about a user on the users page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserRights {
    pub role: Role,
    pub account_access: bool,
    pub disabled: bool,
}

/// Changes a user's role, account access and disabled flag in one transaction; disabling ends
/// their sessions and revokes their API tokens. `acting_user` may not demote or disable their own account (`OwnAccount`),
/// and no change may leave no enabled super admin (`LastSuperAdmin`), also when two super
/// admins demote each other at the same moment.
pub async fn update_user(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    rights: UserRights,
) -> Result<UserAccount, StorageError> {
    if id == actor.user_id && (rights.role != Role::SuperAdmin || rights.disabled) {
        return Err(StorageError::OwnAccount);
    }
    let txn = crate::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Serialises concurrent user edits, so each sees the other's demotion.
        txn.execute_unprepared("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let before = find(&txn, id).await?;
    let before_account = to_account(before.clone())?;
    let was_super_admin = before.role == Role::SuperAdmin.as_str() && !before.disabled;
    let mut row = before.into_active_model();
    row.role = Set(rights.role.as_str().to_owned());
    row.account_access = Set(rights.account_access);
    row.disabled = Set(rights.disabled);
    row.updated_at = Set(now());
    let model = row.update(&txn).await?;
    let remaining = Entity::find()
        .filter(Column::Role.eq(Role::SuperAdmin.as_str()))
        .filter(Column::Disabled.eq(false))
        .count(&txn)
        .await?;
    if was_super_admin && remaining == 0 {
        txn.rollback().await?;
        return Err(StorageError::LastSuperAdmin);
    }
    if rights.disabled {
        delete_sessions_of(&txn, id).await?;
    }
    let after = to_account(model.clone())?;
    record_change(
        &txn,
        actor,
        Some(&before_account),
        &after,
        "changed the user",
    )
    .await?;
    // Re-enabling revokes too: a token still live on an account disabled before disabling
    // revoked tokens must not come back with it.
    if rights.disabled || before_account.disabled {
        let how = if rights.disabled {
            "disabled"
        } else {
            "re-enabled"
        };
        let because = format!("account {how} by {}", actor.email);
        crate::api_tokens::revoke_all_api_tokens(&txn, actor, &model, &because).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// The id of the account `email` logs into, whatever its spelling.
pub async fn find_login(
    db: &DatabaseConnection,
    email: &EmailAddress,
) -> Result<Option<i32>, StorageError> {
    Ok(Entity::find()
        .filter(Column::Email.eq(email.login_key()))
        .one(db)
        .await?
        .map(|u| u.id))
}

/// Sets a new password, ends all of the user's sessions and revokes their API tokens ("Password
/// reset" by `actor`; the password itself is never recorded).
pub async fn set_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    password: &str,
) -> Result<(), StorageError> {
    let hash = password::hash_new_password(password).await?;
    let txn = crate::begin_write(db).await?;
    let user = find(&txn, id).await?;
    let email = user.email.clone();
    let mut row = user.into_active_model();
    row.password_hash = Set(hash);
    row.updated_at = Set(now());
    let user = row.update(&txn).await?;
    delete_sessions_of(&txn, id).await?;
    let event = NewEvent::new(AuditAction::PasswordReset)
        .target(&email)
        .summary(format!("{} set a new password for {email}", actor.email));
    crate::audit::append(&txn, Some(actor), event).await?;
    let because = format!("password reset by {}", actor.email);
    crate::api_tokens::revoke_all_api_tokens(&txn, actor, &user, &because).await?;
    txn.commit().await?;
    Ok(())
}

/// The user if the email and password match and the account is enabled.
pub async fn verify_login(
    db: &DatabaseConnection,
    email: &EmailAddress,
    password: &str,
) -> Result<Option<UserAccount>, StorageError> {
    let user = Entity::find()
        .filter(Column::Email.eq(email.login_key()))
        .one(db)
        .await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = password::verify(password, hash).await?;
    match user {
        Some(user) if matches && !user.disabled => Ok(Some(to_account(user)?)),
        _ => Ok(None),
    }
}

pub(crate) fn to_account(m: Model) -> Result<UserAccount, StorageError> {
    let role = Role::parse(&m.role)
        .map_err(|_| StorageError::Corrupt(format!("user {} role {:?}", m.id, m.role)))?;
    Ok(UserAccount {
        id: m.id,
        email: m.email,
        role,
        account_access: m.account_access,
        disabled: m.disabled,
        created_at: m.created_at,
    })
}

async fn insert(
    conn: &impl ConnectionTrait,
    email: &EmailAddress,
    password_hash: String,
    role: Role,
    account_access: bool,
) -> Result<UserAccount, StorageError> {
    let at = now();
    let model = ActiveModel {
        id: NotSet,
        email: Set(email.login_key()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        account_access: Set(account_access),
        disabled: Set(false),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(conn)
    .await
    .map_err(|e| unique_or(e, || StorageError::DuplicateEmail(email.login_key())))?;
    to_account(model)
}

async fn find(conn: &impl ConnectionTrait, id: i32) -> Result<Model, StorageError> {
    Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StorageError::NotFound)
}

async fn delete_sessions_of(conn: &impl ConnectionTrait, user_id: i32) -> Result<(), StorageError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}
