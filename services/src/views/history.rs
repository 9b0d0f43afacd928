//! The change history: the filter, entries, one event, and what Verify found.

use serde::{Deserialize, Serialize};

use super::ProbeView;

pub const AUDIT_REFUSAL: &str = "You do not have permission to read the change history.";

/// The filter as the URL carries it (`/history?domain=…&actor=…`), every part optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    /// First day shown, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub from: String,
    /// Last day shown, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub to: String,
}

impl HistoryQuery {
    /// The query string that repeats this filter (for page links and exports).
    pub fn to_query_string(&self) -> String {
        let pairs = [
            ("domain", &self.domain),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One field's before → after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl DiffRow {
    /// The change in a few words: a field set for the first time shows only its value, a field
    /// cleared says so, any other change reads "before → after".
    pub fn compact(&self) -> String {
        match (self.before.as_str(), self.after.as_str()) {
            ("—", after) => after.to_owned(),
            (before, "—") => format!("cleared (was {before})"),
            (before, after) => format!("{before} → {after}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i32,
    pub seq: i64,
    /// UTC, to the second, for display without JavaScript.
    pub occurred_at: String,
    /// RFC 3339, for the viewer's own time zone.
    pub occurred_at_iso: String,
    pub actor_email: String,
    pub actor_role: Option<String>,
    /// The API token the actor used, if the change came through the JSON API.
    pub api_token_id: Option<i32>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub target: Option<String>,
    pub action: String,
    pub summary: Option<String>,
    pub diff: Vec<DiffRow>,
    pub probe_report_id: Option<i32>,
    pub job_id: Option<i32>,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<AuditEntryView>,
    /// `before` for the next (older) page, if there is one.
    pub older: Option<i64>,
    /// (stored name, label) of every action, for the filter.
    pub actions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventDetail {
    pub entry: AuditEntryView,
    pub report: Option<ProbeView>,
    /// The revalidation the event belongs to, in a sentence.
    pub job: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyView {
    pub intact: bool,
    /// What Verify found, in a sentence (the first broken event when not intact).
    pub message: String,
    pub events: u64,
    pub checkpoints: u64,
    pub latest_checkpoint: Option<String>,
    /// The server's Ed25519 public key (hex), for offline verification of exports.
    pub public_key: String,
    pub can_sign: bool,
}

#[cfg(test)]
mod tests {
    use super::DiffRow;

    fn row(before: &str, after: &str) -> DiffRow {
        DiffRow {
            field: "IMAP server".into(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn a_change_reads_in_a_few_words() {
        assert_eq!(row("—", "imap.example.com").compact(), "imap.example.com");
        assert_eq!(
            row("imap.example.com", "—").compact(),
            "cleared (was imap.example.com)"
        );
        assert_eq!(row("993", "143").compact(), "993 → 143");
    }
}
