use serde::{Deserialize, Serialize};

/// One field of the domain settings form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Field {
    Domain,
    ImapHost,
    ImapPort,
    ImapSecurity,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    AllowNonSecureCertificate,
    UseStaticIps,
    ImapCertPin,
    SmtpCertPin,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Domain,
        Field::ImapHost,
        Field::ImapPort,
        Field::ImapSecurity,
        Field::SmtpHost,
        Field::SmtpPort,
        Field::SmtpSecurity,
        Field::AllowNonSecureCertificate,
        Field::UseStaticIps,
        Field::ImapCertPin,
        Field::SmtpCertPin,
    ];

    /// The HTML form field name (also the serde name).
    pub fn name(&self) -> &'static str {
        match self {
            Field::Domain => "domain",
            Field::ImapHost => "imap_host",
            Field::ImapPort => "imap_port",
            Field::ImapSecurity => "imap_security",
            Field::SmtpHost => "smtp_host",
            Field::SmtpPort => "smtp_port",
            Field::SmtpSecurity => "smtp_security",
            Field::AllowNonSecureCertificate => "allow_non_secure_certificate",
            Field::UseStaticIps => "use_static_ips",
            Field::ImapCertPin => "imap_cert_pin",
            Field::SmtpCertPin => "smtp_cert_pin",
        }
    }

    /// The human label shown next to the input.
    pub fn label(&self) -> &'static str {
        match self {
            Field::Domain => "Email domain",
            Field::ImapHost => "IMAP server",
            Field::ImapPort => "IMAP port",
            Field::ImapSecurity => "IMAP security",
            Field::SmtpHost => "SMTP server",
            Field::SmtpPort => "SMTP port",
            Field::SmtpSecurity => "SMTP security",
            Field::AllowNonSecureCertificate => "Allow non-secure certificate",
            Field::UseStaticIps => "Use static IP addresses",
            Field::ImapCertPin => "IMAP certificate pin",
            Field::SmtpCertPin => "SMTP certificate pin",
        }
    }

    /// The field with this form name, if any.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_name() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(json, format!("\"{}\"", field.name()));
        }
        assert_eq!(Field::from_name("nope"), None);
    }
}
