//! In-process hostile peers: each gives a classified verdict within the budget, and the bytes
//! read stay under the cap. A scripted peer replays a provider's app-password answer.

mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use probe::{
    probe, Category, DetailCode, ProbeOptions, ProbeReport, ProbeSettings, Security,
    StaticResolver, StepName,
};
use support::{certs::Certs, peers, proc::RunDir};

const BUDGET: Duration = Duration::from_secs(3);
const SLACK: Duration = Duration::from_millis(1500);
const CAP: u64 = 64 * 1024;

fn opts() -> ProbeOptions {
    ProbeOptions {
        step_timeout: Duration::from_secs(1),
        overall_budget: BUDGET,
        greeting_sniff: Duration::from_millis(500),
        resolver: Arc::new(StaticResolver::new()),
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        max_bytes_per_connection: CAP,
        ..ProbeOptions::default()
    }
}

fn settings(imap_port: u16, security: Security) -> ProbeSettings {
    support::settings(
        ("127.0.0.1", imap_port, security),
        ("127.0.0.1", support::proc::free_port(), Security::SslTls),
    )
}

async fn timed(s: &ProbeSettings, o: &ProbeOptions) -> (ProbeReport, Duration) {
    let start = Instant::now();
    let r = probe(s, &support::creds(), o, |_| {}).await;
    (r, start.elapsed())
}

fn verdict(r: &ProbeReport) -> (StepName, Category, DetailCode) {
    let v = r.verdict.as_ref().expect("a verdict");
    (v.failed_step, v.category, v.detail_code)
}

#[tokio::test]
async fn silent_server_times_out_within_budget() {
    let (addr, _) = peers::silent().await;
    for security in [Security::SslTls, Security::StartTls] {
        let (r, took) = timed(&settings(addr.port(), security), &opts()).await;
        assert!(took < BUDGET + SLACK, "{security:?} took {took:?}");
        eprintln!("silent {security:?}: verdict after {took:?} (budget {BUDGET:?})");
        assert_eq!(
            verdict(&r),
            (
                StepName::ImapConnect,
                Category::ImapSettingsIncorrect,
                DetailCode::TimedOut
            ),
            "{security:?}"
        );
    }
}

#[tokio::test]
async fn dripping_server_times_out_within_budget() {
    let addr = peers::drip().await;
    let (r, took) = timed(&settings(addr.port(), Security::StartTls), &opts()).await;
    assert!(took < BUDGET + SLACK, "took {took:?}");
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::TimedOut
        )
    );
    let read = r
        .step(StepName::ImapConnect)
        .map(|s| s.evidence.bytes_read)
        .unwrap_or(u64::MAX);
    assert!(read < 10, "read {read} bytes");
    eprintln!("drip: verdict after {took:?} (budget {BUDGET:?}), {read} bytes read");
}

#[tokio::test]
async fn endless_line_is_cut_at_the_cap() {
    let (addr, _written) = peers::endless_line().await;
    let (r, took) = timed(&settings(addr.port(), Security::StartTls), &opts()).await;
    assert!(took < BUDGET + SLACK, "took {took:?}");
    let (step, cat, code) = verdict(&r);
    assert_eq!(
        (step, cat),
        (StepName::ImapConnect, Category::ImapSettingsIncorrect)
    );
    assert!(
        matches!(code, DetailCode::ResponseTooLarge | DetailCode::TimedOut),
        "{code:?}"
    );
    let read = r
        .step(StepName::ImapConnect)
        .map(|s| s.evidence.bytes_read)
        .unwrap_or(u64::MAX);
    assert!(read <= CAP, "read {read} bytes, cap {CAP}");
    eprintln!("endless line: {code:?} after {took:?}, {read} bytes read (cap {CAP})");
}

#[tokio::test]
async fn app_password_alert_is_unauthorized_app_password_required() {
    let dir = RunDir::new("peers");
    let certs = Certs::generate(&dir.path().join("certs"));
    let reply = "* BAD [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)\r\n{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n";
    let addr = peers::scripted_imaps(&certs.good, reply).await;
    let mut o = opts();
    o.extra_ca_pem = Some(certs.ca_pem.clone());
    o.step_timeout = Duration::from_secs(5);
    o.overall_budget = Duration::from_secs(10);
    let (r, _) = timed(&settings(addr.port(), Security::SslTls), &o).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::UnauthorizedAppPasswordRequired,
            DetailCode::AppPasswordRequired
        )
    );
    let v = r.verdict.as_ref().expect("v");
    assert!(
        v.detail.contains("Application-specific password required"),
        "{}",
        v.detail
    );
    // The SMTP leg (a closed port) failed too, but the verdict is the first failure in seed order.
    assert!(r
        .step(StepName::SmtpConnect)
        .and_then(|s| s.failure.as_ref())
        .is_some());
}

