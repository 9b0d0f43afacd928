//! Inboxes as their owners and their domain's admins see them, and a domain's revalidation.

use domain::{InboxState, RolloutState};
use serde::{Deserialize, Serialize};

pub const CONNECT_REFUSAL: &str =
    "Auditors review the change history; they cannot connect inboxes.";

/// An inbox as its owner (and the domain's admins) see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxView {
    pub id: i32,
    pub email: String,
    pub owner_email: String,
    pub mail_domain: String,
    pub state: InboxState,
    /// The seed category's title, the cause and what to do, when disconnected.
    pub category_title: Option<String>,
    pub detail: Option<String>,
    pub failed_step: Option<String>,
    pub remediation: Vec<String>,
    pub last_checked: Option<String>,
    pub last_connected: Option<String>,
    /// "imap.example.com:993 (SSL/TLS)".
    pub imap: String,
    pub smtp: String,
    pub username: Option<String>,
    /// The settings are the domain's ("set by your administrator").
    pub managed: bool,
}

/// Inboxes listed on the domain panel (the count covers all of them).
pub const INBOXES_SHOWN: u64 = 200;

/// Inboxes a "Try on a sample" uses.
pub const SAMPLE_SIZE: u64 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainInboxesView {
    pub count: u64,
    pub shown: Vec<InboxView>,
    pub rollout: Option<RolloutView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolloutView {
    pub id: i32,
    pub state: RolloutState,
    pub total: i32,
    pub checked: i32,
    pub connected: i32,
    /// (category title, inboxes disconnected with it).
    pub failures: Vec<(String, i32)>,
    pub pause_detail: Option<String>,
    /// Paused until a super admin approves a host the domain has never used.
    pub awaiting_approval: bool,
    /// The caller may continue it (a revalidation awaiting approval: super admins only).
    pub can_continue: bool,
    /// The settings before the change are known, and the domain has not changed since.
    pub can_revert: bool,
    pub started_by: String,
    pub started_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleView {
    pub id: u64,
    pub domain_id: i32,
    pub rows: Vec<SampleRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    pub email: String,
    pub ok: bool,
    pub title: Option<String>,
    pub detail: Option<String>,
}

/// A domain without settings where an end user tried to connect an inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionAttemptView {
    pub mail_domain: String,
    pub email: String,
    /// The attempt's connection test, which holds the typed settings.
    pub probe_id: i32,
    pub at: String,
}

#[cfg(feature = "engine")]
impl From<storage::StoredInbox> for InboxView {
    fn from(i: storage::StoredInbox) -> Self {
        let category = i.failure.as_ref().and_then(|f| {
            serde_json::from_value::<probe::Category>(serde_json::Value::String(f.category.clone()))
                .ok()
        });
        let step = i.failure.as_ref().and_then(|f| {
            serde_json::from_value::<probe::StepName>(serde_json::Value::String(
                f.failed_step.clone()?,
            ))
            .ok()
        });
        let endpoint = |host: &domain::Hostname, port: domain::Port, sec: domain::Security| {
            format!("{host}:{port} ({})", sec.label())
        };
        let s = &i.settings;
        let show_failure = i.state != InboxState::Connected;
        Self {
            id: i.id,
            owner_email: i.owner_email,
            mail_domain: i.mail_domain,
            state: i.state,
            category_title: category
                .filter(|_| show_failure)
                .map(|c| c.title().to_string()),
            remediation: category
                .filter(|_| show_failure)
                .map(|c| c.remediation().iter().map(|r| r.to_string()).collect())
                .unwrap_or_default(),
            detail: i.failure.filter(|_| show_failure).map(|f| f.detail),
            failed_step: step.filter(|_| show_failure).map(|s| s.label().to_string()),
            last_checked: i.last_checked_at.map(crate::format_time),
            last_connected: i.last_connected_at.map(crate::format_time),
            imap: endpoint(&s.imap_host, s.imap_port, s.imap_security),
            smtp: endpoint(&s.smtp_host, s.smtp_port, s.smtp_security),
            username: i.username,
            managed: i.domain_id.is_some(),
            email: i.email,
        }
    }
}
