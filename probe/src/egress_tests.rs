//! Static egress without any connection: which host addresses are usable, the caps, family
//! matching, round robin, and the operator's messages.

use std::net::IpAddr;
use std::time::Instant;

use ipnet::IpNet;

use crate::egress::{usable_in, HostAddr, IpFamily, StaticEgress, StaticEgressError};
use crate::egress::{SourceAddr, MAX_PER_RANGE};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter().map(|s| net(s)).collect()
}

fn iface(s: &str, loopback_device: bool) -> HostAddr {
    HostAddr {
        net: net(s),
        loopback_device,
    }
}

/// A host like this machine: `lo` with 127.0.0.1/8 and ::1, an Ethernet card with IPv4 and
/// IPv6 addresses.
fn host() -> Vec<HostAddr> {
    vec![
        iface("127.0.0.1/8", true),
        iface("::1/128", true),
        iface("203.0.113.7/24", false),
        iface("2001:db8:1::7/64", false),
    ]
}

fn ips(list: &[&str]) -> Vec<IpAddr> {
    list.iter().map(|s| ip(s)).collect()
}

#[test]
fn a_range_inside_the_loopback_network_is_usable_address_by_address() {
    let usable = usable_in(&nets(&["127.0.0.16/29"]), &host());
    let want: Vec<IpAddr> = (16..24).map(|n| ip(&format!("127.0.0.{n}"))).collect();
    assert_eq!(usable, want);
}

#[test]
fn only_assigned_addresses_of_other_interfaces_count() {
    // The card's network is not local: only its own address is.
    assert_eq!(
        usable_in(&nets(&["203.0.113.0/24"]), &host()),
        ips(&["203.0.113.7"])
    );
    assert_eq!(
        usable_in(&nets(&["203.0.113.8/29"]), &host()),
        Vec::<IpAddr>::new()
    );
    assert_eq!(
        usable_in(&nets(&["198.51.100.0/29"]), &host()),
        Vec::<IpAddr>::new()
    );
    // IPv6 has no loopback-network rule: exact addresses only.
    assert_eq!(
        usable_in(&nets(&["2001:db8:1::/64"]), &host()),
        ips(&["2001:db8:1::7"])
    );
    assert_eq!(
        usable_in(&nets(&["2001:db8:2::/64"]), &host()),
        Vec::<IpAddr>::new()
    );
    assert_eq!(usable_in(&nets(&["::1/128"]), &host()), ips(&["::1"]));
    // A loopback device's other IPv4 networks are local too (an operator's range on lo).
    let mut h = host();
    h.push(iface("198.51.100.1/28", true));
    assert_eq!(usable_in(&nets(&["198.51.100.4/30"]), &h).len(), 4, "{h:?}");
}

#[test]
fn large_ranges_are_capped_and_never_listed_in_full() {
    let start = Instant::now();
    for range in ["127.0.0.0/8", "127.1.0.0/16"] {
        let usable = usable_in(&nets(&[range]), &host());
        assert_eq!(usable.len(), MAX_PER_RANGE, "{range}");
        assert!(usable.iter().all(|a| net(range).contains(a)), "{range}");
    }
    // The loopback network's own network and broadcast addresses are left out.
    let whole = usable_in(&nets(&["127.0.0.0/8"]), &host());
    assert!(!whole.contains(&ip("127.0.0.0")));
    assert_eq!(whole.first(), Some(&ip("127.0.0.1")));
    // Per range: two ranges give up to twice the cap, sorted and without duplicates.
    let two = usable_in(&nets(&["127.2.0.0/16", "127.0.0.16/29"]), &host());
    assert_eq!(two.len(), MAX_PER_RANGE + 8);
    assert!(two.windows(2).all(|w| w[0] < w[1]));
    // A /64 of the card gives its one address, not 2^64 candidates.
    assert_eq!(
        usable_in(&nets(&["2001:db8:1::/48"]), &host()),
        ips(&["2001:db8:1::7"])
    );
    assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
}

#[test]
fn sources_match_the_targets_family_and_take_turns() {
    let e = StaticEgress::new(nets(&["127.0.0.16/30", "2001:db8:1::/64"]));
    let usable = ips(&[
        "127.0.0.16",
        "127.0.0.17",
        "127.0.0.18",
        "127.0.0.19",
        "2001:db8:1::7",
    ]);
    let v4 = ip("127.0.0.1");
    let picks: Vec<IpAddr> = (0..6)
        .map(|_| e.source_among(&usable, v4).unwrap())
        .collect();
    assert_eq!(
        picks,
        ips(&[
            "127.0.0.16",
            "127.0.0.17",
            "127.0.0.18",
            "127.0.0.19",
            "127.0.0.16",
            "127.0.0.17"
        ])
    );
    assert_eq!(
        e.source_among(&usable, ip("2001:db8:9::25")),
        Ok(ip("2001:db8:1::7"))
    );
    // An IPv4-mapped target is an IPv4 target.
    assert_eq!(IpFamily::of(ip("::ffff:127.0.0.1")), IpFamily::V4);
    assert!(e
        .source_among(&usable, ip("::ffff:127.0.0.1"))
        .is_ok_and(|s| s.is_ipv4()));
}

#[test]
fn no_usable_address_is_a_clear_operator_error() {
    let e = StaticEgress::new(nets(&["127.0.0.16/29", "2001:db8:5::/64"]));
    let only_v4 = ips(&["127.0.0.16"]);
    let err = e.source_among(&only_v4, ip("2001:db8:9::25")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "None of this installation's static addresses (127.0.0.16/29, 2001:db8:5::/64) is assigned to this host for IPv6: ask the operator to assign them or fix MAILSETTINGS_STATIC_EGRESS"
    );
    let err = e.source_among(&[], ip("127.0.0.1")).unwrap_err();
    assert!(matches!(
        err,
        StaticEgressError::Unavailable {
            family: Some(IpFamily::V4),
            ..
        }
    ));
    let none = StaticEgress::new(vec![]);
    assert_eq!(
        none.source_among(&only_v4, ip("127.0.0.1")),
        Err(StaticEgressError::NoRanges)
    );
    assert!(StaticEgressError::NoRanges
        .to_string()
        .contains("MAILSETTINGS_STATIC_EGRESS"));
}

#[test]
fn this_hosts_loopback_makes_127_0_0_16_29_usable_and_test_net_2_is_not() {
    let e = StaticEgress::new(nets(&["127.0.0.16/29"]));
    assert_eq!(e.usable_addresses().len(), 8);
    // 198.51.100.0/24 (TEST-NET-2) is on no interface of a test machine.
    let far = StaticEgress::new(nets(&["198.51.100.0/29"]));
    assert_eq!(far.usable_addresses(), Vec::<IpAddr>::new());
}

#[tokio::test]
async fn without_static_egress_sockets_are_not_bound() {
    let r = crate::resolve::StaticResolver::new().with("mail.example.test", ip("127.0.0.1"));
    let allow = nets(&["127.0.0.0/8"]);
    let addr = crate::resolve::resolve_checked(
        &r,
        "mail.example.test",
        993,
        crate::resolve::Policy::allowing(&allow),
    )
    .await
    .unwrap();
    assert_eq!(
        SourceAddr::choose(None, addr.addr().ip()).unwrap().ip(),
        None
    );
    let e = StaticEgress::new(nets(&["127.0.0.16/29"]));
    let bound = SourceAddr::choose(Some(&e), addr.addr().ip())
        .unwrap()
        .ip()
        .unwrap();
    assert!(net("127.0.0.16/29").contains(&bound));
}
