//! Unit tests of the pure parts: address guard, pins, redaction, report JSON.

use std::net::IpAddr;

use crate::guard::restricted_range;
use crate::model::Credentials;
use crate::report::{Category, DetailCode, Outcome, ProbeReport, StepName, StepReport};
use crate::resolve::{check_address, Policy};
use crate::step::{Fail, Step};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn guard_refuses_internal_ranges_unless_allowlisted() {
    for (a, range) in [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("100.100.100.200", "cloud metadata"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "this host"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd12::1", "unique-local"),
        ("fd00:ec2::254", "cloud metadata"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
    ] {
        assert_eq!(restricted_range(ip(a)), Some(range), "{a}");
        assert!(check_address(ip(a), Policy::default()).is_err(), "{a}");
    }
    for a in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
        assert_eq!(restricted_range(ip(a)), None, "{a}");
    }
    let allow = vec!["127.0.0.0/8".parse().unwrap()];
    assert!(check_address(ip("127.0.0.2"), Policy::allowing(&allow)).is_ok());
    assert!(check_address(ip("10.0.0.1"), Policy::allowing(&allow)).is_err());
}

#[tokio::test]
async fn resolve_checked_uses_the_resolver_once_and_checks_the_address() {
    let r = crate::resolve::StaticResolver::new().with("mail.example.test", ip("10.0.0.5"));
    let err = crate::resolve::resolve_checked(&r, "mail.example.test", 993, Policy::default())
        .await
        .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("mail.example.test resolves to a private address"));
    assert!(!err.to_string().contains("10.0.0.5"));
    let ok = crate::resolve::resolve_checked(
        &r,
        "mail.example.test",
        993,
        Policy::allowing(&["10.0.0.0/24".parse().unwrap()]),
    )
    .await;
    assert_eq!(ok.unwrap().to_string(), "10.0.0.5:993");
    assert!(
        crate::resolve::resolve_checked(&r, "unknown.test", 993, Policy::default())
            .await
            .is_err()
    );
}

#[test]
fn a_pin_written_with_colons_is_the_same_digest() {
    let colons = vec!["AB"; 32].join(":");
    let pin = domain::CertPin::new(&colons, "2026-11-01").expect("pin");
    assert_eq!(crate::tls::pin_digest(&pin), [0xab; 32]);
}

#[test]
fn the_password_never_reaches_the_report() {
    let creds = Credentials::new("a@example.test", None, "hunter2-secret");
    let mut step = Step::start(StepName::ImapLogin);
    step.ev.failing_line = Some("A1 BAD echo hunter2-secret".into());
    // AUTH PLAIN form of the password: base64("\0a@example.test\0hunter2-secret")
    step.note("AGFAZXhhbXBsZS50ZXN0AGh1bnRlcjItc2VjcmV0 was sent");
    let fail = Fail::new(
        Category::ImapAuthenticationError,
        DetailCode::AuthFailed,
        "server said hunter2-secret",
        None,
    );
    let r = step.finish(Err(fail), &creds);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("hunter2-secret"), "{json}");
    assert!(
        !json.contains("AGFAZXhhbXBsZS50ZXN0AGh1bnRlcjItc2VjcmV0"),
        "{json}"
    );
    assert!(!format!("{creds:?}").contains("hunter2"));
}

#[test]
fn a_passed_step_reports_its_own_time_and_a_failed_one_the_time_to_its_verdict() {
    let creds = Credentials::new("a@example.test", None, "pw-123");
    // The step's own work ends at once; the check after it takes at least 20 ms.
    let run = |res: Result<(), Fail>| {
        let mut step = Step::start(StepName::ImapLogin);
        step.stop_clock();
        let check = std::time::Instant::now();
        while check.elapsed() < std::time::Duration::from_millis(20) {
            std::hint::spin_loop();
        }
        step.finish(res, &creds).elapsed_ms
    };
    assert!(run(Ok(())) < 20);
    let limit = Fail::new(
        Category::ImapValidationError,
        DetailCode::ConcurrencyLimit,
        "only 2",
        None,
    );
    assert!(run(Err(limit)) >= 20);
}

