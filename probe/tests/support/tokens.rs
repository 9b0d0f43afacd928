//! JWT access tokens the harness's Dovecot accepts (its `oauth2` passdb checks HS256 tokens
//! with `dovecot::OAUTH_HS256_KEY`). Included with `#[path]` by the tests that sign in with a
//! token, so the other users of the harness need no JWT crates.

use crate::support::dovecot;

/// An HS256 JWT access token for `email` that Dovecot's `oauth2` passdb accepts until
/// `expires_in_secs` from now (negative: already expired).
pub fn access_token(email: &str, scope: &str, expires_in_secs: i64) -> String {
    access_token_signed(email, scope, expires_in_secs, dovecot::OAUTH_HS256_KEY)
}

/// As `access_token`, signed with `key` (another key makes a token Dovecot refuses).
pub fn access_token_signed(email: &str, scope: &str, expires_in_secs: i64, key: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    use hmac::Mac;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "sub": email, "email": email, "scope": scope,
        "iat": now, "exp": now + expires_in_secs,
    });
    let payload = B64.encode(claims.to_string());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("hmac key");
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = B64.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}
