use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a security choice was refused. `Display` is the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityError {
    #[error(
        "Encryption is required: choose SSL/TLS or STARTTLS (the port must support encryption)"
    )]
    EncryptionRequired,
}

/// How the connection is encrypted. Plain text is deliberately not representable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Security {
    /// Implicit TLS from the first byte (RFC 8314), e.g. IMAP 993, SMTP 465.
    #[default]
    #[serde(rename = "ssl")]
    SslTls,
    /// Plain connection upgraded with STARTTLS, e.g. IMAP 143, SMTP 587.
    #[serde(rename = "starttls")]
    StartTls,
}

impl Security {
    pub const ALL: [Security; 2] = [Security::SslTls, Security::StartTls];

    pub fn parse(input: &str) -> Result<Self, SecurityError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "ssl" | "ssl/tls" => Ok(Security::SslTls),
            "starttls" => Ok(Security::StartTls),
            _ => Err(SecurityError::EncryptionRequired),
        }
    }

    /// The stored and wire value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Security::SslTls => "ssl",
            Security::StartTls => "starttls",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Security::SslTls => "SSL/TLS",
            Security::StartTls => "STARTTLS",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let rows = [
            ("ssl", Ok(Security::SslTls)),
            ("SSL", Ok(Security::SslTls)),
            ("SSL/TLS", Ok(Security::SslTls)),
            (" ssl/tls ", Ok(Security::SslTls)),
            ("starttls", Ok(Security::StartTls)),
            ("STARTTLS", Ok(Security::StartTls)),
            ("StartTLS", Ok(Security::StartTls)),
            ("none", Err(SecurityError::EncryptionRequired)),
            ("plain", Err(SecurityError::EncryptionRequired)),
            ("", Err(SecurityError::EncryptionRequired)),
            ("tls1.0", Err(SecurityError::EncryptionRequired)),
        ];
        for (input, expected) in rows {
            assert_eq!(Security::parse(input), expected, "{input:?}");
        }
    }

    #[test]
    fn wire_values_and_labels() {
        for s in Security::ALL {
            assert_eq!(Security::parse(s.as_str()), Ok(s));
            assert_eq!(Security::parse(s.label()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(Security::default(), Security::SslTls);
        assert_eq!(
            SecurityError::EncryptionRequired.to_string(),
            "Encryption is required: choose SSL/TLS or STARTTLS (the port must support encryption)"
        );
    }
}
