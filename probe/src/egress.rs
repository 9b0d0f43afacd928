//! Static egress: the operator's ranges (`MAILSETTINGS_STATIC_EGRESS`), the host's own
//! addresses inside them, and the source address each outgoing connection is bound to.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use ipnet::{IpNet, Ipv4AddrRange, Ipv4Net};

/// The environment setting that holds the ranges (named in operator errors).
pub const EGRESS_SETTING: &str = "MAILSETTINGS_STATIC_EGRESS";

/// At most this many addresses of one range are used, so a /16 is never listed one by one.
pub const MAX_PER_RANGE: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    V4,
    V6,
}

impl IpFamily {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }
}

impl fmt::Display for IpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        })
    }
}

/// Why no static source address can be used. `Display` is the operator's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaticEgressError {
    #[error("static IP addresses are not in use for this test: turn on Use static IP addresses for the domain")]
    NotEnabled,
    #[error("this installation has no static addresses; ask the operator to set {EGRESS_SETTING}")]
    NoRanges,
    #[error("None of this installation's static addresses ({ranges}) is assigned to this host{}: ask the operator to assign them or fix {EGRESS_SETTING}", family.map(|f| format!(" for {f}")).unwrap_or_default())]
    Unavailable {
        /// The configured ranges, comma-separated.
        ranges: String,
        /// The target's family when only that family is missing.
        family: Option<IpFamily>,
    },
    #[error("This installation's static address {ip} cannot be used ({reason}): ask the operator to assign it to this host or fix {EGRESS_SETTING}")]
    Unbindable { ip: IpAddr, reason: String },
}

/// One address of a host interface, with its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostAddr {
    pub net: IpNet,
    /// The address sits on a loopback device (one that also carries 127.0.0.1 or ::1).
    pub loopback_device: bool,
}

/// The host's interface addresses, now.
pub fn host_addrs() -> Vec<HostAddr> {
    let Ok(ifaces) = if_addrs::get_if_addrs() else {
        return Vec::new();
    };
    let loopback_names: BTreeSet<&str> = ifaces
        .iter()
        .filter(|i| i.is_loopback())
        .map(|i| i.name.as_str())
        .collect();
    ifaces
        .iter()
        .filter_map(|i| {
            let (ip, prefix) = match &i.addr {
                if_addrs::IfAddr::V4(a) => (IpAddr::V4(a.ip), a.prefixlen),
                if_addrs::IfAddr::V6(a) => (IpAddr::V6(a.ip), a.prefixlen),
            };
            Some(HostAddr {
                net: IpNet::new(ip, prefix).ok()?,
                loopback_device: loopback_names.contains(i.name.as_str()),
            })
        })
        .collect()
}

/// The addresses of `ranges` that are assigned to this host, sorted, at most
/// [`MAX_PER_RANGE`] per range: each interface address inside a range, and (IPv4 only)
/// addresses of a loopback device's network inside a range, which Linux treats as local
/// (127.0.0.1/8 on `lo` makes all of 127/8 bindable; IPv6 has no such rule).
pub fn usable_in(ranges: &[IpNet], host: &[HostAddr]) -> Vec<IpAddr> {
    let mut all = BTreeSet::new();
    for range in ranges {
        let mut found: BTreeSet<IpAddr> = host
            .iter()
            .map(|h| h.net.addr())
            .filter(|ip| range.contains(ip))
            .take(MAX_PER_RANGE)
            .collect();
        for h in host.iter().filter(|h| h.loopback_device) {
            let (IpNet::V4(range), IpNet::V4(lo)) = (range, h.net.trunc()) else {
                continue;
            };
            let Some(shared) = narrower(*range, lo) else {
                continue;
            };
            let edges = [lo.network(), lo.broadcast()];
            let wanted = MAX_PER_RANGE.saturating_sub(found.len());
            let extra = Ipv4AddrRange::new(shared.network(), shared.broadcast())
                .filter(|a| lo.prefix_len() >= 31 || !edges.contains(a))
                .map(IpAddr::V4)
                .filter(|a| !found.contains(a))
                .take(wanted)
                .collect::<Vec<_>>();
            found.extend(extra);
        }
        all.extend(found);
    }
    all.into_iter().collect()
}

/// The smaller of two networks when one contains the other (CIDR blocks never overlap partly).
fn narrower(a: Ipv4Net, b: Ipv4Net) -> Option<Ipv4Net> {
    if a.contains(&b) {
        Some(b)
    } else if b.contains(&a) {
        Some(a)
    } else {
        None
    }
}

/// The operator's static egress ranges. Successive connections take the usable addresses in
/// turn (round robin), across every probe sharing this value.
#[derive(Debug, Default)]
pub struct StaticEgress {
    ranges: Vec<IpNet>,
    next: AtomicUsize,
}

impl StaticEgress {
    pub fn new(ranges: Vec<IpNet>) -> Self {
        Self {
            ranges,
            next: AtomicUsize::new(0),
        }
    }

    pub fn ranges(&self) -> &[IpNet] {
        &self.ranges
    }

    /// The host's own addresses inside the ranges, enumerated now (interfaces can change).
    pub fn usable_addresses(&self) -> Vec<IpAddr> {
        usable_in(&self.ranges, &host_addrs())
    }

    /// The ranges as the operator wrote them, for messages.
    pub fn ranges_text(&self) -> String {
        let list: Vec<String> = self.ranges.iter().map(ToString::to_string).collect();
        list.join(", ")
    }

    /// The next source address for a connection to `target`, among `usable`.
    pub fn source_among(
        &self,
        usable: &[IpAddr],
        target: IpAddr,
    ) -> Result<IpAddr, StaticEgressError> {
        if self.ranges.is_empty() {
            return Err(StaticEgressError::NoRanges);
        }
        let family = IpFamily::of(target);
        let fit: Vec<IpAddr> = usable
            .iter()
            .copied()
            .filter(|ip| IpFamily::of(*ip) == family)
            .collect();
        if fit.is_empty() {
            return Err(StaticEgressError::Unavailable {
                ranges: self.ranges_text(),
                family: Some(family),
            });
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        Ok(fit[turn % fit.len()])
    }

    /// The next source address for a connection to `target`, from the host's addresses now.
    pub fn source_for(&self, target: IpAddr) -> Result<IpAddr, StaticEgressError> {
        self.source_among(&self.usable_addresses(), target)
    }
}

/// The local address a connection is bound to. Only [`SourceAddr::choose`] makes one, so a
/// connection is bound whenever static egress is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceAddr(Option<IpAddr>);

impl SourceAddr {
    /// With `egress`, the next usable static address of the target's family; without, unbound.
    pub fn choose(
        egress: Option<&StaticEgress>,
        target: IpAddr,
    ) -> Result<Self, StaticEgressError> {
        match egress {
            None => Ok(Self(None)),
            Some(e) => e.source_for(target).map(|ip| Self(Some(ip))),
        }
    }

    /// The bound address; `None` when the kernel picks it.
    pub fn ip(&self) -> Option<IpAddr> {
        self.0
    }
}
