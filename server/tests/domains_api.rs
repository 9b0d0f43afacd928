//! The domain server functions through the real router, on SQLite and PostgreSQL: who may act,
//! what gets stored, conflicts, validation, and the no-JavaScript form posts.

mod support;

use http::StatusCode;
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::{domain_form, TestApp, ADMIN};

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in backends().await {
        apps.push(TestApp::new(db, ThrottlePolicy::default()).await);
    }
    apps
}

#[tokio::test]
async fn create_edit_conflict_delete() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        let created = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("Example.ORG.", "993"),
            )
            .await;
        assert!(
            created.status.is_success(),
            "{} {}",
            created.status,
            created.body
        );

        let list = app.call("list_domains", Some(&admin), &[]).await;
        assert_eq!(list.status, StatusCode::OK);
        let list = list.json();
        assert_eq!(list[0]["domain"], "example.org", "normalised");
        assert_eq!(list[0]["imap"], "imap.example.org:993 · SSL/TLS");
        let id = list[0]["id"].as_i64().expect("id").to_string();

        let mut edit = domain_form("example.org", "143");
        edit.extend([("id", id.as_str()), ("version", "1")]);
        edit.retain(|(k, _)| *k != "settings[imap_security]");
        edit.push(("settings[imap_security]", "starttls"));
        let updated = app.call("update_domain", Some(&admin), &edit).await;
        assert!(
            updated.status.is_success(),
            "{} {}",
            updated.status,
            updated.body
        );

        // A second admin still holding version 1 is told what changed, and nothing is overwritten.
        let mut stale = domain_form("example.org", "995");
        stale.extend([("id", id.as_str()), ("version", "1")]);
        let conflict = app.call("update_domain", Some(&admin), &stale).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
        let body = conflict.json();
        assert_eq!(body["Conflict"]["current_version"], 2);
        let changes = body["Conflict"]["changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            changes.iter().any(|c| c["field"] == "imap_port"),
            "{}",
            conflict.body
        );

        let detail = app
            .call("domain_detail", Some(&admin), &[("id", &id)])
            .await
            .json();
        assert_eq!(detail["domain"]["settings"]["imap_port"], 143);
        let history = detail["history"].as_array().expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["action"], "Updated");
        assert_eq!(history[0]["actor_email"], ADMIN);
        assert_eq!(history[0]["client_ip"], "192.0.2.7");
        assert_eq!(history[1]["action"], "Created");

        let stale_delete = app
            .call(
                "delete_domain",
                Some(&admin),
                &[("id", &id), ("version", "1")],
            )
            .await;
        assert!(
            stale_delete.status.is_client_error(),
            "{}",
            stale_delete.body
        );
        let deleted = app
            .call(
                "delete_domain",
                Some(&admin),
                &[("id", &id), ("version", "2")],
            )
            .await;
        assert!(deleted.status.is_success(), "{}", deleted.body);
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(0));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn invalid_input_is_refused_field_by_field_and_keeps_what_was_typed() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        let mut form = domain_form("exa mple.org", "70000");
        form.retain(|(k, _)| *k != "settings[smtp_security]");
        form.push(("settings[smtp_security]", "none"));
        let reply = app.call("create_domain", Some(&admin), &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        let errors = &reply.json()["InvalidSettings"]["errors"];
        assert_eq!(errors["imap_port"], "Port must be between 1 and 65535");
        assert!(errors["domain"].is_string());
        assert!(errors["smtp_security"]
            .as_str()
            .unwrap_or("")
            .contains("Encryption is required"));
        assert_eq!(
            reply.json()["InvalidSettings"]["values"]["imap_port"],
            "70000"
        );

        app.call(
            "create_domain",
            Some(&admin),
            &domain_form("example.org", "993"),
        )
        .await;
        let duplicate = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("EXAMPLE.org", "993"),
            )
            .await;
        assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(duplicate.body.contains("already has IMAP settings"));
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(1),
            "bad input never stored"
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn every_caller_without_the_right_is_refused() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        app.call(
            "create_domain",
            Some(&admin),
            &domain_form("example.org", "993"),
        )
        .await;
        let plain_user = app
            .user_session(&admin, "user@example.org", "user", false)
            .await;
        let auditor = app
            .user_session(&admin, "audit@example.org", "auditor", false)
            .await;
        let account_admin = app
            .user_session(&admin, "acct@example.org", "user", true)
            .await;

        let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("list_domains", vec![]),
            ("domain_detail", vec![("id", "1")]),
            ("create_domain", domain_form("other.org", "993")),
            ("delete_domain", vec![("id", "1"), ("version", "1")]),
        ];
        for (function, form) in &calls {
            let anonymous = app.call(function, None, form).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{function} anonymous"
            );
            for session in [&plain_user, &auditor] {
                let refused = app.call(function, Some(session), form).await;
                assert_eq!(
                    refused.status,
                    StatusCode::FORBIDDEN,
                    "{function}: {}",
                    refused.body
                );
                assert!(!refused.body.contains("imap.example.org"));
            }
        }
        for function in ["list_users", "create_user", "update_user", "reset_password"] {
            let form = [
                ("id", "1"),
                ("email", "x@example.org"),
                ("password", "long enough pw 1"),
                ("role", "super_admin"),
            ];
            let refused = app.call(function, Some(&account_admin), &form).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{function}");
        }
        // The page itself answers 403 too, with the reason.
        let page = app.page("/domains", Some(&plain_user)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page
            .body
            .contains("You do not have permission to manage domain IMAP settings."));

        let allowed = app.call("list_domains", Some(&account_admin), &[]).await;
        assert_eq!(allowed.status, StatusCode::OK);
        assert!(allowed.body.contains("example.org"));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_form_post_without_javascript_redirects_back_with_the_error_or_to_the_saved_domain() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        let mut request = support::api_request(
            "create_domain",
            Some(&admin),
            &domain_form("example.org", "0"),
            "text/html",
        );
        request.headers_mut().insert(
            http::header::REFERER,
            "http://localhost/domains/new".parse().expect("referer"),
        );
        let refused = app.send(request).await;
        assert_eq!(refused.status, StatusCode::FOUND);
        let location = refused.headers["location"].to_str().expect("location");
        assert!(
            location.starts_with("http://localhost/domains/new?"),
            "{location}"
        );
        assert!(location.contains("__err="), "{location}");

        let mut request = support::api_request(
            "create_domain",
            Some(&admin),
            &domain_form("example.org", "993"),
            "text/html",
        );
        request.headers_mut().insert(
            http::header::REFERER,
            "http://localhost/domains/new".parse().expect("referer"),
        );
        let saved = app.send(request).await;
        assert_eq!(saved.status, StatusCode::FOUND);
        assert_eq!(saved.headers["location"], "/domains/1?saved=1");
        let page = app.page("/domains/1?saved=1", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Settings saved"));
        assert!(page.body.contains("value=\"example.org\""));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn untested_settings_need_save_anyway() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        let untested = support::untested_form("example.org", "993");
        let refused = app.call("create_domain", Some(&admin), &untested).await;
        assert_eq!(
            refused.status,
            StatusCode::PRECONDITION_REQUIRED,
            "{}",
            refused.body
        );
        assert_eq!(
            refused.json()["Unverified"]["values"]["domain"],
            "example.org"
        );
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(0),
            "nothing saved without a test"
        );
        let forced = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("example.org", "993"),
            )
            .await;
        assert!(forced.status.is_success(), "{}", forced.body);
        app.db.cleanup().await;
    }
}

