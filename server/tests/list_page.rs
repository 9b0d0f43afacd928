//! The domain list page is kept rendered and served again while nothing on it has changed, on
//! SQLite and PostgreSQL: each response carries its own CSP nonce, a change to the domains or to
//! the account shows at once, and an ended session gets no page.

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
