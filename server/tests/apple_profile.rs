//! The Apple configuration profile of an inbox: its owner downloads a property list with the
//! domain's settings and their address (never a password); anyone else gets nothing.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use storage::test_support::sqlite;
use support::TestApp;

async fn download(app: &TestApp, session: Option<&str>, id: i32) -> support::Reply {
    let mut request = Request::get(format!("/inboxes/{id}/mail.mobileconfig"));
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn the_owner_downloads_a_profile_with_the_domain_settings() {
    let app = TestApp::new(sqlite().await, app::ssr::ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let form = support::domain_form("example.org", "143");
    let created = app.call("create_domain", Some(&admin), &form).await;
    assert!(created.status.is_success(), "{}", created.body);
    let owner = app
        .user_session(&admin, "o'neil&co@example.org", "user", false)
        .await;
    let other = app
        .user_session(&admin, "someone@example.org", "user", false)
        .await;
    let users = storage::list_users(&app.db.db).await.expect("users");
    let user = users
        .iter()
        .find(|u| u.email.starts_with("o'neil"))
        .expect("owner");
    let actor = storage::Actor {
        user_id: user.id,
        email: user.email.clone(),
        client_ip: None,
    };
    let domain = storage::find_domain(&app.db.db, "example.org")
        .await
        .expect("read")
        .expect("domain");
    let inbox = storage::connect_inbox(
        &app.db.db,
        &actor,
        storage::NewInbox {
            user_id: user.id,
            email: "o'neil&co@example.org".into(),
            mail_domain: "example.org".into(),
            domain_id: Some(domain.id),
            own_settings: None,
            username: Some("oneil <admin>".into()),
            secret: vec![0; 40],
            next_check_at: chrono::Utc::now(),
        },
    )
    .await
    .expect("inbox");

    let got = download(&app, Some(&owner), inbox.id).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(
        got.body.contains("&amp;") && got.body.contains("&lt;admin&gt;"),
        "escaped: {}",
        got.body
    );
    let doc: plist::Value = plist::from_bytes(got.body.as_bytes()).expect("a property list");
    let outer = doc.as_dictionary().expect("dictionary");
    assert_eq!(outer["PayloadType"].as_string(), Some("Configuration"));
    let mail = outer["PayloadContent"].as_array().expect("payloads")[0]
        .as_dictionary()
        .expect("payload");
    let s = |k: &str| mail[k].as_string().map(str::to_string);
    let n = |k: &str| mail[k].as_signed_integer();
    assert_eq!(s("PayloadType").as_deref(), Some("com.apple.mail.managed"));
    assert_eq!(s("EmailAccountType").as_deref(), Some("EmailTypeIMAP"));
    assert_eq!(s("EmailAddress").as_deref(), Some("o'neil&co@example.org"));
    assert_eq!(
        s("IncomingMailServerHostName"),
        Some(domain.settings.imap_host.to_string())
    );
    assert_eq!(n("IncomingMailServerPortNumber"), Some(143));
    assert_eq!(
        s("IncomingMailServerUsername").as_deref(),
        Some("oneil <admin>")
    );
    assert_eq!(
        s("OutgoingMailServerHostName"),
        Some(domain.settings.smtp_host.to_string())
    );
    assert_eq!(
        n("OutgoingMailServerPortNumber"),
        Some(i64::from(domain.settings.smtp_port.get()))
    );
    assert_eq!(mail["IncomingMailServerUseSSL"].as_boolean(), Some(true));
    assert!(
        !got.body.contains("Password</key>\n\t\t\t<string"),
        "no password is in it"
    );

    assert_eq!(
        download(&app, Some(&other), inbox.id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&app, None, inbox.id).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        download(&app, Some(&owner), 999_999).await.status,
        StatusCode::NOT_FOUND
    );
}
