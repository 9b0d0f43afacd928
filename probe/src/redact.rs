//! Removing the password or access token from evidence: as typed, IMAP-quoted (as async-imap
//! sends it in LOGIN), and base64 (SASL PLAIN and LOGIN as lettre sends them; OAUTHBEARER and
//! XOAUTH2).
//!
//! A password of 3 or more characters is removed wherever it occurs. A shorter one would eat
//! ordinary text ("a", "OK"), so it is removed only where it is unmistakable: as the password
//! argument of an echoed LOGIN command, in its quoted form, and as a whole base64 token.

use zeroize::Zeroizing;

use crate::model::{Credentials, SecretKind};
use crate::oauth::BearerMechanism;

/// What a redacted secret is replaced with.
pub const MASK: &str = "***";

/// Shortest password (in characters) that is removed wherever it occurs.
const BARE_MIN: usize = 3;

type Secret = Zeroizing<String>;

/// The forms of one password, ready to remove from text.
pub struct Redactor {
    password: Secret,
    /// SASL PLAIN responses (base64): removed wherever they occur.
    plain: Vec<Secret>,
    /// base64 of the password alone (SASL LOGIN): removed as a whole token.
    b64: Secret,
    /// The IMAP quoted string, quotes included.
    quoted: Secret,
    /// Removed anywhere, only for passwords of `BARE_MIN` characters or more.
    bare: Vec<Secret>,
}

/// The IMAP quoted-string form of `s` (RFC 3501; async-imap escapes `\` and `"` alike).
pub fn imap_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Redactor {
    pub fn new(creds: &Credentials) -> Self {
        let pw = creds.secret();
        let login = creds.login_name();
        let secret = |s: String| Zeroizing::new(s);
        let encoded = |s: Secret| secret(base64(s.as_bytes()));
        let quoted = secret(imap_quote(pw));
        let b64 = secret(base64(pw.as_bytes()));
        let mut bare = Vec::new();
        if pw.chars().count() >= BARE_MIN {
            bare.push(secret(quoted[1..quoted.len() - 1].to_string()));
            bare.push(secret(pw.to_string()));
            bare.push(b64.clone());
        }
        let mut plain = vec![
            encoded(secret(format!("\0{login}\0{pw}"))),
            encoded(secret(format!("{login}\0{login}\0{pw}"))),
        ];
        if creds.kind() == SecretKind::AccessToken {
            for m in [BearerMechanism::OAuthBearer, BearerMechanism::XOAuth2] {
                plain.push(m.initial_response_base64(login, pw));
            }
        }
        Self {
            password: secret(pw.to_string()),
            plain,
            b64,
            quoted,
            bare,
        }
    }

    /// Removes every form of the password from `text`.
    pub fn apply(&self, text: &mut String) {
        if self.password.is_empty() {
            return;
        }
        let mut s = Zeroizing::new(std::mem::take(text));
        for form in &self.plain {
            replace_all(&mut s, form);
        }
        replace_tokens(&mut s, &self.b64, is_base64);
        replace_all(&mut s, &self.quoted);
        redact_login_args(&mut s, &self.password);
        for form in &self.bare {
            replace_all(&mut s, form);
        }
        *text = std::mem::take(&mut *s);
    }
}

fn replace_all(s: &mut Secret, needle: &str) {
    if s.contains(needle) {
        *s = Zeroizing::new(s.replace(needle, MASK));
    }
}

fn is_base64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

/// Replaces the occurrences of `needle` that are not part of a longer token.
fn replace_tokens(s: &mut Secret, needle: &str, in_token: fn(char) -> bool) {
    if needle.is_empty() || !s.contains(needle) {
        return;
    }
    let mut out = Zeroizing::new(String::with_capacity(s.len()));
    let mut i = 0;
    while let Some(pos) = s[i..].find(needle) {
        let (start, end) = (i + pos, i + pos + needle.len());
        let alone = !s[..start].chars().next_back().is_some_and(in_token)
            && !s[end..].chars().next().is_some_and(in_token);
        if alone {
            out.push_str(&s[i..start]);
            out.push_str(MASK);
            i = end;
        } else {
            let step = start + s[start..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&s[i..step]);
            i = step;
        }
    }
    out.push_str(&s[i..]);
    *s = out;
}

/// One IMAP astring (quoted or atom) at the start of `s`: its length in bytes and its value.
fn astring(s: &str) -> Option<(usize, String)> {
    let mut chars = s.char_indices();
    match chars.next()? {
        (_, '"') => {
            let mut value = String::new();
            let mut escaped = false;
            for (i, c) in chars {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => return Some((i + 1, value)),
                    _ => {
                        value.push(c);
                        escaped = false;
                    }
                }
            }
            None
        }
        _ => {
            let end = s.find(|c: char| c.is_whitespace()).unwrap_or(s.len());
            Some((end, s[..end].to_string()))
        }
    }
}

/// Masks the password argument of LOGIN commands a server echoed (`LOGIN "user" "pw"`), for
/// passwords of any length.
fn redact_login_args(s: &mut Secret, password: &str) {
    const KEY: &[u8] = b"LOGIN";
    let mut from = 0;
    while let Some(at) = s.as_bytes()[from..]
        .windows(KEY.len())
        .position(|w| w.eq_ignore_ascii_case(KEY))
    {
        // ASCII matches always start and end on char boundaries.
        let start = from + at;
        from = start + KEY.len();
        if start > 0 && !s[..start].ends_with(char::is_whitespace) {
            continue;
        }
        let rest = s[from..].trim_start_matches(':');
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let user_at = s.len() - rest.trim_start().len();
        let Some((user_len, _)) = astring(&s[user_at..]) else {
            continue;
        };
        let after_user = &s[user_at + user_len..];
        let pw_at = s.len() - after_user.trim_start().len();
        if pw_at == user_at + user_len {
            continue;
        }
        let Some((pw_len, value)) = astring(&s[pw_at..]) else {
            continue;
        };
        if Zeroizing::new(value).as_str() == password {
            s.replace_range(pw_at..pw_at + pw_len, MASK);
            from = pw_at + MASK.len();
        }
    }
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}
