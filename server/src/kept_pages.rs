//! The domain list page and each domain's settings panel as last rendered for each signed-in
//! account, served again while nothing they show has changed. Every request still checks the
//! session and reads where the lists stand (the lookups a render makes, in one statement); only
//! the rendering is skipped. Each response gets a fresh CSP nonce, so no two responses share one:
//! a page is kept as the pieces between its nonces, joined around the new nonce for each
//! response.
//! A page rendered around a storage failure is not kept, nor one with a query (a saved notice, a
//! connection test or a sample in its URL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use storage::{ListPositions, UserAccount};

use app::ssr::AppState;
use web::{page_csp, session_token};

/// A larger page (thousands of domains) is rendered for every view.
const MAX_KEPT_BYTES: usize = 4 << 20;
/// All kept pages together; beyond that every kept page is dropped at once (pages of accounts
/// that logged out are never served, and go then too).
const MAX_TOTAL_BYTES: usize = 64 << 20;

/// The pages kept: `/domains`, and `/domains/{id}` (the list with a domain's panel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Page {
    List,
    Panel(i32),
}

impl Page {
    fn of_path(path: &str) -> Option<Page> {
        match path.strip_prefix("/domains")? {
            "" => Some(Page::List),
            rest => {
                let id = rest.strip_prefix('/')?;
                // Digits only: `+1` or `01` would be a second address of the same page.
                if id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                id.parse().ok().map(Page::Panel)
            }
        }
    }
}

struct KeptPage {
    account: UserAccount,
    page: Page,
    at: ListPositions,
    headers: HeaderMap,
    /// The page cut at its nonce: the pieces before, between and after its occurrences.
    pieces: Arc<[Bytes]>,
    /// The pieces' length together.
    len: usize,
}

impl KeptPage {
    /// The page with `nonce` put back between its pieces: one buffer, so it goes out in one
    /// write, and no search for the old nonce.
    fn body(&self, nonce: &[u8]) -> Body {
        let len = self.len + (self.pieces.len() - 1) * nonce.len();
        let mut page = Vec::with_capacity(len);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                page.extend_from_slice(nonce);
            }
            page.extend_from_slice(piece);
        }
        Body::from(page)
    }
}

/// `page` cut at each occurrence of `nonce`.
fn pieces(page: &Bytes, nonce: &str) -> Vec<Bytes> {
    let (text, nonce) = (page.as_ref(), nonce.as_bytes());
    let mut pieces = Vec::new();
    let (mut start, mut at) = (0, 0);
    while let Some(found) = text[at..]
        .windows(nonce.len())
        .position(|window| window == nonce)
    {
        pieces.push(page.slice(start..at + found));
        start = at + found + nonce.len();
        at = start;
    }
    pieces.push(page.slice(start..));
    pieces
}

/// The kept pages, by account id and page.
#[derive(Default)]
struct RenderedPages(Mutex<HashMap<(i32, Page), KeptPage>>);

/// The middleware's state (cloned for every request, hence one `Arc`): the app's, and the pages
/// it keeps.
#[derive(Clone)]
pub struct KeptPages(Arc<(AppState, RenderedPages)>);

impl KeptPages {
    pub fn new(state: AppState) -> Self {
        Self(Arc::new((state, RenderedPages::default())))
    }
}

fn total_bytes(kept: &HashMap<(i32, Page), KeptPage>) -> usize {
    kept.values().map(|page| page.len).sum()
}

impl RenderedPages {
    fn serve(&self, account: &UserAccount, page: Page, at: ListPositions) -> Option<Response> {
        let fresh = leptos::nonce::Nonce::new().to_string();
        let (mut headers, body) = {
            let kept = self.0.lock().ok()?;
            let page = kept.get(&(account.id, page))?;
            if page.account != *account || page.at != at {
                return None;
            }
            (page.headers.clone(), page.body(fresh.as_bytes()))
        };
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&page_csp(&fresh)).ok()?,
        );
        let mut response = Response::new(body);
        *response.headers_mut() = headers;
        Some(response)
    }

    fn keep(&self, page: KeptPage) {
        if let Ok(mut kept) = self.0.lock() {
            if total_bytes(&kept) + page.len > MAX_TOTAL_BYTES {
                kept.clear();
            }
            // A slow render must not replace a newer one.
            let key = (page.account.id, page.page);
            if kept.get(&key).is_none_or(|k| k.at <= page.at) {
                kept.insert(key, page);
            }
        }
    }
}

/// Middleware for `GET /domains` and `GET /domains/{id}`: the kept page when it is still
/// current, else the render, kept.
pub async fn kept_pages(State(kept): State<KeptPages>, request: Request, next: Next) -> Response {
    let (state, rendered) = &*kept.0;
    let uri = request.uri();
    let page = Page::of_path(uri.path());
    let (Some(page), true, None) = (page, request.method() == Method::GET, uri.query()) else {
        return next.run(request).await;
    };
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
        if let Some(response) = rendered.serve(account, page, *at) {
            return response;
        }
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    match seen {
        Some((account, at)) => keep(rendered, (account, page), at, response).await,
        None => response,
    }
}

async fn keep(
    rendered: &RenderedPages,
    (account, page): (UserAccount, Page),
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
            tracing::error!(error = %e, ?page, "a domain page could not be rendered");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if bytes.len() <= MAX_KEPT_BYTES {
        let mut headers = parts.headers.clone();
        headers.remove(CONTENT_LENGTH);
        let pieces = pieces(&bytes, &nonce);
        let len = pieces.iter().map(Bytes::len).sum();
        rendered.keep(KeptPage {
            account,
            page,
            at,
            headers,
            pieces: pieces.into(),
            len,
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

#[cfg(test)]
mod tests {
    use super::{pieces, Bytes, Page};

    #[test]
    fn a_page_is_cut_at_each_nonce() {
        let page = Bytes::from_static(b"<a nonce=\"N1\">x</a><b nonce=\"N1\"></b>");
        let cut: Vec<Bytes> = pieces(&page, "N1");
        assert_eq!(cut, ["<a nonce=\"", "\">x</a><b nonce=\"", "\"></b>"]);
        assert_eq!(
            pieces(&Bytes::from_static(b"none here"), "N1"),
            ["none here"]
        );
        assert_eq!(pieces(&Bytes::from_static(b"N1"), "N1"), ["", ""]);
    }

    #[test]
    fn only_the_list_and_a_panel_by_its_plain_id_are_kept() {
        assert_eq!(Page::of_path("/domains"), Some(Page::List));
        assert_eq!(Page::of_path("/domains/42"), Some(Page::Panel(42)));
        for other in [
            "/domains/",
            "/domains/new",
            "/domains/42/delete",
            "/domains/042",
            "/domains/+42",
            "/domains/99999999999",
            "/domainsx",
            "/inboxes",
        ] {
            assert_eq!(Page::of_path(other), None, "{other}");
        }
    }
}
