//! API tokens: what a token may do, what it is called, and how long it lives.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a token may do, within its owner's rights (a token never does more than its owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenScope {
    /// Reads only: lists, reports, history, exports.
    Read,
    /// Everything the owner's role allows: reads and changes.
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("Choose a scope: Read only, or Read and write")]
    Scope,
    #[error(
        "Give the token a name (up to {MAX_NAME_CHARS} characters), e.g. the script that uses it"
    )]
    Name,
    #[error(
        "Choose when the token expires: never, or in {MIN_EXPIRY_DAYS} to {MAX_EXPIRY_DAYS} days \
         (a year)"
    )]
    Expiry,
}

const MAX_NAME_CHARS: usize = 80;
/// A token that expires lives at least a week and at most a year.
const MIN_EXPIRY_DAYS: u16 = 7;
const MAX_EXPIRY_DAYS: u16 = 365;

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::Write];

    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(input: &str) -> Result<TokenScope, TokenError> {
        let s = input.trim();
        TokenScope::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(TokenError::Scope)
    }

    pub fn label(&self) -> &'static str {
        match self {
            TokenScope::Read => "Read only",
            TokenScope::Write => "Read and write",
        }
    }

    /// Whether a token with this scope may change anything.
    pub fn allows_changes(&self) -> bool {
        *self == TokenScope::Write
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A token's name, trimmed: 1 to 80 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(input: &str) -> Result<TokenName, TokenError> {
        let name = input.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(TokenError::Name);
        }
        Ok(TokenName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenName {
    type Error = TokenError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TokenName::parse(&s)
    }
}

impl From<TokenName> for String {
    fn from(n: TokenName) -> String {
        n.0
    }
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a new token lives: `None` never expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLifetime(Option<u16>);

impl TokenLifetime {
    pub const NEVER: TokenLifetime = TokenLifetime(None);

    /// `""`, `"never"` or a number of days from 7 to 365.
    pub fn parse(input: &str) -> Result<TokenLifetime, TokenError> {
        match input.trim() {
            "" | "never" => Ok(TokenLifetime::NEVER),
            days => days
                .parse::<u16>()
                .ok()
                .filter(|d| (MIN_EXPIRY_DAYS..=MAX_EXPIRY_DAYS).contains(d))
                .map(|d| TokenLifetime(Some(d)))
                .ok_or(TokenError::Expiry),
        }
    }

    pub fn days(&self) -> Option<u16> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_round_trip() {
        for scope in TokenScope::ALL {
            assert_eq!(TokenScope::parse(scope.as_str()), Ok(scope));
        }
        assert_eq!(TokenScope::parse("admin"), Err(TokenError::Scope));
        assert!(!TokenScope::Read.allows_changes());
        assert!(TokenScope::Write.allows_changes());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            TokenName::parse("  ci deploy ").unwrap().as_str(),
            "ci deploy"
        );
        assert_eq!(TokenName::parse("   "), Err(TokenError::Name));
        assert_eq!(TokenName::parse("a\nb"), Err(TokenError::Name));
        assert!(TokenName::parse(&"é".repeat(80)).is_ok());
        assert_eq!(TokenName::parse(&"é".repeat(81)), Err(TokenError::Name));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(TokenLifetime::parse("never"), Ok(TokenLifetime::NEVER));
        assert_eq!(TokenLifetime::parse("").unwrap().days(), None);
        assert_eq!(TokenLifetime::parse("30").unwrap().days(), Some(30));
        assert_eq!(TokenLifetime::parse(" 7 ").unwrap().days(), Some(7));
        assert_eq!(TokenLifetime::parse("365").unwrap().days(), Some(365));
        for bad in ["0", "1", "6", "366", "730", "-1", "soon", "1.5"] {
            assert_eq!(TokenLifetime::parse(bad), Err(TokenError::Expiry), "{bad}");
        }
    }
}
