//! HTTP plumbing both faces (the pages and the JSON API) and the router share: who the client
//! is (behind trusted proxies), the session cookie, the cross-site request check, security and
//! cache headers, the mail-client rate limit, and downloads.

mod client;
mod cookies;
mod csrf;
mod headers;
mod mail_client_limit;

pub use client::{attach_client_info, normalize_origin, ClientInfo, ProxyPolicy};
pub use cookies::{new_token_cookie, session_token, take_new_token, CookiePolicy};
pub use csrf::refuse_cross_origin;
pub use headers::{page_csp, security_headers, static_cache_headers};
pub use mail_client_limit::{limit_mail_clients, MailClientLimiter};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{header, StatusCode};
use services::history_export::HistoryExport;

/// A plain-text response (refusals of the routes mail clients call).
pub fn plain_text(status: StatusCode, message: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(message))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A change-history export as a download, streamed; never cached.
pub fn history_download(export: HistoryExport) -> Response {
    let name = format!(
        "change-history-{}.{}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        export.extension
    );
    let body = export.chunks.inspect(|chunk| {
        if let Err(e) = chunk {
            tracing::error!(error = %e, "history export stopped");
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, export.content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
