//! The DNS records that let mail clients find a domain's settings: CNAMEs sending
//! autoconfig.<domain> and autodiscover.<domain> to this product, and RFC 6186 / RFC 8314 SRV
//! records for the security chosen (the other variant published as "not offered").

use domain::{DnsRecord, DomainSettings, Hostname, Port, Security};

const TTL: u32 = 3600;

/// The zone-file lines for `settings`; `product_host` is this product's DNS name, when known.
pub fn dns_records(settings: &DomainSettings, product_host: Option<&str>) -> Vec<DnsRecord> {
    let domain = settings.domain.to_string();
    let mut records = Vec::new();
    for label in ["autoconfig", "autodiscover"] {
        records.push(match product_host {
            Some(host) => DnsRecord {
                line: format!("{label}.{domain}.\t{TTL}\tIN\tCNAME\t{host}."),
                note: format!("mail clients ask {label}.{domain} for the settings"),
            },
            None => DnsRecord {
                line: format!("; {label}.{domain}.\t{TTL}\tIN\tCNAME\t<this product's host name>."),
                note:
                    "set MAILSETTINGS_PUBLIC_URL to this product's https address to get this record"
                        .into(),
            },
        });
    }
    let legs = [
        (
            "imap",
            settings.imap_security,
            &settings.imap_host,
            settings.imap_port,
            "IMAP",
        ),
        (
            "submission",
            settings.smtp_security,
            &settings.smtp_host,
            settings.smtp_port,
            "SMTP submission",
        ),
    ];
    for (service, security, host, port, what) in legs {
        records.extend(srv_pair(&domain, service, security, host, port, what));
    }
    records
}

/// The offered variant (`_imaps` for SSL/TLS, `_imap` for STARTTLS) and the other one marked
/// "not offered" (target "."), so clients do not fall back to it.
fn srv_pair(
    domain: &str,
    service: &str,
    security: Security,
    host: &Hostname,
    port: Port,
    what: &str,
) -> Vec<DnsRecord> {
    let (offered, other, how) = match security {
        Security::SslTls => (
            format!("_{service}s"),
            format!("_{service}"),
            "SSL/TLS, RFC 8314",
        ),
        Security::StartTls => (
            format!("_{service}"),
            format!("_{service}s"),
            "STARTTLS, RFC 6186",
        ),
    };
    let offered_line = if host.is_ip() {
        DnsRecord {
            line: format!("; {offered}._tcp.{domain}.\t{TTL}\tIN\tSRV\t0 1 {port} <host name>."),
            note: format!("an SRV record names a host, not the address {host}: use a host name for the {what} server"),
        }
    } else {
        DnsRecord {
            line: format!("{offered}._tcp.{domain}.\t{TTL}\tIN\tSRV\t0 1 {port} {host}."),
            note: format!("{what} over {how}"),
        }
    };
    vec![
        offered_line,
        DnsRecord {
            line: format!("{other}._tcp.{domain}.\t{TTL}\tIN\tSRV\t0 0 0 ."),
            note: format!("{what} is not offered the other way"),
        },
    ]
}

/// The host name of this product's public origin, unless it is an address or localhost.
pub fn product_host(origin: Option<&str>) -> Option<String> {
    let rest = origin?.split_once("://")?.1;
    let host = rest.split('/').next()?;
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']') => h,
        _ => host,
    };
    let parsed = Hostname::parse(host).ok()?;
    (!parsed.is_ip() && host != "localhost").then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(imap: (&str, &str), smtp: (&str, &str)) -> DomainSettings {
        domain::DomainSettingsForm {
            domain: "example.com".into(),
            imap_host: "imap.example.com".into(),
            imap_port: imap.0.into(),
            imap_security: imap.1.into(),
            smtp_host: "smtp.example.com".into(),
            smtp_port: smtp.0.into(),
            smtp_security: smtp.1.into(),
            ..Default::default()
        }
        .parse()
        .expect("settings")
    }

    fn lines(records: &[DnsRecord]) -> Vec<&str> {
        records.iter().map(|r| r.line.as_str()).collect()
    }

    #[test]
    fn implicit_tls_publishes_imaps_and_submissions() {
        let r = dns_records(
            &settings(("993", "ssl"), ("465", "ssl")),
            Some("mail-admin.example.org"),
        );
        assert_eq!(
            lines(&r),
            [
                "autoconfig.example.com.\t3600\tIN\tCNAME\tmail-admin.example.org.",
                "autodiscover.example.com.\t3600\tIN\tCNAME\tmail-admin.example.org.",
                "_imaps._tcp.example.com.\t3600\tIN\tSRV\t0 1 993 imap.example.com.",
                "_imap._tcp.example.com.\t3600\tIN\tSRV\t0 0 0 .",
                "_submissions._tcp.example.com.\t3600\tIN\tSRV\t0 1 465 smtp.example.com.",
                "_submission._tcp.example.com.\t3600\tIN\tSRV\t0 0 0 .",
            ]
        );
    }

    #[test]
    fn starttls_publishes_imap_and_submission() {
        let r = dns_records(&settings(("143", "starttls"), ("587", "starttls")), None);
        let l = lines(&r);
        assert!(l[0].starts_with("; autoconfig.example.com."), "{l:?}");
        assert!(r[0].note.contains("MAILSETTINGS_PUBLIC_URL"));
        assert_eq!(
            l[2],
            "_imap._tcp.example.com.\t3600\tIN\tSRV\t0 1 143 imap.example.com."
        );
        assert_eq!(l[3], "_imaps._tcp.example.com.\t3600\tIN\tSRV\t0 0 0 .");
        assert_eq!(
            l[4],
            "_submission._tcp.example.com.\t3600\tIN\tSRV\t0 1 587 smtp.example.com."
        );
        assert_eq!(
            l[5],
            "_submissions._tcp.example.com.\t3600\tIN\tSRV\t0 0 0 ."
        );
    }

    #[test]
    fn the_product_host_is_a_name_not_an_address() {
        assert_eq!(
            product_host(Some("https://mail-admin.example.org")).as_deref(),
            Some("mail-admin.example.org")
        );
        assert_eq!(
            product_host(Some("https://mail-admin.example.org:8443")).as_deref(),
            Some("mail-admin.example.org")
        );
        for origin in [
            "http://127.0.0.1:3000",
            "http://localhost:3000",
            "http://[::1]:3000",
        ] {
            assert_eq!(product_host(Some(origin)), None, "{origin}");
        }
        assert_eq!(product_host(None), None);
    }
}
