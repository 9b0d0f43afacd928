//! The probe against real Dovecot and Postfix started by the harness: success over both
//! security modes, authentication, the test email, and the address guard.

mod support;

use probe::{probe, Category, DetailCode, Outcome, Security, StepName};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_over_imaps_and_smtps_with_round_trip() {
    let m = mail();
    let mut seen = Vec::new();
    let r = probe(&good(&m), &creds(), &opts(&m.certs), |s| seen.push(s.name)).await;
    assert!(r.ok, "{}", show(&r));
    assert_eq!(seen, StepName::ALL.to_vec());
    assert!(r.steps.iter().all(|s| s.outcome == Outcome::Passed));
    let email = r.step(StepName::TestEmail).expect("step");
    assert!(
        email
            .evidence
            .notes
            .iter()
            .any(|n| n.starts_with("found <probe.")),
        "{}",
        show(&r)
    );
    let tls = r
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.clone())
        .expect("tls");
    assert_eq!(tls.version.as_deref(), Some("TLSv1_3"));
    assert!(tls.sans.contains(&"DNS:mail.test.local".to_string()));
    let login = r.step(StepName::ImapLogin).expect("login");
    assert!(
        login
            .evidence
            .notes
            .iter()
            .any(|n| n.starts_with("3 concurrent IMAP connections accepted (the extra connections opened, then logged in one after the other: ")
                && n.ends_with(" ms)")),
        "{}",
        show(&r)
    );
    let json = show(&r);
    assert!(!json.contains(dovecot::PASSWORD), "password leaked: {json}");
    let times: Vec<String> = r
        .steps
        .iter()
        .map(|s| format!("{}={}ms", s.name.as_str(), s.elapsed_ms))
        .collect();
    eprintln!(
        "full probe over IMAPS+SMTPS: {} ms ({})",
        r.total_ms,
        times.join(" ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_over_starttls_and_submission_with_round_trip() {
    let m = mail();
    let s = settings(
        ("mail.test.local", m.dovecot.imap, Security::StartTls),
        ("mail.test.local", m.postfix.submission, Security::StartTls),
    );
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    let smtp = r.step(StepName::SmtpConnect).expect("smtp");
    assert!(
        smtp.evidence
            .greeting
            .as_deref()
            .unwrap_or("")
            .starts_with("220"),
        "{}",
        show(&r)
    );
    assert!(
        smtp.evidence
            .capabilities
            .iter()
            .any(|c| c.starts_with("AUTH")),
        "{}",
        show(&r)
    );
    eprintln!("full probe over STARTTLS+submission: {} ms", r.total_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_port_is_imap_settings_incorrect() {
    let m = mail();
    let port = support::proc::free_port();
    let mut s = good(&m);
    s.imap.port = port;
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::ConnectionRefused
        )
    );
    assert_eq!(
        r.step(StepName::ImapLogin).map(|s| s.outcome),
        Some(Outcome::Skipped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_imap_authentication_error_and_smtp_auth_is_not_tried() {
    let m = mail();
    let bad = probe::Credentials::new(dovecot::USER, None, "wrong-password-123");
    let r = probe(&good(&m), &bad, &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::ImapAuthenticationError,
            DetailCode::AuthFailed
        )
    );
    let v = r.verdict.as_ref().expect("verdict");
    assert!(v.detail.contains("[AUTHENTICATIONFAILED]"), "{}", show(&r));
    assert_eq!(
        r.step(StepName::SmtpLogin).map(|s| s.outcome),
        Some(Outcome::Skipped)
    );
    assert!(!show(&r).contains("wrong-password-123"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_test_message_is_test_email_failed() {
    let m = mail();
    let mut o = opts(&m.certs);
    o.test_recipient = Some(postfix::REFUSED_RECIPIENT.into());
    let r = probe(&good(&m), &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::TestEmail,
            Category::TestEmailFailed,
            DetailCode::MessageRefused
        )
    );
    assert!(
        r.verdict.as_ref().expect("v").detail.contains("554"),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_refused_without_allowlist() {
    let m = mail();
    let mut o = opts(&m.certs);
    o.allowlist.clear();
    let r = probe(&good(&m), &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::AddressNotAllowed
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_delivery_is_test_email_failed_not_found() {
    let m = mail();
    let mut o = opts(&m.certs);
    o.round_trip_wait = std::time::Duration::from_secs(2);
    let bob = probe::Credentials::new(postfix::HELD_USER, None, postfix::HELD_PASSWORD);
    let r = probe(&good(&m), &bob, &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::TestEmail,
            Category::TestEmailFailed,
            DetailCode::MessageNotFound
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_auth_refused_after_imap_accepted_is_unauthorized() {
    let m = mail();
    let carol = probe::Credentials::new(dovecot::SMTP_DIFFERS, None, "carol-Secret-42");
    let r = probe(&good(&m), &carol, &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::SmtpLogin,
            Category::Unauthorized,
            DetailCode::AuthFailed
        )
    );
    let line = r
        .step(StepName::SmtpLogin)
        .and_then(|s| s.evidence.failing_line.clone())
        .unwrap_or_default();
    assert!(line.starts_with("535"), "{}", show(&r));
}
