//! From a check to an inbox state: when a failure disconnects, when it is retried, when the
//! next periodic check is due, and which canary failures pause a rollout.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::InboxState;
use probe::{Category, LegCheck, LoginCheck};
use rand::Rng;
use storage::{CheckResult, InboxFailure, StoredInbox};

/// Why the inbox is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// After a domain change: any failure disconnects at once.
    AfterChange,
    /// The periodic check: timeouts and refused connections are retried first.
    Periodic,
}

#[derive(Clone, Debug)]
pub struct PeriodicPolicy {
    /// MAILSETTINGS_INBOX_CHECK_INTERVAL (default 6 h), spread by ±10 %.
    pub interval: Duration,
    /// First retry after a transient failure; doubles up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Transient failures in a row before the inbox is marked disconnected.
    pub transient_limit: i32,
}

impl Default for PeriodicPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(6 * 3600),
            backoff_base: Duration::from_secs(60),
            backoff_cap: Duration::from_secs(3600),
            transient_limit: 3,
        }
    }
}

impl PeriodicPolicy {
    /// When the next regular check is due.
    pub fn next_check(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + jittered(self.interval)
    }

    fn retry_after(&self, failures_in_a_row: i32) -> chrono::Duration {
        let exp = u32::try_from(failures_in_a_row.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        let backoff = self
            .backoff_base
            .saturating_mul(1 << exp)
            .min(self.backoff_cap);
        jittered(backoff)
    }
}

fn jittered(d: Duration) -> chrono::Duration {
    let factor = rand::thread_rng().gen_range(0.9..1.1);
    chrono::Duration::from_std(d.mul_f64(factor)).unwrap_or(chrono::Duration::hours(6))
}

/// What a check means for the inbox and, during a rollout, for the rollout.
#[derive(Clone, Debug)]
pub struct Decision {
    pub result: CheckResult,
    /// The category the inbox is disconnected with (the rollout's tally).
    pub category: Option<String>,
    /// A settings or certificate failure: a canary with it pauses the rollout.
    pub pause: Option<String>,
}

pub fn decide(
    inbox: &StoredInbox,
    check: &LoginCheck,
    kind: CheckKind,
    policy: &PeriodicPolicy,
    now: DateTime<Utc>,
) -> Decision {
    let Some(failed) = check.failure() else {
        return connected(policy, now);
    };
    let in_a_row = inbox.transient_failures + 1;
    if kind == CheckKind::Periodic && failed.is_transient() && in_a_row < policy.transient_limit {
        return retry_soon(inbox, in_a_row, policy, now);
    }
    disconnected(failed, in_a_row, policy, now)
}

fn connected(policy: &PeriodicPolicy, now: DateTime<Utc>) -> Decision {
    Decision {
        result: CheckResult {
            state: InboxState::Connected,
            failure: None,
            transient_failures: 0,
            next_check_at: policy.next_check(now),
        },
        category: None,
        pause: None,
    }
}

/// Keeps the current state and tries again soon.
fn retry_soon(
    inbox: &StoredInbox,
    in_a_row: i32,
    policy: &PeriodicPolicy,
    now: DateTime<Utc>,
) -> Decision {
    let state = match inbox.state {
        InboxState::Checking => InboxState::Connected,
        s => s,
    };
    Decision {
        result: CheckResult {
            state,
            failure: inbox.failure.clone(),
            transient_failures: in_a_row,
            next_check_at: now + policy.retry_after(in_a_row),
        },
        category: None,
        pause: None,
    }
}

/// Disconnects the inbox with the failure; a settings or certificate failure would pause a
/// rollout whose canary it is.
fn disconnected(
    failed: &LegCheck,
    in_a_row: i32,
    policy: &PeriodicPolicy,
    now: DateTime<Utc>,
) -> Decision {
    let category = failed.category.unwrap_or(Category::ImapSettingsIncorrect);
    let failure = InboxFailure {
        category: category.as_str().to_owned(),
        detail_code: failed.code.and_then(|c| serde_plain_name(&c)),
        detail: failed.detail.clone().unwrap_or_default(),
        failed_step: failed.step.map(|s| s.as_str().to_owned()),
    };
    let pauses = matches!(
        category,
        Category::ImapSettingsIncorrect
            | Category::SmtpSettingsIncorrect
            | Category::ImapValidationError
            | Category::UnauthorizedSslCertificateNotTrusted
    );
    let next = if failed.is_transient() {
        now + policy.retry_after(in_a_row)
    } else {
        policy.next_check(now)
    };
    Decision {
        pause: pauses.then(|| format!("{}: {}", category.title(), failure.detail)),
        category: Some(category.as_str().to_owned()),
        result: CheckResult {
            state: InboxState::Disconnected,
            failure: Some(failure),
            transient_failures: if failed.is_transient() { in_a_row } else { 0 },
            next_check_at: next,
        },
    }
}

/// The stable snake_case name a detail code serializes to.
fn serde_plain_name(code: &probe::DetailCode) -> Option<String> {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}
