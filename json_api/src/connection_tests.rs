//! `/api/v1/connection-tests`: the live test of IMAP and SMTP settings (five steps, a verdict).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{DomainSettings, DomainSettingsForm, Rights};
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use services::probes::{probe_view, start_probe, TestMailbox};
use services::views::{ProbeState, ProbeView};
use services::{Refusal, ServiceError, Services};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path, Query};

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(start_connection_test))
        .routes(routes!(get_connection_test))
}

/// The values to test and the test mailbox to log in with (its password is used for this test
/// only and never stored).
#[derive(Deserialize, ToSchema)]
pub struct NewConnectionTest {
    /// The saved domain these values belong to, if any (links the test to its history).
    #[serde(default, deserialize_with = "crate::extract::optional_whole")]
    pub domain_id: Option<i32>,
    pub settings: DomainSettingsForm,
    #[schema(value_type = domain::EmailAddress)]
    pub email: String,
    /// When the login name is not the address.
    pub username: Option<String>,
    #[schema(min_length = 1)]
    pub password: String,
}

#[derive(Deserialize, IntoParams)]
pub struct WaitQuery {
    /// Answer when the test has finished (200 with the report) instead of at once (202).
    #[serde(default)]
    pub wait: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestState {
    Running,
    Finished,
    /// The server stopped while the test ran.
    Interrupted,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionTest {
    pub id: i32,
    pub domain_id: Option<i32>,
    pub state: TestState,
    pub settings: DomainSettings,
    /// The steps finished so far (IMAP connect, IMAP login, SMTP connect, SMTP login, test
    /// email), each with its outcome, time, TLS facts and failure.
    #[schema(value_type = Vec<Object>)]
    pub steps: serde_json::Value,
    /// Once finished: `ok`, the steps, the `verdict` (failed step, category, cause, remediation,
    /// field at fault) and the total time.
    #[schema(value_type = Option<Object>)]
    pub report: serde_json::Value,
    pub started_by: String,
    pub started_at: String,
}

fn test_of(services: &Services, id: i32, stored: storage::StoredProbe) -> ConnectionTest {
    probe_view(services, id, stored).into()
}

impl From<ProbeView> for ConnectionTest {
    fn from(view: ProbeView) -> Self {
        ConnectionTest {
            id: view.id,
            domain_id: view.domain_id,
            state: match view.state {
                ProbeState::Running => TestState::Running,
                ProbeState::Finished => TestState::Finished,
                ProbeState::Interrupted => TestState::Interrupted,
            },
            settings: view.settings,
            steps: serde_json::to_value(&view.steps).unwrap_or_default(),
            report: serde_json::to_value(&view.report).unwrap_or_default(),
            started_by: view.actor_email,
            started_at: view.started_at,
        }
    }
}

/// Start a connection test (5 a minute per user).
#[utoipa::path(post, path = "/connection-tests", tag = "connection tests",
    params(WaitQuery), request_body = NewConnectionTest,
    responses((status = 202, body = ConnectionTest, description = "Started; follow it at Location"),
        (status = 200, body = ConnectionTest, description = "Finished (`wait=true`)"),
        (status = 429, body = ErrorBody), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn start_connection_test(
    State(services): State<Services>,
    caller: Caller,
    Query(wait): Query<WaitQuery>,
    Body(new): Body<NewConnectionTest>,
) -> Result<Response, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, true)?;
    let mailbox = TestMailbox {
        email: new.email,
        username: new.username,
        password: new.password,
    };
    let actor = caller.actor();
    let (id, running) =
        start_probe(&services, &actor, new.domain_id, new.settings, mailbox).await?;
    let status = if wait.wait {
        if let Err(e) = running.await {
            tracing::error!(id, error = %e, "probe task failed");
        }
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let stored = read(&services, id).await?;
    let location = format!("/api/v1/connection-tests/{id}");
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(test_of(&services, id, stored)),
    )
        .into_response())
}

/// Read a connection test: its steps while it runs, its report once finished.
#[utoipa::path(get, path = "/connection-tests/{id}", tag = "connection tests",
    params(("id" = i32, Path)),
    responses((status = 200, body = ConnectionTest), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn get_connection_test(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
) -> Result<Json<ConnectionTest>, ApiError> {
    // Admins read every test; an end user the tests of their own inbox connections.
    caller.require(
        |r| r.role != domain::Role::Auditor,
        Refusal::ManageDomains,
        false,
    )?;
    let view = services::probes::probe_for(&services, &caller.account, id).await?;
    Ok(Json(ConnectionTest::from(view)))
}

async fn read(services: &Services, id: i32) -> Result<storage::StoredProbe, ApiError> {
    Ok(storage::get_probe(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?)
}
