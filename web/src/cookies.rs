//! The session cookie (and the one-view cookie of a new token's secret): names, attributes,
//! and reading them back; `__Host-` prefixed over https.

use cookie::{Cookie, SameSite};
use http::request::Parts;
use http::HeaderMap;

use crate::ClientInfo;

/// The session cookie over plain http (development, tests behind no proxy).
const SESSION_COOKIE: &str = "mailsettings_session";
/// Over https the cookie is `__Host-` prefixed: `Secure`, path `/`, no `Domain`, so a sibling
/// subdomain can neither read nor plant it.
const SECURE_SESSION_COOKIE: &str = "__Host-mailsettings_session";

/// How long sessions last.
#[derive(Clone, Debug)]
pub struct CookiePolicy {
    pub session_hours: i64,
    /// A session unused for this long ends.
    pub idle_minutes: i64,
}

impl Default for CookiePolicy {
    fn default() -> Self {
        Self {
            session_hours: 12,
            idle_minutes: 60,
        }
    }
}

fn is_https(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<ClientInfo>()
        .is_some_and(|c| c.https)
}

fn cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

impl CookiePolicy {
    pub fn idle_timeout(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.idle_minutes)
    }

    pub fn session_cookie(&self, parts: &Parts, token: &str) -> String {
        let https = is_https(parts);
        Cookie::build((cookie_name(https), token.to_string()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(https)
            .max_age(cookie::time::Duration::hours(self.session_hours))
            .build()
            .to_string()
    }

    pub fn cleared_cookie(&self, parts: &Parts) -> String {
        let https = is_https(parts);
        Cookie::build((cookie_name(https), ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(https)
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }
}

fn cookies(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'_>> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
}

/// A new API token's secret, kept for the one page view that shows it when the form was posted
/// without JavaScript (the redirect cannot carry it). `__Host-` prefixed over https.
const NEW_TOKEN_COOKIE: &str = "mailsettings_new_token";
const SECURE_NEW_TOKEN_COOKIE: &str = "__Host-mailsettings_new_token";

fn new_token_cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_NEW_TOKEN_COOKIE
    } else {
        NEW_TOKEN_COOKIE
    }
}

/// The cookie that carries a just-created token's secret to the next page view (5 minutes).
pub fn new_token_cookie(parts: &Parts, secret: &str) -> String {
    let https = is_https(parts);
    Cookie::build((new_token_cookie_name(https), secret.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(https)
        .max_age(cookie::time::Duration::minutes(5))
        .build()
        .to_string()
}

/// The secret a no-JavaScript token creation left, and the header value that clears it.
pub fn take_new_token(parts: &Parts) -> Option<(String, String)> {
    let https = is_https(parts);
    let secret = cookies(&parts.headers)
        .find(|c| c.name() == new_token_cookie_name(https))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())?;
    let cleared = Cookie::build((new_token_cookie_name(https), ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(https)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string();
    Some((secret, cleared))
}

/// The session token the browser sent, if any. Over https only the `__Host-` cookie counts.
pub fn session_token(parts: &Parts) -> Option<String> {
    let name = cookie_name(is_https(parts));
    cookies(&parts.headers)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the request carries a session cookie of either name (for the CSRF check).
pub(crate) fn carries_session_cookie(headers: &HeaderMap) -> bool {
    cookies(headers).any(|c| {
        (c.name() == SESSION_COOKIE || c.name() == SECURE_SESSION_COOKIE) && !c.value().is_empty()
    })
}
