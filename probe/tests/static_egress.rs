//! Static egress against the real Dovecot and Postfix: the servers see the probe come from the
//! static range (and from 127.0.0.1 when it is off), a range with no local address fails
//! clearly before anything connects, and the test from every static address finds the one
//! address a firewall stand-in refuses.

mod support;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use probe::{
    probe, probe_from_each_source, Category, DetailCode, ProbeOptions, Security, StaticEgress,
    StaticEgressError, StepName,
};
use support::firewall::{dovecot_logins, log_mark, postfix_connects, Firewall};
use support::*;

/// Eight addresses, all local on Linux (127/8 on `lo`).
const RANGE: &str = "127.0.0.16/29";
/// TEST-NET-2, on no interface of a test machine. (192.0.2.0/29 is not safe: this machine's
/// eth0 has 192.0.2.2/24.)
const FAR: &str = "198.51.100.0/29";

fn egress(range: &str) -> Arc<StaticEgress> {
    Arc::new(StaticEgress::new(vec![range.parse().expect("cidr")]))
}

fn range_ips() -> Vec<IpAddr> {
    (16..24).map(|n| IpAddr::from([127, 0, 0, n])).collect()
}

fn loopback() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_see_the_probe_come_from_the_static_range_and_from_127_0_0_1_when_off() {
    // Its own servers: the log lines it reads are its own connections.
    let m = Mail::start();
    let range: IpNet = RANGE.parse().expect("cidr");
    let (dovecot_mark, postfix_mark) = (log_mark(&m.dovecot.log), log_mark(&m.postfix.log));
    let mut o = opts(&m.certs);
    o.static_egress = Some(egress(RANGE));
    let r = probe(&good(&m), &creds(), &o, |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    let sources: Vec<IpAddr> = r
        .steps
        .iter()
        .map(|s| {
            let source = s
                .source
                .as_deref()
                .unwrap_or_else(|| panic!("{}", show(&r)));
            source.parse().expect("ip")
        })
        .collect();
    assert!(sources.iter().all(|ip| range.contains(ip)), "{sources:?}");
    // IMAP: the main session and two concurrency-check sessions; SMTP: main and second session.
    let imap_peers = dovecot_logins(&m.dovecot.log, dovecot_mark, 3);
    let smtp_peers = postfix_connects(&m.postfix.log, postfix_mark, 2);
    assert_eq!(imap_peers.len(), 3, "{imap_peers:?}");
    assert_eq!(smtp_peers.len(), 2, "{smtp_peers:?}");
    for ip in imap_peers.iter().chain(&smtp_peers) {
        assert!(range.contains(ip), "the server saw {ip}");
    }
    assert!(
        imap_peers.contains(&sources[0]),
        "{imap_peers:?} {sources:?}"
    );
    assert!(
        smtp_peers.contains(&sources[2]),
        "{smtp_peers:?} {sources:?}"
    );
    // Round robin: five connections, five different addresses.
    let distinct: BTreeSet<&IpAddr> = imap_peers.iter().chain(&smtp_peers).collect();
    assert_eq!(distinct.len(), 5, "{imap_peers:?} {smtp_peers:?}");
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["steps"][0]["source"], sources[0].to_string());
    eprintln!("static egress on: IMAP server saw {imap_peers:?}, SMTP server saw {smtp_peers:?}");

    let (dovecot_mark, postfix_mark) = (log_mark(&m.dovecot.log), log_mark(&m.postfix.log));
    let r = probe(&good(&m), &creds(), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    assert!(r.steps.iter().all(|s| s.source.is_none()), "{}", show(&r));
    let imap_peers = dovecot_logins(&m.dovecot.log, dovecot_mark, 3);
    let smtp_peers = postfix_connects(&m.postfix.log, postfix_mark, 2);
    assert_eq!(imap_peers, vec![loopback(); 3]);
    assert_eq!(smtp_peers, vec![loopback(); 2]);
}

/// Options for peers that must never be reached (loopback allowed).
fn unreachable_opts(egress: Arc<StaticEgress>) -> ProbeOptions {
    ProbeOptions {
        step_timeout: Duration::from_secs(3),
        overall_budget: Duration::from_secs(10),
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        static_egress: Some(egress),
        ..ProbeOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_with_no_local_address_fails_clearly_and_nothing_connects() {
    let far = egress(FAR);
    assert!(
        far.usable_addresses().is_empty(),
        "{FAR} is assigned to this host: this test needs a range that is not"
    );
    let (imap, imap_seen) = peers::silent().await;
    let (smtp, smtp_seen) = peers::silent().await;
    let s = settings(
        ("127.0.0.1", imap.port(), Security::SslTls),
        ("127.0.0.1", smtp.port(), Security::StartTls),
    );
    let r = probe(&s, &creds(), &unreachable_opts(far.clone()), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapConnect,
            Category::ImapSettingsIncorrect,
            DetailCode::StaticSourceUnavailable
        )
    );
    let message = "None of this installation's static addresses (198.51.100.0/29) is assigned to this host for IPv4: ask the operator to assign them or fix MAILSETTINGS_STATIC_EGRESS";
    assert_eq!(r.verdict.as_ref().map(|v| v.detail.as_str()), Some(message));
    let smtp_fail = r
        .step(StepName::SmtpConnect)
        .and_then(|s| s.failure.clone())
        .expect("smtp failure");
    assert_eq!(smtp_fail.category, Category::SmtpSettingsIncorrect);
    assert_eq!(smtp_fail.detail_code, DetailCode::StaticSourceUnavailable);
    assert!(r.steps.iter().all(|s| s.source.is_none()), "{}", show(&r));
    let rows = probe_from_each_source(&s, &creds(), &unreachable_opts(far)).await;
    assert_eq!(
        rows,
        Err(StaticEgressError::Unavailable {
            ranges: FAR.into(),
            family: None
        })
    );
    assert!(rows.is_err_and(|e| e.to_string().contains("MAILSETTINGS_STATIC_EGRESS")));

    // ::1 is local, but an IPv6 source cannot reach an IPv4 server.
    let v6 = egress("::1/128");
    let r = probe(&s, &creds(), &unreachable_opts(v6.clone()), |_| {}).await;
    let v = r.verdict.as_ref().expect("verdict");
    assert_eq!(v.detail_code, DetailCode::StaticSourceUnavailable);
    assert!(
        v.detail.contains("(::1/128)") && v.detail.contains("for IPv4"),
        "{}",
        v.detail
    );
    let rows = probe_from_each_source(&s, &creds(), &unreachable_opts(v6))
        .await
        .expect("one row for ::1");
    assert_eq!(rows.len(), 1);
    for leg in [&rows[0].imap, &rows[0].smtp] {
        assert!(!leg.ok && leg.category.is_none(), "{leg:?}");
        assert!(
            leg.detail
                .as_deref()
                .unwrap_or("")
                .starts_with("not tested"),
            "{leg:?}"
        );
    }
    let mut off = unreachable_opts(egress(RANGE));
    off.static_egress = None;
    assert_eq!(
        probe_from_each_source(&s, &creds(), &off).await,
        Err(StaticEgressError::NotEnabled)
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
async fn test_from_every_static_address_shows_the_address_the_firewall_refuses() {
    let m = mail();
    let blocked = IpAddr::from([127, 0, 0, 19]);
    let to = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let imap_fw = Firewall::start(to(m.dovecot.imaps), blocked).await;
    let smtp_fw = Firewall::start(to(m.postfix.smtps), blocked).await;
    let s = settings(
        ("mail.test.local", imap_fw.addr.port(), Security::SslTls),
        ("mail.test.local", smtp_fw.addr.port(), Security::SslTls),
    );
    let mut o = opts(&m.certs);
    o.static_egress = Some(egress(RANGE));
    let start = Instant::now();
    let rows = probe_from_each_source(&s, &creds(), &o)
        .await
        .expect("usable addresses");
    let elapsed = start.elapsed();
    let json = serde_json::to_string_pretty(&rows).expect("json");
    let sources: Vec<String> = rows.iter().map(|r| r.source.clone()).collect();
    let want: Vec<String> = range_ips().iter().map(ToString::to_string).collect();
    assert_eq!(sources, want, "{json}");
    for row in &rows {
        if row.source == blocked.to_string() {
            assert!(!row.imap.ok && !row.smtp.ok, "{json}");
            assert_eq!(
                row.imap.category,
                Some(Category::ImapSettingsIncorrect),
                "{json}"
            );
            assert_eq!(row.imap.title.as_deref(), Some("IMAP settings incorrect"));
            assert_eq!(
                row.smtp.category,
                Some(Category::SmtpSettingsIncorrect),
                "{json}"
            );
            for leg in [&row.imap, &row.smtp] {
                let detail = leg.detail.as_deref().unwrap_or("");
                assert!(detail.contains("a firewall refusing 127.0.0.19"), "{json}");
            }
        } else {
            assert!(row.imap.ok && row.smtp.ok, "{json}");
        }
    }
    let every: BTreeSet<IpAddr> = range_ips().into_iter().collect();
    assert_eq!(
        imap_fw.peers(),
        every,
        "each row leaves from its own address"
    );
    assert_eq!(
        smtp_fw.peers(),
        every,
        "each row leaves from its own address"
    );
    assert!(!json.contains(dovecot::PASSWORD));
    let failed = rows.iter().find(|r| r.source == blocked.to_string());
    eprintln!(
        "test from every static address: {} addresses in {} ms; refused row: {failed:?}",
        rows.len(),
        elapsed.as_millis()
    );
}
