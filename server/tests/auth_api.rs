//! Setup, login, throttling, the session cookie's flags and logout, through the real router.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use storage::test_support::backends;
use support::{strict_throttle, TestApp, ADMIN, ORIGIN, PASSWORD, SETUP_TOKEN};

#[tokio::test]
async fn first_admin_setup_works_once_with_the_token() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        let wrong = app
            .call(
                "setup_first_admin",
                None,
                &[("token", "nope"), ("email", ADMIN), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let short = app
            .call(
                "setup_first_admin",
                None,
                &[
                    ("token", SETUP_TOKEN),
                    ("email", ADMIN),
                    ("password", "short"),
                ],
            )
            .await;
        assert!(short.body.contains("12 characters"), "{}", short.body);

        app.setup_admin().await;
        let again = app
            .call(
                "setup_first_admin",
                None,
                &[
                    ("token", SETUP_TOKEN),
                    ("email", "b@example.org"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        let page = app.page("/setup", None).await;
        assert!(page.body.contains("Setup is already complete"));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn session_cookie_is_http_only_same_site_and_secure_only_behind_a_trusted_https_proxy() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        app.setup_admin().await;
        let reply = app.login(ADMIN, PASSWORD).await;
        let cookie = reply.set_cookie().expect("cookie");
        assert!(cookie.starts_with("mailsettings_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        // The peer is not a trusted proxy: its X-Forwarded-Proto changes nothing.
        let spoofed = app.send(login_via_proxy()).await;
        let cookie = spoofed.set_cookie().expect("cookie");
        assert!(!cookie.contains("Secure"), "untrusted proxy: {cookie}");

        let session = reply.session().expect("session");
        let out = app.call("logout", Some(&session), &[]).await;
        assert!(out.set_cookie().expect("cleared").contains("Max-Age=0"));
        let after = app.call("current_user", Some(&session), &[]).await;
        assert_eq!(after.json(), serde_json::Value::Null, "session ended");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::with_state(storage::test_support::sqlite().await, |state| {
        state.proxy.trusted_proxies = vec!["192.0.2.0/24".parse().expect("cidr")];
        state.proxy.public_origin = Some("https://app.test".into());
    })
    .await;
    let mut setup = support::api_request(
        "setup_first_admin",
        None,
        &[
            ("token", SETUP_TOKEN),
            ("email", ADMIN),
            ("password", PASSWORD),
        ],
        "application/json",
    );
    setup
        .headers_mut()
        .insert(header::ORIGIN, "https://app.test".parse().expect("origin"));
    assert!(app.send(setup).await.status.is_success());
    let mut request = login_via_proxy();
    request
        .headers_mut()
        .insert(header::ORIGIN, "https://app.test".parse().expect("origin"));
    let reply = app.send(request).await;
    let cookie = reply.set_cookie().expect("cookie");
    assert!(
        cookie.starts_with("__Host-mailsettings_session="),
        "{cookie}"
    );
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(reply.headers.get("strict-transport-security").is_some());
    app.db.cleanup().await;
}

/// A login as a proxy forwards it: X-Forwarded-For and X-Forwarded-Proto: https.
fn login_via_proxy() -> Request<Body> {
    let body =
        serde_urlencoded::to_string([("email", ADMIN), ("password", PASSWORD)]).expect("form");
    Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-for", "198.51.100.20")
        .body(Body::from(body))
        .expect("request")
}

#[tokio::test]
async fn repeated_failures_lock_the_account_out_even_with_the_right_password() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        app.setup_admin().await;
        for _ in 0..3 {
            let failed = app.login(ADMIN, "wrong password!").await;
            assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
            assert!(failed.body.contains("LoginFailed"));
            assert!(failed.session().is_none());
        }
        let locked = app.login(ADMIN, PASSWORD).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        assert!(
            locked.json()["Throttled"]["retry_after_secs"]
                .as_u64()
                .unwrap_or(0)
                >= 59
        );
        assert!(locked.session().is_none());
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn disabling_a_user_or_resetting_their_password_ends_their_sessions() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        let admin = app.setup_admin().await;
        let user = app
            .user_session(&admin, "acct@example.org", "user", true)
            .await;
        let me = app.call("current_user", Some(&user), &[]).await.json();
        assert_eq!(me["email"], "acct@example.org");
        let id = me["id"].as_i64().expect("id").to_string();

        let reset = app
            .call(
                "reset_password",
                Some(&admin),
                &[("id", &id), ("password", "another long password")],
            )
            .await;
        assert!(reset.status.is_success(), "{}", reset.body);
        let after = app.call("list_domains", Some(&user), &[]).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);

        let user = app
            .login("acct@example.org", "another long password")
            .await
            .session()
            .expect("login");
        let disable = app
            .call(
                "update_user",
                Some(&admin),
                &[("id", &id), ("role", "user"), ("disabled", "on")],
            )
            .await;
        assert!(disable.status.is_success(), "{}", disable.body);
        assert_eq!(
            app.call("list_domains", Some(&user), &[]).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.login("acct@example.org", "another long password")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );

        let self_demote = app
            .call(
                "update_user",
                Some(&admin),
                &[("id", "1"), ("role", "auditor")],
            )
            .await;
        assert_eq!(self_demote.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_login_rotates_the_session_and_idle_sessions_end() {
    for db in backends().await {
        let app = TestApp::new(db, strict_throttle()).await;
        let first = app.setup_admin().await;
        let body =
            serde_urlencoded::to_string([("email", ADMIN), ("password", PASSWORD)]).expect("form");
        let relogin = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, format!("mailsettings_session={first}"))
            .body(Body::from(body))
            .expect("request");
        let second = app.send(relogin).await.session().expect("new session");
        assert_ne!(first, second);
        let old = app.call("current_user", Some(&first), &[]).await;
        assert_eq!(old.json(), serde_json::Value::Null, "the old token died");
        let me = app.call("current_user", Some(&second), &[]).await;
        assert_eq!(me.json()["email"], ADMIN);

        let idle = app.state.cookies.idle_timeout() + chrono::Duration::minutes(1);
        storage::test_support::age_session(&app.state.services.db, &second, idle).await;
        let after = app.call("current_user", Some(&second), &[]).await;
        assert_eq!(after.json(), serde_json::Value::Null, "idle session ended");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_audit_trail_records_the_client_a_trusted_proxy_names_and_only_then() {
    for trusted in [true, false] {
        let app = TestApp::with_state(storage::test_support::sqlite().await, |state| {
            if trusted {
                state.proxy.trusted_proxies = vec!["192.0.2.7/32".parse().expect("cidr")];
            }
        })
        .await;
        let admin = app.setup_admin().await;
        let form = support::domain_form("proxied.example", "993");
        let mut request =
            support::api_request("create_domain", Some(&admin), &form, "application/json");
        request
            .headers_mut()
            .insert("x-forwarded-for", "198.51.100.77".parse().expect("header"));
        assert!(app.send(request).await.status.is_success());
        let detail = app
            .call("domain_detail", Some(&admin), &[("id", "1")])
            .await
            .json();
        let expected = if trusted {
            "198.51.100.77"
        } else {
            "192.0.2.7"
        };
        assert_eq!(
            detail["history"][0]["client_ip"], expected,
            "trusted proxy: {trusted}"
        );
        app.db.cleanup().await;
    }
}
