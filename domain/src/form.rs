use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::oauth::OAuthApp;
use crate::{
    CertPin, DomainSettings, Field, FieldErrors, Hostname, MailDomain, Port, Security,
    SIGN_IN_OAUTH, SIGN_IN_PASSWORD,
};

/// The raw form as posted by the browser; `parse` turns it into `DomainSettings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainSettingsForm {
    #[cfg_attr(feature = "openapi", schema(value_type = MailDomain))]
    pub domain: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Hostname))]
    pub imap_host: String,
    /// A number (its digits as a string are taken too, as a browser form posts them).
    #[serde(deserialize_with = "number_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Port))]
    pub imap_port: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Security))]
    pub imap_security: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Hostname))]
    pub smtp_host: String,
    /// A number (its digits as a string are taken too, as a browser form posts them).
    #[serde(deserialize_with = "number_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Port))]
    pub smtp_port: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Security))]
    pub smtp_security: String,
    #[serde(default, deserialize_with = "form_bool")]
    pub allow_non_secure_certificate: bool,
    /// Connections leave from the installation's static addresses; refused with
    /// `invalid_settings` when the installation has none (`MAILSETTINGS_STATIC_EGRESS`).
    #[serde(default, deserialize_with = "form_bool")]
    pub use_static_ips: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::pin_or_empty))]
    pub imap_cert_pin: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::pin_or_empty))]
    pub smtp_cert_pin: String,
    /// How inboxes sign in: `password` (the default) or `oauth2`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::sign_in_method))]
    pub sign_in_method: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_provider))]
    pub oauth_provider: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_tenant))]
    pub oauth_tenant: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_issuer))]
    pub oauth_issuer: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_client_id))]
    pub oauth_client_id: String,
    /// Space-separated; empty means the provider's default scopes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_scopes))]
    pub oauth_scopes: String,
    /// Write-only: stored encrypted, never returned; empty keeps the stored secret.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::oauth_client_secret))]
    pub oauth_client_secret: ClientSecretInput,
}

/// A client secret as typed: shown nowhere, not even in debug output.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientSecretInput(pub String);

impl ClientSecretInput {
    /// The secret, `None` when the field was left empty.
    pub fn given(&self) -> Option<&str> {
        Some(self.0.trim()).filter(|s| !s.is_empty())
    }
}

impl fmt::Debug for ClientSecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Default for DomainSettingsForm {
    /// Implicit TLS on both sides, as RFC 8314 recommends.
    fn default() -> Self {
        DomainSettingsForm {
            domain: String::new(),
            imap_host: String::new(),
            imap_port: "993".to_owned(),
            imap_security: Security::SslTls.as_str().to_owned(),
            smtp_host: String::new(),
            smtp_port: "465".to_owned(),
            smtp_security: Security::SslTls.as_str().to_owned(),
            allow_non_secure_certificate: false,
            use_static_ips: false,
            imap_cert_pin: String::new(),
            smtp_cert_pin: String::new(),
            sign_in_method: SIGN_IN_PASSWORD.to_owned(),
            oauth_provider: String::new(),
            oauth_tenant: String::new(),
            oauth_issuer: String::new(),
            oauth_client_id: String::new(),
            oauth_scopes: String::new(),
            oauth_client_secret: ClientSecretInput::default(),
        }
    }
}

