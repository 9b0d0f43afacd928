//! NAT64 prefixes (RFC 6052) in the address guard, judged without any connection: the prefix
//! lengths accepted, the embedded IPv4 address at each length (the RFC's own examples, and
//! addresses built here independently of the guard), and the verdicts that follow.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::guard::classify;
use crate::nat64::{Nat64Error, Nat64Prefix};
use crate::resolve::{check_address, resolve_checked, GuardError, Policy, StaticResolver};

fn prefix(s: &str) -> Nat64Prefix {
    Nat64Prefix::parse(s).expect(s)
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().expect(s)
}

#[test]
fn prefixes_of_the_rfc_6052_lengths_only() {
    for good in [
        "64:ff9b::/96",
        " 2001:db8::/32",
        "2001:db8:100::/40",
        "2001:db8:122::/48",
        "2001:db8:122:300::/56",
        "2001:db8:122:344::/64",
        "2001:db8:122:344::/96 ",
    ] {
        assert!(Nat64Prefix::parse(good).is_ok(), "{good}");
    }
    let length = |s: &str| Err(Nat64Error::Length(s.parse().expect(s)));
    let host_bits = |s: &str| Err(Nat64Error::HostBits(s.parse().expect(s)));
    let syntax = |s: &str| Err(Nat64Error::Syntax(s.into()));
    let bad = [
        ("2001:db8::/33", length("2001:db8::/33")),
        ("2001:db8::/128", length("2001:db8::/128")),
        ("::/0", length("::/0")),
        ("2001:db8::/24", length("2001:db8::/24")),
        ("64:ff9b::1/96", host_bits("64:ff9b::1/96")),
        ("2001:db8:0:0:1::/64", host_bits("2001:db8:0:0:1::/64")),
        ("64:ff9b::", syntax("64:ff9b::")),
        ("10.0.0.0/8", syntax("10.0.0.0/8")),
        ("nat64", syntax("nat64")),
    ];
    for (input, want) in bad {
        assert_eq!(Nat64Prefix::parse(input), want, "{input}");
    }
    let message = Nat64Prefix::parse("2001:db8::/33").unwrap_err().to_string();
    assert_eq!(
        message,
        "MAILSETTINGS_PROBE_NAT64_PREFIXES: 2001:db8::/33 is /33; a NAT64 prefix is /32, /40, \
         /48, /56, /64 or /96 (RFC 6052)"
    );
    let list = Nat64Prefix::parse_list("64:ff9b::/96, 2001:db8:64::/96,").expect("list");
    assert_eq!(list, [prefix("64:ff9b::/96"), prefix("2001:db8:64::/96")]);
    assert_eq!(Nat64Prefix::parse_list(""), Ok(vec![]));
    assert!(Nat64Prefix::parse_list("64:ff9b::/96,2001:db8::/100").is_err());
    assert_eq!(prefix("64:ff9b::/96"), Nat64Prefix::WELL_KNOWN);
}

/// RFC 6052 section 2.4: 192.0.2.33 under a prefix of each length.
#[test]
fn the_rfc_examples_embed_their_ipv4_address() {
    let examples = [
        ("2001:db8::/32", "2001:db8:c000:221::"),
        ("2001:db8:100::/40", "2001:db8:1c0:2:21::"),
        ("2001:db8:122::/48", "2001:db8:122:c000:2:2100::"),
        ("2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"),
        ("2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"),
        ("2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33"),
        ("64:ff9b::/96", "64:ff9b::192.0.2.33"),
    ];
    let want = Ipv4Addr::new(192, 0, 2, 33);
    for (p, address) in examples {
        assert_eq!(prefix(p).embedded(v6(address)), Some(want), "{p} {address}");
        assert_eq!(synthesize(p, want), v6(address), "{p}");
    }
    assert_eq!(prefix("2001:db8::/32").embedded(v6("2001:db9::1")), None);
}

/// The address a NAT64 synthesises for `v4` under `prefix`, written from the RFC's figure:
/// the IPv4 bits follow the prefix, skipping bits 64 to 71.
fn synthesize(prefix: &str, v4: Ipv4Addr) -> Ipv6Addr {
    let net: ipnet::Ipv6Net = prefix.parse().expect(prefix);
    let len = u32::from(net.prefix_len());
    let (base, bits) = (u128::from(net.network()), u128::from(u32::from(v4)));
    let placed = if len == 96 {
        bits
    } else {
        // Before bit 64: the first 64 - len bits; after the u octet (from bit 72): the rest.
        let after = len + 32 - 64;
        let high = (bits >> after) << 64;
        let low = (bits & ((1u128 << after) - 1)) << (128 - 72 - after);
        high | low
    };
    Ipv6Addr::from(base | placed)
}

const LENGTHS: [&str; 6] = [
    "2a10:64::/32",
    "2a10:64::/40",
    "2a10:64::/48",
    "2a10:64::/56",
    "2a10:64::/64",
    "2a10:64::/96",
];

