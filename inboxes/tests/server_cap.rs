//! The per-server cap holds against real servers: with many inboxes and a high global
//! concurrency, a forwarder in front of Dovecot and one in front of Postfix never see more
//! connections at once than the cap allows.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use domain::{InboxState, Port, RolloutState};
use storage::InboxOwner;
use support::firewall::CountingProxy;

const INBOXES: usize = 12;
const CAP: usize = 2;
/// Each connection waits this long before it reaches the server, so checks overlap.
const DELAY: Duration = Duration::from_millis(300);

common::on_both_backends!(checks_on_one_server_never_exceed_the_cap);

async fn checks_on_one_server_never_exceed_the_cap(t: &TestDb) {
    let m = support::mail();
    let to = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let imap = CountingProxy::start(to(m.dovecot.imaps), DELAY).await;
    let smtp = CountingProxy::start(to(m.postfix.smtps), DELAY).await;
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        INBOXES,
        a_day_from_now(),
    )
    .await;
    // The change puts both servers behind the counting forwarders (one host name for both).
    let mut new = s.domain.settings.clone();
    new.imap_port = Port::new(imap.addr.port()).expect("port");
    new.smtp_port = Port::new(smtp.addr.port()).expect("port");
    let job = change(&t.db, &s, new).await;

    let w = worker(
        t,
        &m.certs,
        config("capped", 16, CAP, Duration::from_secs(120)),
    );
    let start = Instant::now();
    w.drain().await.expect("drain");
    let elapsed = start.elapsed();
    let finished = storage::get_job(&t.db, job.id).await.expect("job");
    assert_eq!(finished.state, RolloutState::Done, "{finished:?}");
    assert_eq!(finished.checked, INBOXES as i32, "{finished:?}");
    assert_eq!(finished.connected, INBOXES as i32, "{finished:?}");
    let inboxes = storage::list_inboxes(&t.db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    assert!(
        inboxes.iter().all(|i| i.state == InboxState::Connected),
        "{inboxes:?}"
    );

    eprintln!(
        "[{}] cap {CAP}: at most {} IMAP and {} SMTP connections at once ({} and {} in all), {INBOXES} inboxes in {} ms",
        t.backend,
        imap.max_open(),
        smtp.max_open(),
        imap.total(),
        smtp.total(),
        elapsed.as_millis()
    );
    assert_eq!(imap.total(), INBOXES, "one IMAP connection per check");
    assert_eq!(smtp.total(), INBOXES, "one SMTP connection per check");
    assert!(imap.max_open() <= CAP, "IMAP: {} at once", imap.max_open());
    assert!(smtp.max_open() <= CAP, "SMTP: {} at once", smtp.max_open());
    // The checks did run side by side, up to the cap: what is measured is the cap.
    assert_eq!(imap.max_open(), CAP, "the checks never overlapped");
    // With the cap, 12 checks take at least 6 rounds of the forwarders' delay.
    assert!(
        elapsed >= DELAY * (INBOXES / CAP) as u32,
        "{} ms",
        elapsed.as_millis()
    );
}
