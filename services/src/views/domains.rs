//! A domain as its panel shows it.

use domain::DomainSettings;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    pub id: i32,
    pub version: i32,
    pub settings: DomainSettings,
    /// Its OAuth application's client secret is stored (never sent to the browser).
    pub has_client_secret: bool,
    pub updated_at: String,
}

/// Timestamps are shown in UTC, to the second: admins compare them with server logs.
#[cfg(feature = "engine")]
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(feature = "engine")]
impl From<storage::StoredDomain> for DomainView {
    fn from(d: storage::StoredDomain) -> Self {
        Self {
            id: d.id,
            version: d.version,
            settings: d.settings,
            has_client_secret: d.has_client_secret,
            updated_at: format_time(d.updated_at),
        }
    }
}
