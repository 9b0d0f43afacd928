//! What mail clients fetch to set an account up without the user typing a host: Thunderbird's
//! autoconfig (`GET /.well-known/autoconfig/mail/config-v1.1.xml`, `GET /mail/config-v1.1.xml`)
//! and Outlook's Autodiscover (`POST /autodiscover/autodiscover.xml`, also spelled
//! `/Autodiscover/Autodiscover.xml`). No authentication (clients send none); the answers hold
//! only a domain's public server settings, read fresh from the database on every request.
//! Rate-limited per client address by [`MailClientLimiter`].
//!
//! Cross-site checks: these POSTs come from mail clients without `Origin`, `Referer` or a
//! session cookie, which `csrf::refuse_cross_origin` lets through (a browser page of another
//! site is still refused, and has nothing to gain here).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http::{header, request::Parts, HeaderValue, StatusCode};
use serde::Deserialize;

use super::mail_client_docs;
use super::{AppState, ClientInfo};
use domain::{EmailAddress, MailDomain};

/// Autodiscover requests are a few hundred bytes; larger bodies are refused with a 400.
pub const MAX_AUTODISCOVER_BODY: usize = 16 * 1024;
const XML: &str = "application/xml; charset=utf-8";

#[derive(Debug, Default, Deserialize)]
pub struct AutoconfigQuery {
    emailaddress: Option<String>,
}

/// `GET …/config-v1.1.xml[?emailaddress=user@example.com]`.
pub async fn thunderbird_autoconfig(
    State(state): State<AppState>,
    query: Result<Query<AutoconfigQuery>, QueryRejection>,
    parts: Parts,
) -> Response {
    let from_address = query
        .ok()
        .and_then(|Query(q)| q.emailaddress)
        .and_then(|a| EmailAddress::parse(&a).ok())
        .and_then(|a| MailDomain::parse(a.mail_domain()).ok());
    // Thunderbird for Android and Geary leave `emailaddress` out: the name the client reached
    // us at (autoconfig.<domain>, or <domain> itself for /.well-known) says which domain.
    let Some(domain) = from_address.or_else(|| domain_from_host(&parts)) else {
        return not_found();
    };
    match settings_of(&state, &domain).await {
        Ok(Some(settings)) => xml(mail_client_docs::autoconfig(&settings)),
        Ok(None) => not_found(),
        Err(response) => response,
    }
}

/// `POST /autodiscover/autodiscover.xml` with the POX request schema. An unknown domain is a
/// plain 404: Outlook treats any failed candidate URL as "not here" and goes on to its next
/// method (SRV record, manual settings), whereas an Autodiscover `<Error>` document with a 200
/// would end its search with an error dialog.
pub async fn outlook_autodiscover(State(state): State<AppState>, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, MAX_AUTODISCOVER_BODY).await else {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "The Autodiscover request is larger than {} KiB.",
                MAX_AUTODISCOVER_BODY / 1024
            ),
        );
    };
    let address = match mail_client_docs::autodiscover_request_address(&bytes) {
        Ok(address) => address,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let Ok(domain) = MailDomain::parse(address.mail_domain()) else {
        return not_found();
    };
    match settings_of(&state, &domain).await {
        Ok(Some(settings)) => xml(mail_client_docs::autodiscover(&settings, &address)),
        Ok(None) => not_found(),
        Err(response) => response,
    }
}

async fn settings_of(
    state: &AppState,
    domain: &MailDomain,
) -> Result<Option<domain::DomainSettings>, Response> {
    match storage::find_domain(&state.db, domain.as_str()).await {
        Ok(found) => Ok(found.map(|d| d.settings)),
        Err(e) => {
            tracing::error!(error = %e, "mail client settings: cannot read the domain");
            Err(text(
                StatusCode::SERVICE_UNAVAILABLE,
                "The settings cannot be read right now.".into(),
            ))
        }
    }
}

/// `autoconfig.example.com[:port]` → `example.com`; `example.com` stays itself.
fn domain_from_host(parts: &Parts) -> Option<MailDomain> {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.host())?
        .trim();
    if host.starts_with('[') {
        return None;
    }
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let name = name.trim_end_matches('.');
    let lower = name.to_ascii_lowercase();
    let name = if lower.starts_with("autoconfig.") {
        &name["autoconfig.".len()..]
    } else {
        name
    };
    MailDomain::parse(name).ok()
}

