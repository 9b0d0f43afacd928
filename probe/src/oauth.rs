//! Signing in with an OAuth 2.0 access token: the two SASL mechanisms mail servers offer for
//! it (OAUTHBEARER, RFC 7628; XOAUTH2, Google's and Microsoft's), and what a report may say
//! about a token — its scopes and expiry, read from a JWT's claims, never the token.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Deserialize;
use zeroize::Zeroizing;

/// A SASL mechanism that carries a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerMechanism {
    OAuthBearer,
    XOAuth2,
}

impl BearerMechanism {
    pub fn name(self) -> &'static str {
        match self {
            BearerMechanism::OAuthBearer => "OAUTHBEARER",
            BearerMechanism::XOAuth2 => "XOAUTH2",
        }
    }

    /// The standard mechanism when the server offers it, else XOAUTH2; `offers` answers for
    /// a mechanism's name.
    pub fn choose(offers: impl Fn(&str) -> bool) -> Option<Self> {
        [BearerMechanism::OAuthBearer, BearerMechanism::XOAuth2]
            .into_iter()
            .find(|m| offers(m.name()))
    }

    /// Picks from IMAP capabilities (`AUTH=OAUTHBEARER`, `AUTH=XOAUTH2`).
    pub fn from_imap_capabilities(caps: &[String]) -> Option<Self> {
        Self::choose(|name| {
            caps.iter()
                .any(|c| c.eq_ignore_ascii_case(&format!("AUTH={name}")))
        })
    }

    /// Picks from an SMTP EHLO reply's keywords (its `AUTH` line).
    pub fn from_ehlo(keywords: &[String]) -> Option<Self> {
        let offered: Vec<String> = keywords
            .iter()
            .filter_map(|k| {
                let (keyword, rest) = k.trim().split_once([' ', '='])?;
                keyword
                    .eq_ignore_ascii_case("AUTH")
                    .then(|| rest.to_ascii_uppercase())
            })
            .flat_map(|rest| {
                rest.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        Self::choose(|name| offered.iter().any(|m| m == name))
    }

    /// The client's first message, before base64: the login name and the token.
    pub fn initial_response(self, login: &str, token: &str) -> Zeroizing<String> {
        Zeroizing::new(match self {
            // RFC 7628 §3.1: GS2 header with the authorization identity, then key/value pairs.
            BearerMechanism::OAuthBearer => format!("n,a={login},\x01auth=Bearer {token}\x01\x01"),
            BearerMechanism::XOAuth2 => format!("user={login}\x01auth=Bearer {token}\x01\x01"),
        })
    }

    /// The initial response in base64, as it goes on the wire.
    pub fn initial_response_base64(self, login: &str, token: &str) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.initial_response(login, token).as_bytes()))
    }

    /// What the client answers to the server's error challenge (a JSON status), so that the
    /// server sends its final refusal: XOAUTH2 an empty response, OAUTHBEARER `%x01` (§3.2.3).
    pub fn after_error(self) -> &'static [u8] {
        match self {
            BearerMechanism::OAuthBearer => b"\x01",
            BearerMechanism::XOAuth2 => b"",
        }
    }
}

/// async-imap's side of `AUTHENTICATE`: the initial response first, then the answer to an
/// error challenge.
pub(crate) struct ImapBearer {
    mechanism: BearerMechanism,
    first: Option<Zeroizing<String>>,
}

impl ImapBearer {
    pub fn new(mechanism: BearerMechanism, login: &str, token: &str) -> Self {
        Self {
            mechanism,
            first: Some(mechanism.initial_response(login, token)),
        }
    }
}

impl async_imap::Authenticator for ImapBearer {
    type Response = Zeroizing<Vec<u8>>;

    fn process(&mut self, _challenge: &[u8]) -> Self::Response {
        Zeroizing::new(match self.first.take() {
            Some(first) => first.as_bytes().to_vec(),
            None => self.mechanism.after_error().to_vec(),
        })
    }
}

/// The JSON status of a server's error challenge (`+ <base64>` in IMAP, `334 <base64>` in
/// SMTP), e.g. `{"status":"invalid_token","scope":"…"}`; `None` for any other line.
pub fn error_challenge(line: &str) -> Option<String> {
    let b64 = line
        .strip_prefix("+ ")
        .or_else(|| line.strip_prefix("334 "))?
        .trim();
    let text = String::from_utf8(STANDARD.decode(b64).ok()?).ok()?;
    let text = text.trim();
    (text.starts_with('{') && text.ends_with('}')).then(|| text.chars().take(300).collect())
}

/// What the report says about a token: read from a JWT's payload without checking its
/// signature (the mail server does that); an opaque token has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    pub scopes: Vec<String>,
    /// Seconds since the Unix epoch.
    pub expires_at: Option<i64>,
}

