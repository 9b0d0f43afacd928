//! The address guard against the IANA special-purpose registries, judged without any
//! connection: pure functions, and `resolve_checked` with a `StaticResolver` (no socket exists
//! before the guard has said yes).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::guard::{classify, embedded_v4, entries, entry_v4, entry_v6, samples, Reach};
use crate::resolve::{check_address, resolve_checked, GuardError, Policy, StaticResolver};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V {
    Refused,
    Allowed,
}
use V::{Allowed as A, Refused as R};

/// Hand-written cases: several per registry entry, and ranges' neighbours.
#[rustfmt::skip]
const CASES: &[(&str, V)] = &[
    ("0.0.0.0", R), ("0.0.0.1", R), ("0.1.2.3", R), ("0.255.255.255", R),
    ("10.0.0.1", R), ("10.10.10.10", R), ("10.255.255.255", R), ("11.0.0.1", A),
    ("100.64.0.0", R), ("100.100.0.1", R), ("100.127.255.255", R), ("100.100.100.200", R),
    ("100.63.255.255", A), ("100.128.0.0", A),
    ("127.0.0.1", R), ("127.1.2.3", R), ("127.255.255.254", R), ("126.255.255.255", A),
    ("128.0.0.1", A),
    ("169.254.0.1", R), ("169.254.169.254", R), ("169.254.255.255", R), ("169.253.255.255", A),
    ("172.16.0.1", R), ("172.20.1.1", R), ("172.31.255.255", R), ("172.15.255.255", A),
    ("172.32.0.0", A),
    ("192.0.0.0", R), ("192.0.0.7", R), ("192.0.0.8", R), ("192.0.0.11", R), ("192.0.0.170", R),
    ("192.0.0.171", R), ("192.0.0.255", R), ("192.0.0.9", A), ("192.0.0.10", A),
    ("192.0.2.0", R), ("192.0.2.1", R), ("192.0.2.255", R),
    ("192.31.196.1", A), ("192.31.196.255", A), ("192.52.193.1", A), ("192.52.193.200", A),
    ("192.88.99.0", R), ("192.88.99.1", R), ("192.88.99.255", R),
    ("192.168.0.1", R), ("192.168.1.1", R), ("192.168.255.255", R), ("192.167.255.255", A),
    ("192.169.0.0", A), ("192.175.48.1", A), ("192.175.48.6", A),
    ("198.18.0.1", R), ("198.19.255.255", R), ("198.17.255.255", A), ("198.20.0.0", A),
    ("198.51.100.1", R), ("198.51.100.255", R), ("203.0.113.1", R), ("203.0.113.254", R),
    ("224.0.0.1", R), ("232.1.1.1", R), ("239.255.255.250", R),
    ("240.0.0.1", R), ("250.1.2.3", R), ("255.255.255.254", R), ("255.255.255.255", R),
    ("8.8.8.8", A), ("1.1.1.1", A), ("93.184.216.34", A), ("223.255.255.255", A),
    ("::", R), ("::1", R), ("::2", R), ("1000::1", R), ("4000::1", R), ("8000::1", R),
    ("e000::1", R), ("::1:0:0:1", R),
    ("::7f00:1", R), ("::a00:1", R), ("::808:808", A),
    ("::ffff:127.0.0.1", R), ("::ffff:10.1.2.3", R), ("::ffff:8.8.8.8", A),
    ("::ffff:0:7f00:1", R), ("::ffff:0:c0a8:101", R), ("::ffff:0:808:808", A),
    ("64:ff9b::808:808", A), ("64:ff9b::a00:1", R), ("64:ff9b::7f00:1", R),
    ("64:ff9b::a9fe:a9fe", R), ("64:ff9b:0:0:1::", R),
    ("64:ff9b:1::808:808", R), ("64:ff9b:1::1", R), ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", R),
    ("100::", R), ("100::1", R), ("100::ffff:ffff:ffff:ffff", R),
    ("100:0:0:1::", R), ("100:0:0:1::1", R), ("100:0:0:1:ffff:ffff:ffff:ffff", R),
    ("2001:1::4", R), ("2001:5::1", R), ("2001:4:113::1", R), ("2001:1ff:ffff::1", R),
    ("2001:1::1", A), ("2001:1::2", A), ("2001:1::3", A),
    ("2001:2::1", R), ("2001:2:0:ffff::1", R),
    ("2001:3::1", A), ("2001:3:ffff::1", A), ("2001:4:112::1", A), ("2001:4:112:ffff::1", A),
    ("2001:10::1", R), ("2001:1f:ffff::1", R),
    ("2001:20::1", A), ("2001:2f:ffff::1", A), ("2001:30::1", A), ("2001:3f:ffff::1", A),
    ("2001:db8::1", R), ("2001:db8:ffff::1", R), ("2001:200::1", A),
    // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (documentation).
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", R),
    ("2002:7f00:1::1", R), ("2002:a00:1::", R), ("2002:c058:6301::", R), ("2002:808:808::1", A),
    ("2620:4f:8000::1", A), ("2620:4f:8000:ffff::1", A),
    ("3fff::1", R), ("3fff:fff:ffff::1", R), ("3fff:1000::1", A),
    ("5f00::1", R), ("5f00:ffff::1", R),
    ("fc00::1", R), ("fd12:3456::1", R), ("fdff:ffff::1", R), ("fd00:ec2::254", R),
    ("fe80::1", R), ("febf::1", R), ("fec0::1", R), ("feff::1", R),
    ("ff02::1", R), ("ff05::2", R), ("ffff::1", R),
    ("2606:4700::1111", A), ("2a00:1450:4001::1", A), ("2001:4860:4860::8888", A),
];

