use serde::{Deserialize, Serialize};

use crate::{DomainSettings, Field, Port, Security};

/// Advice about a plausible but probably wrong setting. Not an error: saving is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWarning {
    pub field: Field,
    pub message: String,
}

const IP_HOST: &str =
    "An IP address works only if the server's certificate carries that IP address";

/// Warnings for well-known port/security mismatches and IP hosts, in form order.
pub fn warnings(s: &DomainSettings) -> Vec<FieldWarning> {
    let mut out = Vec::new();
    let mut warn = |field: Field, message: &str| {
        out.push(FieldWarning {
            field,
            message: message.to_owned(),
        })
    };
    if s.imap_host.is_ip() {
        warn(Field::ImapHost, IP_HOST);
    }
    if let Some(m) = port_security_mismatch(s.imap_port, s.imap_security, 993, 143) {
        warn(Field::ImapSecurity, &m);
    }
    if s.smtp_host.is_ip() {
        warn(Field::SmtpHost, IP_HOST);
    }
    if s.smtp_port.get() == 25 {
        warn(
            Field::SmtpPort,
            "Port 25 is for server-to-server relay; mail clients normally submit on 465 (SSL/TLS) or 587 (STARTTLS)",
        );
    }
    if let Some(m) = port_security_mismatch(s.smtp_port, s.smtp_security, 465, 587) {
        warn(Field::SmtpSecurity, &m);
    }
    out
}

fn port_security_mismatch(
    port: Port,
    security: Security,
    implicit_tls_port: u16,
    starttls_port: u16,
) -> Option<String> {
    match (port.get(), security) {
        (p, Security::StartTls) if p == implicit_tls_port => Some(format!(
            "Port {p} normally speaks implicit TLS: choose SSL/TLS"
        )),
        (p, Security::SslTls) if p == starttls_port => {
            Some(format!("Port {p} normally uses STARTTLS"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainSettingsForm;

    fn settings(imap: (&str, &str, &str), smtp: (&str, &str, &str)) -> DomainSettings {
        DomainSettingsForm {
            domain: "example.com".into(),
            imap_host: imap.0.into(),
            imap_port: imap.1.into(),
            imap_security: imap.2.into(),
            smtp_host: smtp.0.into(),
            smtp_port: smtp.1.into(),
            smtp_security: smtp.2.into(),
            ..DomainSettingsForm::default()
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn warning_table() {
        let h = "mail.example.com";
        let rows: Vec<(DomainSettings, Vec<(Field, &str)>)> = vec![
            (settings((h, "993", "ssl"), (h, "465", "ssl")), vec![]),
            (settings((h, "143", "starttls"), (h, "587", "starttls")), vec![]),
            (settings((h, "1993", "starttls"), (h, "2525", "ssl")), vec![]),
            (
                settings((h, "993", "starttls"), (h, "465", "starttls")),
                vec![
                    (Field::ImapSecurity, "Port 993 normally speaks implicit TLS: choose SSL/TLS"),
                    (Field::SmtpSecurity, "Port 465 normally speaks implicit TLS: choose SSL/TLS"),
                ],
            ),
            (
                settings((h, "143", "ssl"), (h, "587", "ssl")),
                vec![
                    (Field::ImapSecurity, "Port 143 normally uses STARTTLS"),
                    (Field::SmtpSecurity, "Port 587 normally uses STARTTLS"),
                ],
            ),
            (
                settings(("192.0.2.1", "993", "ssl"), ("[::1]", "25", "starttls")),
                vec![
                    (Field::ImapHost, IP_HOST),
                    (Field::SmtpHost, IP_HOST),
                    (Field::SmtpPort, "Port 25 is for server-to-server relay; mail clients normally submit on 465 (SSL/TLS) or 587 (STARTTLS)"),
                ],
            ),
        ];
        for (s, expected) in rows {
            let got: Vec<(Field, String)> = warnings(&s)
                .into_iter()
                .map(|w| (w.field, w.message))
                .collect();
            let expected: Vec<(Field, String)> = expected
                .into_iter()
                .map(|(f, m)| (f, m.to_owned()))
                .collect();
            assert_eq!(got, expected, "{s:?}");
        }
    }
}
