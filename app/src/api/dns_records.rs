//! The DNS records a domain's admin publishes so mail clients find its settings.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One zone-file line, and what it is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsRecord {
    pub line: String,
    pub note: String,
}

#[server(endpoint = "dns_records")]
pub async fn dns_records(id: i32) -> Result<Vec<DnsRecord>, AppError> {
    let (_, state) = super::domains::manager().await?;
    let stored = storage::get_domain(&state.db, id)
        .await
        .map_err(crate::ssr::store_error)?
        .ok_or(AppError::NotFound)?;
    let parts = crate::ssr::request_parts().await?;
    let origin = parts
        .extensions
        .get::<crate::ssr::ClientInfo>()
        .and_then(|c| c.expected_origin.clone());
    let host = crate::ssr::product_host(origin.as_deref());
    Ok(crate::ssr::dns_records(&stored.settings, host.as_deref()))
}