const INTERNAL: [[u8; 4]; 4] = [
    [127, 0, 0, 1],
    [10, 0, 0, 1],
    [169, 254, 169, 254],
    [192, 168, 1, 1],
];
const PUBLIC: [[u8; 4]; 2] = [[8, 8, 8, 8], [1, 1, 1, 1]];

fn low(prefix: u128, v4: Ipv4Addr) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(prefix | u128::from(u32::from(v4))))
}

/// Each IPv6 form that carries an IPv4 address, built independently of the guard.
type Wrap = Box<dyn Fn(Ipv4Addr) -> IpAddr>;

fn wrappers() -> Vec<(&'static str, Wrap)> {
    let public_client = !u32::from(Ipv4Addr::new(8, 8, 4, 4));
    let server = u32::from(Ipv4Addr::new(65, 54, 227, 120));
    vec![
        ("mapped", Box::new(|v| low(0xffff << 32, v))),
        ("compatible", Box::new(|v| low(0, v))),
        ("translated", Box::new(|v| low(0xffff << 48, v))),
        ("nat64", Box::new(|v| low(0x64_ff9b << 96, v))),
        (
            "6to4",
            Box::new(|v| {
                low(
                    (0x2002 << 112) | (u128::from(u32::from(v)) << 80),
                    Ipv4Addr::UNSPECIFIED,
                )
            }),
        ),
        (
            "teredo server",
            Box::new(move |v| {
                let s = (0x2001u128 << 112)
                    | (u128::from(u32::from(v)) << 64)
                    | u128::from(public_client);
                IpAddr::V6(s.into())
            }),
        ),
        (
            "teredo client",
            Box::new(move |v| {
                let s =
                    (0x2001u128 << 112) | (u128::from(server) << 64) | u128::from(!u32::from(v));
                IpAddr::V6(s.into())
            }),
        ),
    ]
}

/// The hand-written cases plus every wrapper around internal and public IPv4 addresses.
fn all_cases() -> Vec<(IpAddr, V, String)> {
    let mut out: Vec<_> = CASES
        .iter()
        .map(|(a, v)| (a.parse().expect(a), *v, a.to_string()))
        .collect();
    for (name, wrap) in wrappers() {
        for (list, v) in [(&INTERNAL[..], R), (&PUBLIC[..], A)] {
            for o in list {
                let inner = Ipv4Addr::from(*o);
                out.push((wrap(inner), v, format!("{name} {inner}")));
            }
        }
    }
    for o in INTERNAL.iter().chain(&PUBLIC) {
        let inner = Ipv4Addr::from(*o);
        let local_use = low((0x64_ff9b_0001u128) << 80, inner);
        out.push((local_use, R, format!("NAT64 local-use {inner}")));
    }
    out
}

fn verdict(ip: IpAddr) -> V {
    match check_address(ip, Policy::default()) {
        Ok(()) => A,
        Err(_) => R,
    }
}

#[test]
fn every_registry_case_gets_its_verdict_without_connecting() {
    let cases = all_cases();
    for (ip, want, label) in &cases {
        assert_eq!(
            verdict(*ip),
            *want,
            "{label} ({ip}): {:?}",
            classify(*ip, &[])
        );
        assert_eq!(
            crate::guard::restricted_range(*ip).is_some(),
            *want == R,
            "{label}"
        );
    }
    // Each table entry is exercised by a hand-written case whose most specific entry it is.
    for (net, name, _) in entries() {
        let hit = cases.iter().any(|(ip, _, _)| match (net, ip) {
            (ipnet::IpNet::V4(n), IpAddr::V4(a)) => entry_v4(*a).is_some_and(|e| e.net == n),
            (ipnet::IpNet::V6(n), IpAddr::V6(a)) => entry_v6(*a).is_some_and(|e| e.net == n),
            _ => false,
        });
        assert!(hit, "no case for {net} ({name})");
    }
    eprintln!("SSRF guard: {} address cases judged", cases.len());
}