impl DomainSettingsForm {
    /// Parses every field, collecting one message per invalid field.
    pub fn parse(&self) -> Result<DomainSettings, FieldErrors> {
        let mut c = FieldCheck::new();
        let domain = c.field(Field::Domain, MailDomain::parse(&self.domain));
        let imap_host = c.field(Field::ImapHost, Hostname::parse(&self.imap_host));
        let imap_port = c.field(Field::ImapPort, Port::parse(&self.imap_port));
        let imap_security = c.field(Field::ImapSecurity, Security::parse(&self.imap_security));
        let smtp_host = c.field(Field::SmtpHost, Hostname::parse(&self.smtp_host));
        let smtp_port = c.field(Field::SmtpPort, Port::parse(&self.smtp_port));
        let smtp_security = c.field(Field::SmtpSecurity, Security::parse(&self.smtp_security));
        let imap_cert_pin = c.field(Field::ImapCertPin, parse_pin(&self.imap_cert_pin));
        let smtp_cert_pin = c.field(Field::SmtpCertPin, parse_pin(&self.smtp_cert_pin));
        let oauth = self.parse_oauth(&mut c);
        let settings = (|| {
            Some(DomainSettings {
                domain: domain?,
                imap_host: imap_host?,
                imap_port: imap_port?,
                imap_security: imap_security?,
                smtp_host: smtp_host?,
                smtp_port: smtp_port?,
                smtp_security: smtp_security?,
                allow_non_secure_certificate: self.allow_non_secure_certificate,
                use_static_ips: self.use_static_ips,
                imap_cert_pin: imap_cert_pin?,
                smtp_cert_pin: smtp_cert_pin?,
                oauth: oauth?,
            })
        })();
        settings.ok_or(c.errors)
    }
}

impl DomainSettingsForm {
    /// `Some(None)`: sign-in with a password; `Some(Some(app))`: OAuth 2.0; `None`: invalid
    /// (messages recorded).
    fn parse_oauth(&self, c: &mut FieldCheck) -> Option<Option<OAuthApp>> {
        match self.sign_in_method.trim() {
            "" | SIGN_IN_PASSWORD => Some(None),
            SIGN_IN_OAUTH => match OAuthApp::parse_fields(
                &self.oauth_provider,
                &self.oauth_tenant,
                &self.oauth_issuer,
                &self.oauth_client_id,
                &self.oauth_scopes,
            ) {
                Ok(app) => Some(Some(app)),
                Err(errors) => {
                    for (field, e) in errors {
                        c.errors.insert(field, e.to_string());
                    }
                    None
                }
            },
            _ => {
                c.errors.insert(
                    Field::SignInMethod,
                    "Choose the sign-in method: Password or OAuth 2.0".to_owned(),
                );
                None
            }
        }
    }
}

/// The messages of the fields that did not parse.
struct FieldCheck {
    errors: FieldErrors,
}

impl FieldCheck {
    fn new() -> Self {
        FieldCheck {
            errors: FieldErrors::new(),
        }
    }

    /// The field's value, or `None` with its message recorded.
    fn field<T, E: fmt::Display>(&mut self, field: Field, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.errors.insert(field, e.to_string()))
            .ok()
    }
}

fn parse_pin(value: &str) -> Result<Option<CertPin>, crate::PinError> {
    match value.trim() {
        "" => Ok(None),
        text => CertPin::parse(text).map(Some),
    }
}

/// A checkbox posted on its own (outside `DomainSettingsForm`), read by the same rules as
/// [`form_bool`]; absent means unchecked (use it with `#[serde(default)]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Checked(#[serde(deserialize_with = "form_bool")] pub bool);

/// Deserializes a checkbox: missing (with `#[serde(default)]`), "on"/"true"/"1"/"yes" or a JSON
/// boolean. Works for urlencoded/serde_qs posts (always strings) and JSON alike.
/// A form value that a JSON client may send as a number (a port): kept as its text.
fn number_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(NumberOrTextVisitor)
}

struct NumberOrTextVisitor;

impl<'de> Visitor<'de> for NumberOrTextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    /// `993.0` is the integer 993 to JSON (and to the API's document); `1.5` stays as typed.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(match v.fract() == 0.0 {
            true => format!("{v:.0}"),
            false => v.to_string(),
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

pub fn form_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(FormBoolVisitor)
}

struct FormBoolVisitor;

impl<'de> Visitor<'de> for FormBoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a boolean or one of \"on\", \"true\", \"1\", \"yes\", \"off\", \"false\", \"0\", \"\"",
        )
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "off" | "false" | "0" | "no" | "" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        form_bool(d)
    }
}

#[cfg(test)]
mod tests;
