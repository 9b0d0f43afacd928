//! Security headers. Pages get a Content-Security-Policy whose only inline script allowance is
//! the per-response nonce Leptos puts on its hydration and resource scripts; every other
//! response gets a policy that allows nothing at all.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::HeaderValue;

use crate::ClientInfo;

/// For responses that are not pages (assets, server-function answers, errors).
const LOCKED_DOWN_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of an HTML page rendered with `nonce`.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Middleware: the headers every response carries.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let https = request
        .extensions()
        .get::<ClientInfo>()
        .is_some_and(|c| c.https);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(LOCKED_DOWN_CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Same-origin requests keep their Referer (the CSRF check's fallback); others get none.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The site's own files (`/pkg/…`: the wasm, its JS glue, the CSS). Named by content hash
/// (`mailsettings.<hash>.wasm`), a file never changes, so browsers keep it for a year without
/// asking. Any other name may change in place: `no-cache` makes a repeat visit a conditional
/// request (`If-Modified-Since`) answered `304 Not Modified` without the body.
pub async fn static_cache_headers(request: Request, next: Next) -> Response {
    let policy =
        request
            .uri()
            .path()
            .strip_prefix("/pkg/")
            .map(|file| match is_content_hashed(file) {
                true => "public, max-age=31536000, immutable",
                false => "no-cache",
            });
    let mut response = next.run(request).await;
    if let Some(policy) = policy {
        if response.status().is_success() || response.status().as_u16() == 304 {
            response
                .headers_mut()
                .entry(http::header::CACHE_CONTROL)
                .or_insert(HeaderValue::from_static(policy));
        }
    }
    response
}

/// `name.<hash>.ext` as cargo-leptos writes it: 22 characters of URL-safe base64 (an MD5).
fn is_content_hashed(file: &str) -> bool {
    let mut parts = file.rsplitn(3, '.');
    let (_ext, hash) = (parts.next(), parts.next().unwrap_or_default());
    parts.next().is_some_and(|stem| !stem.is_empty())
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_content_hashed(
            "mailsettings.Xq3_9aZ-0123456789abcd.wasm"
        ));
        assert!(!is_content_hashed("mailsettings.wasm"));
        assert!(!is_content_hashed("mailsettings.css"));
        assert!(!is_content_hashed(".Xq3_9aZ-0123456789abcd.wasm"));
        assert!(!is_content_hashed("snippets/leptos-use/inline0.js"));
        assert!(!is_content_hashed("mailsettings.Xq3_9aZ-0123456789ab!d.js"));
    }
}
