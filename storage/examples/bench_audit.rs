//! Audit-trail figures (issue 9), on SQLite and on PostgreSQL (127.0.0.1:5432) with 1,000,000
//! chained events: the first and a deep page of a filtered query, the export rate, Verify's
//! rate, and what the chain adds to one domain edit. Run by scripts/bench-audit.sh.

use std::time::{Duration, Instant};

use futures::StreamExt;
use sea_orm::DatabaseConnection;
use storage::test_support::{bulk_chain, chain_overhead, postgres, sqlite, TestDb};
use storage::{Actor, AuditFilter, AuditSigner};

const EVENTS: u64 = 1_000_000;
const DOMAINS: u64 = 1_000;
const EDITS: usize = 50;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

async fn run(t: TestDb) {
    let db = &t.db;
    let backend = t.backend;
    let (_, load) = timed(bulk_chain(db, EVENTS, DOMAINS, 1_000)).await;
    println!(
        "{backend}: loaded {EVENTS} chained events in {:.1} s",
        load.as_secs_f64()
    );
    pages(db, backend).await;
    export(db, backend).await;
    verify(db, backend).await;
    edits(db, backend).await;
    t.cleanup().await;
}

/// A filtered query's first and a deep page, and an unfiltered page.
async fn pages(db: &DatabaseConnection, backend: &str) {
    let filter = AuditFilter {
        domain: Some("bench7.example".into()),
        ..AuditFilter::default()
    };
    // A few warm-up queries, then the timed ones.
    for _ in 0..3 {
        storage::history_page(db, &filter, None, 50)
            .await
            .expect("page");
    }
    let (first, first_t) = timed(storage::history_page(db, &filter, None, 50)).await;
    let first = first.expect("first page");
    // Page 15 of 20 for this domain (1,000 events), by keyset from an older seq.
    let deep_before = first.last().and_then(|e| e.seq).unwrap_or(0) - 14 * 50 * DOMAINS as i64;
    let (deep, deep_t) = timed(storage::history_page(db, &filter, Some(deep_before), 50)).await;
    let deep = deep.expect("deep page");
    let all = AuditFilter::default();
    let (_, deep_all_t) = timed(storage::history_page(db, &all, Some(100_000), 50)).await;
    println!(
        "{backend}: filtered first page {} ({} events), deep page {} ({} events, before #{deep_before}), unfiltered page at #100000 {}",
        ms(first_t),
        first.len(),
        ms(deep_t),
        deep.len(),
        ms(deep_all_t)
    );
}

/// The export's rate, every event as JSON.
async fn export(db: &DatabaseConnection, backend: &str) {
    let started = Instant::now();
    let mut rows = 0u64;
    let mut bytes = 0usize;
    let mut stream = storage::export_stream(db.clone(), AuditFilter::default());
    while let Some(event) = stream.next().await {
        bytes += serde_json::to_vec(&event.expect("row"))
            .expect("json")
            .len();
        rows += 1;
    }
    let export = started.elapsed();
    println!(
        "{backend}: export {rows} rows as JSON in {:.1} s = {:.0} rows/s ({} MB)",
        export.as_secs_f64(),
        rows as f64 / export.as_secs_f64(),
        bytes / 1_000_000
    );
}

/// Verify's rate, after a fresh checkpoint.
async fn verify(db: &DatabaseConnection, backend: &str) {
    let signer = AuditSigner::generate();
    storage::sign_checkpoint(db, &signer)
        .await
        .expect("checkpoint");
    let (report, verify) = timed(storage::verify_history(db, &signer.verifying_key())).await;
    let report = report.expect("verify");
    assert!(report.problem.is_none(), "{:?}", report.problem);
    println!(
        "{backend}: verify {} events in {:.1} s = {:.0} events/s",
        report.events,
        verify.as_secs_f64(),
        report.events as f64 / verify.as_secs_f64()
    );
}

/// A domain edit's time, and the chain's part of it.
async fn edits(db: &DatabaseConnection, backend: &str) {
    let actor = Actor {
        user_id: 1,
        email: "admin0@example.com".into(),
        role: Some(domain::Role::SuperAdmin),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let mut settings = edit_domain_form().parse().expect("settings");
    let created = storage::create_domain(db, &actor, settings.clone())
        .await
        .expect("create");
    let mut edits = Vec::new();
    for version in 1..=EDITS as i32 {
        settings.imap_port = domain::Port::parse(&(1000 + version).to_string()).expect("port");
        let (saved, spent) = timed(storage::update_domain(
            db,
            &actor,
            created.id,
            version,
            settings.clone(),
        ))
        .await;
        saved.expect("edit");
        edits.push(spent);
    }
    let mut overheads = Vec::new();
    for _ in 0..EDITS {
        overheads.push(chain_overhead(db).await);
    }
    let (edit, chain) = (median(edits), median(overheads));
    println!(
        "{backend}: domain edit with the chain {} (median of {EDITS}); the chain's part (lock, head, hash) {}; without it about {} (ratio {:.2})",
        ms(edit),
        ms(chain),
        ms(edit.saturating_sub(chain)),
        edit.as_secs_f64() / edit.saturating_sub(chain).as_secs_f64().max(1e-9)
    );
}

fn edit_domain_form() -> domain::DomainSettingsForm {
    domain::DomainSettingsForm {
        domain: "edit.example".into(),
        imap_host: "imap.edit.example".into(),
        imap_port: "993".into(),
        imap_security: "ssl".into(),
        smtp_host: "smtp.edit.example".into(),
        smtp_port: "465".into(),
        smtp_security: "ssl".into(),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() {
    run(sqlite().await).await;
    if let Some(pg) = postgres().await {
        run(pg).await;
    }
}
