//! Custody of stored passwords through the real router: *Try on a sample* (a new host needs a
//! super admin, every try is recorded and counted against the connection-test allowance), pins
//! only from passing tests, end users cannot choose the admins' switches, and renaming a domain
//! with inboxes is refused.

#[path = "../../probe/tests/support/mod.rs"]
mod mail;
mod support;

use services::{ProbeConfig, ThrottlePolicy};
use storage::test_support::backends;
use storage::{AuditAction, NewInbox};
use support::TestApp;

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

fn settings(imap_host: &str, imap_port: &str, smtp_port: &str) -> Vec<(String, String)> {
    [
        ("settings[domain]", "test.local"),
        ("settings[imap_host]", imap_host),
        ("settings[imap_port]", imap_port),
        ("settings[imap_security]", "ssl"),
        ("settings[smtp_host]", "127.0.0.1"),
        ("settings[smtp_port]", smtp_port),
        ("settings[smtp_security]", "ssl"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Connects the lab's mailbox as an inbox of domain 1, its real password sealed.
async fn stored_inbox(app: &TestApp, admin: &str) {
    app.user_session(admin, "owner@example.org", "user", false)
        .await;
    let owner = storage::list_users(&app.state.services.db)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == "owner@example.org")
        .expect("owner");
    let actor = storage::Actor {
        user_id: owner.id,
        email: owner.email.clone(),
        role: Some(owner.role),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let email = mail::dovecot::USER.to_owned();
    let secret = inboxes::seal_password(
        &app.state.services.vault,
        owner.id,
        &email,
        mail::dovecot::PASSWORD,
    );
    let new = NewInbox {
        user_id: owner.id,
        email,
        mail_domain: "test.local".into(),
        domain_id: Some(1),
        own_settings: None,
        username: None,
        secret,
        next_check_at: chrono::Utc::now() + chrono::Duration::days(1),
    };
    storage::connect_inbox(&app.state.services.db, &actor, new)
        .await
        .expect("inbox");
}

/// Asserts that `reply` is a refusal with `status` whose body says `text`.
fn assert_refused(reply: &support::Reply, status: u16, text: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert!(reply.body.contains(text), "{}", reply.body);
}

/// Creates test.local (IMAP on imap.test.local, not tested: Save anyway); returns its form.
async fn create_test_domain(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let mut create = settings("imap.test.local", "993", "465");
    create.push(("save_anyway".into(), "on".into()));
    let created = app
        .call("create_domain", Some(admin), &as_refs(&create))
        .await;
    assert!(created.status.is_success(), "{}", created.body);
    create
}

#[tokio::test]
async fn try_on_sample_needs_a_super_admin_for_a_new_host_and_is_recorded_and_counted() {
    let lab = mail::mail();
    let ca = std::fs::read_to_string(lab.dir.path().join("certs").join("ca.pem")).expect("ca");
    let config = ProbeConfig {
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        extra_ca_pem: Some(ca),
        per_minute: 3,
        ..ProbeConfig::default()
    };
    for db in backends().await {
        let app = TestApp::with_probes(db, ThrottlePolicy::default(), config.clone()).await;
        let admin = app.setup_admin().await;
        let (imaps, smtps) = (lab.dovecot.imaps.to_string(), lab.postfix.smtps.to_string());
        let mut create = settings("127.0.0.1", &imaps, &smtps);
        create.push(("save_anyway".into(), "on".into()));
        let created = app
            .call("create_domain", Some(&admin), &as_refs(&create))
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        stored_inbox(&app, &admin).await;
        let account_admin = app
            .user_session(&admin, "helper@example.org", "user", true)
            .await;

        // An account admin's try against a host the domain never used: refused, nothing sent.
        let mut elsewhere = settings("127.0.0.2", &imaps, &smtps);
        elsewhere.push(("id".into(), "1".into()));
        let refused = app
            .call("try_on_sample", Some(&account_admin), &as_refs(&elsewhere))
            .await;
        assert_refused(
            &refused,
            403,
            "127.0.0.2 has never been used by this domain",
        );
        assert!(
            refused.body.contains("only a super admin"),
            "{}",
            refused.body
        );
        assert!(support::events_of(&app, AuditAction::SampleTried)
            .await
            .is_empty());

        // The same try by the super admin runs, and is recorded with hosts, ports and verdicts.
        let tried = app
            .call("try_on_sample", Some(&admin), &as_refs(&elsewhere))
            .await;
        assert!(tried.status.is_success(), "{}", tried.body);
        let view = tried.json();
        assert_eq!(view["rows"][0]["email"], mail::dovecot::USER, "{view}");
        let recorded = support::events_of(&app, AuditAction::SampleTried).await;
        assert_eq!(recorded.len(), 1, "{recorded:#?}");
        let summary = recorded[0].summary.clone().unwrap_or_default();
        assert!(summary.contains("not the saved ones"), "{summary}");
        assert!(
            summary.contains(&format!("IMAP 127.0.0.2:{imaps}")),
            "{summary}"
        );
        assert!(
            summary.contains(&format!("SMTP 127.0.0.1:{smtps}")),
            "{summary}"
        );
        assert!(summary.contains("of 1 inboxes"), "{summary}");
        assert!(summary.contains(mail::dovecot::USER), "{summary}");
        assert!(!summary.contains(mail::dovecot::PASSWORD), "{summary}");
        assert_eq!(recorded[0].actor_email, support::ADMIN);

        // The account admin may try the saved hosts; each try counts against the allowance
        // connection tests share (3 a minute here): the super admin has used one.
        let mut saved = settings("127.0.0.1", &imaps, &smtps);
        saved.push(("id".into(), "1".into()));
        for _ in 0..3 {
            let ok = app
                .call("try_on_sample", Some(&account_admin), &as_refs(&saved))
                .await;
            assert!(ok.status.is_success(), "{}", ok.body);
        }
        let limited = app
            .call("try_on_sample", Some(&account_admin), &as_refs(&saved))
            .await;
        assert_eq!(limited.status.as_u16(), 429, "{}", limited.body);
        assert_eq!(
            support::events_of(&app, AuditAction::SampleTried)
                .await
                .len(),
            4
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_pin_comes_only_from_a_passing_connection_test() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let pin = format!("{}@2026-12-06", "ab".repeat(32));
        let mut create = settings("imap.test.local", "993", "465");
        create.push(("save_anyway".into(), "on".into()));
        let mut pinned_create = create.clone();
        pinned_create.push(("settings[imap_cert_pin]".into(), pin.clone()));
        let refused = app
            .call("create_domain", Some(&admin), &as_refs(&pinned_create))
            .await;
        assert_refused(&refused, 422, "No passing connection test");
        let created = app
            .call("create_domain", Some(&admin), &as_refs(&create))
            .await;
        assert!(created.status.is_success(), "{}", created.body);
        // A typed pin on an edit: no test of this domain saw that certificate.
        let mut update = create.clone();
        update.extend([
            ("id".into(), "1".into()),
            ("version".into(), "1".into()),
            ("settings[smtp_cert_pin]".into(), pin.clone()),
        ]);
        let refused = app
            .call("update_domain", Some(&admin), &as_refs(&update))
            .await;
        assert_refused(&refused, 422, "this SMTP certificate");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn end_users_cannot_turn_on_the_admins_switches() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let user = app
            .user_session(&admin, "enduser@example.org", "user", false)
            .await;
        for (field, label) in [
            ("settings[use_static_ips]", "Use static IP addresses"),
            (
                "settings[allow_non_secure_certificate]",
                "Allow non-secure certificate",
            ),
        ] {
            let mut form: Vec<(String, String)> = settings("imap.unset.example", "993", "465")
                .into_iter()
                .map(|(k, v)| (k, v.replace("test.local", "unset.example")))
                .collect();
            form.extend([
                ("email".into(), "me@unset.example".into()),
                ("password".into(), "secret".into()),
                (field.into(), "on".into()),
            ]);
            let refused = app
                .call("connect_inbox", Some(&user), &as_refs(&form))
                .await;
            assert_refused(
                &refused,
                422,
                &format!("{label} is set by your administrator"),
            );
        }
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn renaming_a_domain_with_inboxes_is_refused() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let create = create_test_domain(&app, &admin).await;
        stored_inbox(&app, &admin).await;
        let mut renamed: Vec<(String, String)> = create
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("test.local", "other.example")))
            .collect();
        renamed.extend([("id".into(), "1".into()), ("version".into(), "1".into())]);
        let refused = app
            .call("update_domain", Some(&admin), &as_refs(&renamed))
            .await;
        assert_refused(
            &refused,
            422,
            "test.local cannot be renamed while 1 connected inboxes",
        );
        let kept = storage::get_domain(&app.state.services.db, 1)
            .await
            .expect("domain")
            .expect("exists");
        assert_eq!(kept.settings.domain.to_string(), "test.local");
        assert_eq!(kept.version, 1);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn only_a_super_admin_continues_a_revalidation_that_waits_for_a_new_host() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let create = create_test_domain(&app, &admin).await;
        stored_inbox(&app, &admin).await;
        let account_admin = app
            .user_session(&admin, "helper@example.org", "user", true)
            .await;
        let mut moved: Vec<(String, String)> = create
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("imap.test.local", "imap2.test.local")))
            .collect();
        moved.extend([("id".into(), "1".into()), ("version".into(), "1".into())]);
        let saved = app
            .call("update_domain", Some(&account_admin), &as_refs(&moved))
            .await;
        assert!(saved.status.is_success(), "{}", saved.body);

        let panel = |session: String| {
            let app = &app;
            async move {
                app.call("domain_inboxes", Some(&session), &[("id", "1")])
                    .await
                    .json()
            }
        };
        let seen = panel(account_admin.clone()).await;
        let rollout = &seen["rollout"];
        assert_eq!(rollout["state"], "paused", "{seen}");
        assert_eq!(rollout["awaiting_approval"], true, "{seen}");
        assert_eq!(rollout["can_continue"], false, "{seen}");
        assert_eq!(panel(admin.clone()).await["rollout"]["can_continue"], true);

        let job = rollout["id"].to_string();
        let refused = app
            .call("continue_rollout", Some(&account_admin), &[("job", &job)])
            .await;
        assert_refused(&refused, 403, "waits for a super admin");
        let approved = app
            .call("continue_rollout", Some(&admin), &[("job", &job)])
            .await;
        assert!(
            approved.status.is_success() || approved.status.is_redirection(),
            "{}",
            approved.body
        );
        let after = panel(admin.clone()).await;
        assert_eq!(after["rollout"]["state"], "canary", "{after}");
        let continued = support::events_of(&app, AuditAction::RolloutContinued).await;
        let summary = continued[0].summary.clone().unwrap_or_default();
        assert!(summary.contains("approved imap2.test.local"), "{summary}");
        app.db.cleanup().await;
    }
}
