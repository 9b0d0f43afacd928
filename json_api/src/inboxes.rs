//! `/api/v1/inboxes` and `/api/v1/revalidations`: inboxes with their status, and the
//! revalidation every settings change starts.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use domain::{InboxState, Rights, RolloutState};
use serde::{Deserialize, Serialize};
use services::views::InboxView;
use services::{rollout as rollout_service, Refusal, ServiceError, Services};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::domains::Domain;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::page::{next_cursor, IdCursor, PageQuery};

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_inboxes))
        .routes(routes!(latest_revalidation))
        .routes(routes!(get_revalidation))
        .routes(routes!(continue_revalidation))
        .routes(routes!(revert_revalidation))
}

#[derive(Serialize, ToSchema)]
pub struct Inbox {
    pub id: i32,
    pub email: String,
    pub owner_email: String,
    pub mail_domain: String,
    pub state: InboxState,
    /// When disconnected: the category, the cause, the step that failed, what to do.
    pub category: Option<String>,
    pub detail: Option<String>,
    pub failed_step: Option<String>,
    pub remediation: Vec<String>,
    pub last_checked: Option<String>,
    pub last_connected: Option<String>,
    /// `host:port (security)`.
    pub imap: String,
    pub smtp: String,
    /// The settings are the domain's (set by an administrator).
    pub managed: bool,
}

impl From<InboxView> for Inbox {
    fn from(v: InboxView) -> Self {
        Inbox {
            id: v.id,
            email: v.email,
            owner_email: v.owner_email,
            mail_domain: v.mail_domain,
            state: v.state,
            category: v.category_title,
            detail: v.detail,
            failed_step: v.failed_step,
            remediation: v.remediation,
            last_checked: v.last_checked,
            last_connected: v.last_connected,
            imap: v.imap,
            smtp: v.smtp,
            managed: v.managed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<Inbox>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct InboxFilter {
    /// Every inbox of this domain (administrators); without it, your own inboxes.
    #[param(value_type = i32, required = false)]
    domain_id: Option<i32>,
}

/// List inboxes with their status: your own, or all of a domain's.
#[utoipa::path(get, path = "/inboxes", tag = "inboxes", params(InboxFilter, PageQuery, IdCursor),
    responses((status = 200, body = InboxPage), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn list_inboxes(
    State(services): State<Services>,
    caller: Caller,
    Query(filter): Query<InboxFilter>,
    Query(page): Query<PageQuery>,
    Query(cursor): Query<IdCursor>,
) -> Result<Json<InboxPage>, ApiError> {
    let owner = match filter.domain_id {
        Some(id) => {
            caller.require(
                |r| r.can_manage_domains() || r.can_view_audit(),
                Refusal::SeeDomainInboxes,
                false,
            )?;
            storage::InboxOwner::Domain(id)
        }
        None => {
            caller.require(
                |r| r.role != domain::Role::Auditor,
                Refusal::AuditorsHaveNoInboxes,
                false,
            )?;
            storage::InboxOwner::User(caller.account.id)
        }
    };
    let limit = page.limit()?;
    let after = cursor.after()?;
    let mut rows = storage::list_inboxes_after(&services.db, owner, after, limit + 1).await?;
    let next = next_cursor(&mut rows, limit, |i| i.id.to_string());
    Ok(Json(InboxPage {
        items: rows
            .into_iter()
            .map(|i| Inbox::from(InboxView::from(i)))
            .collect(),
        next_cursor: next,
    }))
}

/// A revalidation of a domain's inboxes after a change.
#[derive(Serialize, ToSchema)]
pub struct Revalidation {
    pub id: i32,
    pub domain_id: i32,
    pub domain_version: i32,
    pub state: RolloutState,
    pub total: i32,
    pub checked: i32,
    pub connected: i32,
    /// Category → inboxes disconnected with it.
    pub failures: std::collections::BTreeMap<String, i32>,
    /// Why it paused, when it did.
    pub pause_detail: Option<String>,
    /// Paused until a super admin approves a host the domain has never used (their
    /// `continue` approves it).
    pub awaiting_approval: bool,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<storage::RevalidationJob> for Revalidation {
    fn from(j: storage::RevalidationJob) -> Self {
        Revalidation {
            id: j.id,
            domain_id: j.domain_id,
            domain_version: j.domain_version,
            state: j.state,
            total: j.total,
            checked: j.checked,
            connected: j.connected,
            failures: j.failures,
            pause_detail: j.pause_detail,
            awaiting_approval: j.awaiting_approval,
            started_by: j.actor_email,
            started_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

fn reader(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        |r| r.can_manage_domains() || r.can_view_audit(),
        Refusal::SeeDomainInboxes,
        false,
    )
}

/// The domain's latest revalidation (404 when none ran yet).
#[utoipa::path(get, path = "/domains/{id}/revalidation", tag = "inboxes",
    params(("id" = i32, Path)),
    responses((status = 200, body = Revalidation), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn latest_revalidation(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
) -> Result<Json<Revalidation>, ApiError> {
    reader(&caller)?;
    let job = storage::latest_job(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Json(job.into()))
}

/// Follow a revalidation's progress.
#[utoipa::path(get, path = "/revalidations/{job}", tag = "inboxes",
    params(("job" = i32, Path)),
    responses((status = 200, body = Revalidation), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn get_revalidation(
    State(services): State<Services>,
    caller: Caller,
    Path(job): Path<i32>,
) -> Result<Json<Revalidation>, ApiError> {
    reader(&caller)?;
    let job = storage::get_job(&services.db, job).await?;
    Ok(Json(job.into()))
}

/// Continue a paused revalidation ("Continue anyway").
#[utoipa::path(post, path = "/revalidations/{job}/continue", tag = "inboxes",
    params(("job" = i32, Path)),
    responses((status = 200, body = Revalidation), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn continue_revalidation(
    State(services): State<Services>,
    caller: Caller,
    Path(job): Path<i32>,
) -> Result<Json<Revalidation>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    let job = rollout_service::continue_revalidation(&services, &caller.actor(), job).await?;
    Ok(Json(job.into()))
}

/// Revert the change that started the revalidation ("Revert to previous settings").
#[utoipa::path(post, path = "/revalidations/{job}/revert", tag = "inboxes",
    params(("job" = i32, Path)),
    responses((status = 200, body = Domain),
        (status = 422, body = ErrorBody, description = "`invalid`: the settings changed since \
            the revalidation started"),
        (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn revert_revalidation(
    State(services): State<Services>,
    caller: Caller,
    Path(job): Path<i32>,
) -> Result<Json<Domain>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    let stored = rollout_service::revert_revalidation(&services, &caller.actor(), job).await?;
    Ok(Json(stored.into()))
}
