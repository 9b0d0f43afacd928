//! A worker stopped in the middle of a revalidation (SIGTERM to its server) hands back what it
//! holds: another worker takes the items over at once, not when their leases end, and every
//! inbox is checked exactly once for the job against the real Dovecot and Postfix.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use common::*;
use domain::RolloutState;
use sea_orm::{ConnectionTrait, Statement};

const INBOXES: usize = 10;
/// Far longer than the test: an item not handed back could not be taken over in time.
const LEASE: Duration = Duration::from_secs(3600);

common::on_both_backends!(
    a_stopped_worker_hands_back_what_it_holds,
    a_stopped_worker_hands_back_its_periodic_checks
);

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

/// Periodic checks too: a stopped worker's unfinished checks are due again at once, not when
/// their lease (an hour here) ends.
async fn a_stopped_worker_hands_back_its_periodic_checks(t: &TestDb) {
    let m = support::mail();
    let db = &t.db;
    // An IMAP server that accepts and never answers: every check hangs until it is cancelled.
    let (silent, seen) = support::peers::silent().await;
    let s = setup(
        db,
        settings(silent.port(), m.postfix.smtps),
        3,
        chrono::Utc::now() - chrono::Duration::minutes(1),
    )
    .await;
    let first = worker(
        t,
        &m.certs,
        inboxes::WorkerConfig {
            shutdown_grace: Duration::ZERO,
            ..config("first", 4, 4, LEASE)
        },
    );
    let task = first.spawn();
    until("3 checks connected", Duration::from_secs(30), || async {
        (seen.load(std::sync::atomic::Ordering::SeqCst) >= 3).then_some(())
    })
    .await;
    assert_eq!(leased(db).await, 3, "[{}] claimed while running", t.backend);
    first.stop();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the worker stops promptly")
        .expect("the worker task");
    assert_eq!(leased(db).await, 0, "[{}] handed back", t.backend);
    let lease = chrono::Utc::now() + chrono::Duration::hours(1);
    let mut due = storage::claim_due_inboxes(db, lease, 10)
        .await
        .expect("claim");
    due.sort_unstable();
    let mut ids: Vec<i32> = s.inboxes.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    assert_eq!(due, ids, "[{}] due again for any worker", t.backend);
}

/// Inboxes whose periodic check is claimed by a live lease.
async fn leased(db: &storage::DatabaseConnection) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            "SELECT COUNT(*) AS n FROM inboxes WHERE check_lease_until > $1",
            [chrono::Utc::now().into()],
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get("", "n").expect("n")
}
