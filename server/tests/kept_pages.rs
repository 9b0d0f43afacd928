//! The domain list page and the settings panels are kept rendered and served again while nothing
//! on them has changed, on SQLite and PostgreSQL: each response carries its own CSP nonce, a
//! change to the domains, to the account or to a domain's inboxes shows at once, and an ended
//! session gets no page.

mod support;

use http::StatusCode;
use sea_orm::ConnectionTrait;
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::{domain_form, Reply, TestApp};

/// The nonce the page's policy allows, checked against the page's scripts.
fn nonce(page: &Reply) -> String {
    let policy = page
        .headers
        .get(http::header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .expect("a page has a policy");
    let nonce = policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_string())
        .expect("the policy names a nonce");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "the scripts carry the policy's nonce"
    );
    nonce
}

#[tokio::test]
async fn the_kept_list_page_is_current_and_has_its_own_nonce() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let created = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("first.example", "993"),
            )
            .await;
        assert!(created.status.is_success(), "{}", created.body);

        let first = app.page("/domains", Some(&admin)).await;
        let again = app.page("/domains", Some(&admin)).await;
        for page in [&first, &again] {
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("first.example"), "{}", page.body);
        }
        let (n1, n2) = (nonce(&first), nonce(&again));
        assert_ne!(n1, n2, "every response has a fresh nonce");
        assert_eq!(first.body.replace(&n1, "N"), again.body.replace(&n2, "N"));

        // The page is kept: a change written by hand in SQL, bypassing the app (and its audit
        // event), does not show yet...
        let by_hand =
            "UPDATE domains SET imap_host = 'imap.by-hand.example' WHERE domain = 'first.example'";
        app.db
            .db
            .execute_unprepared(by_hand)
            .await
            .expect("update by hand");
        let page = app.page("/domains", Some(&admin)).await;
        assert!(!page.body.contains("imap.by-hand.example"));
        // ...a change made through the app shows on the next view, with the one made by hand.
        let created = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("second.example", "993"),
            )
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        let page = app.page("/domains", Some(&admin)).await;
        assert!(page.body.contains("second.example"), "{}", page.body);
        assert!(page.body.contains("imap.by-hand.example"));

        // Another account gets its own page; losing the right to manage domains shows at once.
        let user = app
            .user_session(&admin, "helper@example.org", "user", true)
            .await;
        let page = app.page("/domains", Some(&user)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("helper@example.org"));
        assert!(!page.body.contains(support::ADMIN));
        let users = app.call("list_users", Some(&admin), &[]).await.json();
        let id = users
            .as_array()
            .and_then(|all| all.iter().find(|u| u["email"] == "helper@example.org"))
            .map(|u| u["id"].to_string())
            .expect("the helper is listed");
        let revoked = app
            .call(
                "update_user",
                Some(&admin),
                &[("id", id.as_str()), ("role", "user")],
            )
            .await;
        assert!(revoked.status.is_success(), "{}", revoked.body);
        let page = app.page("/domains", Some(&user)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);

        // An ended session gets the way to the login page, not the kept page.
        app.call("logout", Some(&admin), &[]).await;
        let page = app.page("/domains", Some(&admin)).await;
        assert!(!page.body.contains("first.example"), "{}", page.body);
        app.db.cleanup().await;
    }
}

/// Connects an inbox of `owner@example.org` at the domain (no check: the password is not used).
async fn connect_inbox(app: &TestApp, admin: &str, domain_id: i32) {
    app.user_session(admin, "owner@example.org", "user", false)
        .await;
    let owner = storage::list_users(&app.state.services.db)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == "owner@example.org")
        .expect("owner");
    let actor = storage::Actor {
        user_id: owner.id,
        email: owner.email.clone(),
        role: Some(owner.role),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let new = storage::NewInbox {
        user_id: owner.id,
        email: "owner@first.example".into(),
        mail_domain: "first.example".into(),
        domain_id: Some(domain_id),
        own_settings: None,
        username: None,
        secret: b"not used".to_vec(),
        next_check_at: chrono::Utc::now() + chrono::Duration::days(1),
    };
    storage::connect_inbox(&app.state.services.db, &actor, new)
        .await
        .expect("inbox");
}

#[tokio::test]
async fn a_kept_settings_panel_shows_each_inbox_check() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let created = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("first.example", "993"),
            )
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        let id = storage::list_domains(&app.state.services.db)
            .await
            .expect("domains")[0]
            .id;
        let path = format!("/domains/{id}");

        let first = app.page(&path, Some(&admin)).await;
        let again = app.page(&path, Some(&admin)).await;
        for page in [&first, &again] {
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Edit IMAP settings"), "{}", page.body);
            assert!(page.body.contains("No inbox uses these settings yet."));
        }
        let (n1, n2) = (nonce(&first), nonce(&again));
        assert_ne!(n1, n2, "every response has a fresh nonce");
        assert_eq!(first.body.replace(&n1, "N"), again.body.replace(&n2, "N"));

        // Connecting an inbox shows on the next view.
        connect_inbox(&app, &admin, id).await;
        let page = app.page(&path, Some(&admin)).await;
        assert!(page.body.contains("owner@first.example"), "{}", page.body);
        assert!(page.body.contains("owner@example.org"));

        // A check that keeps the inbox's state writes no history, yet the panel shows it: the
        // owner renamed by hand (bypassing the app) shows once a check is recorded.
        app.db
            .db
            .execute_unprepared(
                "UPDATE users SET email = 'renamed@example.org' WHERE email = 'owner@example.org'",
            )
            .await
            .expect("rename by hand");
        let page = app.page(&path, Some(&admin)).await;
        assert!(
            page.body.contains("owner@example.org"),
            "kept: {}",
            page.body
        );
        let inbox = storage::list_inboxes(&app.state.services.db, storage::InboxOwner::Domain(id))
            .await
            .expect("inboxes")[0]
            .id;
        let check = storage::CheckResult {
            state: domain::InboxState::Connected,
            failure: None,
            transient_failures: 0,
            next_check_at: chrono::Utc::now() + chrono::Duration::days(1),
        };
        storage::record_check(&app.state.services.db, inbox, &check)
            .await
            .expect("check recorded");
        let page = app.page(&path, Some(&admin)).await;
        assert!(page.body.contains("renamed@example.org"), "{}", page.body);

        // A panel with a query (a notice, a test, a sample) is rendered, never kept.
        let saved = app.page(&format!("{path}?saved=1"), Some(&admin)).await;
        assert!(saved.body.contains("Settings saved"), "{}", saved.body);
        app.db.cleanup().await;
    }
}
