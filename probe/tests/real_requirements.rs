//! Seed 001 requirements and mismatch diagnosis against real servers: Courier-IMAP, a
//! connection limit of 2, plaintext login refused behind TLS, SSL/TLS vs STARTTLS mismatches.

mod support;

use probe::{probe, Category, DetailCode, Security, StepName};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_security_mismatches_are_told_plainly() {
    let m = mail();
    let mut s = good(&m);
    s.imap.port = m.dovecot.imap; // a STARTTLS port, SSL/TLS chosen
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::TlsOnPlaintextPort
        )
    );
    let mut s = good(&m);
    s.imap.security = Security::StartTls; // an implicit-TLS port, STARTTLS chosen
    let mut o = opts(&m.certs);
    o.greeting_sniff = std::time::Duration::from_millis(500);
    let r = probe(&s, &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::PlaintextOnTlsPort
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_security_mismatches_are_told_plainly() {
    let m = mail();
    let mut s = good(&m);
    s.smtp.port = m.postfix.submission;
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::SmtpConnect,
            Category::SmtpSettingsIncorrect,
            DetailCode::TlsOnPlaintextPort
        )
    );
    let mut s = good(&m);
    s.smtp.security = Security::StartTls;
    let mut o = opts(&m.certs);
    o.greeting_sniff = std::time::Duration::from_millis(500);
    let r = probe(&s, &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::SmtpConnect,
            Category::SmtpSettingsIncorrect,
            DetailCode::PlaintextOnTlsPort
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_is_imap_validation_error() {
    let c = courier();
    let m = mail();
    let mut s = good(&m);
    s.imap = probe::Endpoint::new("courier.test.local", c.courier.imaps, Security::SslTls);
    let mut o = opts(&m.certs);
    o.extra_ca_pem = Some(format!("{}{}", m.certs.ca_pem, c.certs.ca_pem));
    let r = probe(&s, &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::ImapValidationError,
            DetailCode::CourierImap
        )
    );
    let g = r
        .step(StepName::ImapConnect)
        .and_then(|s| s.evidence.greeting.clone())
        .unwrap_or_default();
    assert!(g.contains("Courier-IMAP ready"), "{}", show(&r));
}

/// The product holds three IMAP connections here (the mailbox has folders besides INBOX and
/// Sent); a server allowing `max` of them is named, whichever of the extra logins it refuses.
async fn connection_limit_is_named(max: u32) {
    let l = limited(max);
    let m = mail();
    let mut s = good(&m);
    s.imap = probe::Endpoint::new("limit.test.local", l.dovecot.imaps, Security::SslTls);
    let mut o = opts(&m.certs);
    o.extra_ca_pem = Some(format!("{}{}", m.certs.ca_pem, l.certs.ca_pem));
    let r = probe(&s, &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::ImapValidationError,
            DetailCode::ConcurrencyLimit
        )
    );
    let d = &r.verdict.as_ref().expect("v").detail;
    assert!(
        d.contains(&format!("only {max} concurrent")),
        "{}",
        show(&r)
    );
    assert!(
        d.contains(&format!("mail_max_userip_connections={max}")),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_of_two_is_named() {
    connection_limit_is_named(2).await;
}

/// The second session logs in while the folders are listed: its refusal is named too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_of_one_is_named() {
    connection_limit_is_named(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_login_refused_behind_a_tls_proxy_is_validation_error() {
    let m = mail();
    // Dovecot on 127.0.0.2 sees a plaintext client from 127.0.0.1 and refuses the login.
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 2], m.dovecot.imap));
    let proxy = support::peers::tls_proxy(&m.certs.good, upstream).await;
    let mut s = good(&m);
    s.imap = probe::Endpoint::new("mail.test.local", proxy.port(), Security::SslTls);
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::ImapValidationError,
            DetailCode::PlaintextRefusedAfterTls
        )
    );
    assert!(
        r.verdict
            .as_ref()
            .expect("v")
            .detail
            .contains("[PRIVACYREQUIRED]"),
        "{}",
        show(&r)
    );
}
