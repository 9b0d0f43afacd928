//! Server functions, grouped by resource, and the views they return. Each one reads like a
//! checklist: who is calling and may they → parse the input → call one storage function → map
//! the outcome.

pub mod audit;
pub mod auth;
pub mod connection_ips;
pub mod dns_records;
pub mod domains;
pub mod inboxes;
pub mod probes;
pub mod rollout;
pub mod tokens;
pub mod users;

use domain::Role;
use serde::{Deserialize, Serialize};

/// A signed-in account as the browser may see it (never the password hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i32,
    pub email: String,
    pub role: Role,
    pub account_access: bool,
    pub disabled: bool,
}

impl UserView {
    pub fn rights(&self) -> domain::Rights {
        domain::Rights {
            role: self.role,
            account_access: self.account_access,
        }
    }
}

/// One row of the domain list, ready to show. The server builds these once per change of the
/// domains and shares them between requests (`Arc<str>`), so a page view copies no text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainRow {
    pub id: i32,
    /// As users read it: Unicode for an internationalised name.
    pub domain: std::sync::Arc<str>,
    /// `host:port · security`
    pub imap: std::sync::Arc<str>,
    pub smtp: std::sync::Arc<str>,
    /// The options switched on, comma-separated.
    pub options: std::sync::Arc<str>,
}

#[cfg(feature = "ssr")]
impl From<&storage::StoredDomain> for DomainRow {
    fn from(d: &storage::StoredDomain) -> Self {
        let s = &d.settings;
        let server = |host: &domain::Hostname, port: domain::Port, security: domain::Security| {
            format!("{host}:{port} · {}", security.label())
        };
        let mut options = Vec::new();
        if s.allow_non_secure_certificate {
            options.push("Non-secure certificate allowed");
        }
        if s.use_static_ips {
            options.push("Static IP addresses");
        }
        Self {
            id: d.id,
            domain: s.domain.display_unicode().into(),
            imap: server(&s.imap_host, s.imap_port, s.imap_security).into(),
            smtp: server(&s.smtp_host, s.smtp_port, s.smtp_security).into(),
            options: options.join(", ").into(),
        }
    }
}

/// Changes the domain panel lists (the Change history has them all).
pub const HISTORY_SHOWN: u64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainWithHistory {
    pub domain: services::views::DomainView,
    pub history: Vec<services::views::AuditEntryView>,
    /// The DNS records that let mail clients find these settings.
    pub dns_records: Vec<domain::DnsRecord>,
}

#[cfg(feature = "ssr")]
impl From<storage::UserAccount> for UserView {
    fn from(a: storage::UserAccount) -> Self {
        Self {
            id: a.id,
            email: a.email,
            role: a.role,
            account_access: a.account_access,
            disabled: a.disabled,
        }
    }
}
