//! API tokens follow their owner's credentials, through the real router: a password reset or a
//! disable revokes them (re-enabling revives none), super admins list and revoke anyone's (the
//! history names who revoked whose), others are refused; expiry bounds and creation limits.

mod support;

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use serde_json::Value;
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::{Reply, TestApp, ADMIN};

async fn create_token(app: &TestApp, session: &str, name: &str, expiry: &str) -> Reply {
    let form = [
        ("name", name),
        ("scope", "write"),
        ("expires_in_days", expiry),
    ];
    app.call("create_api_token", Some(session), &form).await
}

async fn token(app: &TestApp, session: &str, name: &str) -> String {
    let reply = create_token(app, session, name, "30").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["secret"].as_str().expect("secret").to_owned()
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

/// The status the token gets on a route every user may read.
async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    api(app, Method::GET, "/api/v1/inboxes", token).await.status
}

/// A user with account access, signed in: (session, id).
async fn bob(app: &TestApp, admin: &str) -> (String, String) {
    let session = app
        .user_session(admin, "bob@example.org", "user", true)
        .await;
    let me = app.call("current_user", Some(&session), &[]).await.json();
    (session, me["id"].as_i64().expect("id").to_string())
}

/// The newest events of the change history, as the admin's token reads them.
async fn history(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let path = format!("/api/v1/history?action={action}");
    let reply = api(app, Method::GET, &path, token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_password_reset_revokes_the_users_tokens() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let (session, id) = bob(&app, &admin).await;
        let (first, second) = (
            token(&app, &session, "ci").await,
            token(&app, &session, "cd").await,
        );
        assert_eq!(status_of(&app, &first).await, StatusCode::OK);

        let form = [("id", id.as_str()), ("password", "another long password")];
        let reset = app.call("reset_password", Some(&admin), &form).await;
        assert!(reset.status.is_success(), "{}", reset.body);
        for secret in [&first, &second] {
            let refused = api(&app, Method::GET, "/api/v1/inboxes", secret).await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
            assert!(refused.body.contains("revoked"), "{}", refused.body);
        }
        let admin_token = token(&app, &admin, "audit").await;
        let revoked = history(&app, &admin_token, "api_token_revoked").await;
        let summary = revoked[0]["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("password reset by admin@example.org"),
            "{summary}"
        );
        assert_eq!(revoked[0]["target"], "bob@example.org");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn disabling_revokes_the_users_tokens_and_re_enabling_does_not_revive_them() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let (session, id) = bob(&app, &admin).await;
        let secret = token(&app, &session, "ci").await;
        let disable = [("id", id.as_str()), ("role", "user"), ("disabled", "on")];
        let disabled = app.call("update_user", Some(&admin), &disable).await;
        assert!(disabled.status.is_success(), "{}", disabled.body);
        assert_eq!(status_of(&app, &secret).await, StatusCode::UNAUTHORIZED);

        let enable = [("id", id.as_str()), ("role", "user")];
        let enabled = app.call("update_user", Some(&admin), &enable).await;
        assert!(enabled.status.is_success(), "{}", enabled.body);
        let still = api(&app, Method::GET, "/api/v1/inboxes", &secret).await;
        assert_eq!(still.status, StatusCode::UNAUTHORIZED);
        assert!(still.body.contains("revoked"), "{}", still.body);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_super_admin_lists_and_revokes_another_users_token() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let (session, id) = bob(&app, &admin).await;
        let (ci, cd) = (
            token(&app, &session, "ci").await,
            token(&app, &session, "cd").await,
        );
        let admin_token = token(&app, &admin, "admin").await;

        // Through the JSON API.
        let path = format!("/api/v1/users/{id}/tokens");
        let listed = api(&app, Method::GET, &path, &admin_token).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        let items = listed.json()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let names: Vec<_> = items.iter().map(|t| t["name"].clone()).collect();
        assert_eq!(names, ["cd", "ci"], "newest first");
        assert!(!listed.body.contains(&ci[4..]), "no secret is listed");
        let ci_id = items[1]["id"].as_i64().expect("id");
        let revoke = format!("/api/v1/users/{id}/tokens/{ci_id}");
        let revoked = api(&app, Method::DELETE, &revoke, &admin_token).await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
        assert_eq!(revoked.json()["status"], "revoked");
        assert_eq!(status_of(&app, &ci).await, StatusCode::UNAUTHORIZED);
        assert_eq!(status_of(&app, &cd).await, StatusCode::OK);
        let other = api(
            &app,
            Method::DELETE,
            &format!("/api/v1/users/1/tokens/{ci_id}"),
            &admin_token,
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "the token is bob's");

        let events = history(&app, &admin_token, "api_token_revoked").await;
        assert_eq!(events[0]["actor_email"], ADMIN);
        assert_eq!(events[0]["target"], "bob@example.org");
        let summary = events[0]["summary"].as_str().unwrap_or_default();
        assert_eq!(
            summary,
            format!("{ADMIN} revoked API token #{ci_id} “ci” of bob@example.org")
        );

        // On the Users page, through its server functions.
        let shown = app
            .call("user_api_tokens", Some(&admin), &[("user_id", &id)])
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let cd_id = shown.json()["tokens"][0]["id"]
            .as_i64()
            .expect("id")
            .to_string();
        let form = [("user_id", id.as_str()), ("id", cd_id.as_str())];
        let revoked = app.call("revoke_user_api_token", Some(&admin), &form).await;
        assert!(revoked.status.is_success(), "{}", revoked.body);
        assert_eq!(status_of(&app, &cd).await, StatusCode::UNAUTHORIZED);
        let page = app.page(&format!("/users?tokens={id}"), Some(&admin)).await;
        assert!(
            page.body.contains("API tokens of bob@example.org"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Revoked"));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn account_admins_and_others_may_not_see_or_revoke_others_tokens() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let (session, id) = bob(&app, &admin).await;
        let target = token(&app, &session, "ci").await;
        let target_id = app
            .call("list_api_tokens", Some(&session), &[])
            .await
            .json()[0]["id"]
            .as_i64()
            .expect("id")
            .to_string();
        let carol = app
            .user_session(&admin, "carol@example.org", "user", true)
            .await;
        let carol_token = token(&app, &carol, "carol").await;

        let path = format!("/api/v1/users/{id}/tokens");
        let listed = api(&app, Method::GET, &path, &carol_token).await;
        assert_eq!(listed.status, StatusCode::FORBIDDEN, "{}", listed.body);
        let revoke = format!("{path}/{target_id}");
        let revoked = api(&app, Method::DELETE, &revoke, &carol_token).await;
        assert_eq!(revoked.status, StatusCode::FORBIDDEN, "{}", revoked.body);
        let shown = app
            .call("user_api_tokens", Some(&carol), &[("user_id", &id)])
            .await;
        assert_eq!(shown.status, StatusCode::FORBIDDEN);
        let form = [("user_id", id.as_str()), ("id", target_id.as_str())];
        let fn_revoke = app.call("revoke_user_api_token", Some(&carol), &form).await;
        assert_eq!(fn_revoke.status, StatusCode::FORBIDDEN);
        // Nor through the owner's own function: someone else's token is not found.
        let own = app
            .call("revoke_api_token", Some(&carol), &[("id", &target_id)])
            .await;
        assert_eq!(own.status, StatusCode::NOT_FOUND);
        assert_eq!(status_of(&app, &target).await, StatusCode::OK);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn tokens_expire_in_7_to_365_days_or_never() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        for bad in ["0", "1", "6", "366", "730"] {
            let refused = create_token(&app, &admin, "x", bad).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            let message = refused.json()["Invalid"]["message"].clone();
            assert_eq!(
                message, "Choose when the token expires: never, or in 7 to 365 days (a year)",
                "{bad}"
            );
        }
        for good in ["7", "365", "never"] {
            let made = create_token(&app, &admin, "x", good).await;
            assert_eq!(made.status, StatusCode::OK, "{good}: {}", made.body);
        }
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn token_creation_is_limited_per_minute_and_live_tokens_are_capped() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        for i in 0..services::tokens::TOKENS_PER_MINUTE {
            token(&app, &admin, &format!("t{i}")).await;
        }
        let limited = create_token(&app, &admin, "one more", "30").await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            limited.body
        );
        let retry: u64 = limited.headers[header::RETRY_AFTER]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry));
        assert_eq!(limited.json()["RateLimited"]["allowance"], "ApiTokens");

        // The cap on live tokens, for another user (their own allowance): made directly in
        // storage up to the cap, then refused with a clear message.
        let (session, id) = bob(&app, &admin).await;
        let owner = storage::get_user(&app.state.services.db, id.parse().expect("id"))
            .await
            .expect("read")
            .expect("bob");
        let actor = storage::Actor {
            user_id: owner.id,
            email: owner.email,
            role: Some(owner.role),
            client_ip: None,
            user_agent: None,
            api_token_id: None,
        };
        for i in 0..storage::MAX_ACTIVE_TOKENS {
            let name = domain::TokenName::parse(&format!("t{i}")).expect("name");
            let scope = domain::TokenScope::Read;
            let life = domain::TokenLifetime::NEVER;
            storage::create_api_token(&app.state.services.db, &actor, &session, name, scope, life)
                .await
                .expect("token");
        }
        let capped = create_token(&app, &session, "one more", "30").await;
        assert_eq!(
            capped.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            capped.body
        );
        let message = capped.json()["Invalid"]["message"].clone();
        assert_eq!(
            message,
            "You already have 50 active tokens, the most one account may hold: revoke one you \
             no longer use first."
        );
        app.db.cleanup().await;
    }
}
