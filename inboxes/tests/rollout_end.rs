//! A revalidation always ends: an inbox removed while the job waits to check it does not hold
//! it up (the job counts one inbox fewer instead of re-claiming the removed inbox forever), and
//! continuing a paused job whose canary was its only inbox finishes it.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use common::*;
use domain::{InboxState, Port, RolloutState};
use storage::AuditAction;

common::on_both_backends!(
    an_inbox_removed_during_a_revalidation_does_not_hold_it_up,
    continuing_a_paused_job_with_nothing_left_finishes_it,
);

fn finished_summaries(events: &[storage::AuditEvent]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.action == AuditAction::RolloutFinished)
        .filter_map(|e| e.summary.as_deref())
        .collect()
}

async fn an_inbox_removed_during_a_revalidation_does_not_hold_it_up(t: &TestDb) {
    let m = support::mail();
    let db = &t.db;
    let s = setup(
        db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        4,
        a_day_from_now(),
    )
    .await;
    let mut new = s.domain.settings.clone();
    new.allow_non_secure_certificate = true;
    let job = change(db, &s, new).await;
    storage::expand_jobs(db).await.expect("expand");
    assert_eq!(storage::get_job(db, job.id).await.expect("job").total, 4);
    assert_eq!(items(db, job.id).await.len(), 4);

    // Its owner removes the third inbox before the worker reaches it.
    let removed = s.inboxes[2].id;
    storage::remove_inbox(db, &s.actor, removed)
        .await
        .expect("remove");
    let left = items(db, job.id).await;
    assert!(left.iter().all(|i| i.inbox_id != removed), "{left:?}");

    let w = worker(t, &m.certs, config("w", 4, 4, Duration::from_secs(1)));
    w.drain().await.expect("drain");
    let done = storage::get_job(db, job.id).await.expect("job");
    assert_eq!(done.state, RolloutState::Done, "{done:?}");
    assert_eq!((done.total, done.checked, done.connected), (3, 3, 3));
    let events = storage::domain_history(db, s.domain.id, 1000)
        .await
        .expect("history");
    assert_eq!(
        finished_summaries(&events),
        ["3 inboxes revalidated: 3 connected, 0 disconnected"]
    );

    // The last inbox left to check is removed: the job finishes then and there.
    let mut again = s.domain.settings.clone();
    again.allow_non_secure_certificate = false;
    let current = storage::get_domain(db, s.domain.id)
        .await
        .expect("domain")
        .expect("domain");
    storage::update_domain(db, &s.actor, s.domain.id, current.version, again)
        .await
        .expect("update");
    let second = storage::latest_job(db, s.domain.id)
        .await
        .expect("job")
        .expect("job");
    assert_ne!(second.id, job.id);
    storage::expand_jobs(db).await.expect("expand");
    assert_eq!(items(db, second.id).await.len(), 3);
    for inbox in [&s.inboxes[0], &s.inboxes[1], &s.inboxes[3]] {
        storage::remove_inbox(db, &s.actor, inbox.id)
            .await
            .expect("remove");
    }
    let second = storage::get_job(db, second.id).await.expect("job");
    assert_eq!(second.state, RolloutState::Done, "{second:?}");
    assert_eq!(second.total, 0, "{second:?}");
}

async fn continuing_a_paused_job_with_nothing_left_finishes_it(t: &TestDb) {
    let m = support::mail();
    let db = &t.db;
    let s = setup(
        db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        1,
        a_day_from_now(),
    )
    .await;
    // The change points IMAP at a port nothing listens on: the canary fails with the settings.
    let mut new = s.domain.settings.clone();
    new.imap_port = Port::new(support::proc::free_port()).expect("port");
    let job = change(db, &s, new).await;
    let w = worker(t, &m.certs, config("w", 4, 4, Duration::from_secs(60)));
    w.drain().await.expect("drain");
    let paused = storage::get_job(db, job.id).await.expect("job");
    assert_eq!(paused.state, RolloutState::Paused, "{paused:?}");
    assert_eq!((paused.total, paused.checked, paused.connected), (1, 1, 0));
    let inbox = storage::get_inbox(db, s.inboxes[0].id)
        .await
        .expect("inbox");
    assert_eq!(inbox.state, InboxState::Disconnected, "{inbox:?}");

    // "Continue anyway": no inbox is left to check, so the job ends here.
    let continued = storage::continue_job(db, &s.actor, job.id)
        .await
        .expect("continue");
    assert_eq!(continued.state, RolloutState::Done, "{continued:?}");
    assert!(continued.finished_at.is_some());
    w.drain().await.expect("drain");
    let events = storage::domain_history(db, s.domain.id, 1000)
        .await
        .expect("history");
    let category = probe::Category::ImapSettingsIncorrect.as_str();
    assert_eq!(
        finished_summaries(&events),
        [format!(
            "1 inboxes revalidated: 0 connected, 1 disconnected ({category}: 1)"
        )]
    );
    assert!(events
        .iter()
        .any(|e| e.action == AuditAction::RolloutContinued));
}
