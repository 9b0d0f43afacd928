//! A revalidation survives a worker killed in the middle of it: the items it held are taken
//! over when their lease ends, and the job finishes with every inbox checked once more against
//! the real Dovecot and Postfix.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use common::*;
use domain::{InboxState, RolloutState};
use storage::InboxOwner;

const INBOXES: usize = 10;
const LEASE: Duration = Duration::from_secs(2);

common::on_both_backends!(a_worker_killed_mid_job_loses_nothing);

async fn a_worker_killed_mid_job_loses_nothing(t: &TestDb) {
    let m = support::mail();
    let db = &t.db;
    let s = setup(
        db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        INBOXES,
        a_day_from_now(),
    )
    .await;
    // The change: SMTP moves to submission with STARTTLS (the same real Postfix).
    let mut new = s.domain.settings.clone();
    new.smtp_port = domain::Port::new(m.postfix.submission).expect("port");
    new.smtp_security = domain::Security::StartTls;
    let job = change(db, &s, new).await;
    assert_eq!(job.state, RolloutState::Canary);

    // Two checks at a time: slow enough to be killed with items done, held and pending.
    let first = worker(t, &m.certs, config("first", 2, 2, LEASE));
    let task = first.spawn();
    // Killed while it holds a check (almost always: one may end between the look and the kill).
    let at_kill = until(
        "3 items checked, one held",
        Duration::from_secs(60),
        || async {
            let j = storage::get_job(db, job.id).await.expect("job");
            if j.checked < 3 {
                return None;
            }
            let held = items(db, job.id).await.iter().any(|i| i.state == "claimed");
            held.then_some(j)
        },
    )
    .await;
    task.abort();
    let _ = task.await;
    let killed = items(db, job.id).await;
    let held: Vec<i32> = killed
        .iter()
        .filter(|i| i.state == "claimed")
        .map(|i| i.inbox_id)
        .collect();
    let pending = killed.iter().filter(|i| i.state == "pending").count();
    let done = killed.iter().filter(|i| i.state == "done").count();
    eprintln!(
        "[{}] killed the first worker: {done} done, {} held, {pending} pending (job: {} checked)",
        t.backend,
        held.len(),
        at_kill.checked
    );
    assert_eq!(killed.len(), INBOXES, "{killed:?}");
    assert!(
        done < INBOXES,
        "[{}] the job finished before the worker was killed",
        t.backend
    );
    assert!(
        at_kill.state == RolloutState::Running,
        "the canary passed: {at_kill:?}"
    );
    assert!(done >= 3, "{killed:?}");

    // Nothing the dead worker held can be claimed before its lease ends...
    let second = worker(t, &m.certs, config("second", 16, 4, LEASE));
    second.drain().await.expect("drain");
    let now = storage::get_job(db, job.id).await.expect("job");
    if !held.is_empty() && now.state != RolloutState::Done {
        let after = items(db, job.id).await;
        for id in &held {
            let item = after.iter().find(|i| i.inbox_id == *id).expect("item");
            assert!(
                item.state == "done" || item.worker.as_deref() == Some("first"),
                "taken over before its lease ended: {item:?}"
            );
        }
    }
    // ...and everything is checked once it has.
    let finished = until("the job to finish", Duration::from_secs(60), || async {
        second.drain().await.expect("drain");
        let j = storage::get_job(db, job.id).await.expect("job");
        (j.state == RolloutState::Done).then_some(j)
    })
    .await;
    assert_eq!(finished.total, INBOXES as i32, "{finished:?}");
    assert_eq!(finished.checked, finished.total, "{finished:?}");
    assert_eq!(finished.connected, finished.total, "{finished:?}");
    assert!(finished.failures.is_empty(), "{finished:?}");
    assert!(finished.finished_at.is_some());

    let after = items(db, job.id).await;
    assert!(after.iter().all(|i| i.state == "done"), "{after:?}");
    for id in &held {
        let item = after.iter().find(|i| i.inbox_id == *id).expect("item");
        // A check already under way may still finish after the kill: its task outlives the
        // worker's here (a killed process would take it along), and it is the first worker's.
        if item.worker.as_deref() == Some("first") && item.attempts == 1 {
            eprintln!(
                "[{}] inbox {id} was finished by a check under way at the kill",
                t.backend
            );
            continue;
        }
        assert_eq!(item.worker.as_deref(), Some("second"), "{item:?}");
        assert_eq!(item.attempts, 2, "claimed by each worker once: {item:?}");
    }
    for item in after.iter().filter(|i| !held.contains(&i.inbox_id)) {
        assert_eq!(item.attempts, 1, "{item:?}");
    }
    let inboxes = storage::list_inboxes(db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    assert_eq!(inboxes.len(), INBOXES);
    for inbox in &inboxes {
        assert_eq!(inbox.state, InboxState::Connected, "{inbox:?}");
        assert!(inbox.failure.is_none(), "{inbox:?}");
        let checked = inbox.last_checked_at.expect("checked");
        assert!(
            checked > job.created_at,
            "not checked after the change: {inbox:?}"
        );
    }
    let events = storage::domain_history(db, s.domain.id, 1000)
        .await
        .expect("history");
    let finished_events: Vec<_> = events
        .iter()
        .filter(|e| e.action == storage::AuditAction::RolloutFinished)
        .collect();
    assert_eq!(finished_events.len(), 1, "{events:?}");
    assert_eq!(
        finished_events[0].summary.as_deref(),
        Some("10 inboxes revalidated: 10 connected, 0 disconnected")
    );
    eprintln!(
        "[{}] the second worker took over {} held item(s); job {:?}, {}/{} connected",
        t.backend,
        held.len(),
        finished.state,
        finished.connected,
        finished.total
    );
}
