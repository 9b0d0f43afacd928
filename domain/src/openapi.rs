//! The JSON API's OpenAPI schemas of the validated types: each states, once, what its parser
//! accepts, so that a request the document allows is one the server takes. The parsers are a
//! little more lenient than the document (they trim spaces and take Unicode names, colons in
//! pins and a port's digits as a string, as the browser forms post them); the document gives the
//! form to send. Patterns are ECMA-262 and also valid for the `regex` crate (the tests check
//! generated values against the parsers).

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::names::{MAX_LABEL_LEN, MAX_NAME_LEN};
use crate::{CertPin, EmailAddress, Hostname, MailDomain, Port};

/// One label of a name: letters, digits and inner hyphens, 1 to 63 characters.
fn label() -> String {
    let inner = MAX_LABEL_LEN - 2;
    format!("[A-Za-z0-9](?:[A-Za-z0-9-]{{0,{inner}}}[A-Za-z0-9])?")
}

/// The last label: as [`label`] but starting with a letter (never only digits, so no name reads
/// as an IPv4 address).
fn last_label() -> String {
    let inner = MAX_LABEL_LEN - 2;
    format!("[A-Za-z](?:[A-Za-z0-9-]{{0,{inner}}}[A-Za-z0-9])?")
}

/// `^…$` around a mail domain: at least two labels.
pub(crate) fn mail_domain_pattern() -> String {
    format!("^(?:{}\\.)+{}$", label(), last_label())
}

/// `^…$` around a host name: one label or more.
pub(crate) fn host_name_pattern() -> String {
    format!("^(?:{}\\.)*{}$", label(), last_label())
}

/// `^…$` around an email address: up to 64 characters before the `@` (no `@`, spaces or
/// control characters), a mail domain after it.
pub(crate) fn email_pattern() -> String {
    let local_max = crate::account::MAX_LOCAL_LEN;
    let domain = mail_domain_pattern();
    let domain = domain.trim_start_matches('^');
    format!("^[^@\\s\\x00-\\x1f\\x7f-\\x9f]{{1,{local_max}}}@{domain}")
}

/// `^…$` around a certificate pin as stored: SHA-256 in lower-case hex, `@`, the day pinned.
pub(crate) const PIN_PATTERN: &str = "^[0-9a-f]{64}@[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn string(pattern: String, max_length: usize, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .max_length(Some(max_length))
        .description(Some(description))
        .into()
}

impl PartialSchema for Port {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(u16::MAX))
            .description(Some("A TCP port, 1 to 65535."))
            .examples([993])
            .into()
    }
}

impl ToSchema for Port {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Port")
    }
}

impl PartialSchema for MailDomain {
    fn schema() -> RefOr<Schema> {
        string(
            mail_domain_pattern(),
            MAX_NAME_LEN,
            "A mail domain: two labels or more, each 1 to 63 letters, digits or inner hyphens, \
             the last starting with a letter; at most 253 characters. Letter case is ignored \
             (stored in lower case); an internationalised name is stored in its ASCII \
             (xn--) form.",
        )
    }
}

impl ToSchema for MailDomain {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("MailDomain")
    }
}

impl PartialSchema for Hostname {
    fn schema() -> RefOr<Schema> {
        let name = string(
            host_name_pattern(),
            MAX_NAME_LEN,
            "A server name: one label or more, each 1 to 63 letters, digits or inner hyphens, \
             the last starting with a letter; at most 253 characters.",
        );
        let ip = |format: KnownFormat| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
        };
        AnyOfBuilder::new()
            .item(name)
            .item(ip(KnownFormat::Ipv4))
            .item(ip(KnownFormat::Ipv6))
            .description(Some(
                "A server: its name, or an IPv4 or IPv6 address (without brackets or port).",
            ))
            .into()
    }
}

impl ToSchema for Hostname {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Hostname")
    }
}

impl PartialSchema for CertPin {
    fn schema() -> RefOr<Schema> {
        string(
            PIN_PATTERN.to_owned(),
            64 + 1 + 10,
            "A pinned certificate: its SHA-256 fingerprint (64 lower-case hexadecimal digits), \
             `@`, and the day it was pinned (`YYYY-MM-DD`).",
        )
    }
}

