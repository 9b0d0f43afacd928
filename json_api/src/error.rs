//! Every API failure as one JSON shape, `{"error": {"code", "message", …}}`, with the same codes
//! the pages use and the HTTP status that goes with them.

use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{FieldChange, FieldErrors};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use services::ServiceError;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What the shared services answered (validation, conflicts, rights, rate limits …).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// No usable token: the message says why (missing, unknown, expired, revoked).
    #[error("{0}")]
    Token(&'static str),
    /// A read-only token on a route that changes something.
    #[error("This token may only read: create a token with the Read and write scope to change settings.")]
    ReadOnlyToken,
    /// The request itself is malformed (JSON, query, path).
    #[error("{0}")]
    BadRequest(String),
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthenticated`, `forbidden`, `not_found`, `bad_request`, `invalid_settings`,
    /// `invalid`, `unverified`, `conflict`, `rate_limited`, `internal`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// `invalid_settings`: one message per field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_errors: Option<FieldErrors>,
    /// `invalid`: the request field the message is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `conflict`: what others changed since the version you sent (before = at your version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicting_changes: Option<Vec<FieldChange>>,
    /// `conflict`: the version to send once you have reviewed the changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// `rate_limited`: seconds to wait (also in the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ErrorDetail {
    fn new(code: &'static str, message: String) -> Self {
        ErrorDetail {
            code,
            message,
            field_errors: None,
            field: None,
            conflicting_changes: None,
            current_version: None,
            retry_after_secs: None,
        }
    }
}

/// What a server failure shows (the detail goes to the log).
const INTERNAL: &str = "Something went wrong on the server; the details are in its log.";

impl From<storage::StorageError> for ApiError {
    fn from(e: storage::StorageError) -> Self {
        ApiError::Service(e.into())
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Service(e) => service_status(e),
            ApiError::Token(_) => StatusCode::UNAUTHORIZED,
            ApiError::ReadOnlyToken => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn detail(self) -> ErrorDetail {
        let message = self.to_string();
        match self {
            ApiError::Token(_) => ErrorDetail::new("unauthenticated", message),
            ApiError::ReadOnlyToken => ErrorDetail::new("forbidden", message),
            ApiError::BadRequest(_) => ErrorDetail::new("bad_request", message),
            ApiError::Service(e) => service_detail(e, message),
        }
    }
}

fn service_status(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Unauthenticated | ServiceError::LoginFailed => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::InvalidSettings(_) | ServiceError::Invalid { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::Throttled { .. } | ServiceError::RateLimited { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        ServiceError::Unverified => StatusCode::PRECONDITION_REQUIRED,
        ServiceError::Storage(_) | ServiceError::InboxCheck(_) | ServiceError::Export(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn service_detail(e: ServiceError, message: String) -> ErrorDetail {
    match e {
        ServiceError::Unauthenticated => ErrorDetail::new("unauthenticated", message),
        ServiceError::LoginFailed => ErrorDetail::new("login_failed", message),
        ServiceError::Forbidden(_) => ErrorDetail::new("forbidden", message),
        ServiceError::NotFound => ErrorDetail::new("not_found", message),
        ServiceError::InvalidSettings(errors) => ErrorDetail {
            field_errors: Some(errors),
            ..ErrorDetail::new("invalid_settings", message)
        },
        ServiceError::Invalid { field, .. } => ErrorDetail {
            field: field.map(str::to_owned),
            ..ErrorDetail::new("invalid", message)
        },
        ServiceError::Conflict {
            changes,
            current_version,
        } => ErrorDetail {
            conflicting_changes: Some(changes),
            current_version: Some(current_version),
            ..ErrorDetail::new("conflict", message)
        },
        ServiceError::Unverified => ErrorDetail::new("unverified", message),
        ServiceError::RateLimited {
            retry_after_secs, ..
        } => ErrorDetail {
            retry_after_secs: Some(retry_after_secs),
            ..ErrorDetail::new("rate_limited", message)
        },
        ServiceError::Throttled { retry_after_secs } => ErrorDetail {
            retry_after_secs: Some(retry_after_secs),
            ..ErrorDetail::new("throttled", message)
        },
        failure @ (ServiceError::Storage(_)
        | ServiceError::InboxCheck(_)
        | ServiceError::Export(_)) => {
            tracing::error!(error = %failure, "API request failed");
            ErrorDetail::new("internal", INTERNAL.to_owned())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let bearer_challenge = matches!(
            self,
            ApiError::Token(_) | ApiError::Service(ServiceError::Unauthenticated)
        );
        let detail = self.detail();
        let retry_after = detail.retry_after_secs;
        let mut response = (status, Json(ErrorBody { error: detail })).into_response();
        let headers = response.headers_mut();
        if bearer_challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
