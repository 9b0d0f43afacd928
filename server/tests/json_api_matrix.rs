//! The authorization matrix of the JSON API: every route the OpenAPI document lists, called with
//! no token and with read and write tokens of each kind of user. A route without a row fails.

mod support;

use std::collections::BTreeSet;

use axum::body::Body;
use http::{header, Method, Request};
use serde_json::{json, Value};
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::TestApp;

/// The callers with accounts, in the order of `Row::expect`.
const USERS: [(&str, &str, bool); 4] = [
    ("user@example.org", "user", false),
    ("access@example.org", "user", true),
    ("auditor@example.org", "auditor", false),
    ("", "super_admin", true),
];

const OK: u16 = 200;
const NO_CONTENT: u16 = 204;
const FORBID: u16 = 403;
const MISSING: u16 = 404;
const INVALID: u16 = 422;

struct Row {
    method: Method,
    /// The documented path, and the one called (`{id}` filled in).
    path: &'static str,
    call: &'static str,
    body: Option<fn() -> Value>,
    /// With a Read and write token, per `USERS`.
    expect: [u16; 4],
}

fn bad_settings() -> Value {
    json!({"domain": "not a domain", "imap_host": "imap.example.org", "imap_port": 0,
        "imap_security": "ssl", "smtp_host": "smtp.example.org", "smtp_port": 465,
        "smtp_security": "ssl"})
}

fn rows() -> Vec<Row> {
    let row = |method, path, call, body, expect| Row {
        method,
        path,
        call,
        body,
        expect,
    };
    vec![
        row(
            Method::GET,
            "/api/v1/domains",
            "/api/v1/domains",
            None,
            [FORBID, OK, FORBID, OK],
        ),
        row(
            Method::POST,
            "/api/v1/domains",
            "/api/v1/domains",
            Some(|| json!({"settings": bad_settings()})),
            [FORBID, INVALID, FORBID, INVALID],
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}",
            "/api/v1/domains/999999",
            None,
            [FORBID, MISSING, FORBID, MISSING],
        ),
        row(
            Method::PUT,
            "/api/v1/domains/{id}",
            "/api/v1/domains/999999",
            Some(|| json!({"version": 1, "settings": bad_settings()})),
            [FORBID, INVALID, FORBID, INVALID],
        ),
        row(
            Method::DELETE,
            "/api/v1/domains/{id}",
            "/api/v1/domains/999999?version=1",
            None,
            [FORBID, MISSING, FORBID, MISSING],
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/connection-ips",
            "/api/v1/domains/999999/connection-ips",
            None,
            [FORBID, MISSING, FORBID, MISSING],
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/revalidation",
            "/api/v1/domains/999999/revalidation",
            None,
            [FORBID, MISSING, MISSING, MISSING],
        ),
        row(
            Method::POST,
            "/api/v1/connection-tests",
            "/api/v1/connection-tests",
            Some(
                || json!({"settings": bad_settings(), "email": "probe@example.org", "password": "x"}),
            ),
            [FORBID, INVALID, FORBID, INVALID],
        ),
        row(
            Method::GET,
            "/api/v1/connection-tests/{id}",
            "/api/v1/connection-tests/999999",
            None,
            [MISSING, MISSING, FORBID, MISSING],
        ),
        row(
            Method::GET,
            "/api/v1/history",
            "/api/v1/history",
            None,
            [FORBID, OK, OK, OK],
        ),
        row(
            Method::GET,
            "/api/v1/history/export.csv",
            "/api/v1/history/export.csv",
            None,
            [FORBID, OK, OK, OK],
        ),
        row(
            Method::GET,
            "/api/v1/history/export.json",
            "/api/v1/history/export.json",
            None,
            [FORBID, OK, OK, OK],
        ),
        row(
            Method::GET,
            "/api/v1/inboxes",
            "/api/v1/inboxes",
            None,
            [OK, OK, FORBID, OK],
        ),
        row(
            Method::GET,
            "/api/v1/revalidations/{job}",
            "/api/v1/revalidations/999999",
            None,
            [FORBID, MISSING, MISSING, MISSING],
        ),
        row(
            Method::POST,
            "/api/v1/revalidations/{job}/continue",
            "/api/v1/revalidations/999999/continue",
            None,
            [FORBID, MISSING, FORBID, MISSING],
        ),
        row(
            Method::POST,
            "/api/v1/revalidations/{job}/revert",
            "/api/v1/revalidations/999999/revert",
            None,
            [FORBID, MISSING, FORBID, MISSING],
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}/tokens",
            "/api/v1/users/999999/tokens",
            None,
            [FORBID, FORBID, FORBID, MISSING],
        ),
        row(
            Method::DELETE,
            "/api/v1/users/{id}/tokens/{token_id}",
            "/api/v1/users/999999/tokens/999999",
            None,
            [FORBID, FORBID, FORBID, MISSING],
        ),
        row(
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            [OK; 4],
        ),
        row(Method::GET, "/api/v1/docs", "/api/v1/docs", None, [OK; 4]),
    ]
}