impl ToSchema for CertPin {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CertPin")
    }
}

impl PartialSchema for EmailAddress {
    fn schema() -> RefOr<Schema> {
        string(
            email_pattern(),
            crate::account::MAX_LOCAL_LEN + 1 + MAX_NAME_LEN,
            "An email address: up to 64 characters before the `@` (no spaces), a mail domain \
             after it.",
        )
    }
}

impl ToSchema for EmailAddress {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EmailAddress")
    }
}

/// A form's pin field: a [`CertPin`], or empty for none.
pub fn pin_or_empty() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(CertPin::schema())
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([""])),
        )
        .description(Some(
            "Empty (not pinned), or a pin: a new one must be a certificate that a passing \
             connection test of this domain saw (*Pin this certificate*), otherwise the change is \
             refused with `invalid_settings`.",
        ))
        .into()
}

fn one_of_strings(values: &[&str], description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .into()
}

/// The form's sign-in method.
pub fn sign_in_method() -> RefOr<Schema> {
    one_of_strings(
        &["", "password", "oauth2"],
        "`password` (also empty, the default) or `oauth2`; with `oauth2` the `oauth_` fields are \
         read, otherwise they are ignored.",
    )
}

/// The form's OAuth provider.
pub fn oauth_provider() -> RefOr<Schema> {
    one_of_strings(
        &["", "microsoft365", "google", "openid"],
        "With `oauth2`: `microsoft365`, `google` or `openid` (empty is refused).",
    )
}

/// `^…$` around a Microsoft Entra tenant ID (a GUID).
pub(crate) const TENANT_ID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The form's tenant: a GUID or a mail domain (never `common`), empty when not Microsoft 365.
pub fn oauth_tenant() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(string(TENANT_ID_PATTERN.to_owned(), 36, "The tenant's ID."))
        .item(MailDomain::schema())
        .item(one_of_strings(&[""], "None."))
        .description(Some(
            "With `microsoft365`: the tenant's ID or one of its domains (required; the shared \
             `common`, `organizations` and `consumers` endpoints are refused).",
        ))
        .into()
}

/// `^…$` around an OpenID issuer: an https URL with a host name, an optional port and path.
pub(crate) fn issuer_pattern() -> String {
    format!(
        "^https://(?:{}\\.)*{}(?::[1-9][0-9]{{0,3}})?(?:/[A-Za-z0-9._~-]+)*$",
        label(),
        last_label()
    )
}

/// The form's issuer, empty when not an OpenID provider.
pub fn oauth_issuer() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(string(issuer_pattern(), 2000, "An https issuer URL."))
        .item(one_of_strings(&[""], "None."))
        .description(Some("With `openid`: the provider's issuer (required)."))
        .into()
}

/// `^…$` around a client ID: up to 255 visible ASCII characters.
pub(crate) const CLIENT_ID_PATTERN: &str = "^[!-~]{0,255}$";

pub fn oauth_client_id() -> RefOr<Schema> {
    string(
        CLIENT_ID_PATTERN.to_owned(),
        255,
        "With `oauth2`: the OAuth application's client ID (required).",
    )
}

/// `^…$` around the scopes: up to 30 RFC 6749 scope tokens (no quotes or backslashes), one
/// space apart, or empty for the provider's defaults.
pub(crate) const SCOPES_PATTERN: &str = "^(?:[!#-\\[\\]-~]+(?: [!#-\\[\\]-~]+){0,29})?$";

pub fn oauth_scopes() -> RefOr<Schema> {
    string(
        SCOPES_PATTERN.to_owned(),
        1000,
        "Space-separated scopes; empty for the provider's defaults.",
    )
}

/// `^…$` around a client secret: up to 512 visible ASCII characters; empty keeps the stored one.
pub(crate) const CLIENT_SECRET_PATTERN: &str = "^[!-~]{0,512}$";

pub fn oauth_client_secret() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .pattern(Some(CLIENT_SECRET_PATTERN))
        .max_length(Some(512))
        .write_only(Some(true))
        .description(Some(
            "Write-only: stored encrypted, never returned. Empty keeps the stored secret; one is \
             required for `microsoft365` and `google`.",
        ))
        .into()
}

#[cfg(test)]
mod tests;
