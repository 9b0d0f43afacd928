//! Creating the first super admin: the one-time setup link printed at start-up, or the
//! `create-admin` command for scripts.

use std::path::Path;

use rand::RngCore;

use crate::cli::{CreateAdminArgs, DatabaseArgs};

/// The setup token for a database with no users: given, read from the token file, or generated
/// (and then written to the token file, when one is named).
pub fn setup_token(given: Option<String>, file: Option<&Path>) -> Result<String, String> {
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_string());
    }
    if let Some(path) = file {
        if path.exists() {
            let token = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            return Ok(token.trim().to_string());
        }
    }
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    if let Some(path) = file {
        std::fs::write(path, &token)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(token)
}

pub fn print_setup_instructions(site_addr: &str, token: &str) {
    println!(
        "\nNo users yet. Create the first super admin:\n  \
         open http://{site_addr}/setup?token={token}\n  \
         or, from a script: MAILSETTINGS_ADMIN_PASSWORD=… server create-admin --email you@example.com\n"
    );
}

pub async fn create_admin_command(db: &DatabaseArgs, args: CreateAdminArgs) -> Result<(), String> {
    let password = match &args.password_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => std::env::var("MAILSETTINGS_ADMIN_PASSWORD")
            .map_err(|_| "set MAILSETTINGS_ADMIN_PASSWORD or pass --password-file".to_string())?,
    };
    let email = domain::EmailAddress::parse(&args.email).map_err(|e| e.to_string())?;
    domain::check_new_password(&password).map_err(|e| e.to_string())?;
    let conn = storage::connect(&db.url()?)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match storage::create_first_super_admin(&conn, &email, &password).await {
        Ok(account) => {
            println!("Created super admin {}", account.email);
            Ok(())
        }
        Err(storage::StorageError::SetupAlreadyDone) => {
            Err("users already exist: the first super admin was created before".into())
        }
        Err(e) => Err(format!("cannot create the super admin: {e}")),
    }
}
