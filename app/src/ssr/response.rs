//! Headers a server function adds to its response, through the Leptos response context.

use crate::error::AppError;

/// Adds `Set-Cookie: cookie` to the server function's response.
pub fn set_response_cookie(cookie: &str) {
    use http::{header::SET_COOKIE, HeaderValue};
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(cookie),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// For the server functions whose data a kept page shows: a page rendered around a failure
/// (a part of it left out) must not be kept, nor cached.
pub fn not_kept(error: AppError) -> AppError {
    if error == AppError::Internal {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
        }
    }
    error
}
