//! parse_cidr_list and find_overlap.

use std::net::{IpAddr, Ipv4Addr};

use domain::{find_overlap, parse_cidr_list, CidrError};
use ipnet::IpNet;
use proptest::collection::vec;
use proptest::prelude::*;

use crate::strategies::*;

fn max_len(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

/// Any address with any prefix length valid for its family (host bits possibly set).
fn address_and_prefix() -> impl Strategy<Value = (IpAddr, u8)> {
    (any::<IpAddr>(), any::<u8>()).prop_map(|(addr, len)| (addr, len % (max_len(addr) + 1)))
}

fn network() -> impl Strategy<Value = IpNet> {
    address_and_prefix().prop_filter_map("valid prefix", |(addr, len)| {
        IpNet::new(addr, len).ok().map(|n| n.trunc())
    })
}

/// Networks inside 10.0.0.0/8, so that random lists often overlap.
fn crowded_network() -> impl Strategy<Value = IpNet> {
    (any::<u32>(), 8u8..=32).prop_filter_map("valid prefix", |(bits, len)| {
        let addr = Ipv4Addr::from(0x0a00_0000 | (bits & 0x00ff_ffff));
        IpNet::new(IpAddr::V4(addr), len).ok().map(|n| n.trunc())
    })
}

/// A valid list as an operator may write it: spaces, bare addresses, upper-case IPv6.
fn list_text() -> impl Strategy<Value = String> {
    let entry = prop_oneof![
        network().prop_map(|n| n.to_string()),
        any::<IpAddr>().prop_map(|a| a.to_string()),
        network().prop_map(|n| n.to_string().to_uppercase()),
    ];
    vec(("[ \t]{0,2}", entry, "[ \t]{0,2}"), 0..5).prop_map(|entries| {
        entries
            .into_iter()
            .map(|(before, e, after)| format!("{before}{e}{after}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn join(nets: &[IpNet]) -> String {
    nets.iter()
        .map(IpNet::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

proptest! {
    #[test]
    fn parsed_lists_print_and_parse_back(input in text_near(list_text())) {
        match parse_cidr_list(&input) {
            Ok(nets) => {
                prop_assert!(nets.iter().all(|n| n.trunc() == *n));
                prop_assert_eq!(parse_cidr_list(&join(&nets)), Ok(nets.clone()));
                let json = serde_json::to_string(&nets).expect("serialize");
                prop_assert_eq!(serde_json::from_str::<Vec<IpNet>>(&json).ok(), Some(nets));
            }
            // Every message names the entry it is about.
            Err(e) => {
                let entries: Vec<&str> = input.split(',').map(str::trim).collect();
                match &e {
                    CidrError::EmptyEntry { position } => {
                        prop_assert_eq!(entries.get(position - 1), Some(&""));
                    }
                    CidrError::Invalid { entry } | CidrError::InvalidPrefix { entry, .. } => {
                        prop_assert!(entries.contains(&entry.as_str()));
                        let quoted = format!("{entry:?}");
                        prop_assert!(e.to_string().contains(&quoted));
                    }
                    CidrError::HostBitsSet { entry, network } => {
                        prop_assert!(entries.contains(&entry.as_str()));
                        prop_assert_eq!(
                            e.to_string(),
                            format!("{entry} has host bits set; did you mean {network}?")
                        );
                    }
                    CidrError::Overlap { .. } => prop_assert!(false, "only the disjoint parser checks overlaps"),
                }
            }
        }
    }

    #[test]
    fn generated_lists_parse_with_any_spacing(
        nets in vec(network(), 1..8),
        pads in vec(("[ \t]{0,2}", "[ \t\n]{0,2}"), 8),
    ) {
        let text = nets
            .iter()
            .zip(&pads)
            .map(|(n, (before, after))| format!("{before}{n}{after}"))
            .collect::<Vec<_>>()
            .join(",");
        prop_assert_eq!(parse_cidr_list(&text), Ok(nets));
    }

    #[test]
    fn bare_addresses_are_host_routes(addrs in vec(any::<IpAddr>(), 1..6)) {
        let text = addrs.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ");
        let nets = parse_cidr_list(&text).expect("addresses are valid");
        prop_assert_eq!(nets.iter().map(IpNet::addr).collect::<Vec<_>>(), addrs.clone());
        prop_assert!(nets.iter().zip(&addrs).all(|(n, a)| n.prefix_len() == max_len(*a)));
    }

    #[test]
    fn host_bits_are_refused_with_the_network_meant((addr, len) in address_and_prefix()) {
        let entry = format!("{addr}/{len}");
        let net = IpNet::new(addr, len).expect("length within the family");
        match parse_cidr_list(&entry) {
            Ok(nets) => {
                prop_assert_eq!(net.trunc(), net);
                prop_assert_eq!(nets, vec![net]);
            }
            Err(e) => prop_assert_eq!(e, CidrError::HostBitsSet { entry, network: net.trunc() }),
        }
    }

    #[test]
    fn prefixes_too_long_are_refused(addr in any::<IpAddr>(), extra in 1u16..300) {
        let len = u16::from(max_len(addr)) + extra;
        let refused = matches!(
            parse_cidr_list(&format!("{addr}/{len}")),
            Err(CidrError::InvalidPrefix { .. })
        );
        prop_assert!(refused);
    }

    #[test]
    fn find_overlap_finds_the_first_containing_pair(
        nets in prop_oneof![vec(crowded_network(), 0..6), vec(network(), 0..6)]
    ) {
        let mut pairs = Vec::new();
        for (i, a) in nets.iter().enumerate() {
            for b in &nets[i + 1..] {
                if a.contains(b) || b.contains(a) {
                    pairs.push((*a, *b));
                }
            }
        }
        prop_assert_eq!(find_overlap(&nets), pairs.first().copied());
        // Overlap of CIDR networks means containment: disjoint ranges otherwise.
        for (i, a) in nets.iter().enumerate() {
            for b in &nets[i + 1..] {
                let shared = a.contains(&b.network()) || b.contains(&a.network());
                prop_assert_eq!(shared, a.contains(b) || b.contains(a));
            }
        }
    }
}
