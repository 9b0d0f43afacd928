//! A domain's connection IPs in the formats firewalls and their admins take: plain text, CSV,
//! an nftables set with its accept rules, iptables rules, and a JSON feed shaped like the cloud
//! IP-range feeds (its `syncToken` changes whenever the ranges do).

use chrono::{DateTime, Utc};
use domain::DomainSettings;
use ipnet::IpNet;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Nftables,
    Iptables,
    Json,
}

impl Format {
    /// The file name's suffix in the URL: `txt`, `csv`, `nft`, `iptables.sh`, `json`.
    pub fn parse(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "txt" => Format::Text,
            "csv" => Format::Csv,
            "nft" => Format::Nftables,
            "iptables.sh" => Format::Iptables,
            "json" => Format::Json,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text | Format::Nftables => "text/plain; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Iptables => "text/x-shellscript; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// What an export needs to know.
pub struct Allowlist<'a> {
    pub settings: &'a DomainSettings,
    pub ranges: &'a [IpNet],
    pub loaded_at: DateTime<Utc>,
}

impl Allowlist<'_> {
    fn ports(&self) -> Vec<(&'static str, String, u16)> {
        let s = self.settings;
        vec![
            ("IMAP", s.imap_host.to_string(), s.imap_port.get()),
            ("SMTP", s.smtp_host.to_string(), s.smtp_port.get()),
        ]
    }

    /// `ipv4` / `ipv6`, as the cloud IP-range feeds and firewall set names spell it.
    fn family(net: &IpNet) -> String {
        super::static_ips::family(net).to_ascii_lowercase()
    }

