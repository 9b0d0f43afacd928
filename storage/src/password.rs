//! Argon2id password hashing, run on tokio's blocking pool so logins do not stall the runtime.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;

use crate::StorageError;

/// Checks the policy, then hashes (argon2 defaults: argon2id, PHC string, random salt).
pub(crate) async fn hash_new_password(password: &str) -> Result<String, StorageError> {
    domain::check_new_password(password).map_err(|e| StorageError::Password(e.to_string()))?;
    let password = password.to_owned();
    blocking(move || hash(&password)).await?
}

/// Whether `password` matches `phc`; a `None` hash still spends one verification, so an
/// unknown email takes as long as a wrong password.
pub(crate) async fn verify(password: &str, phc: Option<String>) -> Result<bool, StorageError> {
    let password = password.to_owned();
    blocking(move || {
        let phc = match phc {
            Some(phc) => phc,
            None => dummy_hash()?.to_owned(),
        };
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| StorageError::Corrupt(format!("password hash: {e}")))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(matches)
    })
    .await?
}

fn hash(password: &str) -> Result<String, StorageError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StorageError::Password(format!("hashing failed: {e}")))
}

fn dummy_hash() -> Result<&'static str, StorageError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash("not a real password, only spends time")?;
    Ok(DUMMY.get_or_init(|| h))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Password(format!("hashing task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let phc = hash_new_password("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(phc.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery", Some(phc)).await.unwrap());
        assert!(!verify("anything at all", None).await.unwrap());
        assert!(matches!(
            hash_new_password("short").await,
            Err(StorageError::Password(m)) if m == "Use at least 12 characters"
        ));
    }
}
