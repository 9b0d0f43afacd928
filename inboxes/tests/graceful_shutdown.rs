//! A worker stopped in the middle of a revalidation (SIGTERM to its server) hands back what it
//! holds: another worker takes the items over at once, not when their leases end, and every
//! inbox is checked exactly once for the job against the real Dovecot and Postfix.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use common::*;
use domain::RolloutState;

const INBOXES: usize = 10;
/// Far longer than the test: an item not handed back could not be taken over in time.
const LEASE: Duration = Duration::from_secs(3600);

common::on_both_backends!(a_stopped_worker_hands_back_what_it_holds);

async fn a_stopped_worker_hands_back_what_it_holds(t: &TestDb) {
    let m = support::mail();
    let db = &t.db;
    let s = setup(
        db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        INBOXES,
        a_day_from_now(),
    )
    .await;
    let mut new = s.domain.settings.clone();
    new.smtp_port = domain::Port::new(m.postfix.submission).expect("port");
    new.smtp_security = domain::Security::StartTls;
    let job = change(db, &s, new).await;

    let first = worker(
        t,
        &m.certs,
        inboxes::WorkerConfig {
            // No grace: what runs is handed back at once.
            shutdown_grace: Duration::ZERO,
            ..config("first", 2, 2, LEASE)
        },
    );
    let task = first.spawn();
    until(
        "3 items checked, one held",
        Duration::from_secs(60),
        || async {
            let j = storage::get_job(db, job.id).await.expect("job");
            let held = items(db, job.id).await.iter().any(|i| i.state == "claimed");
            (j.checked >= 3 && held).then_some(())
        },
    )
    .await;
    first.stop();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the worker stops promptly")
        .expect("the worker task");
    let stopped = items(db, job.id).await;
    assert!(
        stopped.iter().all(|i| i.state != "claimed"),
        "[{}] still held after stopping: {stopped:?}",
        t.backend
    );
    let handed_back: Vec<i32> = stopped
        .iter()
        .filter(|i| i.state == "pending" && i.attempts == 1)
        .map(|i| i.inbox_id)
        .collect();

    let second = worker(t, &m.certs, config("second", 16, 4, LEASE));
    let finished = until("the job to finish", Duration::from_secs(60), || async {
        second.drain().await.expect("drain");
        let j = storage::get_job(db, job.id).await.expect("job");
        (j.state == RolloutState::Done).then_some(j)
    })
    .await;
    assert_eq!(finished.checked, INBOXES as i32, "{finished:?}");
    assert_eq!(finished.connected, INBOXES as i32, "{finished:?}");
    let after = items(db, job.id).await;
    assert!(after.iter().all(|i| i.state == "done"), "{after:?}");
    for id in &handed_back {
        let item = after.iter().find(|i| i.inbox_id == *id).expect("item");
        assert_eq!(item.worker.as_deref(), Some("second"), "{item:?}");
        assert_eq!(item.attempts, 2, "claimed by each worker once: {item:?}");
    }
    eprintln!(
        "[{}] stopped the first worker: {} items handed back, all {INBOXES} checked once",
        t.backend,
        handed_back.len()
    );
}
