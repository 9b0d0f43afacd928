//! Inbox figures (issue 7), printed by `scripts/bench-inboxes.sh`:
//! 1. the time to commit a domain edit with 100 and with 100,000 inboxes, on SQLite and on
//!    PostgreSQL, and the ratio (an edit must not cost more with more inboxes);
//! 2. revalidating 1,000 inboxes of real mailboxes on the local Dovecot and Postfix through the
//!    worker, next to the same logins in a plain parallel loop at the same per-server
//!    concurrency, with the most connections each server saw at once.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../probe/tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use storage::test_support::TestDb;
use tokio::net::{TcpListener, TcpStream};

const EDITS: usize = 21;
const REVALIDATED: usize = 1_000;
const PER_SERVER: usize = 4;

#[tokio::main]
async fn main() {
    println!("== domain edit commit time (median of {EDITS} edits) ==");
    for name in ["SQLite", "PostgreSQL"] {
        let mut times = Vec::new();
        for n in [100usize, 100_000] {
            let t = match name {
                "SQLite" => Some(storage::test_support::sqlite().await),
                _ => storage::test_support::postgres().await,
            };
            let Some(t) = t else {
                println!("{name}: skipped (SKIP_POSTGRES_TESTS)");
                break;
            };
            times.push((n, edit_median(&t, n).await));
            t.cleanup().await;
        }
        if let [(a, ta), (b, tb)] = times[..] {
            println!(
                "{name}: {a} inboxes {:.2} ms, {b} inboxes {:.2} ms, ratio {:.2}",
                ms(ta),
                ms(tb),
                tb.as_secs_f64() / ta.as_secs_f64()
            );
        }
    }
    revalidation().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A domain with `n` inboxes (one real, the rest copied in one statement), then the median
/// time of `update_domain` calls.
async fn edit_median(t: &TestDb, n: usize) -> Duration {
    let far = Utc::now() + chrono::Duration::days(365);
    let s = common::setup(&t.db, common::settings(993, 465), 1, far).await;
    storage::test_support::copy_first_inbox(&t.db, n as u64 - 1).await;
    let count = storage::count_domain_inboxes(&t.db, s.domain.id)
        .await
        .expect("count");
    assert_eq!(count as usize, n);
    let mut version = s.domain.version;
    let mut times = Vec::new();
    for i in 0..EDITS {
        let settings = common::settings(if i % 2 == 0 { 143 } else { 993 }, 465);
        let start = Instant::now();
        let saved = storage::update_domain(&t.db, &s.actor, s.domain.id, version, settings)
            .await
            .expect("edit");
        times.push(start.elapsed());
        version = saved.version;
    }
    times.sort();
    times[times.len() / 2]
}

/// Counts the connections open at once through a forwarder to `upstream`.
struct Counter {
    addr: SocketAddr,
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Counter {
    async fn start(upstream: SocketAddr) -> Counter {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (n, m) = (now.clone(), max.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (n, m) = (n.clone(), m.clone());
                tokio::spawn(async move {
                    let open = n.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(open, Ordering::SeqCst);
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                    n.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Counter { addr, now, max }
    }

    fn take_max(&self) -> usize {
        self.max
            .swap(self.now.load(Ordering::SeqCst), Ordering::SeqCst)
    }
}

async fn revalidation() {
    std::env::set_var("MAIL_LAB_MAILBOXES", REVALIDATED.to_string());
    let mail = support::Mail::start();
    let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let imap = Counter::start(local(mail.dovecot.imaps)).await;
    let smtp = Counter::start(local(mail.postfix.smtps)).await;
    let settings = common::settings(imap.addr.port(), smtp.addr.port());
    let t = storage::test_support::sqlite().await;
    let far = Utc::now() + chrono::Duration::days(365);
    let s = common::setup(&t.db, settings.clone(), REVALIDATED, far).await;
    println!("== revalidating {REVALIDATED} inboxes (real mailboxes), {PER_SERVER} checks at once per server ==");
    let worker_time = through_worker(&t, &s, &settings, &mail.certs, &imap, &smtp).await;
    let loop_time = plain_loop(&s, &settings, &mail.certs, &imap, &smtp).await;
    println!(
        "throughput ratio worker / plain loop: {:.2}",
        loop_time.as_secs_f64() / worker_time.as_secs_f64()
    );
    t.cleanup().await;
}

/// Edits the domain and lets a worker revalidate every inbox; returns the time it took.
async fn through_worker(
    t: &TestDb,
    s: &common::Setup,
    settings: &domain::DomainSettings,
    certs: &support::certs::Certs,
    imap: &Counter,
    smtp: &Counter,
) -> Duration {
    let mut changed = settings.clone();
    changed.allow_non_secure_certificate = true;
    storage::update_domain(&t.db, &s.actor, s.domain.id, s.domain.version, changed)
        .await
        .expect("edit");
    // Only the worker's connections count from here on.
    imap.take_max();
    smtp.take_max();
    let config = common::config("bench", 16, PER_SERVER, Duration::from_secs(600));
    let worker = common::worker(t, certs, config);
    let start = Instant::now();
    worker.drain().await.expect("drain");
    let worker_time = start.elapsed();
    let job = storage::latest_job(&t.db, s.domain.id)
        .await
        .expect("job")
        .expect("a job");
    let (imap_max, smtp_max) = (imap.take_max(), smtp.take_max());
    println!(
        "worker: {} checked ({} connected) in {:.1} s = {:.1} inboxes/s; the IMAP server saw at most {imap_max} connections at once, the SMTP server {smtp_max}",
        job.checked,
        job.connected,
        worker_time.as_secs_f64(),
        f64::from(job.checked) / worker_time.as_secs_f64()
    );
    worker_time
}

/// The same logins, no queue or database: the engine's login legs, PER_SERVER at a time.
/// Returns the time they took.
async fn plain_loop(
    s: &common::Setup,
    settings: &domain::DomainSettings,
    certs: &support::certs::Certs,
    imap: &Counter,
    smtp: &Counter,
) -> Duration {
    let options = support::opts(certs);
    let target = inboxes::probe_settings(settings);
    let start = Instant::now();
    let ok = futures::stream::iter(s.inboxes.iter().zip(&s.passwords))
        .map(|(inbox, password)| {
            let (options, target) = (&options, &target);
            async move {
                let creds = probe::Credentials::new(inbox.email.clone(), None, password.clone());
                probe::check_logins(target, &creds, options).await.ok()
            }
        })
        .buffer_unordered(PER_SERVER)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    let loop_time = start.elapsed();
    let (imap_max, smtp_max) = (imap.take_max(), smtp.take_max());
    println!(
        "plain loop: {ok} of {REVALIDATED} logged in in {:.1} s = {:.1} inboxes/s; at most {imap_max} IMAP and {smtp_max} SMTP connections at once",
        loop_time.as_secs_f64(),
        REVALIDATED as f64 / loop_time.as_secs_f64()
    );
    loop_time
}
