//! The change history through the real router: every action in the product writes exactly one
//! event with the right diff; the CSV and JSON exports as an auditor; the JSON export verified
//! offline by the real binary, and refused with one byte changed.

mod support;

use std::process::Command;

use domain::Field;
use http::{header, Request, StatusCode};
use services::ThrottlePolicy;
use storage::test_support::backends;
use storage::{AuditEvent, AuditFilter};
use support::{domain_form, TestApp, ADMIN, PASSWORD};

/// The events after `seen`, oldest first; `seen` moves to the newest.
async fn new_events(app: &TestApp, seen: &mut i64) -> Vec<AuditEvent> {
    let mut events =
        storage::history_page(&app.state.services.db, &AuditFilter::default(), None, 100)
            .await
            .expect("history");
    events.retain(|e| e.seq.unwrap_or(0) > *seen);
    events.reverse();
    if let Some(last) = events.last() {
        *seen = last.seq.unwrap_or(*seen);
    }
    events
}

/// Exactly one new event, with this action; returns it.
async fn one(app: &TestApp, seen: &mut i64, action: &str) -> AuditEvent {
    let events = new_events(app, seen).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec![action], "{events:#?}");
    events.into_iter().next().expect("one event")
}

fn account_change(e: &AuditEvent, label: &str) -> (Option<String>, Option<String>) {
    e.account_changes
        .iter()
        .find(|c| c.field.label() == label)
        .map(|c| (c.before.clone(), c.after.clone()))
        .unwrap_or_else(|| panic!("no {label} change in {e:#?}"))
}

#[tokio::test]
async fn each_action_writes_exactly_one_event_with_its_diff() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let mut seen = 0;
        let admin = app.setup_admin().await;
        let e = one(&app, &mut seen, "user_created").await;
        assert_eq!(
            account_change(&e, "Role"),
            (None, Some("Super admin".into()))
        );
        assert_eq!(e.actor_email, ADMIN);

        let created = app
            .call(
                "create_user",
                Some(&admin),
                &[
                    ("email", "eve@example.org"),
                    ("password", PASSWORD),
                    ("role", "auditor"),
                ],
            )
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        let e = one(&app, &mut seen, "user_created").await;
        assert_eq!(account_change(&e, "Role"), (None, Some("Auditor".into())));
        assert_eq!(e.target.as_deref(), Some("eve@example.org"));
        assert_eq!(e.actor_role, Some(domain::Role::SuperAdmin));
        assert_eq!(e.client_ip.as_deref(), Some("192.0.2.7"));

        let auditor = app.login("eve@example.org", PASSWORD).await.session();
        let e = one(&app, &mut seen, "logged_in").await;
        assert_eq!(
            (e.actor_email.as_str(), e.actor_role),
            ("eve@example.org", Some(domain::Role::Auditor))
        );

        app.login("eve@example.org", "not her password").await;
        let e = one(&app, &mut seen, "login_failed").await;
        assert_eq!(e.actor_user_id, None);
        assert!(
            e.summary
                .as_deref()
                .unwrap_or("")
                .contains("wrong password"),
            "{e:?}"
        );

        let id = storage::find_login(
            &app.state.services.db,
            &domain::EmailAddress::parse("eve@example.org").expect("email"),
        )
        .await
        .expect("read")
        .expect("eve")
        .to_string();
        let form = [
            ("id", id.as_str()),
            ("role", "user"),
            ("account_access", "on"),
        ];
        app.call("update_user", Some(&admin), &form).await;
        let e = one(&app, &mut seen, "user_updated").await;
        assert_eq!(
            account_change(&e, "Role"),
            (Some("Auditor".into()), Some("User".into()))
        );
        assert_eq!(
            account_change(&e, "Account access"),
            (Some("No".into()), Some("Yes".into()))
        );
        assert_eq!(e.account_changes.len(), 2);

        let new_password = "a brand new password 42";
        app.call(
            "reset_password",
            Some(&admin),
            &[("id", &id), ("password", new_password)],
        )
        .await;
        let e = one(&app, &mut seen, "password_reset").await;
        assert_eq!(e.target.as_deref(), Some("eve@example.org"));

        app.call(
            "create_domain",
            Some(&admin),
            &domain_form("audit.example", "993"),
        )
        .await;
        let e = one(&app, &mut seen, "created").await;
        assert_eq!(e.domain_name, "audit.example");
        assert!(e.changes.iter().all(|c| c.before.is_none()));
        let domain_id = e.domain_id.expect("domain id").to_string();

        let mut edit = domain_form("audit.example", "994");
        edit.extend([("id", domain_id.as_str()), ("version", "1")]);
        app.call("update_domain", Some(&admin), &edit).await;
        let e = one(&app, &mut seen, "updated").await;
        let ports: Vec<_> = e
            .changes
            .iter()
            .map(|c| (c.field, c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(ports, vec![(Field::ImapPort, Some("993"), Some("994"))]);

        // A connection test of a loopback target: refused by the guard, never connected.
        let mut probe = domain_form("audit.example", "993");
        probe.retain(|(k, _)| !k.ends_with("_host]") && *k != "save_anyway");
        probe.extend([
            ("settings[imap_host]", "127.0.0.1"),
            ("settings[smtp_host]", "127.0.0.1"),
            ("probe_email", "alice@audit.example"),
            ("probe_password", "secret password"),
            ("id", domain_id.as_str()),
        ]);
        let started = app.call("start_probe", Some(&admin), &probe).await;
        let probe_id = started.body.trim().to_string();
        app.finished_probe(&admin, &probe_id).await;
        let e = one(&app, &mut seen, "connection_test").await;
        assert_eq!(e.probe_report_id.map(|p| p.to_string()), Some(probe_id));
        assert!(
            e.summary.as_deref().unwrap_or("").contains("failed"),
            "{e:?}"
        );

        app.call(
            "delete_domain",
            Some(&admin),
            &[("id", &domain_id), ("version", "2")],
        )
        .await;
        let e = one(&app, &mut seen, "deleted").await;
        assert!(e.changes.iter().all(|c| c.after.is_none()));

        // The reset ended Eve's sessions: she logs in with the new password, then out.
        drop(auditor);
        let eve = app.login("eve@example.org", new_password).await.session();
        one(&app, &mut seen, "logged_in").await;
        app.call("logout", eve.as_deref(), &[]).await;
        one(&app, &mut seen, "logged_out").await;

        // No secret is recorded anywhere.
        let all = storage::history_page(&app.state.services.db, &AuditFilter::default(), None, 100)
            .await
            .expect("history");
        let text = serde_json::to_string(&all).expect("json");
        for secret in [
            PASSWORD,
            new_password,
            "not her password",
            "secret password",
        ] {
            assert!(!text.contains(secret), "the history holds {secret}");
        }
        app.db.cleanup().await;
    }
}