/// The list is kept between requests but read again after every change, also a change made by
/// another server process on the same database (here: the storage layer, bypassing this app).
#[tokio::test]
async fn the_domain_list_shows_changes_made_by_another_process() {
    for app in apps().await {
        let admin = app.setup_admin().await;
        let created = app
            .call(
                "create_domain",
                Some(&admin),
                &domain_form("example.org", "993"),
            )
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        let imap_of = |list: serde_json::Value| list[0]["imap"].as_str().map(str::to_owned);
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(
            imap_of(list).as_deref(),
            Some("imap.example.org:993 · SSL/TLS")
        );
        // Served from what the app kept: the same answer.
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(
            imap_of(list).as_deref(),
            Some("imap.example.org:993 · SSL/TLS")
        );

        let db = &app.state.services.db;
        let users = storage::list_users(db).await.expect("users");
        let actor = storage::Actor {
            user_id: users[0].id,
            email: ADMIN.to_owned(),
            role: Some(domain::Role::SuperAdmin),
            client_ip: None,
            user_agent: None,
            api_token_id: None,
        };
        let stored = storage::find_domain(db, "example.org")
            .await
            .expect("read")
            .expect("stored");
        let mut settings = stored.settings.clone();
        settings.imap_port = domain::Port::new(995).expect("port");
        settings.use_static_ips = true;
        storage::update_domain(db, &actor, stored.id, stored.version, settings)
            .await
            .expect("update elsewhere");
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(
            imap_of(list.clone()).as_deref(),
            Some("imap.example.org:995 · SSL/TLS")
        );
        assert_eq!(list[0]["options"], "Static IP addresses");
        let page = app.page("/domains", Some(&admin)).await;
        assert!(page.body.contains("imap.example.org:995"), "{}", page.body);

        storage::delete_domain(db, &actor, stored.id, stored.version + 1)
            .await
            .expect("delete elsewhere");
        let list = app.call("list_domains", Some(&admin), &[]).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(0));
        app.db.cleanup().await;
    }
}
