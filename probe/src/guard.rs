//! The address guard: the IANA IPv4 and IPv6 Special-Purpose Address Registries (plus
//! multicast and the cloud metadata addresses) as tables. Every entry that is not globally
//! reachable is refused unless the operator allowlists it. IPv6 forms that embed or translate
//! to an IPv4 address (mapped, compatible, SIIT, NAT64, 6to4, Teredo) are judged by the IPv4
//! address they lead to; so are addresses under the operator's own NAT64 prefixes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::nat64::Nat64Prefix;

/// The operator's address policy: ranges let through although not globally reachable, and the
/// network's NAT64 prefixes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy<'a> {
    pub allowlist: &'a [IpNet],
    pub nat64: &'a [Nat64Prefix],
}

#[cfg(test)]
impl<'a> Policy<'a> {
    /// Only the allowlist (the well-known NAT64 prefix is in the table).
    pub fn allowing(allowlist: &'a [IpNet]) -> Self {
        Policy {
            allowlist,
            nat64: &[],
        }
    }
}

/// What an entry of the tables means for a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Not globally reachable: refused unless allowlisted.
    Refused,
    /// Globally reachable, possibly an exception inside a refused block.
    Global,
    /// An IPv6 form whose verdict is that of the IPv4 address it embeds.
    Embeds(Embed),
}

/// Where an IPv6 address carries its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embed {
    /// The last 32 bits (mapped, compatible, SIIT, NAT64 /96).
    Low32,
    /// 6to4: bits 16..48.
    SixToFour,
    /// Teredo: the server in bits 32..64, the client's public address in the last 32 bits,
    /// inverted.
    Teredo,
}

/// One registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<N> {
    pub net: N,
    pub name: &'static str,
    pub reach: Reach,
}

const R: Reach = Reach::Refused;
const G: Reach = Reach::Global;

const fn v4(a: [u8; 4], len: u8, name: &'static str, reach: Reach) -> Entry<Ipv4Net> {
    let ip = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
    Entry {
        net: Ipv4Net::new_assert(ip, len),
        name,
        reach,
    }
}

const fn v6(s: [u16; 8], len: u8, name: &'static str, reach: Reach) -> Entry<Ipv6Net> {
    let ip = Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    Entry {
        net: Ipv6Net::new_assert(ip, len),
        name,
        reach,
    }
}

/// The IPv4 table. The most specific entry containing an address decides.
pub const V4: &[Entry<Ipv4Net>] = &[
    v4([0, 0, 0, 0], 8, "this network", R),
    v4([0, 0, 0, 0], 32, "this host", R),
    v4([10, 0, 0, 0], 8, "private", R),
    v4([100, 64, 0, 0], 10, "shared (carrier-grade NAT)", R),
    v4([100, 100, 100, 200], 32, "cloud metadata", R),
    v4([127, 0, 0, 0], 8, "loopback", R),
    v4([169, 254, 0, 0], 16, "link-local", R),
    v4([169, 254, 169, 254], 32, "cloud metadata", R),
    v4([172, 16, 0, 0], 12, "private", R),
    v4([192, 0, 0, 0], 24, "IETF protocol assignments", R),
    v4([192, 0, 0, 0], 29, "IPv4 service continuity", R),
    v4([192, 0, 0, 8], 32, "IPv4 dummy", R),
    v4([192, 0, 0, 9], 32, "PCP anycast", G),
    v4([192, 0, 0, 10], 32, "TURN anycast", G),
    v4([192, 0, 0, 170], 32, "NAT64/DNS64 discovery", R),
    v4([192, 0, 0, 171], 32, "NAT64/DNS64 discovery", R),
    v4([192, 0, 2, 0], 24, "documentation", R),
    v4([192, 31, 196, 0], 24, "AS112", G),
    v4([192, 52, 193, 0], 24, "AMT", G),
    v4([192, 88, 99, 0], 24, "deprecated 6to4 relay anycast", R),
    v4([192, 168, 0, 0], 16, "private", R),
    v4([192, 175, 48, 0], 24, "AS112 direct delegation", G),
    v4([198, 18, 0, 0], 15, "benchmarking", R),
    v4([198, 51, 100, 0], 24, "documentation", R),
    v4([203, 0, 113, 0], 24, "documentation", R),
    v4([224, 0, 0, 0], 4, "multicast", R),
    v4([240, 0, 0, 0], 4, "reserved", R),
    v4([255, 255, 255, 255], 32, "limited broadcast", R),
];

const EMBED_LOW: Reach = Reach::Embeds(Embed::Low32);

/// The IPv6 table. The most specific entry containing an address decides.
#[rustfmt::skip]
pub const V6: &[Entry<Ipv6Net>] = &[
    // Not registry entries: only 2000::/3 is allocated as global unicast; the rest is
    // unassigned or one of the special blocks below, which are more specific.
    v6([0, 0, 0, 0, 0, 0, 0, 0], 3, "unassigned", R),
    v6([0x4000, 0, 0, 0, 0, 0, 0, 0], 2, "unassigned", R),
    v6([0x8000, 0, 0, 0, 0, 0, 0, 0], 1, "unassigned", R),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified", R),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback", R),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible", EMBED_LOW),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped", EMBED_LOW),
    v6([0, 0, 0, 0, 0xffff, 0, 0, 0], 96, "IPv4-translated", EMBED_LOW),
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "NAT64", EMBED_LOW),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "NAT64 local-use", R),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only", R),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, "dummy prefix", R),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, "IETF protocol assignments", R),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo", Reach::Embeds(Embed::Teredo)),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 1], 128, "PCP anycast", G),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 2], 128, "TURN anycast", G),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 3], 128, "DNS-SD SRP anycast", G),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, "benchmarking", R),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, "AMT", G),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, "AS112-v6", G),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, "deprecated ORCHID", R),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, "ORCHIDv2", G),
    v6([0x2001, 0x30, 0, 0, 0, 0, 0, 0], 28, "drone remote ID", G),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation", R),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4", Reach::Embeds(Embed::SixToFour)),
    v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48, "AS112 direct delegation", G),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation", R),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "SRv6 SIDs", R),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local", R),
    v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128, "cloud metadata", R),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local", R),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "deprecated site-local", R),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast", R),
];

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The refused range (of the embedded IPv4 address for the IPv6 forms that carry one).
    pub range: &'static str,
    /// The IPv6 form the refused IPv4 address was found in (e.g. "NAT64"), if any.
    pub via: Option<&'static str>,
    /// The embedded IPv4 address that was refused, if any.
    pub embedded: Option<Ipv4Addr>,
}

