//! `server probe --static-ips` against real Dovecot + Postfix: connections leave from
//! MAILSETTINGS_STATIC_EGRESS, and a bad or unusable setting is refused before connecting.

mod cli;
#[path = "../../probe/tests/support/mod.rs"]
mod support;

use std::sync::atomic::Ordering;

use cli::*;
use support::{dovecot, peers};

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
