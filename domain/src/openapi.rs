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

#[cfg(test)]
mod tests;