    /// Changes whenever the ranges change.
    pub fn sync_token(&self) -> String {
        let listed: Vec<String> = self.ranges.iter().map(ToString::to_string).collect();
        let digest = Sha256::digest(listed.join(",").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) >> 1).to_string()
    }

    fn text(&self) -> String {
        self.ranges.iter().map(|n| format!("{n}\n")).collect()
    }

    fn csv(&self) -> String {
        let ports: Vec<String> = self.ports().iter().map(|(_, _, p)| p.to_string()).collect();
        let mut out = String::from("cidr,family,addresses,ports\n");
        for net in self.ranges {
            let count = super::static_ips::address_count(net).replace(',', "");
            out.push_str(&format!(
                "{net},{},{count},\"{}\"\n",
                Self::family(net),
                ports.join(",")
            ));
        }
        out
    }

    fn header(&self, comment: &str) -> String {
        let mut out = format!(
            "{comment} Connection IPs for {domain}: allow these ranges to reach\n",
            domain = self.settings.domain
        );
        for (protocol, host, port) in self.ports() {
            out.push_str(&format!(
                "{comment}   the {protocol} server {host}, TCP port {port}\n"
            ));
        }
        out.push_str(&format!(
            "{comment} Ranges version (syncToken) {}.\n",
            self.sync_token()
        ));
        out
    }

    fn nftables(&self) -> String {
        let mut out = self.header("#");
        out.push_str(
            "# Load with `nft -f FILE`. The chain only accepts: keep your own drop policy after it.\n\
             table inet mailsettings_allowlist {\n",
        );
        for (family, set_type) in [("ipv4", "ipv4_addr"), ("ipv6", "ipv6_addr")] {
            let members: Vec<String> = self
                .ranges
                .iter()
                .filter(|n| Self::family(n) == family)
                .map(ToString::to_string)
                .collect();
            if members.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "    set connection_ips_{family} {{\n        type {set_type}\n        flags interval\n        elements = {{ {} }}\n    }}\n",
                members.join(", ")
            ));
        }
        out.push_str("    chain input {\n        type filter hook input priority filter - 1; policy accept;\n");
        for (protocol, host, port) in self.ports() {
            for (family, prefix) in [("ipv4", "ip"), ("ipv6", "ip6")] {
                if self.ranges.iter().any(|n| Self::family(n) == family) {
                    out.push_str(&format!(
                        "        {prefix} saddr @connection_ips_{family} tcp dport {port} accept comment \"{protocol} {host}\"\n"
                    ));
                }
            }
        }
        out.push_str("    }\n}\n");
        out
    }

    fn iptables(&self) -> String {
        let mut out = String::from("#!/bin/sh\n");
        out.push_str(&self.header("#"));
        out.push_str(
            "# Run as root on each mail server; add your own DROP rule after these.\nset -e\n",
        );
        for (protocol, host, port) in self.ports() {
            out.push_str(&format!("\n# {protocol} server {host}\n"));
            for net in self.ranges {
                let tool = match net {
                    IpNet::V4(_) => "iptables",
                    IpNet::V6(_) => "ip6tables",
                };
                out.push_str(&format!(
                    "{tool} -A INPUT -p tcp -s {net} --dport {port} -m comment --comment \"mailsettings {protocol}\" -j ACCEPT\n"
                ));
            }
        }
        out
    }

    fn json(&self) -> String {
        let ports: Vec<u16> = self.ports().iter().map(|(_, _, p)| *p).collect();
        let prefixes: Vec<serde_json::Value> = self
            .ranges
            .iter()
            .map(|net| {
                serde_json::json!({
                    "ip_prefix": net.to_string(),
                    "family": Self::family(net),
                    "services": ["IMAP", "SMTP"],
                    "ports": ports,
                })
            })
            .collect();
        let feed = serde_json::json!({
            "syncToken": self.sync_token(),
            "createDate": self.loaded_at.format("%Y-%m-%d-%H-%M-%S").to_string(),
            "domain": self.settings.domain.to_string(),
            "prefixes": prefixes,
        });
        serde_json::to_string_pretty(&feed).unwrap_or_default() + "\n"
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Csv => self.csv(),
            Format::Nftables => self.nftables(),
            Format::Iptables => self.iptables(),
            Format::Json => self.json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DomainSettings {
        let mut form = domain::DomainSettingsForm {
            domain: "example.org".into(),
            imap_host: "imap.example.org".into(),
            imap_port: "993".into(),
            imap_security: "ssl".into(),
            smtp_host: "smtp.example.org".into(),
            smtp_port: "465".into(),
            smtp_security: "ssl".into(),
            ..Default::default()
        };
        form.use_static_ips = true;
        form.parse().expect("valid settings")
    }

    #[test]
    fn every_format_lists_the_ranges_and_the_ports() {
        let s = settings();
        let ranges: Vec<IpNet> = ["192.0.2.0/24", "2001:db8:1::/64"]
            .iter()
            .map(|r| r.parse().expect("cidr"))
            .collect();
        let list = Allowlist {
            settings: &s,
            ranges: &ranges,
            loaded_at: Utc::now(),
        };
        assert_eq!(list.text(), "192.0.2.0/24\n2001:db8:1::/64\n");
        assert!(list.csv().contains("192.0.2.0/24,ipv4,256,\"993,465\""));
        assert!(list.csv().contains("2001:db8:1::/64,ipv6,2^64,"));
        let nft = list.nftables();
        assert!(
            nft.contains("flags interval") && nft.contains("elements = { 192.0.2.0/24 }"),
            "{nft}"
        );
        assert!(
            nft.contains("ip saddr @connection_ips_ipv4 tcp dport 993 accept"),
            "{nft}"
        );
        assert!(
            nft.contains("ip6 saddr @connection_ips_ipv6 tcp dport 465 accept"),
            "{nft}"
        );
        let sh = list.iptables();
        assert!(
            sh.contains("ip6tables -A INPUT -p tcp -s 2001:db8:1::/64 --dport 993"),
            "{sh}"
        );
        let json: serde_json::Value = serde_json::from_str(&list.json()).expect("json");
        assert_eq!(json["prefixes"][0]["ip_prefix"], "192.0.2.0/24");
        assert_eq!(json["prefixes"][1]["family"], "ipv6");
        let other = [ranges[0]];
        let changed = Allowlist {
            settings: &s,
            ranges: &other,
            loaded_at: Utc::now(),
        };
        assert_ne!(list.sync_token(), changed.sync_token());
    }
}
