//! The inbox check: the probe engine's IMAP and SMTP login legs with the inbox's credentials,
//! through the same options (flags, pins, egress) as the connection test.

use domain::DomainSettings;
use probe::{Credentials, Endpoint, LegCheck, LoginCheck, ProbeOptions, ProbeSettings};
use storage::StoredInbox;
use zeroize::Zeroizing;

use crate::vault::{Vault, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Binds a sealed password to its inbox: a ciphertext moved to another row does not open.
fn context(user_id: i32, email: &str) -> Vec<u8> {
    format!("inbox:{user_id}:{email}").into_bytes()
}

pub fn seal_password(vault: &Vault, user_id: i32, email: &str, password: &str) -> Vec<u8> {
    vault.seal(&context(user_id, email), password.as_bytes())
}

pub fn open_password(
    vault: &Vault,
    inbox: &StoredInbox,
    sealed: &[u8],
) -> Result<Zeroizing<String>, VaultError> {
    let bytes = vault.open(&context(inbox.user_id, &inbox.email), sealed)?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Undecryptable)
}

/// Checks the inbox with `settings` (its own, or ones being tried) and its stored password.
///
/// A stored password goes only to a server whose certificate chains to a trusted root or
/// matches the leg's pin: *Allow non-secure certificate* covers the admin's own connection
/// test, never stored passwords, so a leg that relies on it fails before any login.
pub async fn check_inbox(
    vault: &Vault,
    inbox: &StoredInbox,
    sealed: &[u8],
    settings: &DomainSettings,
    options: &ProbeOptions,
) -> Result<LoginCheck, CheckError> {
    let password = open_password(vault, inbox, sealed)?;
    let creds = Credentials::new(
        inbox.email.clone(),
        inbox.username.clone(),
        password.as_str().to_owned(),
    );
    let mut custody = probe_settings(settings);
    custody.allow_non_secure_certificate = false;
    let mut check = probe::check_logins(&custody, &creds, options).await;
    if settings.allow_non_secure_certificate {
        for leg in [&mut check.imap, &mut check.smtp] {
            explain_untrusted(leg);
        }
    }
    Ok(check)
}

/// What to do when the flag is on but the certificate is neither trusted nor pinned.
pub const UNPINNED_CERTIFICATE: &str = "Stored passwords are sent only to a trusted or pinned \
    certificate: Allow non-secure certificate applies to connection tests, not to stored \
    passwords. Run Test connection, then Pin this certificate.";

fn explain_untrusted(leg: &mut LegCheck) {
    if leg.category == Some(probe::Category::UnauthorizedSslCertificateNotTrusted) {
        let detail = leg.detail.take().unwrap_or_default();
        leg.detail = Some(format!("{detail} — {UNPINNED_CERTIFICATE}"));
    }
}

/// The engine's view of a domain's settings, with each leg's certificate pin and its date.
pub fn probe_settings(s: &DomainSettings) -> ProbeSettings {
    let endpoint =
        |host: &domain::Hostname, port: domain::Port, sec, pin: &Option<domain::CertPin>| {
            let mut e = Endpoint::new(host.to_string(), port.get(), sec);
            e.pin = pin.clone();
            e
        };
    ProbeSettings {
        imap: endpoint(&s.imap_host, s.imap_port, s.imap_security, &s.imap_cert_pin),
        smtp: endpoint(&s.smtp_host, s.smtp_port, s.smtp_security, &s.smtp_cert_pin),
        allow_non_secure_certificate: s.allow_non_secure_certificate,
    }
}
