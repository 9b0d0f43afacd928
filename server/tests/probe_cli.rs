//! `server probe`, the built binary, against real Dovecot + Postfix started by the probe crate's
//! harness and against in-process peers: the JSON report, the exit codes and the address guard.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::Ordering;

use serde_json::Value;
use support::{dovecot, peers, Mail};
use tokio::process::Command;

const EGRESS: &str = "MAILSETTINGS_STATIC_EGRESS";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        // Exactly one JSON object on stdout, nothing else.
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON object ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn show(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `server probe ARGS`, with `PROBE_PASSWORD` set to `password` (unset when `None`).
async fn probe_cli(args: &[String], password: Option<&str>) -> Run {
    probe_cli_egress(args, password, None).await
}

/// Like [`probe_cli`], with `MAILSETTINGS_STATIC_EGRESS` set to `egress` (unset when `None`).
async fn probe_cli_egress(args: &[String], password: Option<&str>, egress: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("probe").args(args).env_remove("PROBE_PASSWORD");
    cmd.env_remove(EGRESS);
    if let Some(p) = password {
        cmd.env("PROBE_PASSWORD", p);
    }
    if let Some(e) = egress {
        cmd.env(EGRESS, e);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().await.expect("run server probe");
    Run {
        code: status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn ca_file(m: &Mail) -> PathBuf {
    m.dir.path().join("certs").join("ca.pem")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// IMAPS + SMTPS on the shared servers, the test CA trusted and loopback allowlisted.
fn good_args(m: &Mail) -> Vec<String> {
    let mut args = strings(&["--email", dovecot::USER]);
    args.extend([
        "--imap".into(),
        format!("127.0.0.1:{}", m.dovecot.imaps),
        "--imap-security".into(),
        "ssl".into(),
        "--smtp".into(),
        format!("127.0.0.1:{}", m.postfix.smtps),
        "--smtp-security".into(),
        "ssl".into(),
        "--ca-file".into(),
        ca_file(m).display().to_string(),
        "--allow-private".into(),
        "127.0.0.0/8".into(),
    ]);
    args
}

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

fn endpoints(imap: &str, imap_security: &str) -> Vec<String> {
    strings(&[
        "--email",
        "alice@example.com",
        "--imap",
        imap,
        "--imap-security",
        imap_security,
        "--smtp",
        "127.0.0.1:465",
        "--smtp-security",
        "ssl",
        "--json",
    ])
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_ips_leave_from_the_static_range_and_json_and_text_show_it() {
    let m = support::mail();
    let range: ipnet::IpNet = "127.0.0.16/29".parse().expect("cidr");
    let mut args = good_args(&m);
    args.extend(strings(&["--static-ips", "--json"]));
    let run = probe_cli_egress(&args, Some(dovecot::PASSWORD), Some("127.0.0.16/29")).await;
    assert_eq!(run.code, 0, "{}", run.show());
    let report = run.json();
    for s in report["steps"].as_array().expect("steps") {
        let source: std::net::IpAddr = s["source"]
            .as_str()
            .and_then(|ip| ip.parse().ok())
            .unwrap_or_else(|| panic!("no source in {s}"));
        assert!(range.contains(&source), "{s}");
    }
    args.retain(|a| a != "--json");
    let run = probe_cli_egress(&args, Some(dovecot::PASSWORD), Some("127.0.0.16/29")).await;
    assert_eq!(run.code, 0, "{}", run.show());
    assert!(
        run.stdout
            .contains("from the static addresses 127.0.0.16/29"),
        "{}",
        run.show()
    );
    let froms = run
        .stdout
        .lines()
        .filter(|l| l.contains(" ms  from 127.0.0."));
    assert_eq!(froms.count(), 5, "{}", run.show());
    // Without the flag the variable is ignored and nothing is bound.
    args.pop();
    args.push("--json".into());
    let run = probe_cli_egress(&args, Some(dovecot::PASSWORD), Some("127.0.0.16/29")).await;
    assert_eq!(run.code, 0, "{}", run.show());
    let steps = run.json()["steps"].clone();
    assert!(
        steps
            .as_array()
            .expect("steps")
            .iter()
            .all(|s| s["source"].is_null()),
        "{steps}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_ips_without_a_local_static_address_fail_before_connecting() {
    let (imap, imap_seen) = peers::silent().await;
    let (smtp, smtp_seen) = peers::silent().await;
    let (imap, smtp) = (imap.to_string(), smtp.to_string());
    let mut args = strings(&["--email", dovecot::USER, "--imap", &imap, "--smtp", &smtp]);
    args.extend(strings(&[
        "--imap-security",
        "ssl",
        "--smtp-security",
        "ssl",
    ]));
    args.extend(strings(&[
        "--allow-private",
        "127.0.0.0/8",
        "--static-ips",
        "--json",
    ]));
    // TEST-NET-2: on no interface here (this machine's eth0 holds 192.0.2.2/24).
    let run = probe_cli_egress(&args, Some("whatever"), Some("198.51.100.0/29")).await;
    assert_eq!(run.code, 1, "{}", run.show());
    let report = run.json();
    assert_eq!(
        report["detail_code"],
        "static_source_unavailable",
        "{}",
        run.show()
    );
    assert_eq!(
        report["category"],
        "imap_settings_incorrect",
        "{}",
        run.show()
    );
    assert!(
        report["detail"]
            .as_str()
            .is_some_and(|d| d.contains("(198.51.100.0/29)") && d.contains(EGRESS)),
        "{}",
        run.show()
    );
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
async fn static_ips_with_a_missing_or_bad_egress_setting_exit_with_status_2() {
    let mut args = endpoints("127.0.0.1:993", "ssl");
    args.push("--static-ips".into());
    let cases = [
        (None, "--static-ips needs MAILSETTINGS_STATIC_EGRESS"),
        (Some(""), "--static-ips needs MAILSETTINGS_STATIC_EGRESS"),
        (Some("127.0.0.16/29,,"), "Entry 2 of the list is empty"),
        (Some("127.0.0.17/29"), "did you mean 127.0.0.16/29?"),
        (Some("static"), "is not an IP address or network"),
        (
            Some("10.0.0.0/8,10.9.0.0/16"),
            "10.0.0.0/8 and 10.9.0.0/16 overlap",
        ),
    ];
    for (egress, message) in cases {
        let run = probe_cli_egress(&args, Some("a password"), egress).await;
        assert_eq!(run.code, 2, "{egress:?}: {}", run.show());
        assert!(run.stderr.contains(message), "{egress:?}: {}", run.show());
        assert!(run.stderr.contains(EGRESS), "{egress:?}: {}", run.show());
        assert!(run.stdout.is_empty(), "{}", run.show());
    }
}
