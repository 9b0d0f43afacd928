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
    SignInMethod,
    #[serde(rename = "oauth_provider")]
    OAuthProvider,
    #[serde(rename = "oauth_tenant")]
    OAuthTenant,
    #[serde(rename = "oauth_issuer")]
    OAuthIssuer,
    #[serde(rename = "oauth_client_id")]
    OAuthClientId,
    #[serde(rename = "oauth_scopes")]
    OAuthScopes,
    /// Write-only: its changes are recorded as "Set" or "Replaced", never its value.
    #[serde(rename = "oauth_client_secret")]
    OAuthClientSecret,
}

impl Field {
    pub const ALL: [Field; 18] = [
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
        Field::SignInMethod,
        Field::OAuthProvider,
        Field::OAuthTenant,
        Field::OAuthIssuer,
        Field::OAuthClientId,
        Field::OAuthScopes,
        Field::OAuthClientSecret,
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
            Field::SignInMethod => "sign_in_method",
            Field::OAuthProvider => "oauth_provider",
            Field::OAuthTenant => "oauth_tenant",
            Field::OAuthIssuer => "oauth_issuer",
            Field::OAuthClientId => "oauth_client_id",
            Field::OAuthScopes => "oauth_scopes",
            Field::OAuthClientSecret => "oauth_client_secret",
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
            Field::SignInMethod => "Sign-in method",
            Field::OAuthProvider => "Provider",
            Field::OAuthTenant => "Microsoft 365 tenant",
            Field::OAuthIssuer => "Issuer URL",
            Field::OAuthClientId => "Client ID",
            Field::OAuthScopes => "Scopes",
            Field::OAuthClientSecret => "Client secret",
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
