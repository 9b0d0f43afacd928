//! The domain list page as last rendered for each signed-in account, served again while nothing
//! it shows has changed. Every request still checks the session and reads where the lists stand
//! (the lookups a render makes, in one statement); only the rendering is skipped. Each response
//! gets a fresh CSP nonce, so no two responses share one. A page rendered around a storage
//! failure is not kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use storage::{ListPositions, UserAccount};

use super::headers::page_csp;
use super::{session_token, AppState};

const PATH: &str = "/domains";
/// A larger page (thousands of domains) is rendered for every view.
const MAX_KEPT_BYTES: usize = 4 << 20;
/// All kept pages together; beyond that every kept page is dropped at once (pages of accounts
/// that logged out are never served, and go then too).
const MAX_TOTAL_BYTES: usize = 64 << 20;

struct KeptPage {
    account: UserAccount,
    at: ListPositions,
    headers: HeaderMap,
    body: Arc<str>,
    nonce: String,
}

/// The kept pages, by account id.
#[derive(Default)]
pub struct RenderedListPages(Mutex<HashMap<i32, KeptPage>>);

fn total_bytes(kept: &HashMap<i32, KeptPage>) -> usize {
    kept.values().map(|page| page.body.len()).sum()
}

impl RenderedListPages {
    fn serve(&self, account: &UserAccount, at: ListPositions) -> Option<Response> {
        let (mut headers, body, nonce) = {
            let kept = self.0.lock().ok()?;
            let page = kept.get(&account.id)?;
            if page.account != *account || page.at != at {
                return None;
            }
            (
                page.headers.clone(),
                Arc::clone(&page.body),
                page.nonce.clone(),
            )
        };
        let fresh = leptos::nonce::Nonce::new().to_string();
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&page_csp(&fresh)).ok()?,
        );
        let mut response = Response::new(Body::from(body.replace(&nonce, &fresh)));
        *response.headers_mut() = headers;
        Some(response)
    }

    fn keep(&self, page: KeptPage) {
        if let Ok(mut kept) = self.0.lock() {
            if total_bytes(&kept) + page.body.len() > MAX_TOTAL_BYTES {
                kept.clear();
            }
            // A slow render must not replace a newer one.
            if kept.get(&page.account.id).is_none_or(|k| k.at <= page.at) {
                kept.insert(page.account.id, page);
            }
        }
    }
}

/// Middleware for `GET /domains`: the kept page when it is still current, else the render, kept.
pub async fn kept_list_page(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request.uri();
    if request.method() != Method::GET || uri.path() != PATH || uri.query().is_some() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // One statement: the session check and where the lists stand. Failures are left to the
    // render, which reports them.
    let seen = match session_token(&parts) {
        Some(token) => storage::session_user_at_positions(
            &state.services.db,
            &token,
            state.cookies.idle_timeout(),
        )
        .await
        .ok()
        .flatten(),
        None => None,
    };
    if let Some((account, at)) = &seen {
        if let Some(response) = state.domain_list.pages.serve(account, *at) {
            return response;
        }
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    match seen {
        Some((account, at)) => keep(&state, account, at, response).await,
        None => response,
    }
}

async fn keep(
    state: &AppState,
    account: UserAccount,
    at: ListPositions,
    response: Response,
) -> Response {
    let nonce = response
        .headers()
        .get(CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .and_then(nonce_of)
        .map(str::to_owned);
    // `no-store`: a part of the page could not be read (see `store_error`).
    let headers = response.headers();
    let keepable = response.status() == StatusCode::OK
        && !headers.contains_key(SET_COOKIE)
        && headers.get(CACHE_CONTROL).is_none_or(|v| v != "no-store");
    let (Some(nonce), true) = (nonce, keepable) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    // The whole page is read either way (it is sent whole); only a page of a reasonable size is
    // kept.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "the domain list page could not be rendered");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let small = bytes.len() <= MAX_KEPT_BYTES;
    if let (true, Ok(body)) = (small, std::str::from_utf8(&bytes)) {
        let mut headers = parts.headers.clone();
        headers.remove(CONTENT_LENGTH);
        state.domain_list.pages.keep(KeptPage {
            account,
            at,
            headers,
            body: Arc::from(body),
            nonce,
        });
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The nonce a page's policy allows (`'nonce-…'`).
fn nonce_of(policy: &str) -> Option<&str> {
    let rest = policy.split_once("'nonce-")?.1;
    let nonce = rest.split_once('\'')?.0;
    (nonce.len() >= 16).then_some(nonce)
}