fn xml(document: std::io::Result<Vec<u8>>) -> Response {
    match document {
        Ok(body) => Response::builder()
            .header(header::CONTENT_TYPE, XML)
            // The next request must see an edit of the domain.
            .header(header::CACHE_CONTROL, "no-cache")
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty())),
        Err(e) => {
            tracing::error!(error = %e, "mail client document could not be written");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The document could not be written.".into(),
            )
        }
    }
}

fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "No mail settings are published for this domain.".into(),
    )
}

fn text(status: StatusCode, message: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(message))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The four mail-client routes, rate-limited by `limiter`, to merge into the app's router
/// (inside the client-info layer, which names the client).
pub fn mail_client_routes(limiter: Arc<MailClientLimiter>) -> Router<AppState> {
    let autoconfig = get(thunderbird_autoconfig);
    let autodiscover = post(outlook_autodiscover);
    Router::new()
        .route(
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            autoconfig.clone(),
        )
        .route("/mail/config-v1.1.xml", autoconfig)
        .route("/autodiscover/autodiscover.xml", autodiscover.clone())
        .route("/Autodiscover/Autodiscover.xml", autodiscover)
        .route_layer(from_fn_with_state(limiter, limit_mail_clients))
}

/// Per-client token bucket: `burst` requests at once, refilled at `per_minute`. IPv6 clients
/// are counted per /64 (one host usually has the whole prefix). At most `max_clients` buckets
/// are kept; past that, idle ones are dropped, and if none is idle the newcomers share one
/// overflow bucket, so memory stays bounded and a flood of addresses is still limited.
#[derive(Debug)]
pub struct MailClientLimiter {
    per_minute: u32,
    burst: u32,
    max_clients: usize,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Default for MailClientLimiter {
    /// 60 requests a minute per client, 60 at once: far above what a client's setup needs.
    fn default() -> Self {
        Self::new(60, 60, 10_000)
    }
}

impl MailClientLimiter {
    pub fn new(per_minute: u32, burst: u32, max_clients: usize) -> Self {
        Self {
            per_minute: per_minute.max(1),
            burst: burst.max(1),
            max_clients: max_clients.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn rate(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// `Ok` to go ahead, or `Err` with how long the client must wait.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = Some(client_key(ip));
        let (rate, burst) = (self.rate(), f64::from(self.burst));
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = if buckets.contains_key(&key) || buckets.len() < self.max_clients {
            key
        } else {
            buckets.retain(|_, b| b.tokens + refill(b, now, rate) < burst);
            if buckets.len() < self.max_clients {
                key
            } else {
                None
            }
        };
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens = (bucket.tokens + refill(bucket, now, rate)).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

fn refill(bucket: &Bucket, now: Instant, rate: f64) -> f64 {
    now.saturating_duration_since(bucket.at).as_secs_f64() * rate
}

fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// Middleware for the mail-client routes: 429 with `Retry-After` past the client's budget.
pub async fn limit_mail_clients(
    State(limiter): State<Arc<MailClientLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ClientInfo>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip);
    match limiter.admit(ip, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = text(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many requests from this address; try again in {seconds} s."),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_past_the_burst_and_refills() {
        let limiter = MailClientLimiter::new(60, 3, 10);
        let ip: IpAddr = "198.51.100.1".parse().expect("ip");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit(ip, t0).is_ok());
        }
        let wait = limiter.admit(ip, t0).expect_err("limited");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.admit(ip, t0 + Duration::from_secs(1)).is_ok());
        let other: IpAddr = "198.51.100.2".parse().expect("ip");
        assert!(limiter.admit(other, t0).is_ok(), "per client");
    }

    #[test]
    fn memory_is_bounded_and_newcomers_share_the_overflow_bucket() {
        let limiter = MailClientLimiter::new(60, 2, 4);
        let t0 = Instant::now();
        for i in 0..50u8 {
            let _ = limiter.admit(IpAddr::from([203, 0, 113, i]), t0);
        }
        let buckets = limiter.buckets.lock().expect("lock").len();
        assert!(buckets <= 5, "{buckets}");
        assert!(limiter.admit(IpAddr::from([203, 0, 113, 200]), t0).is_err());
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b));
    }
}
