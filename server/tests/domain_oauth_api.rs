//! A domain's OAuth 2.0 application through the JSON API: written with its client secret,
//! read back without it, refused field by field, and recorded in the history as "Set".

mod support;

use http::{Method, StatusCode};
use serde_json::{json, Value};
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::api::{api, token};
use support::TestApp;

const SECRET: &str = "s3cret~value-that-must-never-come-back";

fn settings(oauth: Value) -> Value {
    let mut s = json!({
        "domain": "contoso.example",
        "imap_host": "outlook.office365.com",
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": "smtp.office365.com",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "sign_in_method": "oauth2",
    });
    for (k, v) in oauth.as_object().expect("object") {
        s[k] = v.clone();
    }
    s
}

#[tokio::test]
async fn the_oauth_application_is_written_and_read_without_its_secret() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let write = token(&app, &admin, "terraform", "write").await;
        let post = |settings: Value| {
            let body = json!({"settings": settings, "save_anyway": true});
            api(
                &app,
                Method::POST,
                "/api/v1/domains",
                Some(&write),
                Some(body),
            )
        };

        // Microsoft 365 without a tenant or a secret: one message per field.
        let refused = post(settings(
            json!({"oauth_provider": "microsoft365", "oauth_tenant": "common",
            "oauth_client_id": "app-1"}),
        ))
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let fields = &refused.json()["error"]["field_errors"];
        assert!(
            fields["oauth_tenant"]
                .as_str()
                .is_some_and(|m| m.contains("not \"common\"")),
            "{fields}"
        );
        let no_secret = post(settings(json!({"oauth_provider": "microsoft365",
            "oauth_tenant": "contoso.onmicrosoft.com", "oauth_client_id": "app-1"})))
        .await;
        assert_eq!(
            no_secret.json()["error"]["field_errors"]["oauth_client_secret"],
            "Enter the client secret of the OAuth application",
            "{}",
            no_secret.body
        );

        let created = post(settings(json!({"oauth_provider": "microsoft365",
            "oauth_tenant": "contoso.onmicrosoft.com", "oauth_client_id": "app-1",
            "oauth_client_secret": SECRET})))
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert!(!created.body.contains(SECRET), "{}", created.body);
        let body = created.json();
        assert_eq!(body["has_client_secret"], true);
        assert_eq!(
            body["settings"]["oauth"],
            json!({
                "provider": {"kind": "microsoft365", "tenant": "contoso.onmicrosoft.com"},
                "client_id": "app-1",
                "scopes": "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"
            })
        );
        let path = format!("/api/v1/domains/{}", body["id"]);
        let read = api(&app, Method::GET, &path, Some(&write), None).await;
        assert!(!read.body.contains(SECRET));
        assert_eq!(read.json()["settings"]["oauth"], body["settings"]["oauth"]);

        // An edit without a secret keeps the stored one.
        let edit = json!({"version": 1, "save_anyway": true, "settings": settings(json!({
            "oauth_provider": "microsoft365", "oauth_tenant": "contoso.onmicrosoft.com",
            "oauth_client_id": "app-2"}))});
        let edited = api(&app, Method::PUT, &path, Some(&write), Some(edit)).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(edited.json()["has_client_secret"], true);

        let history = api(
            &app,
            Method::GET,
            "/api/v1/history?domain=contoso.example",
            Some(&write),
            None,
        )
        .await;
        assert!(!history.body.contains(SECRET));
        let events = history.json()["items"].clone();
        let created_changes = events[1]["changes"].as_array().expect("changes").clone();
        assert!(
            created_changes
                .contains(&json!({"field": "oauth_client_secret", "before": null, "after": "Set"})),
            "{created_changes:?}"
        );
        assert_eq!(
            events[0]["changes"],
            json!([{"field": "oauth_client_id", "before": "app-1", "after": "app-2"}])
        );
    }
}
