//! `/api/v1/history`: the change history, newest first, filtered as on the Change history page,
//! and its CSV and verifiable JSON exports.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use domain::{FieldChange, Rights};
use serde::{Deserialize, Serialize};
use services::history::audit_filter;
use services::history_export::{csv_export, json_export};
use services::views::HistoryQuery;
use services::{Refusal, ServiceError, Services};
use storage::{AuditAction, AuditFilter};
use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::page::{next_cursor, PageQuery, SeqCursor};

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_history))
        .routes(routes!(export_csv))
        .routes(routes!(export_json))
}

const FILTER_REFUSAL: &str =
    "`invalid`: a filter value the page would refuse too (`field` names it)";

/// The filter, every part optional (as on the Change history page); empty is no filter. The
/// parameters' descriptions are in their schemas (`schema_with` drops a field's doc comment).
#[derive(Deserialize, IntoParams)]
pub struct HistoryFilter {
    #[serde(default)]
    #[param(schema_with = domain_filter)]
    domain: String,
    /// The actor's email, exactly (any letter case).
    #[serde(default)]
    actor: String,
    #[serde(default)]
    #[param(schema_with = action_filter)]
    action: String,
    #[serde(default)]
    #[param(schema_with = from_filter)]
    from: String,
    #[serde(default)]
    #[param(schema_with = to_filter)]
    to: String,
}

/// The actions' stored names, as the filter takes them and events carry them.
fn action_names() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(AuditAction::ALL.map(|a| a.as_str())))
        .build()
}

/// `schema`, or empty: no filter (as the Change history page's form sends an unused field).
fn or_empty(schema: impl Into<RefOr<Schema>>, description: &str) -> Schema {
    let empty = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([""]));
    AnyOfBuilder::new()
        .item(schema)
        .item(empty)
        .description(Some(description))
        .into()
}

fn domain_filter() -> Schema {
    let name = <domain::MailDomain as PartialSchema>::schema();
    or_empty(name, "A domain name, exactly.")
}

fn action_filter() -> Schema {
    or_empty(action_names(), "An action's stored name.")
}

fn day() -> Object {
    let date = SchemaFormat::KnownFormat(KnownFormat::Date);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(date))
        .build()
}

fn from_filter() -> Schema {
    or_empty(day(), "First day, `YYYY-MM-DD` (UTC).")
}

fn to_filter() -> Schema {
    or_empty(
        day(),
        "Last day, `YYYY-MM-DD` (UTC), inclusive; not before `from` (refused with `invalid`).",
    )
}

/// One event of the hash-chained history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEvent {
    pub id: i32,
    /// Position in the chain.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_email: String,
    pub actor_role: Option<String>,
    /// The API token the change was made with.
    pub api_token_id: Option<i32>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    /// The user or inbox the event is about, when not (only) a domain.
    pub target: Option<String>,
    #[schema(schema_with = action_names)]
    pub action: String,
    pub summary: Option<String>,
    /// A domain's field changes.
    pub changes: Vec<FieldChange>,
    /// A user account's field changes.
    #[schema(value_type = Vec<Object>)]
    pub account_changes: serde_json::Value,
    /// The connection test's report.
    pub probe_report_id: Option<i32>,
    /// The revalidation job.
    pub job_id: Option<i32>,
    pub hash: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEvent>,
    pub next_cursor: Option<String>,
}

impl From<storage::AuditEvent> for HistoryEvent {
    fn from(e: storage::AuditEvent) -> Self {
        HistoryEvent {
            id: e.id,
            seq: e.seq.unwrap_or(0),
            occurred_at: e.occurred_at,
            actor_email: e.actor_email,
            actor_role: e.actor_role.map(|r| r.as_str().to_owned()),
            api_token_id: e.api_token_id,
            client_ip: e.client_ip,
            user_agent: e.user_agent,
            domain_id: e.domain_id,
            domain_name: e.domain_name,
            target: e.target,
            action: e.action.as_str().to_owned(),
            summary: e.summary,
            changes: e.changes,
            account_changes: serde_json::to_value(&e.account_changes).unwrap_or_default(),
            probe_report_id: e.probe_report_id,
            job_id: e.job_id,
            hash: e.hash,
        }
    }
}

/// Read the change history, newest first (account admins: the events about domains only).
#[utoipa::path(get, path = "/history", tag = "history", params(HistoryFilter, PageQuery, SeqCursor),
    responses((status = 200, body = HistoryPage),
        (status = 422, body = ErrorBody, description = FILTER_REFUSAL),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn list_history(
    State(services): State<Services>,
    caller: Caller,
    Query(filter): Query<HistoryFilter>,
    Query(page): Query<PageQuery>,
    Query(cursor): Query<SeqCursor>,
) -> Result<Json<HistoryPage>, ApiError> {
    let filter = authorized_filter(&caller, filter)?;
    let limit = page.limit()?;
    let before = cursor.before()?;
    let mut events = storage::history_page(&services.db, &filter, before, limit + 1).await?;
    let next = next_cursor(&mut events, limit, |e| e.seq.unwrap_or(0).to_string());
    Ok(Json(HistoryPage {
        items: events.into_iter().map(HistoryEvent::from).collect(),
        next_cursor: next,
    }))
}

/// Download the filtered history as CSV, oldest first (the Change history page's *Export CSV*).
#[utoipa::path(get, path = "/history/export.csv", tag = "history", params(HistoryFilter),
    responses((status = 200, description = "One row per event, with its chain hashes",
        content_type = "text/csv", body = String),
        (status = 422, body = ErrorBody, description = FILTER_REFUSAL),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn export_csv(
    State(services): State<Services>,
    caller: Caller,
    Query(filter): Query<HistoryFilter>,
) -> Result<Response, ApiError> {
    let filter = authorized_filter(&caller, filter)?;
    Ok(web::history_download(csv_export(&services, filter)))
}

/// Download the filtered history as a verifiable JSON export: a checkpoint signed now, then the
/// chain from the first matching event (`server audit verify --file` checks it offline).
#[utoipa::path(get, path = "/history/export.json", tag = "history", params(HistoryFilter),
    responses((status = 200, description = "The signed export document",
        content_type = "application/json", body = Object),
        (status = 422, body = ErrorBody, description = FILTER_REFUSAL),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn export_json(
    State(services): State<Services>,
    caller: Caller,
    Query(filter): Query<HistoryFilter>,
) -> Result<Response, ApiError> {
    let filter = authorized_filter(&caller, filter)?;
    Ok(web::history_download(json_export(&services, filter).await?))
}

/// The caller may read the history; their filter, parsed (account admins see domain events only).
fn authorized_filter(caller: &Caller, filter: HistoryFilter) -> Result<AuditFilter, ApiError> {
    caller.require(Rights::can_view_audit, Refusal::ReadHistory, false)?;
    // The document's patterns leave no room for spaces around a value; the pages' form trims.
    let exact = [
        ("domain", &filter.domain),
        ("action", &filter.action),
        ("from", &filter.from),
        ("to", &filter.to),
    ];
    if let Some((field, _)) = exact.iter().find(|(_, v)| v.trim() != v.as_str()) {
        return Err(ServiceError::invalid(
            field,
            format!("`{field}` has spaces or line breaks around it: send the value alone."),
        )
        .into());
    }
    let query = HistoryQuery {
        domain: filter.domain,
        actor: filter.actor,
        action: filter.action,
        from: filter.from,
        to: filter.to,
    };
    Ok(audit_filter(&caller.account, &query)?)
}
