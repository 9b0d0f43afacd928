//! Creating the first super admin: the one-time setup link printed at start-up, or the
//! `create-admin` command for scripts.

use std::path::Path;

use rand::RngCore;

use crate::cli::{CreateAdminArgs, DatabaseArgs};
use crate::CommandError;

/// An operator-supplied token must be at least this long (32 hex digits are 128 bits).
pub(crate) const MIN_TOKEN_CHARS: usize = 32;

/// The setup token for a database with no users: given, read from the token file, or generated
/// (and then written to the token file, when one is named, readable by this user only).
pub fn setup_token(given: Option<String>, file: Option<&Path>) -> Result<String, CommandError> {
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        return strong_enough(token.trim(), "MAILSETTINGS_SETUP_TOKEN");
    }
    if let Some(path) = file {
        if path.exists() {
            let token = std::fs::read_to_string(path).map_err(CommandError::file("read", path))?;
            return strong_enough(token.trim(), &path.display().to_string());
        }
    }
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    if let Some(path) = file {
        crate::private_files::write_private_file(path, &token)
            .map_err(CommandError::file("write", path))?;
    }
    Ok(token)
}

/// At least 128 bits, URL-safe (it travels in the setup link's query string).
fn strong_enough(token: &str, source: &str) -> Result<String, CommandError> {
    let url_safe = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if token.chars().count() < MIN_TOKEN_CHARS || !url_safe {
        return Err(CommandError::WeakSetupToken(source.to_owned()));
    }
    Ok(token.to_string())
}

pub fn print_setup_instructions(site_addr: &str, token: &str) {
    println!(
        "\nNo users yet. Create the first super admin:\n  \
         open http://{site_addr}/setup?token={token}\n  \
         or, from a script: MAILSETTINGS_ADMIN_PASSWORD=… server create-admin --email you@example.com\n"
    );
}

pub async fn create_admin_command(
    db: &DatabaseArgs,
    args: CreateAdminArgs,
) -> Result<(), CommandError> {
    let password = match &args.password_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(CommandError::file("read", path))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => std::env::var("MAILSETTINGS_ADMIN_PASSWORD")
            .map_err(|_| CommandError::NoAdminPassword)?,
    };
    let email = domain::EmailAddress::parse(&args.email)?;
    domain::check_new_password(&password)?;
    let conn = db.connect().await?;
    match storage::create_first_super_admin(&conn, &email, &password, None, None).await {
        Ok(account) => {
            println!("Created super admin {}", account.email);
            Ok(())
        }
        Err(storage::StorageError::SetupAlreadyDone) => Err(CommandError::SetupDone),
        Err(e) => Err(CommandError::storage("cannot create the super admin")(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_tokens_need_128_bits() {
        assert!(setup_token(Some("short".into()), None).is_err());
        assert!(setup_token(Some("x".repeat(31)), None).is_err());
        assert!(setup_token(Some(format!("{} ", "é".repeat(32))), None).is_err());
        let good = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            setup_token(Some(format!(" {good} ")), None).ok(),
            Some(good.into())
        );
        assert_eq!(setup_token(None, None).map(|t| t.len()).ok(), Some(48));
    }
}
