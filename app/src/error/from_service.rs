//! The services' errors as the pages show them: a refused form gets what was typed back.

use domain::DomainSettingsForm;
use services::ServiceError;

use super::AppError;

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        form_error(e, &DomainSettingsForm::default())
    }
}

/// `e`, for a form whose values were `typed` (shown again when the page is re-rendered).
pub fn form_error(e: ServiceError, typed: &DomainSettingsForm) -> AppError {
    match e {
        ServiceError::Unauthenticated => AppError::Unauthenticated,
        ServiceError::Forbidden(refusal) => AppError::Forbidden(refusal.to_string()),
        ServiceError::NotFound => AppError::NotFound,
        ServiceError::InvalidSettings(errors) => AppError::invalid_settings(&errors, typed),
        ServiceError::Conflict {
            changes,
            current_version,
        } => AppError::conflict(changes, current_version, typed),
        ServiceError::Invalid { field, message } => AppError::Invalid {
            field: field.map(str::to_owned),
            message,
        },
        ServiceError::Unverified => AppError::unverified(typed),
        ServiceError::RateLimited {
            retry_after_secs,
            per_minute,
            allowance,
        } => AppError::RateLimited {
            retry_after_secs,
            per_minute,
            allowance,
        },
        ServiceError::LoginFailed => AppError::LoginFailed,
        ServiceError::Throttled { retry_after_secs } => AppError::Throttled { retry_after_secs },
        other @ (ServiceError::Storage(_)
        | ServiceError::InboxCheck(_)
        | ServiceError::Export(_)) => {
            tracing::error!(error = %other, "service failure");
            AppError::Internal
        }
    }
}
