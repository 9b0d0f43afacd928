//! Connection tests through the real router: who may start them, the SSRF guard, the rate limit,
//! and the stored report.

mod support;

use std::time::Duration;

use http::StatusCode;
use services::ThrottlePolicy;
use storage::test_support::sqlite;
use support::{domain_form, TestApp};

fn probe_form(host_port: &str) -> Vec<(&'static str, &str)> {
    let mut form = domain_form("example.org", host_port);
    form.retain(|(k, _)| !k.ends_with("_host]") && *k != "save_anyway");
    form.extend([
        ("settings[imap_host]", "127.0.0.1"),
        ("settings[smtp_host]", "127.0.0.1"),
        ("probe_email", "alice@example.org"),
        ("probe_password", "secret password"),
    ]);
    form
}

#[tokio::test]
async fn a_loopback_target_is_refused_and_the_peer_sees_no_connection() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let port = listener.local_addr().expect("addr").port().to_string();

    let started = app
        .call("start_probe", Some(&admin), &probe_form(&port))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let id = started.body.trim().to_string();
    let view = app.finished_probe(&admin, &id).await;
    assert_eq!(view["state"], "Finished");
    assert_eq!(view["report"]["ok"], false);
    assert_eq!(
        view["report"]["verdict"]["category"],
        "imap_settings_incorrect"
    );
    assert!(
        !started.body.contains("secret password") && !view.to_string().contains("secret password")
    );
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "the guard let a connection through");
    app.db.cleanup().await;
}

#[tokio::test]
async fn probes_are_rate_limited_per_admin_and_refused_without_the_right() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let user = app
        .user_session(&admin, "user@example.org", "user", false)
        .await;
    let refused = app
        .call("start_probe", Some(&user), &probe_form("993"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.call("start_probe", None, &probe_form("993"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // The test app allows two a minute.
    for _ in 0..2 {
        let ok = app
            .call("start_probe", Some(&admin), &probe_form("993"))
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        let view = app
            .call("probe_progress", Some(&user), &[("id", ok.body.trim())])
            .await;
        // An end user follows only their own tests; another's is as missing as none.
        assert_eq!(
            view.status,
            StatusCode::NOT_FOUND,
            "reports are private too"
        );
    }
    let limited = app
        .call("start_probe", Some(&admin), &probe_form("993"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["RateLimited"]["per_minute"], 2);
    app.db.cleanup().await;
}

#[tokio::test]
async fn bad_probe_input_names_the_field() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let mut form = probe_form("70000");
    form.retain(|(k, _)| *k != "probe_email");
    form.push(("probe_email", "not an address"));
    let reply = app.call("start_probe", Some(&admin), &form).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.json()["InvalidSettings"]["errors"]["imap_port"],
        "Port must be between 1 and 65535"
    );
    let form = probe_form("993")
        .into_iter()
        .filter(|(k, _)| *k != "probe_password")
        .chain([("probe_password", "")])
        .collect::<Vec<_>>();
    let reply = app.call("start_probe", Some(&admin), &form).await;
    assert_eq!(reply.json()["Invalid"]["field"], "probe_password");
    app.db.cleanup().await;
}

#[tokio::test]
async fn without_javascript_the_post_waits_for_the_report_and_lands_on_the_panel() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let mut request =
        support::api_request("start_probe", Some(&admin), &probe_form("993"), "text/html");
    request.headers_mut().insert(
        http::header::REFERER,
        "http://localhost/domains/new".parse().expect("referer"),
    );
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let location = reply.headers["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/domains/new?probe="), "{location}");
    let page = app.page(&location, Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("IMAP settings incorrect"),
        "finished report on the page"
    );
    assert!(
        page.body.contains("value=\"example.org\""),
        "the tested values fill the form"
    );
    app.db.cleanup().await;
}