async fn call(app: &TestApp, row: &Row, token: Option<&str>) -> (u16, String) {
    let mut request = Request::builder().method(row.method.clone()).uri(row.call);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match row.body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body().to_string())
        }
        None => Body::empty(),
    };
    let reply = app.send(request.body(body).expect("request")).await;
    (reply.status.as_u16(), reply.body)
}

async fn token(app: &TestApp, session: &str, scope: &str) -> String {
    let reply = app
        .call(
            "create_api_token",
            Some(session),
            &[("name", scope), ("scope", scope), ("expires_in_days", "7")],
        )
        .await;
    reply.json()["secret"].as_str().expect("secret").to_owned()
}

#[tokio::test]
async fn every_api_route_answers_every_token_as_the_matrix_says() {
    let rows = rows();
    for db in backends().await {
        let backend = db.backend;
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let doc = call(&app, &rows[rows.len() - 2], None).await.1;
        let doc: Value = serde_json::from_str(&doc).expect("document");
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("operations")
                    .keys()
                    .map(|m| (m.to_uppercase(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let covered: BTreeSet<(String, String)> = rows
            .iter()
            .map(|r| (r.method.to_string(), r.path.to_owned()))
            .collect();
        assert_eq!(
            documented, covered,
            "every documented route needs a row, and only those"
        );

        let admin = app.setup_admin().await;
        let mut sessions = Vec::new();
        for (email, role, access) in USERS {
            sessions.push(if email.is_empty() {
                admin.clone()
            } else {
                app.user_session(&admin, email, role, access).await
            });
        }
        let mut failures = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            let write = token(&app, session, "write").await;
            let read = token(&app, session, "read").await;
            for row in &rows {
                let secured = !row.path.ends_with("openapi.json") && !row.path.ends_with("/docs");
                let changes = row.method != Method::GET;
                let expected = row.expect[i];
                let read_expected = if changes && expected != FORBID {
                    FORBID
                } else {
                    expected
                };
                for (scope, token, want) in
                    [("write", &write, expected), ("read", &read, read_expected)]
                {
                    let (got, body) = call(&app, row, Some(token)).await;
                    if got != want && !(want == OK && got == NO_CONTENT) {
                        failures.push(format!(
                            "{} {} as {} ({scope}): expected {want}, got {got} {body}",
                            row.method, row.call, USERS[i].1
                        ));
                    }
                }
                if secured {
                    let (got, _) = call(&app, row, None).await;
                    if got != 401 {
                        failures.push(format!(
                            "{} {} without a token: got {got}",
                            row.method, row.call
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{backend}:\n{}", failures.join("\n"));
        println!(
            "{backend}: API matrix {} routes x {} users x 2 scopes",
            rows.len(),
            USERS.len()
        );
    }
}
