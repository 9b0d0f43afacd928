//! The key that encrypts inbox passwords at rest (XChaCha20-Poly1305): from configuration or a
//! key file created on first run with mode 0600. A wrong or missing key is refused at start-up
//! (a check value sealed with the first key is kept in the database), never silently replaced.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

/// The name of the sealed check value in the installation's secrets.
pub const KEY_CHECK_SECRET: &str = "inbox_key_check";
const CHECK_PLAINTEXT: &[u8] = b"mailsettings inbox key check v1";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the inbox key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    #[error("cannot read or create the inbox key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the inbox key file {0} can be read by other users: run chmod 600 on it")]
    KeyFileOpen(String),
    #[error("the inbox key does not match the one this database was encrypted with: restore the original key (MAILSETTINGS_INBOX_KEY or its key file)")]
    WrongKey,
    #[error("a stored inbox password could not be decrypted")]
    Undecryptable,
}

pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    /// A key given as 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Vault, VaultError> {
        let bytes = Zeroizing::new(hex::decode(hex_key.trim()).map_err(|_| VaultError::BadKey)?);
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| VaultError::BadKey)?;
        Ok(Vault { cipher })
    }

    /// The key in `path`, created with a fresh random key (mode 0600) when the file does not
    /// exist and `may_create` (the database holds no inbox secrets yet).
    pub fn from_file(path: &Path, may_create: bool) -> Result<Vault, VaultError> {
        let shown = path.display().to_string();
        let io = |source| VaultError::KeyFile {
            path: shown.clone(),
            source,
        };
        if !path.exists() && may_create {
            let mut key = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(key.as_mut());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            let text = Zeroizing::new(format!("{}\n", hex::encode(key.as_ref())));
            file.write_all(text.as_bytes()).map_err(io)?;
            tracing::info!(path = %shown, "created the inbox key file");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::KeyFileOpen(shown));
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
        Vault::from_hex(&text)
    }

    /// Encrypts `plaintext`, bound to `context` (which inbox it belongs to).
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        // Encryption fails only for messages beyond 256 GiB.
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        if sealed.len() < NONCE_LEN {
            return Err(VaultError::Undecryptable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: body,
            aad: context,
        };
        self.cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Undecryptable)
    }

    /// The check value to keep beside the data this key encrypts.
    pub fn check_value(&self) -> Vec<u8> {
        self.seal(KEY_CHECK_SECRET.as_bytes(), CHECK_PLAINTEXT)
    }

    /// Refuses a key that did not seal `stored`.
    pub fn verify(&self, stored: &[u8]) -> Result<(), VaultError> {
        match self.open(KEY_CHECK_SECRET.as_bytes(), stored) {
            Ok(p) if p.as_slice() == CHECK_PLAINTEXT => Ok(()),
            _ => Err(VaultError::WrongKey),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_refusals() {
        let v = Vault::from_hex(&"ab".repeat(32)).expect("key");
        let sealed = v.seal(b"1:a@b.test", b"secret password");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            v.open(b"1:a@b.test", &sealed).expect("open").as_slice(),
            b"secret password"
        );
        assert!(
            v.open(b"2:a@b.test", &sealed).is_err(),
            "bound to its inbox"
        );
        let other = Vault::from_hex(&"cd".repeat(32)).expect("key");
        assert!(other.open(b"1:a@b.test", &sealed).is_err());
        assert!(v.verify(&v.check_value()).is_ok());
        assert!(matches!(
            other.verify(&v.check_value()),
            Err(VaultError::WrongKey)
        ));
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(31)] {
            assert!(
                matches!(Vault::from_hex(bad), Err(VaultError::BadKey)),
                "{bad}"
            );
        }
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("vault-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("inbox.key");
        let _ = std::fs::remove_file(&path);
        assert!(
            Vault::from_file(&path, false).is_err(),
            "not created unless allowed"
        );
        let first = Vault::from_file(&path, true).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Vault::from_file(&path, true).expect("reused");
        again.verify(&first.check_value()).expect("same key");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
