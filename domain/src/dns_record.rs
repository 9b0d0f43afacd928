use serde::{Deserialize, Serialize};

/// One zone-file line a domain's admin publishes so mail clients find its settings, and what
/// it is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnsRecord {
    pub line: String,
    pub note: String,
}