#[test]
fn addresses_under_a_nat64_prefix_are_judged_as_the_ipv4_they_embed() {
    #[rustfmt::skip]
    let table: [(Ipv4Addr, Option<&str>); 8] = [
        (Ipv4Addr::new(127, 0, 0, 1), Some("loopback")),
        (Ipv4Addr::new(10, 1, 2, 3), Some("private")),
        (Ipv4Addr::new(192, 168, 1, 1), Some("private")),
        (Ipv4Addr::new(169, 254, 169, 254), Some("cloud metadata")),
        (Ipv4Addr::new(100, 64, 0, 1), Some("shared (carrier-grade NAT)")),
        (Ipv4Addr::new(0, 0, 0, 0), Some("this host")),
        (Ipv4Addr::new(8, 8, 8, 8), None),
        (Ipv4Addr::new(93, 184, 216, 34), None),
    ];
    let mut judged = 0;
    for p in LENGTHS {
        let prefixes = [prefix(p)];
        let policy = Policy {
            allowlist: &[],
            nat64: &prefixes,
        };
        for (inner, range) in table {
            let ip = IpAddr::V6(synthesize(p, inner));
            let got = classify(ip, &prefixes);
            assert_eq!(got.map(|r| r.range), range, "{p} {inner} ({ip})");
            if let Some(r) = got {
                assert_eq!((r.via, r.embedded), (Some("NAT64"), Some(inner)), "{ip}");
            }
            assert_eq!(check_address(ip, policy).is_ok(), range.is_none(), "{ip}");
            judged += 1;
        }
    }
    eprintln!("NAT64: {judged} synthesised addresses judged");
}

#[test]
fn a_network_specific_prefix_changes_the_verdict_of_its_addresses_only() {
    let nsp = [prefix("2001:db8:64::/96")];
    let with = Policy {
        allowlist: &[],
        nat64: &nsp,
    };
    let ip = |s: &str| s.parse::<IpAddr>().expect(s);
    // Without the setting these are judged by the table: documentation, or global unicast.
    for (address, without, under) in [
        ("2001:db8:64::7f00:1", false, false),
        ("2001:db8:64::a00:1", false, false),
        ("2001:db8:64::808:808", false, true),
        ("2001:db8:65::808:808", false, false),
    ] {
        let plain = check_address(ip(address), Policy::default()).is_ok();
        assert_eq!(plain, without, "{address} without the prefix");
        assert_eq!(check_address(ip(address), with).is_ok(), under, "{address}");
    }
    // A prefix in global unicast space: the loopback behind it was reachable before.
    let global = [prefix("2a10:64::/96")];
    let policy = Policy {
        allowlist: &[],
        nat64: &global,
    };
    assert!(check_address(ip("2a10:64::7f00:1"), Policy::default()).is_ok());
    assert!(check_address(ip("2a10:64::7f00:1"), policy).is_err());
    assert!(check_address(ip("2a10:64::808:808"), policy).is_ok());
    // The well-known prefix is judged so with or without the setting.
    assert!(check_address(ip("64:ff9b::7f00:1"), with).is_err());
    assert!(check_address(ip("64:ff9b::808:808"), with).is_ok());
    // Allowlisting the IPv4 range does not cover the gateway; allowlisting the IPv6 does.
    let loopback = ["127.0.0.0/8".parse().expect("cidr")];
    let v4_only = Policy {
        allowlist: &loopback,
        nat64: &global,
    };
    assert!(check_address(ip("2a10:64::7f00:1"), v4_only).is_err());
    let gateway = ["2a10:64::7f00:0/120".parse().expect("cidr")];
    let v6_listed = Policy {
        allowlist: &gateway,
        nat64: &global,
    };
    assert!(check_address(ip("2a10:64::7f00:1"), v6_listed).is_ok());
}

#[tokio::test]
async fn a_name_resolving_under_a_nat64_prefix_is_refused_before_any_connection() {
    let global = [prefix("2a10:64::/64")];
    let policy = Policy {
        allowlist: &[],
        nat64: &global,
    };
    let inner = synthesize("2a10:64::/64", Ipv4Addr::new(10, 0, 0, 1));
    let resolver = StaticResolver::new()
        .with("mail.example.test", IpAddr::V6(inner))
        .with(
            "public.example.test",
            "2a10:64:0:0:8:808:800:0".parse().expect("ip"),
        );
    let err = resolve_checked(&resolver, "mail.example.test", 993, policy)
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            GuardError::NotAllowed {
                range: "private",
                ..
            }
        ),
        "{err:?}"
    );
    let ok = resolve_checked(&resolver, "public.example.test", 993, policy)
        .await
        .expect("8.8.8.8 behind the NAT64");
    assert_eq!(
        ok.addr().ip(),
        IpAddr::V6(synthesize("2a10:64::/64", Ipv4Addr::new(8, 8, 8, 8)))
    );
}

#[test]
fn the_default_options_know_the_well_known_prefix() {
    assert_eq!(
        crate::ProbeOptions::default().nat64_prefixes,
        [Nat64Prefix::WELL_KNOWN]
    );
}
