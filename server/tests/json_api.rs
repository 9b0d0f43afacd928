//! The JSON API under /api/v1 through the real router: tokens, errors, pagination, scopes, and
//! the OpenAPI document against the routes served.

mod support;

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::api::{api, token};
use support::{Reply, TestApp, ADMIN};

fn settings(domain: &str, imap_port: Value) -> Value {
    json!({
        "domain": domain,
        "imap_host": "imap.example.org",
        "imap_port": imap_port,
        "imap_security": "ssl",
        "smtp_host": "smtp.example.org",
        "smtp_port": 465,
        "smtp_security": "ssl",
    })
}

fn code(reply: &Reply) -> String {
    reply.json()["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn domains_through_the_api() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let write = token(&app, &admin, "terraform", "write").await;

        // No token, or only the session cookie: 401 with a Bearer challenge.
        let none = api(&app, Method::GET, "/api/v1/domains", None, None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        assert_eq!(code(&none), "unauthenticated");
        assert!(none.headers.contains_key(header::WWW_AUTHENTICATE));
        let cookie_only = app
            .send(
                Request::get("/api/v1/domains")
                    .header(header::COOKIE, format!("mailsettings_session={admin}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(cookie_only.status, StatusCode::UNAUTHORIZED);

        // Create (ports as numbers or strings), read, list.
        let mut ids = Vec::new();
        for (name, port) in [
            ("b.example", json!(993)),
            ("a.example", json!("993")),
            ("c.example", json!(993)),
        ] {
            let created = api(
                &app,
                Method::POST,
                "/api/v1/domains",
                Some(&write),
                Some(json!({"settings": settings(name, port), "save_anyway": true})),
            )
            .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            let id = created.json()["id"].as_i64().unwrap();
            assert_eq!(
                created.headers[header::LOCATION],
                format!("/api/v1/domains/{id}").as_str()
            );
            assert_eq!(created.json()["settings"]["imap_port"], 993);
            ids.push(id);
        }
        let first = api(
            &app,
            Method::GET,
            "/api/v1/domains?limit=2",
            Some(&write),
            None,
        )
        .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let page = first.json();
        let names: Vec<_> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["settings"]["domain"].clone())
            .collect();
        assert_eq!(names, [json!("a.example"), json!("b.example")]);
        let cursor = page["next_cursor"].as_str().expect("more pages").to_owned();
        let second = api(
            &app,
            Method::GET,
            &format!("/api/v1/domains?limit=2&cursor={cursor}"),
            Some(&write),
            None,
        )
        .await;
        assert_eq!(second.json()["items"][0]["settings"]["domain"], "c.example");
        assert!(second.json()["next_cursor"].is_null());
        let bad = api(
            &app,
            Method::GET,
            "/api/v1/domains?cursor=%20%21",
            Some(&write),
            None,
        )
        .await;
        assert_eq!(
            (bad.status, code(&bad).as_str()),
            (StatusCode::BAD_REQUEST, "bad_request")
        );
        let too_many = api(
            &app,
            Method::GET,
            "/api/v1/domains?limit=1000",
            Some(&write),
            None,
        )
        .await;
        assert_eq!(too_many.status, StatusCode::BAD_REQUEST);

        // Validation: the same field messages as the form.
        let invalid = api(
            &app,
            Method::POST,
            "/api/v1/domains",
            Some(&write),
            Some(json!({"settings": settings("d.example", json!(0)), "save_anyway": true})),
        )
        .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&invalid), "invalid_settings");
        assert!(
            invalid.json()["error"]["field_errors"]["imap_port"].is_string(),
            "{}",
            invalid.body
        );
        let untested = api(
            &app,
            Method::POST,
            "/api/v1/domains",
            Some(&write),
            Some(json!({"settings": settings("d.example", json!(993))})),
        )
        .await;
        assert_eq!(code(&untested), "unverified", "{}", untested.body);
        let malformed = app
            .send(
                Request::post("/api/v1/domains")
                    .header(header::AUTHORIZATION, format!("Bearer {write}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{not json"))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            (malformed.status, code(&malformed).as_str()),
            (StatusCode::BAD_REQUEST, "bad_request")
        );

        // Edit at version 1, then a stale edit: 409 with what changed.
        let path = format!("/api/v1/domains/{}", ids[0]);
        let edited = api(&app, Method::PUT, &path, Some(&write),
            Some(json!({"version": 1, "settings": settings("b.example", json!(143)), "save_anyway": true}))).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(edited.json()["version"], 2);
        let stale = api(&app, Method::PUT, &path, Some(&write),
            Some(json!({"version": 1, "settings": settings("b.example", json!(994)), "save_anyway": true}))).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let error = &stale.json()["error"];
        assert_eq!(error["code"], "conflict");
        assert_eq!(error["current_version"], 2);
        assert_eq!(error["conflicting_changes"][0]["field"], "imap_port");

        // The history names the token's owner; the event records the token.
        let history = storage::domain_history(&app.state.services.db, ids[0] as i32, 1000)
            .await
            .unwrap();
        assert!(history
            .iter()
            .all(|e| e.actor_email == ADMIN && e.api_token_id.is_some()));

        // The history's exports by token: CSV with the token's events, JSON that verifies.
        let csv = api(
            &app,
            Method::GET,
            "/api/v1/history/export.csv?domain=b.example",
            Some(&write),
            None,
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        assert!(
            csv.body.starts_with("seq,id,occurred_at,actor"),
            "{}",
            csv.body
        );
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines.len(), 3, "created and updated: {}", csv.body);
        assert!(lines[0].ends_with(",hash,api_token"), "{}", lines[0]);
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.contains("b.example") && !l.ends_with(',')),
            "{}",
            csv.body
        );
        let exported = api(
            &app,
            Method::GET,
            "/api/v1/history/export.json",
            Some(&write),
            None,
        )
        .await;
        assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
        let doc: storage::ExportDocument =
            serde_json::from_str(&exported.body).expect("the export parses");
        let key = storage::parse_public_key(&app.state.services.audit_signer.public_key_hex())
            .expect("key");
        let verdict = storage::verify_export(&doc, &key).expect("a current export");
        assert_eq!(
            verdict.integrity(),
            storage::Integrity::Intact,
            "{verdict:?}"
        );
        assert!(verdict.events > 0, "{verdict:?}");
        let no_token = api(&app, Method::GET, "/api/v1/history/export.csv", None, None).await;
        assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);

        // Delete needs the version too.
        let gone = api(
            &app,
            Method::DELETE,
            &format!("{path}?version=2"),
            Some(&write),
            None,
        )
        .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        let missing = api(&app, Method::GET, &path, Some(&write), None).await;
        assert_eq!(
            (missing.status, code(&missing).as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let nowhere = api(&app, Method::GET, "/api/v1/nowhere", Some(&write), None).await;
        assert_eq!(
            (nowhere.status, code(&nowhere).as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
    }
}

#[tokio::test]
async fn scopes_roles_and_revocation() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let read = token(&app, &admin, "reporting", "read").await;
        let listed = api(&app, Method::GET, "/api/v1/domains", Some(&read), None).await;
        assert_eq!(listed.status, StatusCode::OK);
        let refused = api(
            &app,
            Method::POST,
            "/api/v1/domains",
            Some(&read),
            Some(json!({"settings": settings("x.example", json!(993)), "save_anyway": true})),
        )
        .await;
        assert_eq!(
            (refused.status, code(&refused).as_str()),
            (StatusCode::FORBIDDEN, "forbidden")
        );

        // A token acts within its owner's role: an auditor's token cannot list domains.
        let auditor = app
            .user_session(&admin, "auditor@example.org", "auditor", false)
            .await;
        let auditor_token = token(&app, &auditor, "audit", "write").await;
        let denied = api(
            &app,
            Method::GET,
            "/api/v1/domains",
            Some(&auditor_token),
            None,
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // A token never signs anyone in to the pages or their server functions.
        let page = app
            .send(
                Request::post("/api/list_domains")
                    .header(header::AUTHORIZATION, format!("Bearer {read}"))
                    .header(header::ACCEPT, "application/json")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);

        // Revoked: refused, and said so.
        let tokens = app.call("list_api_tokens", Some(&admin), &[]).await.json();
        let id = tokens[0]["id"].as_i64().unwrap().to_string();
        let revoked = app
            .call("revoke_api_token", Some(&admin), &[("id", &id)])
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
        let after = api(&app, Method::GET, "/api/v1/domains", Some(&read), None).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert!(after.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"));

        // Expired: refused, and said so.
        let expiring = app
            .call(
                "create_api_token",
                Some(&admin),
                &[
                    ("name", "expiring"),
                    ("scope", "read"),
                    ("expires_in_days", "7"),
                ],
            )
            .await;
        let expiring = expiring.json()["secret"]
            .as_str()
            .expect("secret")
            .to_owned();
        let fresh = api(&app, Method::GET, "/api/v1/domains", Some(&expiring), None).await;
        assert_eq!(fresh.status, StatusCode::OK);
        let db = &app.state.services.db;
        let backend = db.get_database_backend();
        db.execute(Statement::from_sql_and_values(
            backend,
            "UPDATE api_tokens SET expires_at = $1 WHERE name = 'expiring'",
            [(chrono::Utc::now() - chrono::Duration::seconds(1)).into()],
        ))
        .await
        .expect("expire the token");
        let expired = api(&app, Method::GET, "/api/v1/domains", Some(&expiring), None).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
        assert!(expired.headers.contains_key(header::WWW_AUTHENTICATE));
        assert!(expired.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"));
    }
}

#[tokio::test]
async fn connection_tests_are_rate_limited_with_retry_after() {
    for db in backends().await {
        // Two tests a minute (the test app's limit); the third is refused before anything runs.
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let write = token(&app, &admin, "ci", "write").await;
        let body = json!({
            "settings": settings("not a domain", json!(993)),
            "email": "probe@example.org",
            "password": "secret",
        });
        for _ in 0..2 {
            let invalid = api(
                &app,
                Method::POST,
                "/api/v1/connection-tests",
                Some(&write),
                Some(body.clone()),
            )
            .await;
            assert_eq!(code(&invalid), "invalid_settings", "{}", invalid.body);
        }
        let limited = api(
            &app,
            Method::POST,
            "/api/v1/connection-tests",
            Some(&write),
            Some(body),
        )
        .await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(code(&limited), "rate_limited");
        let retry: u64 = limited.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(limited.json()["error"]["retry_after_secs"], retry);
    }
}

/// Every operation the document lists is routed (401 without a token, or the document itself),
/// and the document is OpenAPI 3.1.
#[tokio::test]
async fn the_document_lists_the_routes_served() {
    let db = storage::test_support::sqlite().await;
    let app = TestApp::new(db, ThrottlePolicy::default()).await;
    let doc = api(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let concrete = path.replace("{id}", "1").replace("{token_id}", "1");
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
            let reply = api(&app, method.clone(), &concrete, None, body).await;
            let secured = op.get("security").is_some();
            let expected = if secured {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            assert_eq!(reply.status, expected, "{method} {path}: {}", reply.body);
            operations += 1;
        }
    }
    assert!(operations >= 8, "{operations} operations");
    let page = api(&app, Method::GET, "/api/v1/docs", None, None).await;
    assert!(
        page.body.contains("PUT /api/v1/domains/{id}"),
        "{}",
        &page.body[..200.min(page.body.len())]
    );
}

#[tokio::test]
async fn liveness_and_readiness() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let alive = api(&app, Method::GET, "/healthz", None, None).await;
        assert_eq!((alive.status, alive.body.as_str()), (StatusCode::OK, "ok"));
        let ready = api(&app, Method::GET, "/readyz", None, None).await;
        assert_eq!(
            (ready.status, ready.body.as_str()),
            (StatusCode::OK, "ready")
        );
    }
}

#[tokio::test]
async fn metrics_for_prometheus() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let _ = api(&app, Method::GET, "/api/v1/domains", None, None).await;
        let scraped = api(&app, Method::GET, "/metrics", None, None).await;
        assert_eq!(scraped.status, StatusCode::OK, "{}", scraped.body);
        for line in [
            "http_requests_total{method=\"GET\",route=\"/api/v1/domains\",status=\"401\"}",
            "revalidation_queue_items{state=\"pending\"} 0",
            "revalidation_jobs_unfinished 0",
            "# EOF",
        ] {
            assert!(
                scraped.body.contains(line),
                "{line} missing in:\n{}",
                scraped.body
            );
        }
    }
    // With a scrape token, only a scraper that sends it reads the figures.
    let app = TestApp::with_state(storage::test_support::sqlite().await, |state| {
        state.metrics_token = Some("scrape-secret-1".into());
    })
    .await;
    let refused = api(&app, Method::GET, "/metrics", None, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let wrong = api(&app, Method::GET, "/metrics", Some("scrape-secret-2"), None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let scraped = api(&app, Method::GET, "/metrics", Some("scrape-secret-1"), None).await;
    assert_eq!(scraped.status, StatusCode::OK);
    assert!(scraped.body.contains("# EOF"));
    app.db.cleanup().await;
}
