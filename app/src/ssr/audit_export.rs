//! `GET /history/export.csv` and `/history/export.json`: the filtered change history as a
//! download (`services::history_export` writes it).

use axum::extract::{Query, State};
use axum::response::Response;
use http::request::Parts;
use services::views::HistoryQuery;
use services::Refusal;
use storage::AuditFilter;

use super::ip_exports::refusal;
use super::{account_of, AppState};
use crate::error::AppError;

pub async fn export_history_csv(
    State(state): State<AppState>,
    Query(query): Query<HistoryQuery>,
    parts: Parts,
) -> Response {
    match authorize(&state, &query, &parts).await {
        Ok(filter) => web::history_download(services::history_export::csv_export(
            &state.services,
            filter,
        )),
        Err(e) => refusal(e),
    }
}

pub async fn export_history_json(
    State(state): State<AppState>,
    Query(query): Query<HistoryQuery>,
    parts: Parts,
) -> Response {
    let filter = match authorize(&state, &query, &parts).await {
        Ok(filter) => filter,
        Err(e) => return refusal(e),
    };
    match services::history_export::json_export(&state.services, filter).await {
        Ok(export) => web::history_download(export),
        Err(e) => refusal(e.into()),
    }
}

async fn authorize(
    state: &AppState,
    query: &HistoryQuery,
    parts: &Parts,
) -> Result<AuditFilter, AppError> {
    let account = account_of(state, parts)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !account.rights().can_view_audit() {
        return Err(AppError::Forbidden(Refusal::ReadHistory.to_string()));
    }
    Ok(services::history::audit_filter(&account, query)?)
}
