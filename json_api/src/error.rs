//! Every API failure as one JSON shape, `{"error": {"code", "message", …}}`, with the same codes
//! the pages use and the HTTP status that goes with them.

use app::error::AppError;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{FieldChange, FieldErrors};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What the shared services answered (validation, conflicts, rights, rate limits …).
    #[error(transparent)]
    App(#[from] AppError),
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

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => e.status(),
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
            ApiError::App(e) => {
                let mut detail = ErrorDetail::new(e.code(), message);
                match e {
                    AppError::InvalidSettings { errors, .. } => detail.field_errors = errors.get(),
                    AppError::Invalid { field, .. } => detail.field = field,
                    AppError::Conflict {
                        changes,
                        current_version,
                        ..
                    } => {
                        detail.conflicting_changes = changes.get();
                        detail.current_version = Some(current_version);
                    }
                    AppError::RateLimited {
                        retry_after_secs, ..
                    }
                    | AppError::Throttled { retry_after_secs } => {
                        detail.retry_after_secs = Some(retry_after_secs);
                    }
                    _ => {}
                }
                detail
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let bearer_challenge = matches!(
            self,
            ApiError::Token(_) | ApiError::App(AppError::Unauthenticated)
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
