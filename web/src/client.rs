//! Who is on the other end of a request, as far as the app may believe it: the TCP peer, or,
//! only when that peer is a trusted reverse proxy, the client the proxy names.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderMap;
use ipnet::IpNet;

/// Operator settings about the network in front of the app.
#[derive(Clone, Debug, Default)]
pub struct ProxyPolicy {
    /// Peers whose X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The app is reached over https whatever the request says (cookies get `Secure`).
    pub always_https: bool,
    /// `scheme://host[:port]` users reach the app at (MAILSETTINGS_PUBLIC_URL), if configured.
    pub public_origin: Option<String>,
}

/// The client of one request, attached to it by [`attach_client_info`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: IpAddr,
    /// Whether the browser reached the app over https.
    pub https: bool,
    /// The origin this request must come from to change anything (see `csrf`).
    pub expected_origin: Option<String>,
}

impl ProxyPolicy {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    pub fn client_info(&self, peer: IpAddr, headers: &HeaderMap) -> ClientInfo {
        let peer = canonical(peer);
        let via_proxy = self.trusts(peer);
        let ip = if via_proxy {
            self.forwarded_client(peer, headers)
        } else {
            peer
        };
        let forwarded_https = via_proxy
            && last_value(headers, "x-forwarded-proto")
                .is_some_and(|p| p.eq_ignore_ascii_case("https"));
        let https = self.always_https
            || forwarded_https
            || self
                .public_origin
                .as_deref()
                .is_some_and(|o| o.starts_with("https://"));
        let expected_origin = self.public_origin.clone().or_else(|| {
            let host = via_proxy
                .then(|| last_value(headers, "x-forwarded-host"))
                .flatten()
                .or_else(|| header_str(headers, http::header::HOST.as_str()))?;
            // A DNS name could be rebound to this server by another site: without a configured
            // public URL only an address or localhost is believed.
            if !is_address_or_localhost(host) {
                return None;
            }
            let scheme = if https { "https" } else { "http" };
            Some(normalize_origin(&format!("{scheme}://{host}")))
        });
        ClientInfo {
            ip,
            https,
            expected_origin,
        }
    }

    /// Walks X-Forwarded-For from the right, skipping trusted proxies: the first address that is
    /// not a trusted proxy is the client. Unparseable entries stop the walk.
    fn forwarded_client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match parse_hop(hop) {
                Some(ip) => client = canonical(ip),
                None => break,
            }
        }
        client
    }
}

/// `scheme://host[:port]`, lowercased, without a default port or a trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    let lower = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if let Some(rest) = lower.strip_prefix(scheme) {
            if let Some(host) = rest.strip_suffix(port) {
                return format!("{scheme}{host}");
            }
        }
    }
    lower
}

/// `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000` (not `mail-admin.example.com`).
fn is_address_or_localhost(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.parse::<IpAddr>().is_ok() || name.eq_ignore_ascii_case("localhost")
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The value the nearest proxy added (the last one of a comma-separated header).
fn last_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())
}

/// An X-Forwarded-For entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
}

/// IPv4-mapped IPv6 addresses (dual-stack listeners) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Middleware: works out the request's [`ClientInfo`] once and attaches it to the request.
pub async fn attach_client_info(
    State(proxy): State<ProxyPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let peer = ConnectInfo::<SocketAddr>::from_request_parts(&mut parts, &())
        .await
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let info = proxy.client_info(peer, &parts.headers);
    parts.extensions.insert(info);
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().expect("header value"));
        }
        map
    }

    fn policy() -> ProxyPolicy {
        ProxyPolicy {
            trusted_proxies: vec!["10.0.0.0/8".parse().expect("cidr")],
            ..ProxyPolicy::default()
        }
    }

    #[test]
    fn untrusted_peers_cannot_claim_another_address_or_https() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("x-forwarded-proto", "https"),
            ("host", "203.0.113.9:3000"),
        ]);
        let info = policy().client_info("203.0.113.5".parse().expect("ip"), &h);
        assert_eq!(info.ip, "203.0.113.5".parse::<IpAddr>().expect("ip"));
        assert!(!info.https);
        assert_eq!(
            info.expected_origin.as_deref(),
            Some("http://203.0.113.9:3000")
        );
    }

    #[test]
    fn trusted_proxy_gives_the_rightmost_untrusted_hop() {
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1, 198.51.100.9, 10.0.0.3"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "203.0.113.9"),
        ]);
        let info = policy().client_info("10.0.0.2".parse().expect("ip"), &h);
        assert_eq!(info.ip, "198.51.100.9".parse::<IpAddr>().expect("ip"));
        assert!(info.https);
        assert_eq!(info.expected_origin.as_deref(), Some("https://203.0.113.9"));
    }

    #[test]
    fn without_a_public_url_only_addresses_and_localhost_are_expected_origins() {
        let plain = ProxyPolicy::default();
        let peer: IpAddr = "127.0.0.1".parse().expect("ip");
        for (host, expected) in [
            ("127.0.0.1:3000", Some("http://127.0.0.1:3000")),
            ("[::1]:3000", Some("http://[::1]:3000")),
            ("localhost:3000", Some("http://localhost:3000")),
            ("rebound.attacker.example:3000", None),
        ] {
            let info = plain.client_info(peer, &headers(&[("host", host)]));
            assert_eq!(info.expected_origin.as_deref(), expected, "{host}");
        }
    }

    #[test]
    fn origins_are_normalized() {
        assert_eq!(
            normalize_origin("HTTPS://App.Example:443/"),
            "https://app.example"
        );
        assert_eq!(
            normalize_origin("http://a.example:8080"),
            "http://a.example:8080"
        );
    }
}
