//! Certificate truth against real Dovecot and Postfix: self-signed, expired, wrong host,
//! expiring soon, pinning, and the SMTP leg's own certificate check.

mod support;

use probe::{probe, Category, DetailCode, StepName};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_refused_then_accepted_with_flag() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "selfsigned.test.local".into();
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::UnauthorizedSslCertificateNotTrusted,
            DetailCode::CertSelfSigned
        )
    );
    let tls = r
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.clone())
        .expect("facts of the refused cert");
    assert!(tls.self_signed && tls.sha256_fingerprint.is_some());
    s.allow_non_secure_certificate = true;
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    let tls = r
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.clone())
        .expect("tls");
    assert!(
        tls.accepted_despite
            .as_deref()
            .unwrap_or("")
            .contains("self-signed"),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_names_the_date() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "expired.test.local".into();
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::UnauthorizedSslCertificateNotTrusted,
            DetailCode::CertExpired
        )
    );
    assert!(
        r.verdict.as_ref().expect("v").detail.contains("2020-02-01"),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_host_is_refused_even_with_the_flag() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "wronghost.test.local".into();
    for flag in [false, true] {
        s.allow_non_secure_certificate = flag;
        let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
        assert_eq!(
            verdict(&r),
            (
                StepName::ImapConnect,
                Category::UnauthorizedSslCertificateNotTrusted,
                DetailCode::CertWrongHost
            ),
            "flag {flag}"
        );
        assert!(r
            .verdict
            .as_ref()
            .expect("v")
            .detail
            .contains("wrong.host.invalid"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_expiring_soon_is_warned() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "soon.test.local".into();
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    let tls = r
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.clone())
        .expect("tls");
    assert!(
        tls.warnings
            .iter()
            .any(|w| w.contains("expires within 30 days")),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_certificate_is_accepted_and_a_changed_one_named() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "selfsigned.test.local".into();
    s.allow_non_secure_certificate = true;
    let first = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    let fp = first
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.clone())
        .and_then(|t| t.sha256_fingerprint)
        .expect("fp");
    s.allow_non_secure_certificate = false;
    s.imap.pin = Some(domain::CertPin::new(&fp, "2026-11-01").expect("pin"));
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    s.imap.host = "mail.test.local".into(); // another certificate than the pinned one
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::UnauthorizedSslCertificateNotTrusted,
            DetailCode::CertPinMismatch
        )
    );
    assert!(
        r.verdict
            .as_ref()
            .expect("v")
            .detail
            .contains("pinned on 2026-11-01"),
        "{}",
        show(&r)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_certificate_problems_are_reported_on_smtp_connect() {
    let m = mail();
    let mut s = good(&m);
    s.smtp.host = "127.0.0.1".into();
    let mut o = opts(&m.certs);
    o.extra_ca_pem = None; // the test CA is not trusted now: the SMTP leg must say so too
    s.imap.host = "127.0.0.1".into();
    s.allow_non_secure_certificate = false;
    let r = probe(&s, &creds(), &o, |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::UnauthorizedSslCertificateNotTrusted,
            DetailCode::CertUntrustedIssuer
        )
    );
    let smtp = r
        .step(StepName::SmtpConnect)
        .and_then(|s| s.failure.clone())
        .expect("smtp failure");
    assert_eq!(smtp.detail_code, DetailCode::CertUntrustedIssuer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_naming_the_host_only_in_its_cn_is_reported_as_such() {
    let m = mail();
    let mut s = good(&m);
    s.imap.host = "cnonly.test.local".into();
    let r = probe(&s, &creds(), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::UnauthorizedSslCertificateNotTrusted,
            DetailCode::CertCnOnly
        )
    );
    assert_eq!(
        r.verdict.as_ref().and_then(|v| v.field),
        Some(probe::Field::ImapHost)
    );
}
