//! Calling the JSON API under /api/v1 as a script would: with a token made on the profile.

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use serde_json::Value;

use super::{Reply, TestApp};

/// A token created on the profile (the `create_api_token` server function); returns its secret.
pub async fn token(app: &TestApp, session: &str, name: &str, scope: &str) -> String {
    let reply = app
        .call(
            "create_api_token",
            Some(session),
            &[
                ("name", name),
                ("scope", scope),
                ("expires_in_days", "never"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["secret"].as_str().expect("secret").to_owned()
}

pub async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).expect("request")).await
}
