//! The static ranges a domain's connections leave from, and the test from every address.

use serde::{Deserialize, Serialize};

use super::DomainView;

/// The panel's data: the domain and this installation's static ranges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionIpsView {
    pub domain: DomainView,
    /// Empty when the operator configured no static addresses.
    pub ranges: Vec<IpRange>,
    /// This host's addresses inside the ranges, which connections are spread over (at most
    /// `USABLE_SHOWN` listed).
    pub usable: Vec<String>,
    pub usable_total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IpRange {
    pub cidr: String,
    /// "IPv4" or "IPv6".
    pub family: String,
    /// How many addresses the range holds, for people ("256", "65,536", "2^64").
    pub addresses: String,
}

/// One run of "Test from every static address".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceTestView {
    pub id: u64,
    pub domain_id: i32,
    pub rows: Vec<probe::SourceCheck>,
    pub elapsed_ms: u64,
    pub actor_email: String,
    pub ran_at: String,
}

pub const USABLE_SHOWN: usize = 16;

/// Why the switch is disabled when the operator configured no static ranges.
pub const NO_RANGES_REASON: &str =
    "This installation has no static addresses; ask the operator to set MAILSETTINGS_STATIC_EGRESS.";
