//! Logout from the header's plain form (no JavaScript): it ends the session, and when storage
//! fails it still signs the browser out and says what was left.

mod support;

use http::{header, StatusCode};
use sea_orm::ConnectionTrait;
use storage::test_support::backends;
use support::{api_request, strict_throttle, Reply, TestApp};

const NOTICE: &str = "You are signed out in this browser. The server could not end your session";

async fn log_out(app: &TestApp, session: &str) -> Reply {
    app.send(api_request("logout", Some(session), &[], "text/html"))
        .await
}

fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn rename(app: &TestApp, from: &str, to: &str) {
    app.db
        .db
        .execute_unprepared(&format!("ALTER TABLE {from} RENAME TO {to}"))
        .await
        .expect("rename table");
}

#[tokio::test]
async fn a_session_storage_cannot_end_is_signed_out_in_the_browser_and_said_so() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        let session = app.setup_admin().await;

        rename(&app, "sessions", "sessions_away").await;
        let out = log_out(&app, &session).await;
        rename(&app, "sessions_away", "sessions").await;
        assert!(out.status.is_redirection(), "{}: {}", out.status, out.body);
        assert_eq!(location(&out), "/login?signed_out=browser_only");
        let cookie = out.set_cookie().expect("the cookie is cleared anyway");
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
        let login = app.page(location(&out), None).await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(login.body.contains(NOTICE), "{}", login.body);
        // The notice is true: the server-side session is still live until it expires.
        let me = app.call("current_user", Some(&session), &[]).await;
        assert_ne!(me.json(), serde_json::Value::Null, "{}", app.db.backend);

        let out = log_out(&app, &session).await;
        assert_eq!(location(&out), "/login");
        let login = app.page(location(&out), None).await;
        assert!(!login.body.contains(NOTICE));
        let me = app.call("current_user", Some(&session), &[]).await;
        assert_eq!(me.json(), serde_json::Value::Null, "session ended");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_logout_the_audit_cannot_record_still_ends_the_session() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        let session = app.setup_admin().await;

        rename(&app, "audit_events", "audit_events_away").await;
        let out = log_out(&app, &session).await;
        rename(&app, "audit_events_away", "audit_events").await;
        assert_eq!(location(&out), "/login", "{}", app.db.backend);
        let me = app.call("current_user", Some(&session), &[]).await;
        assert_eq!(me.json(), serde_json::Value::Null, "session ended");
        app.db.cleanup().await;
    }
}