#[derive(Deserialize)]
struct Claims {
    /// OAuth 2.0 (RFC 9068) and most providers: space-separated.
    #[serde(default)]
    scope: Option<ScopeClaim>,
    /// Microsoft: space-separated delegated scopes.
    #[serde(default)]
    scp: Option<ScopeClaim>,
    #[serde(default)]
    exp: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

impl ScopeClaim {
    fn into_list(self) -> Vec<String> {
        match self {
            ScopeClaim::Text(s) => s.split_whitespace().map(str::to_owned).collect(),
            ScopeClaim::List(l) => l,
        }
    }
}

/// The facts of a JWT access token, `None` for an opaque one. Payloads over 16 KiB are not read.
pub fn token_facts(token: &str) -> Option<TokenFacts> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    parts.next()?;
    if payload.len() > 16 * 1024 {
        return None;
    }
    let json = Zeroizing::new(URL_SAFE_NO_PAD.decode(payload).ok()?);
    let claims: Claims = serde_json::from_slice(&json).ok()?;
    Some(TokenFacts {
        scopes: claims
            .scope
            .or(claims.scp)
            .map(ScopeClaim::into_list)
            .unwrap_or_default(),
        expires_at: claims.exp,
    })
}

/// One line for the report: the mechanism, and the token's scopes and expiry when it tells.
pub fn describe(mechanism: BearerMechanism, token: &str, now: i64) -> String {
    let how = format!(
        "signed in with {} (an OAuth 2.0 access token)",
        mechanism.name()
    );
    let Some(facts) = token_facts(token) else {
        return format!("{how}; the token is opaque (its scopes and expiry are not readable)");
    };
    let scopes = match facts.scopes.is_empty() {
        true => "none named".to_owned(),
        false => facts.scopes.join(" "),
    };
    let expiry = match facts.expires_at {
        Some(exp) => expiry_text(exp, now),
        None => "no expiry named".to_owned(),
    };
    format!("{how}; scopes: {scopes}; {expiry}")
}

fn expiry_text(exp: i64, now: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(exp)
        .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
        .unwrap_or_else(|_| exp.to_string());
    let left = exp - now;
    if left <= 0 {
        format!("expired {at} ({} min ago)", (-left) / 60)
    } else {
        format!("expires {at} (in {} min)", (left + 59) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn prefers_oauthbearer_and_reads_both_protocols() {
        let caps = ["IMAP4rev1", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"].map(String::from);
        assert_eq!(
            BearerMechanism::from_imap_capabilities(&caps),
            Some(BearerMechanism::OAuthBearer)
        );
        let only_x = ["IMAP4rev1", "AUTH=XOAUTH2"].map(String::from);
        assert_eq!(
            BearerMechanism::from_imap_capabilities(&only_x),
            Some(BearerMechanism::XOAuth2)
        );
        let ehlo = ["mail.test.local", "AUTH PLAIN LOGIN XOAUTH2", "8BITMIME"].map(String::from);
        assert_eq!(
            BearerMechanism::from_ehlo(&ehlo),
            Some(BearerMechanism::XOAuth2)
        );
        let none = ["mail", "AUTH PLAIN LOGIN"].map(String::from);
        assert_eq!(BearerMechanism::from_ehlo(&none), None);
    }

    #[test]
    fn initial_responses_follow_the_specifications() {
        assert_eq!(
            &*BearerMechanism::OAuthBearer.initial_response("u@x.test", "tok"),
            "n,a=u@x.test,\x01auth=Bearer tok\x01\x01"
        );
        // Google's documented example.
        assert_eq!(
            &*BearerMechanism::XOAuth2.initial_response_base64("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
    }

    #[test]
    fn decodes_error_challenges_only() {
        let json = r#"{"status":"invalid_token","scope":"imap"}"#;
        assert_eq!(
            error_challenge(&format!("+ {}", STANDARD.encode(json))).as_deref(),
            Some(json)
        );
        assert_eq!(
            error_challenge(&format!("334 {}", STANDARD.encode(json))).as_deref(),
            Some(json)
        );
        assert_eq!(error_challenge("334 VXNlcm5hbWU6"), None);
        assert_eq!(error_challenge("+ OK"), None);
    }

    #[test]
    fn reads_scopes_and_expiry_of_a_jwt_only() {
        let ms = jwt(r#"{"scp":"IMAP.AccessAsUser.All SMTP.Send","exp":1800}"#);
        assert_eq!(
            token_facts(&ms),
            Some(TokenFacts {
                scopes: vec!["IMAP.AccessAsUser.All".into(), "SMTP.Send".into()],
                expires_at: Some(1800)
            })
        );
        let text = describe(BearerMechanism::XOAuth2, &ms, 0);
        assert_eq!(text, "signed in with XOAUTH2 (an OAuth 2.0 access token); scopes: IMAP.AccessAsUser.All SMTP.Send; expires 1970-01-01 00:30 UTC (in 30 min)");
        assert!(!text.contains(&ms));
        assert!(describe(BearerMechanism::OAuthBearer, &ms, 3600)
            .contains("expired 1970-01-01 00:30 UTC (30 min ago)"));
        assert_eq!(token_facts("ya29.opaque-token"), None);
        assert!(describe(BearerMechanism::OAuthBearer, "opaque", 0).contains("opaque"));
    }
}
