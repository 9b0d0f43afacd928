//! The OpenAPI document states what the handlers enforce (limits, formats, patterns, required
//! parameters, statuses), and values at its edges are taken. The full check is Schemathesis
//! against a real server (scripts/api-contract.sh); this one runs with the unit tests.

mod support;

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use services::ThrottlePolicy;
use support::{Reply, TestApp};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).expect("request")).await
}

fn param<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
}

#[tokio::test]
async fn the_document_states_the_constraints() {
    let app = TestApp::new(
        storage::test_support::sqlite().await,
        ThrottlePolicy::default(),
    )
    .await;
    let doc = app.page("/api/v1/openapi.json", None).await.json();
    let schemas = &doc["components"]["schemas"];

    for (path, cursor) in [
        (
            "/api/v1/domains",
            json!({"$ref": "#/components/schemas/MailDomain"}),
        ),
        (
            "/api/v1/history",
            json!({"type": "integer", "format": "int64"}),
        ),
        (
            "/api/v1/inboxes",
            json!({"type": "integer", "format": "int32"}),
        ),
    ] {
        let limit = &param(&doc, path, "get", "limit")["schema"];
        assert_eq!(
            (&limit["minimum"], &limit["maximum"]),
            (&json!(1), &json!(200)),
            "{path}"
        );
        assert_eq!(
            param(&doc, path, "get", "cursor")["schema"],
            cursor,
            "{path}"
        );
    }
    // A filter is its value, or empty for none.
    for name in ["from", "to"] {
        let day = &param(&doc, "/api/v1/history", "get", name)["schema"]["anyOf"];
        assert_eq!(day[0]["format"], "date", "{name}");
        assert_eq!(day[1]["enum"], json!([""]), "{name}");
    }
    let action = &param(&doc, "/api/v1/history/export.csv", "get", "action")["schema"];
    let actions = &action["anyOf"][0]["enum"];
    assert!(actions
        .as_array()
        .is_some_and(|a| a.contains(&json!("connection_test"))));
    let version = param(&doc, "/api/v1/domains/{id}", "delete", "version");
    assert_eq!(version["required"], true);

    assert_eq!(
        (&schemas["Port"]["minimum"], &schemas["Port"]["maximum"]),
        (&json!(1), &json!(65535))
    );
    assert_eq!(schemas["MailDomain"]["maxLength"], 253);
    assert!(schemas["MailDomain"]["pattern"].is_string());
    let form = &schemas["DomainSettingsForm"]["properties"];
    assert_eq!(form["imap_port"]["$ref"], "#/components/schemas/Port");
    assert_eq!(form["smtp_host"]["$ref"], "#/components/schemas/Hostname");
    assert_eq!(form["domain"]["$ref"], "#/components/schemas/MailDomain");
    let created = &doc["paths"]["/api/v1/domains"]["post"]["responses"];
    assert!(
        created["422"].is_object() && created["428"].is_object(),
        "{created}"
    );
}

/// Values at the document's edges are taken; one past them is refused.
#[tokio::test]
async fn edges_of_the_document_are_accepted() {
    let app = TestApp::new(
        storage::test_support::sqlite().await,
        ThrottlePolicy::default(),
    )
    .await;
    let admin = app.setup_admin().await;
    let reply = app
        .call(
            "create_api_token",
            Some(&admin),
            &[
                ("name", "edges"),
                ("scope", "write"),
                ("expires_in_days", "never"),
            ],
        )
        .await;
    let token = reply.json()["secret"].as_str().expect("secret").to_owned();

    for (query, status) in [
        ("limit=1", 200),
        ("limit=200", 200),
        ("limit=0", 400),
        ("limit=201", 400),
    ] {
        let reply = send(
            &app,
            Method::GET,
            &format!("/api/v1/domains?{query}"),
            &token,
            None,
        )
        .await;
        assert_eq!(reply.status.as_u16(), status, "{query}: {}", reply.body);
    }
    let days = "/api/v1/history?from=2026-01-31&to=2026-01-31";
    assert_eq!(
        send(&app, Method::GET, days, &token, None).await.status,
        StatusCode::OK
    );

    // JSON Schema counts 65535.0 as the integer 65535: so does the server.
    let settings = json!({
        "domain": "edge.example", "imap_host": "2001:db8::1", "imap_port": 65535.0,
        "imap_security": "ssl", "smtp_host": "localhost", "smtp_port": 1,
        "smtp_security": "starttls", "imap_cert_pin": "", "smtp_cert_pin": "",
    });
    let body = json!({"settings": settings, "save_anyway": true});
    let created = send(&app, Method::POST, "/api/v1/domains", &token, Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let change = json!({"version": 1.0, "settings": settings, "save_anyway": true});
    let path = format!("/api/v1/domains/{id}");
    let edited = send(&app, Method::PUT, &path, &token, Some(change)).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    // Any version that is not the current one is a refusal, never a failure of the server.
    for stale in [i32::MIN, i32::MAX] {
        let reply = send(
            &app,
            Method::DELETE,
            &format!("{path}?version={stale}"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
    }
    app.db.cleanup().await;
}
