//! The inbox check: the probe engine's IMAP and SMTP login legs with the inbox's credentials,
//! through the same options (flags, pins, egress) as the connection test.

use domain::DomainSettings;
use probe::{Credentials, Endpoint, LoginCheck, ProbeOptions, ProbeSettings};
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
    Ok(probe::check_logins(&probe_settings(settings), &creds, options).await)
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
