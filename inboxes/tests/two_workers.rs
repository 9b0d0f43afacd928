//! Two workers (as two server processes would run, each with its own connection pool) share
//! one revalidation and never check the same inbox twice: each mailbox's server logs exactly
//! one login for the job.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use domain::{InboxState, RolloutState};
use storage::InboxOwner;
use support::dovecot::mailbox;
use support::firewall::log_mark;

const INBOXES: usize = 12;

common::on_both_backends!(two_workers_never_check_an_inbox_twice_for_one_job);

/// Dovecot's `Login: user=<..>` lines per user, written after `mark`.
fn logins(log: &std::path::Path, mark: u64) -> BTreeMap<String, usize> {
    let bytes = std::fs::read(log).unwrap_or_default();
    let from = usize::try_from(mark).unwrap_or(usize::MAX).min(bytes.len());
    let mut out = BTreeMap::new();
    for line in String::from_utf8_lossy(&bytes[from..]).lines() {
        let Some(at) = line.find(": Login: user=<") else {
            continue;
        };
        let rest = &line[at + ": Login: user=<".len()..];
        let user = &rest[..rest.find('>').unwrap_or(rest.len())];
        *out.entry(user.to_owned()).or_default() += 1;
    }
    out
}

async fn two_workers_never_check_an_inbox_twice_for_one_job(t: &TestDb) {
    // Servers of this test's own: every login in their log is one of this test's checks.
    let m = support::Mail::start();
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        INBOXES,
        a_day_from_now(),
    )
    .await;
    let mut new = s.domain.settings.clone();
    new.allow_non_secure_certificate = true;
    let mark = log_mark(&m.dovecot.log);
    let job = change(&t.db, &s, new).await;

    // A second pool on the same database, as a second server process has.
    let other = TestDb::sharing(t).await;
    let long = Duration::from_secs(120);
    let a = worker(t, &m.certs, config("worker-a", 4, 4, long));
    let b = worker(&other, &m.certs, config("worker-b", 4, 4, long));
    let (task_a, task_b) = (a.spawn(), b.spawn());
    let finished = until("the job to finish", Duration::from_secs(90), || async {
        let j = storage::get_job(&t.db, job.id).await.expect("job");
        (j.state == RolloutState::Done).then_some(j)
    })
    .await;
    task_a.abort();
    task_b.abort();
    let _ = (task_a.await, task_b.await);
    assert_eq!(finished.total, INBOXES as i32, "{finished:?}");
    assert_eq!(finished.checked, finished.total, "{finished:?}");
    assert_eq!(finished.connected, finished.total, "{finished:?}");

    let done = items(&t.db, job.id).await;
    assert_eq!(done.len(), INBOXES);
    let mut by_worker: BTreeMap<String, usize> = BTreeMap::new();
    for item in &done {
        assert_eq!(item.state, "done", "{item:?}");
        assert_eq!(item.attempts, 1, "claimed more than once: {item:?}");
        *by_worker
            .entry(item.worker.clone().unwrap_or_default())
            .or_default() += 1;
    }
    eprintln!("[{}] items checked per worker: {by_worker:?}", t.backend);
    assert_eq!(
        by_worker.keys().collect::<Vec<_>>(),
        ["worker-a", "worker-b"],
        "both workers took part"
    );

    // The server's side: one IMAP login per mailbox, none twice.
    let want: BTreeMap<String, usize> = (1..=INBOXES).map(|n| (mailbox(n).0, 1)).collect();
    let seen = until(
        "a login per mailbox in Dovecot's log",
        Duration::from_secs(10),
        || {
            let seen = logins(&m.dovecot.log, mark);
            let all = seen.values().sum::<usize>() >= INBOXES;
            async move { all.then_some(seen) }
        },
    )
    .await;
    // Anything still on its way to the log would be a second check.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen_later = logins(&m.dovecot.log, mark);
    eprintln!("[{}] Dovecot logins per mailbox: {seen_later:?}", t.backend);
    assert_eq!(seen, want);
    assert_eq!(seen_later, want);

    let inboxes = storage::list_inboxes(&t.db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    assert!(
        inboxes.iter().all(|i| i.state == InboxState::Connected),
        "{inboxes:?}"
    );
    other.cleanup().await;
}
