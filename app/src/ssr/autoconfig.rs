//! What mail clients fetch to set an account up without the user typing a host: Thunderbird's
//! autoconfig (`GET /.well-known/autoconfig/mail/config-v1.1.xml`, `GET /mail/config-v1.1.xml`)
//! and Outlook's Autodiscover (`POST /autodiscover/autodiscover.xml`, also spelled
//! `/Autodiscover/Autodiscover.xml`). No authentication (clients send none); the answers hold
//! only a domain's public server settings, read fresh from the database on every request.
//! Rate-limited per client address (`mail_client_limit`).
//!
//! Cross-site checks: these POSTs come from mail clients without `Origin`, `Referer` or a
//! session cookie, which `web::refuse_cross_origin` lets through (a browser page of another
//! site is still refused, and has nothing to gain here).

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http::{header, request::Parts, StatusCode};
use serde::Deserialize;

use super::AppState;
use domain::{EmailAddress, MailDomain};
use web::{limit_mail_clients, plain_text as text, MailClientLimiter};

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
        Ok(Some(settings)) => xml(clients::autoconfig(&settings)),
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
    let address = match clients::autodiscover_request_address(&bytes) {
        Ok(address) => address,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let Ok(domain) = MailDomain::parse(address.mail_domain()) else {
        return not_found();
    };
    match settings_of(&state, &domain).await {
        Ok(Some(settings)) => xml(clients::autodiscover(&settings, &address)),
        Ok(None) => not_found(),
        Err(response) => response,
    }
}

async fn settings_of(
    state: &AppState,
    domain: &MailDomain,
) -> Result<Option<domain::DomainSettings>, Response> {
    match storage::find_domain(&state.services.db, domain.as_str()).await {
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