/// The most specific IPv4 entry containing `ip`.
pub fn entry_v4(ip: Ipv4Addr) -> Option<&'static Entry<Ipv4Net>> {
    V4.iter()
        .filter(|e| e.net.contains(&ip))
        .max_by_key(|e| e.net.prefix_len())
}

/// The most specific IPv6 entry containing `ip`.
pub fn entry_v6(ip: Ipv6Addr) -> Option<&'static Entry<Ipv6Net>> {
    V6.iter()
        .filter(|e| e.net.contains(&ip))
        .max_by_key(|e| e.net.prefix_len())
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    entry_v4(ip)
        .filter(|e| e.reach == Reach::Refused)
        .map(|e| e.name)
}

/// The IPv4 addresses an IPv6 form leads to.
pub fn embedded_v4(ip: Ipv6Addr, how: Embed) -> Vec<Ipv4Addr> {
    let bits = u128::from(ip);
    let at = |shift: u32| Ipv4Addr::from((bits >> shift) as u32);
    match how {
        Embed::Low32 => vec![at(0)],
        Embed::SixToFour => vec![at(80)],
        Embed::Teredo => vec![at(64), Ipv4Addr::from(!(bits as u32))],
    }
}

/// Classifies `ip`: `None` when it is globally reachable. An IPv6 address under one of the
/// `nat64` prefixes is judged by the IPv4 address it embeds, whatever the table says of the
/// prefix itself (a network-specific prefix may lie in any range); under several, it must pass
/// as each.
pub fn classify(ip: IpAddr, nat64: &[Nat64Prefix]) -> Option<Refusal> {
    let plain = |range| Refusal {
        range,
        via: None,
        embedded: None,
    };
    let via = |name, inner| {
        refused_v4(inner).map(|range| Refusal {
            range,
            via: Some(name),
            embedded: Some(inner),
        })
    };
    match ip {
        IpAddr::V4(v4) => refused_v4(v4).map(plain),
        IpAddr::V6(v6) => {
            let translated: Vec<Ipv4Addr> = nat64.iter().filter_map(|p| p.embedded(v6)).collect();
            if !translated.is_empty() {
                return translated.into_iter().find_map(|inner| via("NAT64", inner));
            }
            let entry = entry_v6(v6)?;
            match entry.reach {
                Reach::Global => None,
                Reach::Refused => Some(plain(entry.name)),
                Reach::Embeds(how) => embedded_v4(v6, how)
                    .into_iter()
                    .find_map(|inner| via(entry.name, inner)),
            }
        }
    }
}

#[cfg(test)]
/// The refused range an address belongs to, if any (for IPv6 forms embedding an IPv4
/// address, the range of that IPv4 address).
pub fn restricted_range(ip: IpAddr) -> Option<&'static str> {
    classify(ip, &[]).map(|r| r.range)
}

/// Whether the operator's allowlist covers `ip`. An IPv4-mapped address is covered by the
/// IPv4 entry too, since the kernel connects to exactly that IPv4 address; the other
/// embedding forms reach a different host (a gateway or relay) and must be allowlisted as such.
pub fn allowlisted(ip: IpAddr, allowlist: &[IpNet]) -> bool {
    let mapped = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    };
    allowlist
        .iter()
        .any(|net| net.contains(&ip) || mapped.is_some_and(|m| net.contains(&m)))
}

/// Checks one address against the refused ranges and the operator's policy.
pub fn check_address(ip: IpAddr, policy: Policy<'_>) -> Result<(), Refusal> {
    match classify(ip, policy.nat64) {
        Some(r) if !allowlisted(ip, policy.allowlist) => Err(r),
        _ => Ok(()),
    }
}

#[cfg(test)]
/// Every table entry as an [`IpNet`] with its name and meaning (IPv4 first).
pub fn entries() -> impl Iterator<Item = (IpNet, &'static str, Reach)> {
    let a = V4.iter().map(|e| (IpNet::V4(e.net), e.name, e.reach));
    let b = V6.iter().map(|e| (IpNet::V6(e.net), e.name, e.reach));
    a.chain(b)
}

#[cfg(test)]
/// Sample addresses of a net: its first, middle and last address.
pub fn samples(net: IpNet) -> Vec<IpAddr> {
    let mut out = match net {
        IpNet::V4(n) => {
            let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
            [lo, lo + (hi - lo) / 2, hi]
                .map(|x| IpAddr::V4(x.into()))
                .to_vec()
        }
        IpNet::V6(n) => {
            let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
            [lo, lo + (hi - lo) / 2, hi]
                .map(|x| IpAddr::V6(x.into()))
                .to_vec()
        }
    };
    out.dedup();
    out
}
