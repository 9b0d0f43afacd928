use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::oauth::OAuthApp;
use crate::{CertPin, DomainSettingsForm, Field, Hostname, MailDomain, Port, Security};

/// The validated IMAP/SMTP settings of one mail domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainSettings {
    pub domain: MailDomain,
    pub imap_host: Hostname,
    pub imap_port: Port,
    pub imap_security: Security,
    pub smtp_host: Hostname,
    pub smtp_port: Port,
    pub smtp_security: Security,
    pub allow_non_secure_certificate: bool,
    pub use_static_ips: bool,
    #[serde(default)]
    pub imap_cert_pin: Option<CertPin>,
    #[serde(default)]
    pub smtp_cert_pin: Option<CertPin>,
    /// `None`: inboxes sign in with a password; `Some`: with OAuth 2.0 through this application.
    #[serde(default)]
    pub oauth: Option<OAuthApp>,
}

impl DomainSettings {
    /// The form pre-filled with these settings (for editing).
    pub fn to_form(&self) -> DomainSettingsForm {
        DomainSettingsForm {
            domain: self.domain.to_string(),
            imap_host: self.imap_host.to_string(),
            imap_port: self.imap_port.to_string(),
            imap_security: self.imap_security.as_str().to_owned(),
            smtp_host: self.smtp_host.to_string(),
            smtp_port: self.smtp_port.to_string(),
            smtp_security: self.smtp_security.as_str().to_owned(),
            allow_non_secure_certificate: self.allow_non_secure_certificate,
            use_static_ips: self.use_static_ips,
            imap_cert_pin: pin_text(&self.imap_cert_pin),
            smtp_cert_pin: pin_text(&self.smtp_cert_pin),
            sign_in_method: match self.oauth {
                Some(_) => SIGN_IN_OAUTH,
                None => SIGN_IN_PASSWORD,
            }
            .to_owned(),
            oauth_provider: self
                .oauth
                .as_ref()
                .map(|a| a.provider.kind().as_str().to_owned())
                .unwrap_or_default(),
            oauth_tenant: self.field_value(Field::OAuthTenant),
            oauth_issuer: self.field_value(Field::OAuthIssuer),
            oauth_client_id: self.field_value(Field::OAuthClientId),
            oauth_scopes: self.field_value(Field::OAuthScopes),
            oauth_client_secret: Default::default(),
        }
    }

    /// The value of one field as shown to people (and recorded in the audit trail).
    pub fn field_value(&self, f: Field) -> String {
        let yes_no = |b: bool| if b { "Yes" } else { "No" }.to_owned();
        match f {
            Field::Domain => self.domain.to_string(),
            Field::ImapHost => self.imap_host.to_string(),
            Field::ImapPort => self.imap_port.to_string(),
            Field::ImapSecurity => self.imap_security.label().to_owned(),
            Field::SmtpHost => self.smtp_host.to_string(),
            Field::SmtpPort => self.smtp_port.to_string(),
            Field::SmtpSecurity => self.smtp_security.label().to_owned(),
            Field::AllowNonSecureCertificate => yes_no(self.allow_non_secure_certificate),
            Field::UseStaticIps => yes_no(self.use_static_ips),
            Field::ImapCertPin => pin_label(&self.imap_cert_pin),
            Field::SmtpCertPin => pin_label(&self.smtp_cert_pin),
            Field::SignInMethod => match self.oauth {
                Some(_) => "OAuth 2.0",
                None => "Password",
            }
            .to_owned(),
            Field::OAuthProvider
            | Field::OAuthTenant
            | Field::OAuthIssuer
            | Field::OAuthClientId
            | Field::OAuthScopes => self
                .oauth
                .as_ref()
                .map(|a| a.field_value(f))
                .unwrap_or_default(),
            // Not part of the settings (a stored credential): recorded by the change itself.
            Field::OAuthClientSecret => String::new(),
        }
    }
}

/// The form values of the sign-in method.
pub const SIGN_IN_PASSWORD: &str = "password";
pub const SIGN_IN_OAUTH: &str = "oauth2";

fn pin_text(pin: &Option<CertPin>) -> String {
    pin.as_ref().map(CertPin::to_string).unwrap_or_default()
}

fn pin_label(pin: &Option<CertPin>) -> String {
    match pin {
        Some(p) => format!("SHA-256 {} (pinned {})", p.colon_hex(), p.pinned_on()),
        None => "Not pinned".to_owned(),
    }
}

/// One user-facing message per invalid field.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldErrors(BTreeMap<Field, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        self.0.get(&field).map(String::as_str)
    }

    /// Records the message for `field`; an earlier message for the same field is replaced.
    pub fn insert(&mut self, field: Field, message: String) {
        self.0.insert(field, message);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// In `Field` order (the order of the form).
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (field, message) in self.iter() {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{}: {}", field.label(), message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
