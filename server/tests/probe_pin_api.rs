//! A connection test from the web API against real Dovecot + Postfix (the probe crate's
//! harness): live progress, the stored report linked from the audit trail, and certificate
//! pinning — a pinned certificate is accepted, a different one is named.

#[path = "../../probe/tests/support/mod.rs"]
mod mail;
mod support;

use http::StatusCode;
use serde_json::Value;
use services::{ProbeConfig, ThrottlePolicy};
use storage::test_support::sqlite;
use support::TestApp;

#[tokio::test]
async fn probe_pin_and_audit_link_against_real_servers() {
    let lab = mail::mail();
    let ca = std::fs::read_to_string(lab.dir.path().join("certs").join("ca.pem")).expect("ca");
    let config = ProbeConfig {
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        extra_ca_pem: Some(ca),
        per_minute: 10,
        // The update below turns "Use static IP addresses" on: its test leaves from this range.
        static_egress: vec!["127.0.0.16/29".parse().expect("cidr")],
        ..ProbeConfig::default()
    };
    let app = TestApp::with_probes(sqlite().await, ThrottlePolicy::default(), config).await;
    let admin = app.setup_admin().await;
    let (imaps, smtps) = (lab.dovecot.imaps.to_string(), lab.postfix.smtps.to_string());
    let settings = |pin: &str| {
        vec![
            ("settings[domain]", "lab.example".to_string()),
            ("settings[imap_host]", "127.0.0.1".to_string()),
            ("settings[imap_port]", imaps.clone()),
            ("settings[imap_security]", "ssl".to_string()),
            ("settings[smtp_host]", "127.0.0.1".to_string()),
            ("settings[smtp_port]", smtps.clone()),
            ("settings[smtp_security]", "ssl".to_string()),
            ("settings[imap_cert_pin]", pin.to_string()),
        ]
    };
    let probe_form = |pin: &str| {
        let mut form = settings(pin);
        form.push(("id", "1".into()));
        form.push(("probe_email", mail::dovecot::USER.into()));
        form.push(("probe_password", mail::dovecot::PASSWORD.into()));
        form
    };
    let call = |function: &'static str, form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(function, Some(&admin), &pairs).await
        }
    };

    let mut create = settings("");
    create.push(("save_anyway", "on".into()));
    assert!(call("create_domain", create).await.status.is_success());

    // Live progress: right after the start the probe is still running, with the steps so far.
    let started = call("start_probe", probe_form("")).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let id = started.body.trim().to_string();
    let early = app
        .call("probe_progress", Some(&admin), &[("id", &id)])
        .await
        .json();
    assert_eq!(early["state"], "Running", "{early}");
    let report = app.finished_probe(&admin, &id).await;
    assert_eq!(report["report"]["ok"], true, "{report}");
    assert_eq!(report["steps"].as_array().map(Vec::len), Some(5));
    let fingerprint = report["report"]["steps"][0]["tls"]["sha256_fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();

    // Pinning writes the fingerprint into the domain, audited.
    let pinned = call(
        "pin_certificate",
        vec![
            ("id", "1".into()),
            ("version", "1".into()),
            ("probe_id", id.clone()),
            ("leg", "imap".into()),
        ],
    )
    .await;
    assert!(pinned.status.is_success(), "{}", pinned.body);
    let detail = app
        .call("domain_detail", Some(&admin), &[("id", "1")])
        .await
        .json();
    let pin = detail["domain"]["settings"]["imap_cert_pin"]
        .as_str()
        .expect("pin")
        .to_string();
    assert!(
        pin.starts_with(&fingerprint.replace(':', "").to_lowercase()),
        "{pin} vs {fingerprint}"
    );
    assert_eq!(
        detail["history"][0]["diff"][0]["field"],
        "IMAP certificate pin"
    );

    // The pinned certificate is accepted. Saving exactly the values of a passing test needs
    // no "Save anyway", and the audit event links that test.
    let mut tested = probe_form(&pin);
    tested.push(("settings[use_static_ips]", "on".into()));
    let ok = call("start_probe", tested).await;
    let ok_id = ok.body.trim().to_string();
    assert_eq!(
        app.finished_probe(&admin, &ok_id).await["report"]["ok"],
        true
    );
    let mut update = settings(&pin);
    update.extend([
        ("id", "1".into()),
        ("version", "2".into()),
        ("settings[use_static_ips]", "on".into()),
    ]);
    let saved = call("update_domain", update).await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let detail = app
        .call("domain_detail", Some(&admin), &[("id", "1")])
        .await
        .json();
    // The history also lists the connection tests themselves: the saves are the rest.
    let saves: Vec<&Value> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["action"] != "Connection test")
        .collect();
    assert_eq!(saves[0]["probe_report_id"].to_string(), ok_id);
    assert_eq!(
        saves[1]["probe_report_id"],
        Value::Null,
        "the pin was not tested"
    );

    // A different certificate than the pinned one is named, not trusted.
    let other_pin = format!("{}@2026-01-02", "00".repeat(32));
    let changed = call("start_probe", probe_form(&other_pin)).await;
    let changed = app.finished_probe(&admin, changed.body.trim()).await;
    assert_eq!(
        changed["report"]["verdict"]["category"], "unauthorized_ssl_certificate_not_trusted",
        "{changed}"
    );
    let detail_text = changed["report"]["verdict"]["detail"]
        .as_str()
        .unwrap_or("");
    assert!(detail_text.contains("2026-01-02"), "{detail_text}");

    // Pinning refuses what it cannot vouch for, with a message the admin sees.
    let pin_form = |domain: &str, version: &str, probe: &str, leg: &str| {
        vec![
            ("id", domain.to_string()),
            ("version", version.to_string()),
            ("probe_id", probe.to_string()),
            ("leg", leg.to_string()),
        ]
    };
    let refused = |reply: support::Reply, expected: &str| {
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expected}: {}",
            reply.body
        );
        assert!(reply.body.contains(expected), "{expected}: {}", reply.body);
    };
    let mut other = settings("");
    other[0].1 = "other.example".into();
    other.push(("save_anyway", "on".into()));
    assert!(call("create_domain", other).await.status.is_success());
    refused(
        call("pin_certificate", pin_form("2", "1", &id, "imap")).await,
        "not run for this domain",
    );
    refused(
        call("pin_certificate", pin_form("1", "3", "999999", "imap")).await,
        "does not exist",
    );
    // A test whose SMTP leg presented no certificate (its TLS facts cut out of a real report).
    let mut no_smtp_cert = changed["report"].clone();
    no_smtp_cert["steps"][2]["tls"] = Value::Null;
    let tested: domain::DomainSettings =
        serde_json::from_value(changed["settings"].clone()).expect("settings");
    let actor = storage::Actor {
        user_id: 1,
        email: support::ADMIN.into(),
        role: None,
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let record = storage::start_probe_record(
        &app.state.services.db,
        &actor,
        Some(1),
        &tested,
        storage::ProbeRun::Admin,
    )
    .await
    .expect("record");
    storage::finish_probe_record(
        &app.state.services.db,
        record,
        &actor,
        false,
        None,
        &no_smtp_cert.to_string(),
    )
    .await
    .expect("finish");
    refused(
        call(
            "pin_certificate",
            pin_form("1", "3", &record.to_string(), "smtp"),
        )
        .await,
        "saw no SMTP certificate",
    );
    // The IMAP server moved since the test: the certificate it saw is not this server's.
    let mut moved = settings(&pin);
    moved[1].1 = "127.0.0.2".into();
    moved.extend([
        ("id", "1".into()),
        ("version", "3".into()),
        ("save_anyway", "on".into()),
    ]);
    assert!(call("update_domain", moved).await.status.is_success());
    refused(
        call("pin_certificate", pin_form("1", "4", &ok_id, "imap")).await,
        "the domain's IMAP server is now 127.0.0.2",
    );
}
