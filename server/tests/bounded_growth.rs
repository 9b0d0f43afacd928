//! What anyone can make the server read or write stays bounded: thousands of throttled logins
//! grow the history by a handful of events, a domain of 10,000 inboxes is read a page at a
//! time, and *Verify history* (a walk of every event) is limited per minute.

mod support;

use sea_orm::{ConnectionTrait, Statement};
use services::ThrottlePolicy;
use storage::test_support::backends;
use storage::AuditAction;
use support::TestApp;

/// A throttle whose locks outlast the test, so every refusal falls into one lock per key.
fn long_locks() -> ThrottlePolicy {
    use chrono::Duration;
    let lock = |max_failures| storage::LockPolicy {
        max_failures,
        first_lockout: Duration::hours(1),
        max_lockout: Duration::hours(1),
        forget_after: Duration::hours(2),
    };
    ThrottlePolicy {
        account: lock(5),
        network: lock(10),
        known_network_for: Duration::days(30),
        max_rows: 100_000,
    }
}

#[tokio::test]
async fn thousands_of_throttled_logins_add_a_handful_of_events() {
    const POSTS: usize = 5_000;
    for db in backends().await {
        let app = TestApp::new(db, long_locks()).await;
        app.setup_admin().await;
        let before = storage::count_events(&app.state.services.db)
            .await
            .expect("count");
        for _ in 0..POSTS {
            let reply = app.login("nobody@example.org", "not the password").await;
            assert!(matches!(reply.status.as_u16(), 401 | 429), "{}", reply.body);
        }
        let during = storage::count_events(&app.state.services.db)
            .await
            .expect("count");
        // The first five failures are events; the 4,995 refused while locked are counted.
        assert_eq!(during - before, 5, "events while locked");
        storage::test_support::end_refusal_locks(&app.state.services.db).await;
        let recorded = storage::record_ended_refusals(&app.state.services.db, 1000)
            .await
            .expect("record");
        assert_eq!(recorded, 1);
        let after = storage::count_events(&app.state.services.db)
            .await
            .expect("count");
        eprintln!("{POSTS} failed-login posts added {} events", after - before);
        assert_eq!(after - before, 6);
        let refused = support::events_of(&app, AuditAction::LoginsRefused).await;
        let summary = refused[0].summary.clone().unwrap_or_default();
        assert!(
            summary.starts_with("4995 login attempts refused"),
            "{summary}"
        );
        assert!(
            summary.contains("addresses without an account"),
            "{summary}"
        );
        assert_eq!(refused[0].target.as_deref(), Some("nobody@example.org"));
        let key = app.state.services.audit_signer.verifying_key();
        let report = storage::verify_history(&app.state.services.db, &key)
            .await
            .expect("verify");
        assert!(report.problem.is_none(), "{:?}", report.problem);
        app.db.cleanup().await;
    }
}

/// The benchmark's data set: domain 1 with 10,000 inboxes (one stored, the rest copied in one
/// statement) and 120 events in its history.
async fn ten_thousand_inboxes(app: &TestApp, admin: &str) {
    let form = support::untested_form("big.example", "993");
    let mut create: Vec<(&str, &str)> = form;
    create.push(("save_anyway", "on"));
    let created = app.call("create_domain", Some(admin), &create).await;
    assert!(created.status.is_success(), "{}", created.body);
    let db = &app.state.services.db;
    let backend = db.get_database_backend();
    let sql = "INSERT INTO inboxes (user_id, email, mail_domain, domain_id, secret, status, \
               transient_failures, next_check_at, created_at) VALUES \
               (1, 'first@big.example', 'big.example', 1, $1, 'connected', 0, $2, $2)";
    let far = chrono::Utc::now() + chrono::Duration::days(365);
    db.execute(Statement::from_sql_and_values(
        backend,
        sql,
        [vec![0u8; 40].into(), far.into()],
    ))
    .await
    .expect("first inbox");
    storage::test_support::copy_first_inbox(db, 9_999).await;
    storage::test_support::bulk_chain(db, 120, 1, 60).await;
}

#[tokio::test]
async fn a_domain_of_ten_thousand_inboxes_is_read_a_page_at_a_time() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        ten_thousand_inboxes(&app, &admin).await;
        let inboxes = app
            .call("domain_inboxes", Some(&admin), &[("id", "1")])
            .await
            .json();
        assert_eq!(inboxes["count"], 10_000, "{inboxes}");
        assert_eq!(inboxes["shown"].as_array().map(Vec::len), Some(200));
        let detail = app
            .call("domain_detail", Some(&admin), &[("id", "1")])
            .await
            .json();
        assert_eq!(detail["history"].as_array().map(Vec::len), Some(50));

        // Verify walks every event: six a minute per user, then a clear refusal.
        for _ in 0..6 {
            let verified = app.call("verify_history", Some(&admin), &[]).await;
            assert!(verified.status.is_success(), "{}", verified.body);
        }
        let refused = app.call("verify_history", Some(&admin), &[]).await;
        assert_eq!(refused.status.as_u16(), 429, "{}", refused.body);
        assert!(
            refused.body.contains("HistoryVerifications"),
            "{}",
            refused.body
        );
        app.db.cleanup().await;
    }
}
