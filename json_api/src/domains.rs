//! `/api/v1/domains`: the domains' IMAP/SMTP settings, through the same services as the pages.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use domain::{DomainSettings, DomainSettingsForm, Rights};
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use services::{domains as domain_service, Refusal, ServiceError, Services};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path, Query};
use crate::page::{next_cursor, NameCursor, PageQuery};

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_domains, create_domain))
        .routes(routes!(get_domain, update_domain, delete_domain))
}

/// A domain's saved settings.
#[derive(Serialize, ToSchema)]
pub struct Domain {
    pub id: i32,
    /// Send it back when editing or deleting: a change made meanwhile is reported as a conflict.
    pub version: i32,
    pub settings: DomainSettings,
    /// The OAuth application's client secret is stored (it is never returned).
    pub has_client_secret: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<storage::StoredDomain> for Domain {
    fn from(d: storage::StoredDomain) -> Self {
        Domain {
            id: d.id,
            version: d.version,
            settings: d.settings,
            has_client_secret: d.has_client_secret,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DomainPage {
    pub items: Vec<Domain>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// New settings, as the *Add IMAP settings* form takes them.
#[derive(Deserialize, ToSchema)]
pub struct NewDomain {
    pub settings: DomainSettingsForm,
    /// Save although no connection test has passed with exactly these values.
    #[serde(default)]
    pub save_anyway: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct DomainChange {
    /// The version you read; a change made since is refused with `conflict`.
    #[serde(deserialize_with = "crate::extract::whole")]
    pub version: i32,
    pub settings: DomainSettingsForm,
    #[serde(default)]
    pub save_anyway: bool,
}

#[derive(Deserialize, IntoParams)]
pub struct VersionQuery {
    /// The version you read.
    pub version: i32,
}

/// List domains, ordered by name.
#[utoipa::path(get, path = "/domains", tag = "domains", params(PageQuery, NameCursor),
    responses((status = 200, body = DomainPage), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn list_domains(
    State(services): State<Services>,
    caller: Caller,
    Query(page): Query<PageQuery>,
    Query(cursor): Query<NameCursor>,
) -> Result<Json<DomainPage>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, false)?;
    let limit = page.limit()?;
    let after = cursor.after()?;
    let mut rows = storage::list_domains_after(&services.db, after.as_deref(), limit + 1).await?;
    let next = next_cursor(&mut rows, limit, |d| d.settings.domain.to_string());
    Ok(Json(DomainPage {
        items: rows.into_iter().map(Domain::from).collect(),
        next_cursor: next,
    }))
}

/// Add a domain's settings.
#[utoipa::path(post, path = "/domains", tag = "domains", request_body = NewDomain,
    responses((status = 201, body = Domain),
        (status = 422, body = ErrorBody, description = "`invalid_settings`: a message per field \
            (a name that already has settings, a pin no connection test saw …)"),
        (status = 428, body = ErrorBody, description = "`unverified`: no connection test has \
            passed with these values; send `save_anyway` to save them all the same"),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn create_domain(
    State(services): State<Services>,
    caller: Caller,
    Body(new): Body<NewDomain>,
) -> Result<Response, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    let secret = new.settings.oauth_client_secret.clone();
    let parsed = domain_service::parse(new.settings)?;
    let actor = caller.actor();
    let stored =
        domain_service::create_domain(&services, &actor, parsed, &secret, new.save_anyway).await?;
    let location = format!("/api/v1/domains/{}", stored.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Domain::from(stored)),
    )
        .into_response())
}

/// Read one domain's settings.
#[utoipa::path(get, path = "/domains/{id}", tag = "domains", params(("id" = i32, Path)),
    responses((status = 200, body = Domain), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn get_domain(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
) -> Result<Json<Domain>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, false)?;
    let stored = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Json(stored.into()))
}

/// Edit a domain's settings (every inbox of the domain is revalidated).
#[utoipa::path(put, path = "/domains/{id}", tag = "domains", params(("id" = i32, Path)),
    request_body = DomainChange,
    responses((status = 200, body = Domain),
        (status = 409, body = ErrorBody, description = "`conflict`: changed since `version`"),
        (status = 422, body = ErrorBody, description = "`invalid_settings`: a message per field"),
        (status = 428, body = ErrorBody, description = "`unverified`: no connection test has \
            passed with these values; send `save_anyway` to save them all the same"),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn update_domain(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
    Body(change): Body<DomainChange>,
) -> Result<Json<Domain>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    let secret = change.settings.oauth_client_secret.clone();
    let parsed = domain_service::parse(change.settings)?;
    let stored = domain_service::update_domain(
        &services,
        &caller.actor(),
        id,
        change.version,
        parsed,
        &secret,
        change.save_anyway,
    )
    .await?;
    Ok(Json(stored.into()))
}

/// Delete a domain's settings.
#[utoipa::path(delete, path = "/domains/{id}", tag = "domains",
    params(("id" = i32, Path), VersionQuery),
    responses((status = 204),
        (status = 422, body = ErrorBody, description = "`invalid`: changed since `version`"),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn delete_domain(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
    Query(v): Query<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    domain_service::delete_domain(&services, &caller.actor(), id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}
