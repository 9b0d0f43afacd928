use domain::{FieldChange, FieldErrors};
use storage::StorageError;

use crate::{Allowance, Refusal};

/// Why a service refused or failed. Each face maps it to its own wire error (and adds what the
/// caller typed, where it shows a form again).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's session ended while the request ran.
    #[error("Log in to continue.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(Refusal),
    #[error("That page or record does not exist (it may have been deleted).")]
    NotFound,
    /// The domain settings did not validate: one message per field.
    #[error("Some fields need attention.")]
    InvalidSettings(FieldErrors),
    /// Another admin saved the domain since the caller loaded it.
    #[error("Someone else changed these settings while you were editing.")]
    Conflict {
        changes: Vec<FieldChange>,
        current_version: i32,
    },
    /// Any other input: a message tied to one input (by its name), or to the whole request.
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    /// No successful connection test of exactly these settings: saving needs "Save anyway".
    #[error("These settings have not passed a connection test.")]
    Unverified,
    #[error(
        "You can {} {per_minute} {} a minute. Try again in {retry_after_secs} seconds.",
        .allowance.verb(),
        .allowance.noun()
    )]
    RateLimited {
        retry_after_secs: u64,
        per_minute: usize,
        allowance: Allowance,
    },
    #[error("Incorrect email or password.")]
    LoginFailed,
    #[error("Too many failed attempts. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("storage failure: {0}")]
    Storage(StorageError),
    #[error("the inbox check could not run: {0}")]
    InboxCheck(#[from] inboxes::CheckError),
    #[error("{0}")]
    Export(&'static str),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn general(message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: None,
            message: message.into(),
        }
    }
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ServiceError::NotFound,
            other => ServiceError::Storage(other),
        }
    }
}
