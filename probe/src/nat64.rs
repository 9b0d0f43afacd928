//! NAT64 prefixes (RFC 6052): an IPv6 address under one is a translation of the IPv4 address it
//! embeds, so the guard judges that IPv4 address. Besides the well-known `64:ff9b::/96` (in the
//! guard's table), a network may use its own prefix, which only the operator knows.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv6Net;

/// The environment setting that names the prefixes (in start-up refusals).
pub const NAT64_SETTING: &str = "MAILSETTINGS_PROBE_NAT64_PREFIXES";

/// The prefix lengths RFC 6052 section 2.2 defines.
const LENGTHS: [u8; 6] = [32, 40, 48, 56, 64, 96];

/// A NAT64 prefix of one of the lengths RFC 6052 allows, without host bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nat64Prefix(Ipv6Net);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Nat64Error {
    #[error("{NAT64_SETTING}: {0:?} is not an IPv6 prefix (e.g. 64:ff9b::/96)")]
    Syntax(String),
    #[error("{NAT64_SETTING}: {0} is /{len}; a NAT64 prefix is /32, /40, /48, /56, /64 or /96 (RFC 6052)", len = .0.prefix_len())]
    Length(Ipv6Net),
    #[error("{NAT64_SETTING}: {0} has host bits set; the prefix is {trunc}", trunc = .0.trunc())]
    HostBits(Ipv6Net),
}

impl Nat64Prefix {
    /// The well-known prefix, `64:ff9b::/96` (RFC 6052 section 2.1).
    pub const WELL_KNOWN: Nat64Prefix = Nat64Prefix(Ipv6Net::new_assert(
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
        96,
    ));

    pub fn parse(input: &str) -> Result<Nat64Prefix, Nat64Error> {
        let text = input.trim();
        let net: Ipv6Net = text
            .parse()
            .map_err(|_| Nat64Error::Syntax(text.to_owned()))?;
        if !LENGTHS.contains(&net.prefix_len()) {
            return Err(Nat64Error::Length(net));
        }
        if net.trunc() != net {
            return Err(Nat64Error::HostBits(net));
        }
        Ok(Nat64Prefix(net))
    }

    /// A comma-separated list (empty entries ignored).
    pub fn parse_list(input: &str) -> Result<Vec<Nat64Prefix>, Nat64Error> {
        input
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Nat64Prefix::parse)
            .collect()
    }

    /// The IPv4 address `ip` embeds if it is under this prefix: the 32 bits after the prefix,
    /// skipping bits 64 to 71 (the "u" octet) for prefixes shorter than /96.
    pub fn embedded(&self, ip: Ipv6Addr) -> Option<Ipv4Addr> {
        if !self.0.contains(&ip) {
            return None;
        }
        let octets = ip.octets();
        let start = usize::from(self.0.prefix_len() / 8);
        if start == 12 {
            return Some(Ipv4Addr::new(
                octets[12], octets[13], octets[14], octets[15],
            ));
        }
        let without_u: Vec<u8> = octets[..8].iter().chain(&octets[9..]).copied().collect();
        let v4 = &without_u[start..start + 4];
        Some(Ipv4Addr::new(v4[0], v4[1], v4[2], v4[3]))
    }
}

impl fmt::Display for Nat64Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