#[test]
fn verdict_is_the_first_failure_in_seed_order_and_json_is_stable() {
    let creds = Credentials::new("a@example.test", None, "pw-123");
    let fail = |c, d| Fail::new(c, d, "x", None);
    let steps = vec![
        Step::start(StepName::ImapConnect).finish(Ok(()), &creds),
        Step::start(StepName::ImapLogin).finish(Ok(()), &creds),
        Step::start(StepName::SmtpConnect).finish(
            Err(fail(
                Category::SmtpSettingsIncorrect,
                DetailCode::ConnectionRefused,
            )),
            &creds,
        ),
        Step::start(StepName::SmtpLogin).finish(
            Err(fail(Category::Unauthorized, DetailCode::AuthFailed)),
            &creds,
        ),
        StepReport::skipped(StepName::TestEmail),
    ];
    let r = ProbeReport::from_steps(steps, 5);
    assert!(!r.ok);
    assert_eq!(r.category(), Some(Category::SmtpSettingsIncorrect));
    assert_eq!(
        r.step(StepName::TestEmail).map(|s| s.outcome),
        Some(Outcome::Skipped)
    );
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"]["category"], "smtp_settings_incorrect");
    assert_eq!(v["verdict"]["detail_code"], "connection_refused");
    assert_eq!(v["verdict"]["failed_step"], "smtp_connect");
    assert_eq!(v["steps"][4]["outcome"], "skipped");
    assert_eq!(v["verdict"]["title"], "SMTP settings incorrect");
}

#[test]
fn every_category_has_a_title_code_and_remediation() {
    use Category::*;
    for c in [
        ImapSettingsIncorrect,
        ImapAuthenticationError,
        ImapValidationError,
        SmtpSettingsIncorrect,
        TestEmailFailed,
        Unauthorized,
        UnauthorizedAppPasswordRequired,
        UnauthorizedSslCertificateNotTrusted,
    ] {
        assert!(!c.remediation().is_empty());
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        assert!(!c.title().is_empty());
    }
}

#[test]
fn app_password_answers_are_recognised() {
    use crate::login::mentions_app_password;
    assert!(mentions_app_password(
        "* BAD [ALERT] Application-specific password required: https://x (Failure)"
    ));
    assert!(mentions_app_password(
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
    ));
    assert!(mentions_app_password(
        "534-5.7.9 Application-specific password required."
    ));
    assert!(!mentions_app_password(
        "A1 NO [AUTHENTICATIONFAILED] Authentication failed."
    ));
}

/// Every TCP connection goes through `resolve::connect_checked` (which alone binds a source
/// address), and only `resolve.rs` resolves.
#[test]
fn the_only_connect_is_the_checked_one() {
    let sources = [
        ("certinfo.rs", include_str!("certinfo.rs")),
        ("defaults.rs", include_str!("defaults.rs")),
        ("each_source.rs", include_str!("each_source.rs")),
        ("egress.rs", include_str!("egress.rs")),
        ("guard.rs", include_str!("guard.rs")),
        ("handshake.rs", include_str!("handshake.rs")),
        ("imap.rs", include_str!("imap.rs")),
        ("imap_checks.rs", include_str!("imap_checks.rs")),
        ("login.rs", include_str!("login.rs")),
        ("model.rs", include_str!("model.rs")),
        ("net.rs", include_str!("net.rs")),
        ("probe.rs", include_str!("probe.rs")),
        ("proto.rs", include_str!("proto.rs")),
        ("redact.rs", include_str!("redact.rs")),
        ("resolve.rs", include_str!("resolve.rs")),
        ("round_trip.rs", include_str!("round_trip.rs")),
        ("smtp.rs", include_str!("smtp.rs")),
        ("smtp_send.rs", include_str!("smtp_send.rs")),
        ("sniff.rs", include_str!("sniff.rs")),
        ("step.rs", include_str!("step.rs")),
        ("tap.rs", include_str!("tap.rs")),
        ("tls.rs", include_str!("tls.rs")),
    ];
    let count = |needle: &str| -> Vec<(&str, usize)> {
        sources
            .iter()
            .map(|(f, s)| (*f, s.matches(needle).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    assert_eq!(count("TcpStream::connect("), vec![("resolve.rs", 1)]);
    assert_eq!(count("lookup_host"), vec![("resolve.rs", 1)]);
    assert_eq!(count("socket.connect("), vec![("resolve.rs", 1)]);
    assert_eq!(count(".bind("), vec![("resolve.rs", 1)]);
    assert_eq!(count("TcpSocket::"), vec![("resolve.rs", 2)]);
    for banned in [
        "to_socket_addrs",
        "connect_tokio1",
        "AsyncSmtpTransport",
        "UdpSocket",
    ] {
        assert_eq!(count(banned), vec![], "{banned}");
    }
    let checked: usize = count("connect_checked(").iter().map(|(_, n)| n).sum();
    assert_eq!(
        checked, 3,
        "the definition, Leg::connect and the implicit-TLS sniff"
    );
}
