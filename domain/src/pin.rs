//! A pinned server certificate: its SHA-256 fingerprint and the day it was pinned. A later
//! probe accepts exactly that certificate, and names a changed one, instead of trusting any.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertPin {
    fingerprint: String,
    pinned_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("A certificate pin is a SHA-256 fingerprint (64 hexadecimal digits) and a date, e.g. ab12…ef@2026-11-22")]
pub struct PinError;

impl CertPin {
    /// `fingerprint` may be written with colons or in upper case; `pinned_on` is YYYY-MM-DD.
    pub fn new(fingerprint: &str, pinned_on: &str) -> Result<Self, PinError> {
        let hex: String = fingerprint
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let date_ok = pinned_on.len() == 10
            && pinned_on.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                _ => c.is_ascii_digit(),
            });
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) || !date_ok {
            return Err(PinError);
        }
        Ok(Self {
            fingerprint: hex,
            pinned_on: pinned_on.to_owned(),
        })
    }

    /// Parses the stored form `fingerprint@YYYY-MM-DD`.
    pub fn parse(value: &str) -> Result<Self, PinError> {
        let (fingerprint, date) = value.trim().split_once('@').ok_or(PinError)?;
        Self::new(fingerprint, date)
    }

    /// Lower-case hex, no separators.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn pinned_on(&self) -> &str {
        &self.pinned_on
    }

    /// `AB:CD:…` as certificate tools print it.
    pub fn colon_hex(&self) -> String {
        self.fingerprint
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(":")
    }
}

impl fmt::Display for CertPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.fingerprint, self.pinned_on)
    }
}

impl FromStr for CertPin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CertPin {
    type Error = PinError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CertPin> for String {
    fn from(pin: CertPin) -> Self {
        pin.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn pins_parse_and_print() {
        let colons = HEX
            .as_bytes()
            .chunks(2)
            .map(|p| String::from_utf8_lossy(p).to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        for (input, ok) in [
            (format!("{HEX}@2026-11-22"), true),
            (format!("{colons}@2026-11-22"), true),
            (format!(" {HEX}@2026-11-22 "), true),
            (HEX.to_string(), false),
            (format!("{HEX}@22-11-2026"), false),
            (format!("{}@2026-11-22", &HEX[1..]), false),
            (format!("{}g@2026-11-22", &HEX[1..]), false),
            (String::new(), false),
        ] {
            let parsed = CertPin::parse(&input);
            assert_eq!(parsed.is_ok(), ok, "{input:?}");
            if let Ok(pin) = parsed {
                assert_eq!(pin.to_string(), format!("{HEX}@2026-11-22"));
                assert_eq!(pin.colon_hex(), colons);
            }
        }
    }
}
