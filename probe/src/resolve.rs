//! Host resolution through a replaceable [`Resolver`], checked by the address guard
//! ([`crate::guard`]): a host is resolved once and only a checked address is connected to.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use tokio::net::{TcpSocket, TcpStream};

use crate::egress::SourceAddr;

pub use crate::guard::{check_address, Policy};

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

/// The environment setting the operator uses to allowlist ranges (named in refusals).
pub const ALLOW_SETTING: &str = "MAILSETTINGS_PROBE_ALLOW_PRIVATE";

/// Why a host may not be probed. Refusals name the host as the administrator typed it, never
/// the address a name resolved to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("{}", refusal_text(host, *literal, range))]
    NotAllowed {
        host: String,
        /// Whether `host` is an IP literal (then its range may be named).
        literal: bool,
        /// The refused address; for logs, not for the administrator.
        ip: IpAddr,
        range: &'static str,
    },
    #[error("{host} did not resolve: {reason}")]
    Resolve { host: String, reason: String },
    #[error("{host} resolved to no address")]
    NoAddress { host: String },
}

fn refusal_text(host: &str, literal: bool, range: &str) -> String {
    let what = if literal {
        format!("{host} is a private address ({range} range)")
    } else {
        format!("{host} resolves to a private address")
    };
    format!("{what}; connection tests may not reach it unless the operator allowlists it ({ALLOW_SETTING})")
}

/// An address the guard let through. Only [`resolve_checked`] makes one, and the one TCP
/// connect of the crate ([`connect_checked`]) takes nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedAddr(SocketAddr);

impl CheckedAddr {
    pub fn addr(&self) -> SocketAddr {
        self.0
    }
}

impl fmt::Display for CheckedAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The IP literal `host` spells, with or without brackets.
pub fn ip_literal(host: &str) -> Option<IpAddr> {
    let trimmed = host.trim();
    let inner = trimmed
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(trimmed);
    inner.parse().ok()
}

/// Resolves `host` once and returns the first address the guard allows; the connection must
/// go to exactly this address. Refuses before any socket exists.
pub async fn resolve_checked(
    resolver: &dyn Resolver,
    host: &str,
    port: u16,
    policy: Policy<'_>,
) -> Result<CheckedAddr, GuardError> {
    let literal = ip_literal(host);
    let ips = match literal {
        Some(ip) => vec![ip],
        None => resolver
            .resolve(host)
            .await
            .map_err(|e| GuardError::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?,
    };
    let mut first_err = None;
    for ip in ips {
        match check_address(ip, policy) {
            Ok(()) => return Ok(CheckedAddr(SocketAddr::new(ip, port))),
            Err(r) => {
                first_err.get_or_insert(GuardError::NotAllowed {
                    host: host.to_string(),
                    literal: literal.is_some(),
                    ip,
                    range: r.range,
                });
            }
        }
    }
    Err(first_err.unwrap_or_else(|| GuardError::NoAddress {
        host: host.to_string(),
    }))
}

/// A leg's address: resolved and checked on its first connection and reused by every later
/// one (concurrency checks, the implicit-TLS sniff), so a name is resolved once per leg.
#[derive(Clone, Debug, Default)]
pub struct Target(Arc<OnceLock<CheckedAddr>>);

impl Target {
    pub async fn resolve(
        &self,
        resolver: &dyn Resolver,
        host: &str,
        port: u16,
        policy: Policy<'_>,
    ) -> Result<CheckedAddr, GuardError> {
        if let Some(addr) = self.0.get() {
            return Ok(*addr);
        }
        let addr = resolve_checked(resolver, host, port, policy).await?;
        Ok(*self.0.get_or_init(|| addr))
    }
}

/// The one TCP connect of the crate: every connection (IMAP, SMTP, the concurrency checks, the
/// implicit-TLS sniff) goes to an address the guard returned, and it is checked again here.
/// With a bound [`SourceAddr`] the socket leaves from that address. A refusal is an
/// `io::Error` carrying the [`GuardError`].
pub async fn connect_checked(
    host: &str,
    addr: CheckedAddr,
    policy: Policy<'_>,
    source: SourceAddr,
) -> io::Result<TcpStream> {
    let ip = addr.addr().ip();
    if let Err(r) = check_address(ip, policy) {
        let refused = GuardError::NotAllowed {
            host: host.to_string(),
            literal: ip_literal(host).is_some(),
            ip,
            range: r.range,
        };
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, refused));
    }
    let tcp = match source.ip() {
        None => TcpStream::connect(addr.addr()).await?,
        Some(from) => {
            // An IPv4-mapped target is reached over IPv4, the family its source was chosen for.
            let to = SocketAddr::new(ip.to_canonical(), addr.addr().port());
            let socket = match to {
                SocketAddr::V4(_) => TcpSocket::new_v4()?,
                SocketAddr::V6(_) => TcpSocket::new_v6()?,
            };
            socket.bind(SocketAddr::new(from, 0))?;
            socket.connect(to).await?
        }
    };
    // Without it, a small write that follows another unacknowledged one (rustls's
    // ChangeCipherSpec then Finished, lettre's message body then its final dot) waits for the
    // server's delayed ACK: 40 ms on Linux, several times per probe.
    tcp.set_nodelay(true)?;
    Ok(tcp)
}
