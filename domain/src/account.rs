use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{MailDomain, NameError};

pub(crate) const MAX_LOCAL_LEN: usize = 64;
const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address like name@example.com")]
    Format,
    #[error("The part before @ must be at most 64 characters long")]
    LocalTooLong,
    #[error("{0}")]
    Domain(NameError),
}

/// An email address used as a login: trimmed, domain lowercased and in punycode.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Format)?;
        if local.is_empty()
            || domain.contains('@')
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(EmailError::Format);
        }
        // Lowercasing can lengthen the text ("İ" is two characters lowercased): the login key
        // must stay a valid address too.
        if local
            .chars()
            .count()
            .max(local.to_lowercase().chars().count())
            > MAX_LOCAL_LEN
        {
            return Err(EmailError::LocalTooLong);
        }
        if domain.is_empty() {
            return Err(EmailError::Format);
        }
        let domain = MailDomain::parse(domain).map_err(EmailError::Domain)?;
        Ok(EmailAddress(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mail domain after the `@` (already in its stored, punycode form).
    pub fn mail_domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The account this address logs into: every spelling of the same address (letter case of
    /// either part, a trailing dot, Unicode forms of the domain) gives the same key.
    pub fn login_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 12 characters")]
    TooShort,
    #[error("Use at most 256 characters")]
    TooLong,
}

/// Length rules for a new password (counted in characters, not bytes).
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        n if n < MIN_PASSWORD_CHARS => Err(PasswordError::TooShort),
        n if n > MAX_PASSWORD_CHARS => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_valid_table() {
        let local64 = format!("{}@example.com", "a".repeat(64));
        let rows = [
            ("admin@example.com", "admin@example.com"),
            ("  Admin@EXAMPLE.com ", "Admin@example.com"),
            (
                "first.last+tag@bücher.example",
                "first.last+tag@xn--bcher-kva.example",
            ),
            (local64.as_str(), local64.as_str()),
        ];
        for (input, expected) in rows {
            assert_eq!(
                EmailAddress::parse(input).map(|e| e.to_string()),
                Ok(expected.to_owned())
            );
        }
    }

    #[test]
    fn email_invalid_table() {
        let local65 = format!("{}@example.com", "a".repeat(65));
        let rows = [
            ("", EmailError::Empty),
            ("admin", EmailError::Format),
            ("@example.com", EmailError::Format),
            ("admin@", EmailError::Format),
            ("a@b@example.com", EmailError::Format),
            ("ad min@example.com", EmailError::Format),
            (local65.as_str(), EmailError::LocalTooLong),
            (
                "admin@localhost",
                EmailError::Domain(NameError::SingleLabel),
            ),
            ("admin@192.0.2.1", EmailError::Domain(NameError::IpAddress)),
        ];
        for (input, expected) in rows {
            assert_eq!(EmailAddress::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn login_key_folds_every_spelling() {
        let key = |s: &str| EmailAddress::parse(s).map(|e| e.login_key());
        let expected = Ok("admin@xn--bcher-kva.example".to_string());
        for spelling in [
            "admin@bücher.example",
            "ADMIN@BÜCHER.EXAMPLE",
            "Admin@bücher.example.",
            " admin@xn--bcher-kva.example ",
        ] {
            assert_eq!(key(spelling), expected, "{spelling:?}");
        }
    }

    #[test]
    fn password_table() {
        let rows = [
            ("", Err(PasswordError::TooShort)),
            ("elevenchars", Err(PasswordError::TooShort)),
            ("twelve chars", Ok(())),
            ("ääääääääääää", Ok(())),
        ];
        for (input, expected) in rows {
            assert_eq!(check_new_password(input), expected, "{input:?}");
        }
        assert_eq!(check_new_password(&"x".repeat(256)), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(257)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            PasswordError::TooShort.to_string(),
            "Use at least 12 characters"
        );
    }
}
