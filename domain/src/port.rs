use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a port was refused. `Display` is the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("Enter a port number between 1 and 65535")]
    NotANumber,
    #[error("Port must be between 1 and 65535")]
    OutOfRange,
}

/// A TCP port, 1–65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Port(u16);

impl Port {
    pub fn new(port: u16) -> Option<Self> {
        (port != 0).then_some(Port(port))
    }

    pub fn parse(input: &str) -> Result<Self, PortError> {
        let s = input.trim();
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PortError::NotANumber);
        }
        if s.starts_with('-') {
            return Err(PortError::OutOfRange);
        }
        // Digits only, so a parse failure can only mean "too big".
        let n: u16 = digits.parse().map_err(|_| PortError::OutOfRange)?;
        Port::new(n).ok_or(PortError::OutOfRange)
    }

    pub fn get(&self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<u16> for Port {
    type Error = PortError;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Port::new(value).ok_or(PortError::OutOfRange)
    }
}

impl From<Port> for u16 {
    fn from(value: Port) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ports() {
        for (input, expected) in [
            ("1", 1),
            ("993", 993),
            (" 993 ", 993),
            ("65535", 65535),
            ("0465", 465),
        ] {
            assert_eq!(
                Port::parse(input).map(|p| p.get()),
                Ok(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_ports() {
        let rows = [
            ("0", PortError::OutOfRange),
            ("65536", PortError::OutOfRange),
            ("70000", PortError::OutOfRange),
            ("99999999999999999999", PortError::OutOfRange),
            ("-1", PortError::OutOfRange),
            ("", PortError::NotANumber),
            ("  ", PortError::NotANumber),
            ("abc", PortError::NotANumber),
            ("99 3", PortError::NotANumber),
            ("993.0", PortError::NotANumber),
            ("-", PortError::NotANumber),
        ];
        for (input, expected) in rows {
            assert_eq!(Port::parse(input), Err(expected), "{input:?}");
        }
        assert_eq!(
            PortError::OutOfRange.to_string(),
            "Port must be between 1 and 65535"
        );
        assert_eq!(
            PortError::NotANumber.to_string(),
            "Enter a port number between 1 and 65535"
        );
    }

    #[test]
    fn new_and_serde() {
        assert_eq!(Port::new(0), None);
        assert_eq!(Port::new(25).map(|p| p.get()), Some(25));
        assert_eq!(serde_json::to_string(&Port(993)).unwrap(), "993");
        assert!(serde_json::from_str::<Port>("0").is_err());
    }
}
