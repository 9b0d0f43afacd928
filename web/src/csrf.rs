//! Cross-site request forgery: a request that can change something (any method but GET, HEAD
//! and OPTIONS) must come from the app's own origin when it carries a session cookie, and must
//! never come from another origin at all (login CSRF). Browsers send `Origin` on every such
//! request; `Referer` is the fallback. Scripts without a session (no Origin, no cookie) pass.
//! The refusal's body is the face's own (its error's wire form), given as the layer's state.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, Method};

use crate::cookies::carries_session_cookie;
use crate::{normalize_origin, ClientInfo};

/// Middleware: a cross-origin request that could change something gets `refusal()`.
pub async fn refuse_cross_origin(
    State(refusal): State<fn() -> Response>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let expected = request
        .extensions()
        .get::<ClientInfo>()
        .and_then(|c| c.expected_origin.clone());
    let headers = request.headers();
    let sent = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(normalize_origin)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of_url)
        });
    let allowed = match (&sent, &expected) {
        (Some(sent), Some(expected)) => sent == expected,
        (Some(_), None) => false,
        (None, _) => !carries_session_cookie(headers),
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::warn!(
        path = %request.uri().path(),
        origin = sent.as_deref().unwrap_or("(none)"),
        expected = expected.as_deref().unwrap_or("(unknown)"),
        "cross-origin request refused"
    );
    refusal()
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| normalize_origin(&format!("{scheme}://{authority}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referer_gives_its_origin() {
        assert_eq!(
            origin_of_url("https://App.example/domains/1?x=2").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(
            origin_of_url("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of_url("not a url"), None);
    }
}