async fn download(app: &TestApp, path: &str, session: &str) -> (StatusCode, String, String) {
    let request = Request::get(path)
        .header(header::COOKIE, format!("mailsettings_session={session}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let reply = app.send(request).await;
    let kind = reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (reply.status, kind, reply.body)
}

fn verify_offline(file: &std::path::Path, key: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["audit", "verify", "--file"])
        .arg(file)
        .args(["--public-key", key])
        .output()
        .expect("run server audit verify");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn exports_stream_the_filter_and_verify_offline() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        for name in ["one.example", "two.example", "three.example"] {
            app.call("create_domain", Some(&admin), &domain_form(name, "993"))
                .await;
        }
        let auditor = app
            .user_session(&admin, "eve@example.org", "auditor", false)
            .await;
        let user = app
            .user_session(&admin, "bob@example.org", "user", false)
            .await;
        let account_admin = app
            .user_session(&admin, "ann@example.org", "user", true)
            .await;

        let (status, kind, csv) =
            download(&app, "/history/export.csv?domain=two.example", &auditor).await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/csv"), "{kind}");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("seq,id,occurred_at,actor"), "{csv}");
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(
            lines[1].contains("two.example") && lines[1].contains(",created,"),
            "{csv}"
        );
        assert!(lines[1].contains("IMAP port: — → 993"), "{csv}");

        let (status, _, _) = download(&app, "/history/export.csv", &user).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, _, domains_only) = download(&app, "/history/export.csv", &account_admin).await;
        assert!(!domains_only.contains("logged_in") && domains_only.contains("three.example"));

        let key = app.state.services.audit_signer.public_key_hex();
        let dir = std::env::temp_dir().join(format!("audit-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, query) in [("all", ""), ("filtered", "?domain=two.example")] {
            let (status, kind, json) =
                download(&app, &format!("/history/export.json{query}"), &auditor).await;
            assert_eq!(
                (status, kind.as_str()),
                (StatusCode::OK, "application/json")
            );
            let doc: storage::ExportDocument = serde_json::from_str(&json).expect("export parses");
            assert!(doc.checkpoint.is_some() && doc.statement.is_some());
            let verdict =
                storage::verify_export(&doc, &app.state.services.audit_signer.verifying_key())
                    .expect("a current export");
            assert_eq!(
                verdict.integrity(),
                storage::Integrity::Intact,
                "{verdict:?}"
            );
            let file = dir.join(format!("{name}-{}.json", app.db.backend));
            std::fs::write(&file, &json).expect("write");
            let (ok, out) = verify_offline(&file, &key);
            assert!(ok && out.starts_with("intact"), "{name}: {out}");
            // One byte changed in an exported event: named, not intact.
            let chain = json.find("\"chain\"").expect("chain");
            let at = chain
                + json[chain..]
                    .find("two.example")
                    .expect("the domain is exported");
            let mut bytes = json.into_bytes();
            bytes[at] = b'T';
            std::fs::write(&file, &bytes).expect("write");
            let (ok, out) = verify_offline(&file, &key);
            assert!(
                !ok && out.contains("NOT INTACT") && out.contains("was altered"),
                "{name}: {out}"
            );
        }
        let other_key = "11".repeat(32);
        let file = dir.join(format!("all-{}.json", app.db.backend));
        let (ok, _) = verify_offline(&file, &other_key);
        assert!(!ok, "another key does not verify the export");
        let _ = std::fs::remove_dir_all(&dir);
        app.db.cleanup().await;
    }
}
