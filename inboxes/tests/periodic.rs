//! The periodic check against the real Dovecot: an inbox whose server starts refusing its
//! password is disconnected at its next check (an authentication failure is never retried as
//! transient), and connected again once the server accepts the password again.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::*;
use domain::InboxState;
use inboxes::PeriodicPolicy;
use storage::{AuditAction, StoredInbox};

common::on_both_backends!(a_refused_login_disconnects_at_once_and_a_restored_one_reconnects);

/// A stored check: when, the state it left, and transient failures in a row.
type Seen = (DateTime<Utc>, InboxState, i32);

/// Polls the inbox every 20 ms, recording each stored check (not the "checking" overlay while
/// one runs), until `done` accepts one; panics after `within`.
async fn watch(
    db: &storage::DatabaseConnection,
    id: i32,
    within: Duration,
    what: &str,
    done: impl Fn(&StoredInbox) -> bool,
) -> (StoredInbox, Vec<Seen>) {
    let deadline = Instant::now() + within;
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        let inbox = storage::get_inbox(db, id).await.expect("inbox");
        if inbox.state != InboxState::Checking {
            let at = inbox.last_checked_at.expect("checked");
            if seen.last().map(|s| s.0) != Some(at) {
                seen.push((at, inbox.state, inbox.transient_failures));
            }
            if done(&inbox) {
                return (inbox, seen);
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_refused_login_disconnects_at_once_and_a_restored_one_reconnects(t: &TestDb) {
    // Servers of this test's own: its refused logins slow down no other test's logins.
    let m = support::Mail::start();
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        1,
        Utc::now(),
    )
    .await;
    let (inbox, password) = (&s.inboxes[0], &s.passwords[0]);
    let mut cfg = config("periodic", 4, 4, Duration::from_secs(30));
    cfg.periodic = PeriodicPolicy {
        interval: Duration::from_secs(1),
        backoff_base: Duration::from_secs(1),
        backoff_cap: Duration::from_secs(2),
        transient_limit: 3,
    };
    let task = worker(t, &m.certs, cfg).spawn();

    // The periodic check runs and the inbox stays connected.
    let connected_at = inbox.last_checked_at.expect("checked at connection");
    let (first, _) = watch(&t.db, inbox.id, Duration::from_secs(30), "a check", |i| {
        i.last_checked_at > Some(connected_at)
    })
    .await;
    assert_eq!(first.state, InboxState::Connected, "{first:?}");
    assert!(first.next_check_at > first.last_checked_at.expect("checked"));

    // The server refuses the password from now on.
    m.dovecot
        .set_password(&inbox.email, &format!("changed-{password}"));
    let changed_at = Utc::now();
    let (down, seen) = watch(
        &t.db,
        inbox.id,
        Duration::from_secs(30),
        "the inbox to be disconnected",
        |i| i.state == InboxState::Disconnected,
    )
    .await;
    eprintln!(
        "[{}] checks until disconnected: {seen:?}; failure {:?}",
        t.backend, down.failure
    );
    let failure = down.failure.clone().expect("failure");
    let category = probe::Category::ImapAuthenticationError.as_str();
    assert_eq!(failure.category, category, "{down:?}");
    assert_eq!(
        failure.failed_step.as_deref(),
        Some("imap_login"),
        "{down:?}"
    );
    assert!(!failure.detail.contains(password.as_str()), "{failure:?}");
    assert_eq!(
        down.transient_failures, 0,
        "not retried as transient: {down:?}"
    );
    assert!(
        seen.iter().all(|(_, state, transient)| *transient == 0
            && (*state == InboxState::Connected || *state == InboxState::Disconnected)),
        "a refused login is never counted as a transient failure: {seen:?}"
    );
    assert!(down.last_checked_at > Some(changed_at), "{down:?}");
    let passed_after_change = seen
        .iter()
        .filter(|s| s.0 > changed_at && s.1 == InboxState::Connected)
        .count();
    eprintln!(
        "[{}] checks that still passed after the change (Dovecot re-reads its passwd-file at most once a second): {passed_after_change}",
        t.backend
    );

    // The server accepts the password again: the next checks connect it again.
    m.dovecot.set_password(&inbox.email, password);
    let restored_at = Utc::now();
    let (up, seen) = watch(
        &t.db,
        inbox.id,
        Duration::from_secs(45),
        "the inbox to be connected again",
        |i| i.state == InboxState::Connected && i.last_checked_at > Some(restored_at),
    )
    .await;
    task.abort();
    let _ = task.await;
    eprintln!("[{}] checks until connected again: {seen:?}", t.backend);
    assert!(up.failure.is_none(), "{up:?}");
    assert_eq!(up.transient_failures, 0);
    assert!(up.last_connected_at > Some(restored_at), "{up:?}");

    // One audit event per change of state, in order, with no password.
    let events = storage::domain_history(&t.db, s.domain.id, 1000)
        .await
        .expect("history");
    let states: Vec<&str> = events
        .iter()
        .rev()
        .filter(|e| e.action == AuditAction::InboxState)
        .filter_map(|e| e.summary.as_deref())
        .collect();
    assert_eq!(states.len(), 2, "{states:?}");
    let down_prefix = format!("{}: disconnected ({category}: ", inbox.email);
    assert!(states[0].starts_with(&down_prefix), "{states:?}");
    assert_eq!(states[1], format!("{}: connected", inbox.email));
    for e in &events {
        let text = serde_json::to_string(e).expect("json");
        assert!(!text.contains(password.as_str()), "{text}");
    }
}
