//! View connection IPs against real Dovecot + Postfix: the switch is a versioned, audited
//! change; the panel counts the ranges; the exports download; with the switch on, connection
//! tests leave from the static range; the test from every static address passes from each.

#[path = "../../probe/tests/support/mod.rs"]
mod mail;
mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use services::{ProbeConfig, ThrottlePolicy};
use storage::test_support::sqlite;
use support::TestApp;

const RANGE: &str = "127.0.0.16/29";

fn in_range(ip: &str) -> bool {
    let net: ipnet::IpNet = RANGE.parse().expect("range");
    ip.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| net.contains(&ip))
}

async fn download(app: &TestApp, session: Option<&str>, file: &str) -> support::Reply {
    let mut request = Request::get(format!("/domains/1/connection-ips/{file}"));
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn connection_ips_switch_exports_and_static_source_tests_against_real_servers() {
    let lab = mail::mail();
    let ca = std::fs::read_to_string(lab.dir.path().join("certs").join("ca.pem")).expect("ca");
    let config = ProbeConfig {
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        extra_ca_pem: Some(ca),
        per_minute: 10,
        static_egress: vec![RANGE.parse().expect("cidr")],
        ..ProbeConfig::default()
    };
    let app = TestApp::with_probes(sqlite().await, ThrottlePolicy::default(), config).await;
    let admin = app.setup_admin().await;
    let (imaps, smtps) = (lab.dovecot.imaps.to_string(), lab.postfix.smtps.to_string());
    let settings = vec![
        ("settings[domain]", "lab.example"),
        ("settings[imap_host]", "127.0.0.1"),
        ("settings[imap_port]", imaps.as_str()),
        ("settings[imap_security]", "ssl"),
        ("settings[smtp_host]", "127.0.0.1"),
        ("settings[smtp_port]", smtps.as_str()),
        ("settings[smtp_security]", "ssl"),
    ];
    let mut create = settings.clone();
    create.push(("save_anyway", "on"));
    assert!(app
        .call("create_domain", Some(&admin), &create)
        .await
        .status
        .is_success());

    // The panel: the range and how many addresses it holds, not the addresses one by one.
    let ips = app
        .call("connection_ips", Some(&admin), &[("id", "1")])
        .await
        .json();
    assert_eq!(ips["ranges"][0]["cidr"], RANGE, "{ips}");
    assert_eq!(ips["ranges"][0]["addresses"], "8");
    assert_eq!(ips["usable_total"], 8, "every 127/8 address is local");

    // The switch: versioned and audited; a stale version is refused.
    let on = [("id", "1"), ("version", "1"), ("on", "on")];
    let switched = app.call("set_static_ips", Some(&admin), &on).await;
    assert!(switched.status.is_success(), "{}", switched.body);
    let detail = app
        .call("domain_detail", Some(&admin), &[("id", "1")])
        .await
        .json();
    assert_eq!(detail["domain"]["settings"]["use_static_ips"], true);
    assert_eq!(detail["domain"]["version"], 2);
    assert_eq!(
        detail["history"][0]["diff"][0]["field"],
        "Use static IP addresses"
    );
    let stale = app
        .call(
            "set_static_ips",
            Some(&admin),
            &[("id", "1"), ("version", "1")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stale.body
    );
    assert!(
        stale.body.contains("Someone else changed"),
        "{}",
        stale.body
    );

    // Exports: a download each, for managers only.
    let files = [
        ("connection-ips.txt", "text/plain", "127.0.0.16/29\n"),
        ("connection-ips.csv", "text/csv", "127.0.0.16/29,ipv4,8,"),
        ("connection-ips.nft", "text/plain", "flags interval"),
        (
            "connection-ips.iptables.sh",
            "text/x-shellscript",
            "iptables -A INPUT -p tcp -s 127.0.0.16/29",
        ),
        (
            "connection-ips.json",
            "application/json",
            "\"ip_prefix\": \"127.0.0.16/29\"",
        ),
    ];
    for (file, content_type, expected) in files {
        let reply = download(&app, Some(&admin), file).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.body);
        let ct = reply
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with(content_type), "{file}: {ct}");
        let cd = reply
            .headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(cd, format!("attachment; filename=\"lab.example-{file}\""));
        assert!(reply.body.contains(expected), "{file}: {}", reply.body);
        assert!(
            reply.body.contains(&imaps) || file.ends_with(".txt"),
            "{file} names the ports"
        );
    }
    assert_eq!(
        download(&app, None, "connection-ips.txt").await.status,
        StatusCode::UNAUTHORIZED
    );
    let user = app
        .user_session(&admin, "plain@example.org", "user", false)
        .await;
    assert_eq!(
        download(&app, Some(&user), "connection-ips.txt")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&app, Some(&admin), "connection-ips.exe")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // With the switch on, a connection test leaves from the static range.
    let mut probe_form = settings.clone();
    probe_form.extend([
        ("settings[use_static_ips]", "on"),
        ("id", "1"),
        ("probe_email", mail::dovecot::USER),
        ("probe_password", mail::dovecot::PASSWORD),
    ]);
    let started = app.call("start_probe", Some(&admin), &probe_form).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let report = app.finished_probe(&admin, started.body.trim()).await;
    assert_eq!(report["report"]["ok"], true, "{report}");
    for step in report["report"]["steps"].as_array().expect("steps") {
        let source = step["source"].as_str().unwrap_or("");
        assert!(in_range(source), "{} left from {source:?}", step["name"]);
    }

    // Test from every static address: one passing row per address.
    let form = [
        ("id", "1"),
        ("probe_email", mail::dovecot::USER),
        ("probe_password", mail::dovecot::PASSWORD),
    ];
    let started = std::time::Instant::now();
    let tested = app.call("test_static_addresses", Some(&admin), &form).await;
    assert_eq!(tested.status, StatusCode::OK, "{}", tested.body);
    println!(
        "test from every static address over 8 addresses: {:?}",
        started.elapsed()
    );
    let view = tested.json();
    let rows = view["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 8, "{view}");
    for row in rows {
        assert!(in_range(row["source"].as_str().unwrap_or("")), "{row}");
        assert_eq!(
            (row["imap"]["ok"].as_bool(), row["smtp"]["ok"].as_bool()),
            (Some(true), Some(true)),
            "{row}"
        );
    }
    let id = view["id"].to_string();
    let again = app
        .call(
            "static_address_test",
            Some(&admin),
            &[("domain_id", "1"), ("id", &id)],
        )
        .await
        .json();
    assert_eq!(again["rows"], view["rows"]);
    let elsewhere = app
        .call(
            "static_address_test",
            Some(&admin),
            &[("domain_id", "2"), ("id", &id)],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // A wrong password is tried from one address only: a ban must not take the whole range.
    let wrong = [
        ("id", "1"),
        ("probe_email", mail::dovecot::USER),
        ("probe_password", "wrong password"),
    ];
    let view = app
        .call("test_static_addresses", Some(&admin), &wrong)
        .await
        .json();
    let rows = view["rows"].as_array().expect("rows");
    assert_eq!(
        rows[0]["imap"]["title"], "IMAP authentication error",
        "{view}"
    );
    for row in &rows[1..] {
        let detail = row["imap"]["detail"].as_str().unwrap_or("");
        assert!(detail.starts_with("not tested"), "{row}");
    }

    // Turned off, the exports are refused: allowlisting is not possible.
    let off = [("id", "1"), ("version", "2")];
    assert!(app
        .call("set_static_ips", Some(&admin), &off)
        .await
        .status
        .is_success());
    let refused = download(&app, Some(&admin), "connection-ips.txt").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn without_static_ranges_the_switch_is_disabled_with_the_reason() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let mut create = support::domain_form("plain.example", "993");
    create.push(("settings[use_static_ips]", "on"));
    let refused = app.call("create_domain", Some(&admin), &create).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("MAILSETTINGS_STATIC_EGRESS"),
        "{}",
        refused.body
    );
    create.pop();
    assert!(app
        .call("create_domain", Some(&admin), &create)
        .await
        .status
        .is_success());

    let page = app.page("/domains/1/ips", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("This installation has no static addresses; ask the operator to set MAILSETTINGS_STATIC_EGRESS."),
        "{}",
        page.body
    );
    let switch = page.body.split("role=\"switch\"").nth(1).unwrap_or("");
    let tag = &switch[..switch.find('>').unwrap_or(0)];
    assert!(tag.contains("disabled"), "the switch is disabled: {tag}");
    let on = [("id", "1"), ("version", "1"), ("on", "on")];
    let refused = app.call("set_static_ips", Some(&admin), &on).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
