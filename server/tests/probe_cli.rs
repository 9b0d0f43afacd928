//! `server probe`, the built binary, against real Dovecot + Postfix started by the probe crate's
//! harness and against in-process peers: the JSON report, the exit codes and the address guard.

mod cli;
#[path = "../../probe/tests/support/mod.rs"]
mod support;
#[path = "../../probe/tests/support/tokens.rs"]
mod tokens;

use std::sync::atomic::Ordering;

use cli::*;
use support::{dovecot, peers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_over_imaps_and_smtps_as_json() {
    let m = support::mail();
    let mut args = good_args(&m);
    args.push("--json".into());
    let run = probe_cli(&args, Some(dovecot::PASSWORD)).await;
    assert_eq!(run.code, 0, "{}", run.show());
    let report = run.json();
    assert_eq!(report["ok"], true, "{}", run.show());
    assert!(report["category"].is_null(), "{}", run.show());
    assert!(report["failed_step"].is_null(), "{}", run.show());
    let steps = report["steps"].as_array().expect("steps");
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "imap_connect",
            "imap_login",
            "smtp_connect",
            "smtp_login",
            "test_email"
        ]
    );
    for s in steps {
        assert_eq!(s["outcome"], "passed", "{s}");
        assert!(s["elapsed_ms"].is_u64(), "{s}");
        assert!(s["evidence"].is_object(), "{s}");
    }
    let tls = &steps[0]["tls"];
    assert_eq!(tls["version"], "TLSv1_3", "{tls}");
    assert!(
        tls["sha256_fingerprint"]
            .as_str()
            .is_some_and(|f| f.len() == 64),
        "{tls}"
    );
    assert!(
        tls["sans"]
            .as_array()
            .expect("sans")
            .iter()
            .any(|s| s == "IP:127.0.0.1"),
        "{tls}"
    );
    assert!(!run.stdout.contains(dovecot::PASSWORD), "password leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_output_prints_steps_and_tls_facts_with_password_file() {
    let m = support::mail();
    let file = m.dir.path().join("probe-cli-password");
    std::fs::write(
        &file,
        format!("{}\nignored second line\n", dovecot::PASSWORD),
    )
    .expect("write");
    let mut args = good_args(&m);
    args.extend(["--password-file".into(), file.display().to_string()]);
    let run = probe_cli(&args, None).await;
    assert_eq!(run.code, 0, "{}", run.show());
    for expected in [
        "imap_connect  passed",
        "test_email    passed",
        "TLSv1_3",
        "SHA-256",
        "CN=Probe Test CA",
        "OK: all 5 steps passed",
    ] {
        assert!(
            run.stdout.contains(expected),
            "no {expected:?}:\n{}",
            run.show()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_token_file_signs_in_and_the_report_names_scopes_never_the_token() {
    let m = support::mail();
    let token = tokens::access_token(dovecot::USER, "mail.read mail.send", 1800);
    let file = m.dir.path().join("probe-cli-token");
    std::fs::write(&file, format!("{token}\n")).expect("write");
    let mut args = good_args(&m);
    args.extend(["--oauth-token-file".into(), file.display().to_string()]);
    let run = probe_cli(&args, None).await;
    assert_eq!(run.code, 0, "{}", run.show());
    for expected in [
        "IMAP signed in with OAUTHBEARER (an OAuth 2.0 access token); scopes: mail.read mail.send; expires ",
        "SMTP signed in with OAUTHBEARER",
        "OK: all 5 steps passed",
    ] {
        assert!(run.stdout.contains(expected), "no {expected:?}:\n{}", run.show());
    }
    let signature = token.rsplit('.').next().expect("jwt");
    assert!(
        !run.show().contains(signature),
        "token leaked: {}",
        run.show()
    );

    let expired = tokens::access_token(dovecot::USER, "mail.read", -60);
    std::fs::write(&file, &expired).expect("write");
    args.push("--json".into());
    let run = probe_cli(&args, None).await;
    assert_eq!(run.code, 1, "{}", run.show());
    let report = run.json();
    assert_eq!(
        report["category"],
        "imap_authentication_error",
        "{}",
        run.show()
    );
    assert_eq!(report["detail_code"], "token_refused", "{}", run.show());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_an_imap_authentication_error() {
    let m = support::mail();
    let mut args = good_args(&m);
    args.push("--json".into());
    let run = probe_cli(&args, Some("not-the-password")).await;
    assert_eq!(run.code, 1, "{}", run.show());
    let report = run.json();
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["category"],
        "imap_authentication_error",
        "{}",
        run.show()
    );
    assert_eq!(report["failed_step"], "imap_login", "{}", run.show());
    assert_eq!(report["detail_code"], "auth_failed", "{}", run.show());
    assert!(report["detail"].as_str().is_some_and(|d| !d.is_empty()));
    let smtp_login = &report["steps"][3];
    assert_eq!(smtp_login["name"], "smtp_login");
    assert_eq!(
        smtp_login["outcome"], "skipped",
        "SMTP AUTH must wait for IMAP"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_is_refused_without_allow_private_and_nothing_connects() {
    let (imap, imap_seen) = peers::silent().await;
    let (smtp, smtp_seen) = peers::silent().await;
    let args = vec![
        "--email".into(),
        dovecot::USER.into(),
        "--imap".into(),
        imap.to_string(),
        "--imap-security".into(),
        "ssl".into(),
        "--smtp".into(),
        smtp.to_string(),
        "--smtp-security".into(),
        "ssl".into(),
        "--json".into(),
    ];
    let run = probe_cli(&args, Some("whatever")).await;
    assert_eq!(run.code, 1, "{}", run.show());
    let report = run.json();
    assert_eq!(
        report["category"],
        "imap_settings_incorrect",
        "{}",
        run.show()
    );
    assert_eq!(
        report["detail_code"],
        "address_not_allowed",
        "{}",
        run.show()
    );
    assert_eq!(report["failed_step"], "imap_connect");
    assert_eq!(
        imap_seen.load(Ordering::SeqCst),
        0,
        "the IMAP peer saw a connection"
    );
    assert_eq!(
        smtp_seen.load(Ordering::SeqCst),
        0,
        "the SMTP peer saw a connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_exit_with_status_2() {
    let run = probe_cli(&endpoints("127.0.0.1:993", "ssl"), None).await;
    assert_eq!(run.code, 2, "{}", run.show());
    assert!(run.stderr.contains("PROBE_PASSWORD"), "{}", run.show());
    assert!(run.stdout.is_empty(), "{}", run.show());

    let cases: [(&str, &str, &[&str], &str); 7] = [
        (
            "127.0.0.1:70000",
            "ssl",
            &[],
            "Port must be between 1 and 65535",
        ),
        (
            "[::1]:70000",
            "ssl",
            &[],
            "Port must be between 1 and 65535",
        ),
        ("::1:993", "ssl", &[], "brackets"),
        ("imap..example.com:993", "ssl", &[], "empty part"),
        ("127.0.0.1:993", "none", &[], "Encryption is required"),
        (
            "127.0.0.1:993",
            "ssl",
            &["--allow-private", "10.0.0.0/40"],
            "CIDR",
        ),
        (
            "127.0.0.1:993",
            "ssl",
            &["--ca-file", "/nonexistent/ca.pem"],
            "cannot read",
        ),
    ];
    for (imap, security, extra, message) in cases {
        let mut args = endpoints(imap, security);
        args.extend(strings(extra));
        let run = probe_cli(&args, Some("a password")).await;
        assert_eq!(run.code, 2, "{imap} {extra:?}: {}", run.show());
        assert!(
            run.stderr.contains(message),
            "{imap} {extra:?}: {}",
            run.show()
        );
        assert!(run.stdout.is_empty(), "{}", run.show());
    }
}