#[tokio::test]
async fn guard_refuses_loopback_and_the_peer_sees_no_connection() {
    let (addr, seen) = peers::silent().await;
    let mut o = opts();
    o.allowlist.clear();
    let (r, _) = timed(&settings(addr.port(), Security::SslTls), &o).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::AddressNotAllowed
        )
    );
    // An IP literal is what the administrator typed, so its range is named.
    assert_eq!(
        r.verdict.as_ref().expect("v").detail,
        "127.0.0.1 is a private address (loopback range); connection tests may not reach it unless the operator allowlists it (MAILSETTINGS_PROBE_ALLOW_PRIVATE)"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

/// The refusal names the host the administrator typed, never the address it resolved to.
/// The names resolve to 127.0.0.1 only, so even a broken guard could reach nothing but loopback.
#[tokio::test]
async fn guard_refuses_a_name_naming_the_host_and_the_peers_see_no_connection() {
    let (imap, imap_seen) = peers::silent().await;
    let (smtp, smtp_seen) = peers::silent().await;
    let loopback = "127.0.0.1".parse().expect("ip");
    let mut o = opts();
    o.allowlist.clear();
    o.resolver = Arc::new(
        StaticResolver::new()
            .with("imap.internal.test", loopback)
            .with("smtp.internal.test", loopback),
    );
    let s = support::settings(
        ("imap.internal.test", imap.port(), Security::SslTls),
        ("smtp.internal.test", smtp.port(), Security::SslTls),
    );
    let (r, _) = timed(&s, &o).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::AddressNotAllowed
        )
    );
    let smtp_failure = r
        .step(StepName::SmtpConnect)
        .and_then(|s| s.failure.clone())
        .expect("smtp refused");
    assert_eq!(smtp_failure.detail_code, DetailCode::AddressNotAllowed);
    let suffix = "resolves to a private address; connection tests may not reach it unless the operator allowlists it (MAILSETTINGS_PROBE_ALLOW_PRIVATE)";
    let detail = &r.verdict.as_ref().expect("v").detail;
    assert_eq!(detail, &format!("imap.internal.test {suffix}"));
    assert_eq!(smtp_failure.detail, format!("smtp.internal.test {suffix}"));
    let json = serde_json::to_string(&r).expect("json");
    assert!(!json.contains("127.0.0.1"), "{json}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(imap_seen.load(Ordering::SeqCst), 0);
    assert_eq!(smtp_seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn unknown_host_is_a_dns_failure_without_real_dns() {
    let s = support::settings(
        ("no-such-host.test.local", 993, Security::SslTls),
        ("no-such-host.test.local", 465, Security::SslTls),
    );
    let (r, _) = timed(&s, &opts()).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::DnsFailed
        )
    );
    assert_eq!(
        r.verdict.as_ref().and_then(|v| v.field),
        Some(probe::Field::ImapHost)
    );
}

#[tokio::test]
async fn tls_older_than_1_2_is_refused_on_purpose() {
    let dir = RunDir::new("oldtls");
    let certs = Certs::generate(&dir.path().join("certs"));
    let old = peers::OldTls::start(&certs.good);
    let mut o = opts();
    o.extra_ca_pem = Some(certs.ca_pem.clone());
    let (r, _) = timed(&settings(old.port, Security::SslTls), &o).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::TlsVersionTooOld
        ),
        "{:?}",
        r.verdict
    );
    let v = r.verdict.as_ref().expect("v");
    assert!(
        v.detail.contains("older protocols are refused on purpose"),
        "{}",
        v.detail
    );
}

#[tokio::test]
async fn overall_budget_caps_a_long_step_timeout() {
    let (addr, _) = peers::silent().await;
    let mut o = opts();
    o.step_timeout = Duration::from_secs(10);
    o.overall_budget = Duration::from_secs(2);
    let (r, took) = timed(&settings(addr.port(), Security::SslTls), &o).await;
    assert!(took < o.overall_budget + SLACK, "took {took:?}");
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::TimedOut
        )
    );
    let v = r.verdict.as_ref().expect("v");
    assert!(v.detail.contains("overall budget"), "{}", v.detail);
    eprintln!("blackholed port: verdict after {took:?} with a 2 s budget and 10 s step timeout");
}
