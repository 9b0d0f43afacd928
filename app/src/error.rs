//! The one error type every server function returns. It crosses the wire (JSON), so the browser
//! — and, without JavaScript, the page re-rendered after the redirect — shows the same message.

#[cfg(feature = "ssr")]
mod from_service;
mod wire;

use domain::{DomainSettingsForm, FieldChange, FieldErrors};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub use from_service::form_error;
use services::Allowance;
pub use wire::{Carried, ErrorJson};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Log in to continue.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("That page or record does not exist (it may have been deleted).")]
    NotFound,
    /// The domain form did not validate: one message per field, and what was typed, so nothing is
    /// lost when the page is re-rendered without JavaScript.
    #[error("Some fields need attention.")]
    InvalidSettings {
        errors: Carried<FieldErrors>,
        values: Carried<DomainSettingsForm>,
        /// The version the admin was editing, so a corrected resubmission still detects a
        /// concurrent change instead of overwriting it.
        #[serde(default)]
        edited_version: Option<i32>,
    },
    /// Another admin saved the domain since this form was loaded.
    #[error("Someone else changed these settings while you were editing.")]
    Conflict {
        changes: Carried<Vec<FieldChange>>,
        current_version: i32,
        values: Carried<DomainSettingsForm>,
    },
    /// Any other form: a message tied to one input (by its name), or to the whole form.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// No successful connection test of exactly these values: saving needs "Save anyway".
    #[error("These settings have not passed a connection test.")]
    Unverified {
        values: Carried<DomainSettingsForm>,
        #[serde(default)]
        edited_version: Option<i32>,
    },
    #[error(
        "You can {} {per_minute} {} a minute. Try again in {retry_after_secs} seconds.",
        .allowance.verb(),
        .allowance.noun()
    )]
    RateLimited {
        retry_after_secs: u64,
        per_minute: usize,
        #[serde(default)]
        allowance: Allowance,
    },
    #[error("Incorrect email or password.")]
    LoginFailed,
    #[error("Too many failed attempts. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("Something went wrong on the server; the details are in its log.")]
    Internal,
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The message for the top of a form: `None` for errors shown beside their field.
    pub fn general_message(&self) -> Option<String> {
        match self {
            AppError::Invalid { field: Some(_), .. } | AppError::InvalidSettings { .. } => None,
            other => Some(other.to_string()),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    #[cfg(feature = "ssr")]
    pub fn invalid_settings(errors: &FieldErrors, values: &DomainSettingsForm) -> Self {
        AppError::InvalidSettings {
            errors: Carried::new(errors),
            values: Carried::new(values),
            edited_version: None,
        }
    }

    #[cfg(feature = "ssr")]
    pub fn unverified(values: &DomainSettingsForm) -> Self {
        AppError::Unverified {
            values: Carried::new(values),
            edited_version: None,
        }
    }

    #[cfg(feature = "ssr")]
    pub fn conflict(
        changes: Vec<FieldChange>,
        current_version: i32,
        values: &DomainSettingsForm,
    ) -> Self {
        AppError::Conflict {
            changes: Carried::new(&changes),
            current_version,
            values: Carried::new(values),
        }
    }

    /// Records which version of the domain the refused form was editing.
    pub fn editing(self, version: i32) -> Self {
        match self {
            AppError::InvalidSettings { errors, values, .. } => AppError::InvalidSettings {
                errors,
                values,
                edited_version: Some(version),
            },
            AppError::Unverified { values, .. } => AppError::Unverified {
                values,
                edited_version: Some(version),
            },
            other => other,
        }
    }

    /// The message to show next to the input called `name`, if this error is about it.
    pub fn message_for(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid {
                field: Some(f),
                message,
            } if f == name => Some(message.clone()),
            _ => None,
        }
    }

    /// The error's stable name, as the JSON API reports it (`"conflict"`, `"rate_limited"` …).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::InvalidSettings { .. } => "invalid_settings",
            AppError::Conflict { .. } => "conflict",
            AppError::Invalid { .. } => "invalid",
            AppError::Unverified { .. } => "unverified",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::LoginFailed => "login_failed",
            AppError::Throttled { .. } => "throttled",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::InvalidSettings { .. } | AppError::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Throttled { .. } | AppError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unverified { .. } => StatusCode::PRECONDITION_REQUIRED,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = ErrorJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
