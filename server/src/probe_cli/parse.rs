//! Parsing `server probe`'s arguments: `HOST:PORT` (IPv6 in brackets), CIDRs, addresses and
//! security, with the web form's messages; every failure is an [`ArgError`] (exit status 2).

use std::net::Ipv6Addr;

use domain::{EmailAddress, EmailError, Hostname, NameError, Port, PortError, SecurityError};
use ipnet::IpNet;
use probe::Security;

use super::{EGRESS_ENV, PASSWORD_ENV};

/// A server address from `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub host: Hostname,
    pub port: Port,
}

/// Why the arguments cannot be used. `Display` is the message printed before exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error("{0}")]
    Host(#[from] NameError),
    #[error("{0}")]
    Port(#[from] PortError),
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("{0}")]
    Security(#[from] SecurityError),
    #[error("{0}")]
    Format(&'static str),
    #[error("{0}")]
    Cidr(#[from] domain::CidrError),
    #[error("one CIDR range or IP address per --allow-private (repeat the option): {0}")]
    CidrCount(String),
    #[error("no password: set {PASSWORD_ENV} or pass --password-file (never on the command line)")]
    NoPassword,
    #[error("the password is empty")]
    EmptyPassword,
    #[error("the access token file {0} is empty (its first line is the token)")]
    EmptyToken(String),
    #[error("the username is empty")]
    EmptyUsername,
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the CA file {0} holds no PEM certificate")]
    NoCertificate(String),
    #[error("--static-ips needs {EGRESS_ENV}: set it to this installation's static ranges, e.g. {EGRESS_ENV}=203.0.113.0/29,2001:db8::/64")]
    NoStaticEgress,
    #[error("{EGRESS_ENV}: {0}")]
    StaticEgress(domain::CidrError),
    #[error("{0}")]
    Nat64(#[from] probe::Nat64Error),
}

/// Parses `host:port`, `[ipv6]:port` and `ipv4:port`; the host and port are checked like the
/// web form checks them.
pub fn parse_host_port(input: &str) -> Result<HostPort, ArgError> {
    let s = input.trim();
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (ip, after) = rest.split_once(']').ok_or(ArgError::Format(
            "an IPv6 address needs its closing bracket, e.g. [::1]:993",
        ))?;
        if ip.parse::<Ipv6Addr>().is_err() {
            return Err(ArgError::Format(
                "only an IPv6 address goes in brackets, e.g. [2001:db8::1]:993",
            ));
        }
        let port = after.strip_prefix(':').ok_or(ArgError::Format(
            "add the port after the address, e.g. [::1]:993",
        ))?;
        (ip, port)
    } else {
        let (host, port) = s.rsplit_once(':').ok_or(ArgError::Format(
            "add the port after the host, e.g. imap.example.com:993",
        ))?;
        if host.parse::<Ipv6Addr>().is_ok() || s.parse::<Ipv6Addr>().is_ok() {
            return Err(ArgError::Format(
                "put an IPv6 address in brackets before the port, e.g. [::1]:993",
            ));
        }
        (host, port)
    };
    Ok(HostPort {
        host: Hostname::parse(host)?,
        port: Port::parse(port)?,
    })
}

pub fn parse_email(input: &str) -> Result<EmailAddress, ArgError> {
    Ok(EmailAddress::parse(input)?)
}

pub fn parse_security(input: &str) -> Result<Security, ArgError> {
    Ok(Security::parse(input)?)
}

/// A CIDR range, or a bare IP address meaning just that address.
pub fn parse_cidr(input: &str) -> Result<IpNet, ArgError> {
    match domain::parse_cidr_list(input)?.as_slice() {
        [net] => Ok(*net),
        _ => Err(ArgError::CidrCount(input.trim().to_string())),
    }
}

/// The static ranges from `MAILSETTINGS_STATIC_EGRESS` (its value, `None` when unset), for
/// `--static-ips`: parsed like the server parses it; unset, empty or overlapping is refused.
pub fn parse_static_egress(value: Option<&str>) -> Result<Vec<IpNet>, ArgError> {
    let ranges = domain::parse_disjoint_cidr_list(value.unwrap_or_default())
        .map_err(ArgError::StaticEgress)?;
    if ranges.is_empty() {
        return Err(ArgError::NoStaticEgress);
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        let ok = [
            ("imap.example.com:993", "imap.example.com", 993),
            ("127.0.0.1:143", "127.0.0.1", 143),
            ("[::1]:993", "::1", 993),
            (" [2001:db8::1]:587 ", "2001:db8::1", 587),
            ("Mail.Example.COM:465", "mail.example.com", 465),
        ];
        for (input, host, port) in ok {
            let hp = parse_host_port(input).map_err(|e| format!("{input}: {e}"));
            assert_eq!(
                hp.map(|hp| (hp.host.as_str().to_string(), hp.port.get())),
                Ok((host.to_string(), port)),
                "{input}"
            );
        }
        let bad = [
            ("127.0.0.1:70000", "Port must be between 1 and 65535"),
            ("[::1]:0", "Port must be between 1 and 65535"),
            ("imap.example.com:abc", "Enter a port number"),
            ("imap.example.com", "add the port"),
            ("::1:993", "brackets"),
            ("[::1:993", "closing bracket"),
            ("[::1]993", "add the port"),
            ("[example.com]:993", "only an IPv6 address"),
            ("imap://x.example.com:993", "without \"imap://\""),
            (":993", "Enter the server name"),
        ];
        for (input, message) in bad {
            match parse_host_port(input) {
                Ok(hp) => panic!("{input} accepted as {hp:?}"),
                Err(e) => assert!(e.to_string().contains(message), "{input}: {e}"),
            }
        }
    }

    #[test]
    fn cidrs_and_security() {
        assert_eq!(
            parse_cidr("127.0.0.0/8").map(|n| n.to_string()).ok(),
            Some("127.0.0.0/8".into())
        );
        assert_eq!(
            parse_cidr("10.1.2.3").map(|n| n.to_string()).ok(),
            Some("10.1.2.3/32".into())
        );
        assert_eq!(
            parse_cidr("::1").map(|n| n.to_string()).ok(),
            Some("::1/128".into())
        );
        assert!(parse_cidr("127.0.0.0/33").is_err());
        assert!(parse_cidr("loopback").is_err());
        assert_eq!(parse_security("ssl").ok(), Some(Security::SslTls));
        assert_eq!(parse_security("STARTTLS").ok(), Some(Security::StartTls));
        assert!(parse_security("none").is_err());
    }

    #[test]
    fn static_egress_ranges() {
        let ok = |v: &str| parse_static_egress(Some(v)).map(|n| n.len());
        assert_eq!(ok("127.0.0.16/29").ok(), Some(1));
        assert_eq!(ok(" 203.0.113.0/29 , 2001:db8::/64").ok(), Some(2));
        assert_eq!(ok("198.51.100.7").ok(), Some(1));
        let bad = [
            (None, "--static-ips needs MAILSETTINGS_STATIC_EGRESS"),
            (Some(""), "--static-ips needs MAILSETTINGS_STATIC_EGRESS"),
            (Some("  "), "--static-ips needs MAILSETTINGS_STATIC_EGRESS"),
            (Some("127.0.0.16/29,"), "Entry 2 of the list is empty"),
            (Some("127.0.0.17/29"), "did you mean 127.0.0.16/29?"),
            (Some("not-a-range"), "\"not-a-range\" is not an IP address"),
            (Some("10.0.0.0/33"), "invalid prefix length"),
            (
                Some("10.0.0.0/8, 10.1.0.0/16"),
                "10.0.0.0/8 and 10.1.0.0/16 overlap",
            ),
        ];
        for (value, message) in bad {
            match parse_static_egress(value) {
                Ok(n) => panic!("{value:?} accepted as {n:?}"),
                Err(e) => {
                    let text = e.to_string();
                    assert!(text.contains(message), "{value:?}: {text}");
                    assert!(
                        text.contains("MAILSETTINGS_STATIC_EGRESS"),
                        "{value:?}: {text}"
                    );
                }
            }
        }
    }
}
