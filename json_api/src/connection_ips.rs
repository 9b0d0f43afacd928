//! `/api/v1/domains/{id}/connection-ips`: the addresses the mail servers must allowlist.

use axum::extract::State;
use axum::Json;
use domain::Rights;
use serde::Serialize;
use services::static_ips::connection_ips_view;
use services::{Refusal, Services};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Path;

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(get_connection_ips))
}

#[derive(Serialize, ToSchema)]
pub struct IpRange {
    /// `203.0.113.0/28`, `2001:db8::/64`.
    pub cidr: String,
    /// `IPv4` or `IPv6`.
    pub family: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionIps {
    pub domain_id: i32,
    /// Whether the domain's connections leave from these ranges (*Use static IP addresses*).
    pub use_static_ips: bool,
    /// The ranges to allowlist; empty when the installation has no static addresses.
    pub ranges: Vec<IpRange>,
    /// How many of this host's addresses are inside the ranges.
    pub usable_total: usize,
}

/// The IP ranges the domain's mail servers must allowlist.
#[utoipa::path(get, path = "/domains/{id}/connection-ips", tag = "domains",
    params(("id" = i32, Path)),
    responses((status = 200, body = ConnectionIps), (status = "4XX", body = ErrorBody)),
    security(("token" = [])))]
async fn get_connection_ips(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<i32>,
) -> Result<Json<ConnectionIps>, ApiError> {
    caller.require(Rights::can_manage_domains, Refusal::ManageDomains, false)?;
    let view = connection_ips_view(&services, id).await?;
    Ok(Json(ConnectionIps {
        domain_id: view.domain.id,
        use_static_ips: view.domain.settings.use_static_ips,
        ranges: view
            .ranges
            .into_iter()
            .map(|r| IpRange {
                cidr: r.cidr,
                family: r.family,
            })
            .collect(),
        usable_total: view.usable_total,
    }))
}
