use cookie::{Cookie, SameSite};
use http::request::Parts;

pub const SESSION_COOKIE: &str = "mailsettings_session";

/// How the session cookie is written. `Secure` is set when the operator says the app is served
/// over https, or when the request came through a proxy that says it was (`X-Forwarded-Proto`).
#[derive(Clone, Debug)]
pub struct CookiePolicy {
    pub always_secure: bool,
    pub session_hours: i64,
}

impl Default for CookiePolicy {
    fn default() -> Self {
        Self {
            always_secure: false,
            session_hours: 12,
        }
    }
}

impl CookiePolicy {
    fn secure_for(&self, parts: &Parts) -> bool {
        self.always_secure
            || parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"))
    }

    pub fn session_cookie(&self, parts: &Parts, token: &str) -> String {
        Cookie::build((SESSION_COOKIE, token.to_string()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_for(parts))
            .max_age(cookie::time::Duration::hours(self.session_hours))
            .build()
            .to_string()
    }

    pub fn cleared_cookie(&self, parts: &Parts) -> String {
        Cookie::build((SESSION_COOKIE, ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_for(parts))
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }
}

/// The session token the browser sent, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}
