use domain::FieldChange;
use sea_orm::{DbErr, SqlErr};

use crate::StoredDomain;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the domain {0} already exists")]
    DuplicateDomain(String),
    #[error("a user with the email {0} already exists")]
    DuplicateEmail(String),
    /// The row moved on since the caller read it. `changes` lists what others changed between
    /// the caller's `expected_version` and `current` (before = value at the caller's version,
    /// after = current value), rebuilt from the audit trail; see `domains::update_domain`.
    #[error("the domain was changed by someone else (now at version {})", current.version)]
    Conflict {
        current: Box<StoredDomain>,
        changes: Vec<FieldChange>,
    },
    #[error("not found")]
    NotFound,
    /// A stored value no longer parses as a domain type.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The new password breaks the policy (the message is user-facing, from
    /// `domain::check_new_password`) or hashing failed.
    #[error("{0}")]
    Password(String),
    /// A super admin tried to demote or disable their own account.
    #[error("an account cannot demote or disable itself")]
    OwnAccount,
    /// A user change would leave no enabled super admin.
    #[error("at least one enabled super admin must remain")]
    LastSuperAdmin,
    /// `create_first_super_admin` when a user already exists.
    #[error("setup has already been done")]
    SetupAlreadyDone,
    /// A domain whose inboxes' addresses are at its current name cannot be renamed.
    #[error("{name} has {inboxes} connected inboxes at that name")]
    RenameWithInboxes { name: String, inboxes: u64 },
    /// The revalidation waits for a super admin to approve hosts the domain never used.
    #[error("a super admin must approve the new hosts")]
    ApprovalRequired,
    /// A document `verify_export` does not read.
    #[error("not a change-history export this version reads (format {0:?})")]
    ExportFormat(String),
    /// The user already holds `MAX_ACTIVE_TOKENS` tokens that are neither revoked nor expired.
    #[error("too many active API tokens")]
    TokenLimit,
    /// The SQLite database file could not be created.
    #[error("cannot create the database file {0}")]
    DatabaseFile(String),
    /// The session a token was to be created from ended (logout, password reset, disable).
    #[error("the session has ended")]
    SessionEnded,
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Maps a unique violation (recognised by the database error kind) to `on_unique`.
pub(crate) fn unique_or(err: DbErr, on_unique: impl FnOnce() -> StorageError) -> StorageError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => on_unique(),
        _ => StorageError::Database(err),
    }
}
