//! Two `server` processes on one PostgreSQL, as behind a load balancer: a session opened on one
//! is honoured and ended on the other; the connection-test allowance is shared; changes made
//! through both at once keep the audit chain intact; and a revalidation both share survives one
//! of them killed with SIGKILL midway: every inbox is checked exactly once for the job, against
//! the real Dovecot and Postfix. The inboxes are the harness's numbered mailboxes
//! (`MAIL_LAB_MAILBOXES`, 120 by default; the load suite runs it with 1,000).

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod cluster;

use std::time::{Duration, Instant};

use cluster::{api, server_fn, until, ServerProcess, Shared, INBOX_KEY, PER_MINUTE};
use domain::{EmailAddress, Role, TokenLifetime, TokenName, TokenScope};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use storage::{Actor, DatabaseConnection, NewInbox};

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgresql() {
    let Some(t) = storage::test_support::postgres().await else {
        return;
    };
    // Enough inboxes that the job outlasts the other process's poll (2 s), so both take part.
    // (This binary's only test: nothing else reads the environment meanwhile.)
    if std::env::var_os("MAIL_LAB_MAILBOXES").is_none() {
        std::env::set_var("MAIL_LAB_MAILBOXES", "120");
    }
    let m = support::mail();
    let inboxes = support::dovecot::mailbox_count();
    let data = support::proc::RunDir::new("scale-out");
    let shared = Shared {
        database_url: t.url(),
        data_dir: data.path(),
        ca_file: m.dir.path().join("certs").join("ca.pem"),
    };
    let db = &t.db;
    let admin = storage::create_first_super_admin(db, &email(ADMIN), PASSWORD, None, None)
        .await
        .expect("admin");
    let session = storage::create_session(db, admin.id, chrono::Duration::hours(1))
        .await
        .expect("session");
    let token = storage::create_api_token(
        db,
        &actor_of(&admin),
        &session,
        TokenName::parse("scale-out").expect("name"),
        TokenScope::Write,
        TokenLifetime::NEVER,
    )
    .await
    .expect("token")
    .secret;

    let mut a = ServerProcess::start("a", &shared).await;
    let mut b = ServerProcess::start("b", &shared).await;
    let client = reqwest::Client::new();

    // A session opened on one process works on the other, and ends on both.
    let login = server_fn(
        &client,
        &a,
        "login",
        None,
        &[("email", ADMIN), ("password", PASSWORD)],
    )
    .await;
    assert!(login.status().is_success(), "login on a");
    let session = session_cookie(&login).expect("a session cookie");
    let me = server_fn(&client, &b, "current_user", Some(&session), &[]).await;
    assert!(
        me.text().await.expect("body").contains(ADMIN),
        "b knows a's session"
    );
    let out = server_fn(&client, &b, "logout", Some(&session), &[]).await;
    assert!(out.status().is_success() || out.status().is_redirection());
    let gone = server_fn(&client, &a, "current_user", Some(&session), &[]).await;
    assert!(
        !gone.text().await.expect("body").contains(ADMIN),
        "logged out on a too"
    );

    // The per-minute allowance of connection tests is counted over both processes.
    let unreachable = settings("probe.example", support::proc::free_port(), 465);
    let start = json!({"settings": unreachable, "email": "alice@test.local", "password": "x"});
    for (i, process) in [&a, &b, &a].into_iter().enumerate() {
        let (status, body, _) = api(
            &client,
            Method::POST,
            process.url("/api/v1/connection-tests"),
            &token,
            Some(start.clone()),
        )
        .await;
        assert_eq!(status, 202, "test {} on {}: {body}", i + 1, process.name);
    }
    let (status, body, headers) = api(
        &client,
        Method::POST,
        b.url("/api/v1/connection-tests"),
        &token,
        Some(start),
    )
    .await;
    assert_eq!(
        status,
        429,
        "the {}th test in a minute: {body}",
        PER_MINUTE + 1
    );
    assert!(headers.contains_key("retry-after"));

    // Changes through both processes at once: every one saved, one chain.
    let creates = (0..16).map(|i| {
        let process = if i % 2 == 0 { &a } else { &b };
        let body = json!({"settings": settings(&format!("c{i:02}.example"), 993, 465), "save_anyway": true});
        api(&client, Method::POST, process.url("/api/v1/domains"), &token, Some(body))
    });
    for (status, body, _) in futures::future::join_all(creates).await {
        assert_eq!(status, 201, "{body}");
    }

    // The shared revalidation, with one process killed in the middle of it.
    let (status, created, _) = api(&client, Method::POST, a.url("/api/v1/domains"), &token,
        Some(json!({"settings": settings("test.local", m.dovecot.imaps, m.postfix.smtps), "save_anyway": true}))).await;
    assert_eq!(status, 201, "{created}");
    let domain_id = created["id"].as_i64().expect("id") as i32;
    seed_inboxes(db, &admin, domain_id, inboxes).await;
    let started = Instant::now();
    let change = merged(
        settings("test.local", m.dovecot.imaps, m.postfix.smtps),
        json!({"smtp_port": m.postfix.submission, "smtp_security": "starttls"}),
    );
    let (status, body, _) = api(
        &client,
        Method::PUT,
        a.url(&format!("/api/v1/domains/{domain_id}")),
        &token,
        Some(json!({"version": created["version"], "settings": change, "save_anyway": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let job = storage::latest_job(db, domain_id)
        .await
        .expect("job")
        .expect("a job");
    let b_worker = format!("worker-{}-", b.pid());
    let a_worker = format!("worker-{}-", a.pid());
    let checked_at_kill = until(
        "two fifths checked, b holding one",
        Duration::from_secs(60),
        || async {
            let items = items(db, job.id).await;
            let of_b = |state: &str| {
                items
                    .iter()
                    .filter(|i| i.1 == state && i.2.starts_with(&b_worker))
                    .count()
            };
            // Midway: two fifths of the job done, b among those checking, holding one.
            let done = items.iter().filter(|i| i.1 == "done").count();
            (done * 5 >= inboxes * 2 && of_b("done") >= 3 && of_b("claimed") > 0).then_some(done)
        },
    )
    .await;
    b.kill().await;
    let killed_at = Instant::now();
    let held = claimed_by(db, job.id, &b_worker).await;
    eprintln!(
        "killed b with {} check(s) held; {checked_at_kill} of {inboxes} checked",
        held.len()
    );

    let finished = until(
        "the job to finish",
        Duration::from_secs(120 + inboxes as u64 / 5),
        || async {
            let j = storage::get_job(db, job.id).await.expect("job");
            (j.state == domain::RolloutState::Done).then_some(j)
        },
    )
    .await;
    let total = inboxes as i32;
    assert_eq!(
        (finished.total, finished.checked, finished.connected),
        (total, total, total),
        "{finished:?}"
    );
    assert!(finished.failures.is_empty(), "{finished:?}");
    let items = items(db, job.id).await;
    assert!(items.iter().all(|i| i.1 == "done"), "{items:?}");
    for (inbox, _, worker, attempts) in &items {
        if held.contains(inbox) {
            assert!(
                worker.starts_with(&a_worker) && *attempts == 2,
                "taken over by a: {inbox} {worker} {attempts}"
            );
        } else {
            assert_eq!(*attempts, 1, "checked once: {inbox} {worker}");
        }
    }
    let by_b = items.iter().filter(|i| i.2.starts_with(&b_worker)).count();
    let events = storage::domain_history(db, domain_id, 1000)
        .await
        .expect("history");
    let summaries: Vec<_> = events
        .iter()
        .filter(|e| e.action == storage::AuditAction::RolloutFinished)
        .map(|e| e.summary.clone())
        .collect();
    assert_eq!(
        summaries,
        [Some(format!(
            "{total} inboxes revalidated: {total} connected, 0 disconnected"
        ))]
    );
    eprintln!(
        "{inboxes} inboxes: {} checked by a ({} of them taken over from b), {by_b} by b before the kill; done {:.1} s after the change, {:.1} s after the kill",
        inboxes - by_b,
        held.len(),
        started.elapsed().as_secs_f64(),
        killed_at.elapsed().as_secs_f64()
    );

    // The operator's check of the chain, with the key both processes signed with.
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", t.url())
        .env("MAILSETTINGS_DATA_DIR", data.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("server audit verify");
    let out = String::from_utf8_lossy(&verified.stdout).into_owned();
    assert!(
        verified.status.success() && out.starts_with("intact"),
        "{out}"
    );
    eprintln!("server audit verify: {}", out.trim());
    assert!(by_b >= 3, "b checked {by_b}");

    let status = a.terminate(Duration::from_secs(30)).await;
    assert!(
        status.success(),
        "a stops cleanly on SIGTERM: {status}\n{}",
        a.log_text()
    );
    drop(data);
    t.cleanup().await;
}

fn email(address: &str) -> EmailAddress {
    EmailAddress::parse(address).expect("email")
}

fn actor_of(user: &storage::UserAccount) -> Actor {
    Actor {
        user_id: user.id,
        email: user.email.clone(),
        role: Some(user.role),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    }
}

fn settings(domain: &str, imap_port: u16, smtp_port: u16) -> Value {
    json!({"domain": domain, "imap_host": "127.0.0.1", "imap_port": imap_port, "imap_security": "ssl",
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_security": "ssl"})
}

fn merged(mut base: Value, over: Value) -> Value {
    if let (Some(base), Some(over)) = (base.as_object_mut(), over.as_object()) {
        base.extend(over.clone());
    }
    base
}

fn session_cookie(reply: &reqwest::Response) -> Option<String> {
    reply.headers().get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let rest = v.strip_prefix("mailsettings_session=")?;
        Some(rest.split(';').next()?.to_owned())
    })
}

/// An end user's inboxes of the numbered mailboxes, passwords sealed with the cluster's key.
async fn seed_inboxes(
    db: &DatabaseConnection,
    admin: &storage::UserAccount,
    domain_id: i32,
    n: usize,
) {
    let owner = storage::create_user(
        db,
        &actor_of(admin),
        &email("owner@test.local"),
        PASSWORD,
        Role::User,
        true,
    )
    .await
    .expect("user");
    let actor = actor_of(&owner);
    let vault = inboxes::Vault::from_hex(INBOX_KEY).expect("key");
    for i in 1..=n {
        let (address, password) = support::dovecot::mailbox(i);
        let new = NewInbox {
            user_id: owner.id,
            email: address.clone(),
            mail_domain: "test.local".into(),
            domain_id: Some(domain_id),
            own_settings: None,
            username: None,
            secret: inboxes::seal_password(&vault, owner.id, &address, &password),
            next_check_at: chrono::Utc::now() + chrono::Duration::days(1),
        };
        storage::connect_inbox(db, &actor, new)
            .await
            .expect("inbox");
    }
}

/// The job's items: inbox, state, worker, attempts.
async fn items(db: &DatabaseConnection, job_id: i32) -> Vec<(i32, String, String, i32)> {
    let sql = "SELECT inbox_id, state, worker, attempts FROM revalidation_items WHERE job_id = $1 ORDER BY inbox_id";
    db.query_all(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [job_id.into()],
    ))
    .await
    .expect("items")
    .into_iter()
    .map(|r| {
        let worker: Option<String> = r.try_get("", "worker").expect("worker");
        (
            r.try_get("", "inbox_id").expect("inbox_id"),
            r.try_get("", "state").expect("state"),
            worker.unwrap_or_default(),
            r.try_get("", "attempts").expect("attempts"),
        )
    })
    .collect()
}

async fn claimed_by(db: &DatabaseConnection, job_id: i32, worker_prefix: &str) -> Vec<i32> {
    items(db, job_id)
        .await
        .into_iter()
        .filter(|i| i.1 == "claimed" && i.2.starts_with(worker_prefix))
        .map(|i| i.0)
        .collect()
}