#[test]
fn table_samples_agree_with_their_entry() {
    let mut n = 0;
    for (net, name, reach) in entries() {
        for ip in samples(net) {
            let most_specific = match ip {
                IpAddr::V4(a) => entry_v4(a).map(|e| ipnet::IpNet::V4(e.net)),
                IpAddr::V6(a) => entry_v6(a).map(|e| ipnet::IpNet::V6(e.net)),
            };
            if most_specific != Some(net) {
                continue;
            }
            n += 1;
            let refused = classify(ip, &[]).is_some();
            match (reach, ip) {
                (Reach::Refused, _) => assert!(refused, "{ip} in {net} ({name})"),
                (Reach::Global, _) => assert!(!refused, "{ip} in {net} ({name})"),
                (Reach::Embeds(how), IpAddr::V6(a)) => {
                    let inner_refused = embedded_v4(a, how)
                        .into_iter()
                        .any(|v| classify(IpAddr::V4(v), &[]).is_some());
                    assert_eq!(refused, inner_refused, "{ip} in {net} ({name})");
                }
                (Reach::Embeds(_), IpAddr::V4(_)) => panic!("IPv4 entry {net} embeds"),
            }
        }
    }
    eprintln!("SSRF guard: {n} table samples judged");
}

#[test]
fn allowlisting_lets_exactly_the_listed_ranges_through() {
    let ip = |s: &str| s.parse::<IpAddr>().expect(s);
    let allow: Vec<ipnet::IpNet> = vec!["127.0.0.0/8".parse().expect("cidr")];
    assert!(check_address(ip("127.0.0.1"), Policy::allowing(&allow)).is_ok());
    assert!(check_address(ip("127.0.0.2"), Policy::allowing(&allow)).is_ok());
    // The mapped form connects to the same IPv4 address.
    assert!(check_address(ip("::ffff:127.0.0.1"), Policy::allowing(&allow)).is_ok());
    // NAT64 and 6to4 lead to another host (a gateway), not to the allowlisted loopback.
    assert!(check_address(ip("64:ff9b::7f00:1"), Policy::allowing(&allow)).is_err());
    assert!(check_address(ip("2002:7f00:1::1"), Policy::allowing(&allow)).is_err());
    assert!(check_address(ip("::1"), Policy::allowing(&allow)).is_err());
    assert!(check_address(ip("10.0.0.1"), Policy::allowing(&allow)).is_err());
    let v6: Vec<ipnet::IpNet> = vec!["::1/128".parse().expect("cidr")];
    assert!(check_address(ip("::1"), Policy::allowing(&v6)).is_ok());
}

fn refusal_for(host: &str) -> String {
    format!("{host} resolves to a private address; connection tests may not reach it unless the operator allowlists it (MAILSETTINGS_PROBE_ALLOW_PRIVATE)")
}

#[tokio::test]
async fn a_name_resolving_to_a_refused_address_is_refused_naming_the_host_only() {
    let refused: Vec<_> = all_cases().into_iter().filter(|c| c.1 == R).collect();
    let mut resolver = StaticResolver::new();
    for (i, (ip, _, _)) in refused.iter().enumerate() {
        resolver = resolver.with(&format!("mail{i}.example.test"), *ip);
    }
    for (i, (ip, _, label)) in refused.iter().enumerate() {
        let host = format!("mail{i}.example.test");
        let err = resolve_checked(&resolver, &host, 993, Policy::default())
            .await
            .expect_err(label);
        assert!(
            matches!(err, GuardError::NotAllowed { ip: got, .. } if got == *ip),
            "{label}"
        );
        let text = err.to_string();
        assert_eq!(text, refusal_for(&host), "{label}");
        assert!(!text.contains(&ip.to_string()), "{label}: {text}");
        if let Some(inner) = classify(*ip, &[]).and_then(|r| r.embedded) {
            assert!(!text.contains(&inner.to_string()), "{label}: {text}");
        }
    }
    eprintln!(
        "SSRF guard: {} names refused before any connection",
        refused.len()
    );
}

#[tokio::test]
async fn literals_name_their_range_and_mixed_answers_use_the_public_address() {
    let resolver = StaticResolver::new()
        .with("mixed.example.test", "10.0.0.1".parse().expect("ip"))
        .with("mixed.example.test", "8.8.8.8".parse().expect("ip"))
        .with("loop.example.test", "127.0.0.1".parse().expect("ip"));
    let err = resolve_checked(&resolver, "[::ffff:10.0.0.1]", 993, Policy::default())
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "[::ffff:10.0.0.1] is a private address (private range); connection tests may not reach it unless the operator allowlists it (MAILSETTINGS_PROBE_ALLOW_PRIVATE)"
    );
    let ok = resolve_checked(&resolver, "mixed.example.test", 993, Policy::default())
        .await
        .expect("public");
    assert_eq!(ok.addr().to_string(), "8.8.8.8:993");
    let allow = ["127.0.0.0/8".parse().expect("cidr")];
    let ok = resolve_checked(
        &resolver,
        "loop.example.test",
        10993,
        Policy::allowing(&allow),
    )
    .await
    .expect("allowed");
    assert_eq!(ok.addr().to_string(), "127.0.0.1:10993");
    let err = resolve_checked(&resolver, "loop.example.test", 10993, Policy::default())
        .await
        .expect_err("refused");
    assert_eq!(err.to_string(), refusal_for("loop.example.test"));
}
