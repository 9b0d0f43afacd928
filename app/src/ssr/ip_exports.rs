//! Downloads of a domain's connection IPs: `GET /domains/{id}/connection-ips/{file}`, for super
//! admins and account admins, while the domain's *Use static IP addresses* switch is on.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use http::{header, request::Parts};

use services::{Allowlist, AllowlistFormat as Format, Refusal};

use super::{account_of, AppState};
use crate::error::AppError;

/// The axum handler: authorize → parse → render → download.
pub async fn export_connection_ips(
    State(state): State<AppState>,
    Path((id, file)): Path<(i32, String)>,
    parts: Parts,
) -> Response {
    match export(&state, id, &file, &parts).await {
        Ok((format, name, body)) => Response::builder()
            .header(header::CONTENT_TYPE, format.content_type())
            .header(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            )
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::from(body))
            .unwrap_or_else(|_| refusal(AppError::Internal)),
        Err(e) => refusal(e),
    }
}

async fn export(
    state: &AppState,
    id: i32,
    file: &str,
    parts: &Parts,
) -> Result<(Format, String, String), AppError> {
    let account = account_of(state, parts)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !account.rights().can_manage_domains() {
        return Err(AppError::Forbidden(Refusal::ManageDomains.to_string()));
    }
    let suffix = file
        .strip_prefix("connection-ips.")
        .ok_or(AppError::NotFound)?;
    let format = Format::parse(suffix).ok_or(AppError::NotFound)?;
    let stored = storage::get_domain(&state.services.db, id)
        .await
        .map_err(super::store_error)?
        .ok_or(AppError::NotFound)?;
    if !stored.settings.use_static_ips {
        return Err(AppError::Invalid {
            field: None,
            message: format!(
                "Static IP addresses are off for {}: its connections may come from changing \
                 addresses. Turn the switch on under View connection IPs first.",
                stored.settings.domain
            ),
        });
    }
    let list = Allowlist {
        settings: &stored.settings,
        ranges: state.services.probes.egress().ranges(),
        loaded_at: state.services.probes.egress_loaded_at(),
    };
    let name = format!("{}-connection-ips.{suffix}", stored.settings.domain);
    Ok((format, name, list.render(format)))
}

/// A refused download: the status and the message as plain text.
pub(super) fn refusal(error: AppError) -> Response {
    let status = error.status();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(error.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
