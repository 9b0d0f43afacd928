use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use serde::{Deserialize, Serialize};

pub(crate) const MAX_NAME_LEN: usize = 253;
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// Why a domain or host name was refused. `Display` is the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Enter the email domain, e.g. example.com")]
    EmptyDomain,
    #[error("Enter the server name, e.g. mail.example.com")]
    EmptyHost,
    #[error("Enter only the server name, without \"{0}://\"")]
    Url(String),
    #[error("Enter only the server name, without a path")]
    Path,
    #[error("Enter only the server name here; put the port in the port field")]
    HasPort,
    #[error("Enter a domain name such as example.com, not an IP address")]
    IpAddress,
    #[error("Enter a full domain name with at least one dot, e.g. example.com")]
    SingleLabel,
    #[error("Names may contain only letters, digits, hyphens and dots (found \"{0}\")")]
    InvalidCharacter(char),
    #[error("The name has an empty part: remove the extra dot")]
    EmptyLabel,
    #[error("A part of the name cannot start or end with a hyphen")]
    HyphenAtEdge,
    #[error("Each part of the name between dots must be at most 63 characters long")]
    LabelTooLong,
    #[error("The name must be at most 253 characters long")]
    TooLong,
    #[error("The last part of the name cannot be only digits")]
    NumericTld,
    #[error("This internationalised name is not valid")]
    InvalidIdn,
}

/// A mail domain in ASCII (punycode) form, lowercase, without a trailing dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MailDomain(String);

impl MailDomain {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(NameError::EmptyDomain);
        }
        if parse_ip(s).is_some() {
            return Err(NameError::IpAddress);
        }
        reject_url_path_port(s)?;
        let name = normalize_name(s)?;
        if !name.contains('.') {
            return Err(NameError::SingleLabel);
        }
        Ok(MailDomain(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain in Unicode for display ("xn--bcher-kva.example" -> "bücher.example").
    pub fn display_unicode(&self) -> String {
        match self.0.split('.').any(|label| label.starts_with("xn--")) {
            true => idn::to_unicode(&self.0),
            false => self.0.clone(),
        }
    }
}

impl fmt::Display for MailDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for MailDomain {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        MailDomain::parse(&value)
    }
}

impl From<MailDomain> for String {
    fn from(value: MailDomain) -> Self {
        value.0
    }
}

/// A server host: a DNS name (a single label such as "localhost" is allowed) or an IP literal.
///
/// A struct rather than an enum so that `as_str` can hand out the canonical text of an IP too.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname {
    text: String,
    ip: Option<IpAddr>,
}

impl Hostname {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(NameError::EmptyHost);
        }
        if let Some(ip) = parse_ip(s) {
            return Ok(Hostname {
                text: ip.to_string(),
                ip: Some(ip),
            });
        }
        reject_url_path_port(s)?;
        let text = normalize_name(s)?;
        Ok(Hostname { text, ip: None })
    }

    /// The name in ASCII (punycode), or the IP address (IPv6 without brackets).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_ip(&self) -> bool {
        self.ip.is_some()
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for Hostname {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Hostname::parse(&value)
    }
}

impl From<Hostname> for String {
    fn from(value: Hostname) -> Self {
        value.text
    }
}

/// An IPv4 or IPv6 literal, IPv6 optionally in "[...]" form.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    s.parse::<IpAddr>().ok()
}

fn reject_url_path_port(s: &str) -> Result<(), NameError> {
    if let Some((scheme, _)) = s.split_once("://") {
        return Err(NameError::Url(scheme.to_ascii_lowercase()));
    }
    if s.contains('/') {
        return Err(NameError::Path);
    }
    if s.contains(':') {
        return Err(NameError::HasPort);
    }
    Ok(())
}

/// Lowercase, IDN -> punycode, drop one trailing dot, then check RFC 1123 label rules.
fn normalize_name(s: &str) -> Result<String, NameError> {
    let s = s.strip_suffix('.').unwrap_or(s);
    let ascii = if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        // ASCII punctuation is refused here, before the IDN mapping could read it as URL syntax.
        let refused = |c: &char| match c.is_ascii() {
            true => !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'),
            false => c.is_whitespace() || c.is_control(),
        };
        if let Some(c) = s.chars().find(refused) {
            return Err(NameError::InvalidCharacter(c));
        }
        idn::to_ascii(s).ok_or(NameError::InvalidIdn)?
    };
    check_labels(&ascii)?;
    if ascii.split('.').any(|label| label.starts_with("xn--")) && !idn::labels_decode(&ascii) {
        return Err(NameError::InvalidIdn);
    }
    Ok(ascii)
}

fn check_labels(name: &str) -> Result<(), NameError> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(NameError::InvalidCharacter(c));
    }
    let mut last = "";
    for label in name.split('.') {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(NameError::HyphenAtEdge);
        }
        last = label;
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameError::NumericTld);
    }
    Ok(())
}

mod idn;
#[cfg(test)]
mod tests;
