//! Server functions answer every error with status 500 by default. This layer gives API callers
//! the status the error means (401, 403, 409, 422, 429 with `Retry-After` …) in one place.
//! Browser form posts are redirects (302) and are left alone.

use axum::body::{to_bytes, Body};
use axum::response::Response;
use http::StatusCode;

use crate::error::AppError;

/// Error bodies are a few hundred bytes; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
        if let AppError::RateLimited {
            retry_after_secs, ..
        }
        | AppError::Throttled { retry_after_secs } = error
        {
            parts
                .headers
                .insert(http::header::RETRY_AFTER, retry_after_secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The body of a cross-site refusal (see `web::refuse_cross_origin`): the error the hydrated
/// app shows.
pub fn cross_site_refusal() -> Response {
    let error = AppError::Forbidden(
        "This request came from another site and was refused. Reload the page and try again."
            .into(),
    );
    let body = serde_json::to_string(&error).unwrap_or_default();
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
