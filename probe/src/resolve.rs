//! Host resolution through a replaceable [`Resolver`], and the address guard that keeps the
//! probe away from loopback, private, link-local, unique-local, multicast and metadata targets
//! unless the operator allowlists them.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use futures::future::BoxFuture;
use ipnet::IpNet;

/// Resolves a host name to addresses. Tests replace it so that names map to loopback.
pub trait Resolver: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A fixed name table; unknown names fail like NXDOMAIN. Never sends DNS traffic.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, host: &str, ip: IpAddr) -> Self {
        self.names
            .entry(host.to_ascii_lowercase())
            .or_default()
            .push(ip);
        self
    }
}

impl Resolver for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        let found = self.names.get(&host.to_ascii_lowercase()).cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("no such host: {host}"))
            })
        })
    }
}

/// Why an address may not be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("{ip} is a {range} address; probing it needs the operator to allowlist it")]
    NotAllowed { ip: IpAddr, range: &'static str },
    #[error("{host} did not resolve: {reason}")]
    Resolve { host: String, reason: String },
    #[error("{host} resolved to no address")]
    NoAddress { host: String },
}

/// The refused range an address belongs to, if any.
pub fn restricted_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => restricted_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => restricted_v4(v4),
            None => restricted_v6(v6),
        },
    }
}

fn restricted_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        Some("cloud metadata")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_unspecified() || o[0] == 0 || ip.is_broadcast() || o[0] >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn restricted_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("reserved")
    } else if s[0] == 0xfd00 && s[1] == 0x0ec2 && ip.segments()[7] == 0x254 {
        Some("cloud metadata")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if s[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

/// Checks one address against the refused ranges and the operator's allowlist.
pub fn check_address(ip: IpAddr, allowlist: &[IpNet]) -> Result<(), GuardError> {
    match restricted_range(ip) {
        Some(range) if !allowlist.iter().any(|net| net.contains(&ip)) => {
            Err(GuardError::NotAllowed { ip, range })
        }
        _ => Ok(()),
    }
}

/// Resolves `host` once and returns the first address the guard allows; the connection must
/// go to exactly this address.
pub async fn resolve_checked(
    resolver: &dyn Resolver,
    host: &str,
    port: u16,
    allowlist: &[IpNet],
) -> Result<SocketAddr, GuardError> {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    let ips = match trimmed.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => resolver
            .resolve(host)
            .await
            .map_err(|e| GuardError::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?,
    };
    let mut first_err = None;
    for ip in ips {
        match check_address(ip, allowlist) {
            Ok(()) => return Ok(SocketAddr::new(ip, port)),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| GuardError::NoAddress {
        host: host.to_string(),
    }))
}
