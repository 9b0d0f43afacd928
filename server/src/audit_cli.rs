//! The audit chain from the command line: `server audit verify` (the database, or an export
//! offline: see `offline`), `server audit checkpoint`, `server audit public-key`; and the
//! signing key's configuration, shared with `serve`.

mod offline;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use storage::AuditSigner;

use crate::cli::DatabaseArgs;
use crate::CommandError;

#[derive(Args, Debug, Clone)]
pub struct AuditKeyArgs {
    /// The Ed25519 key (PKCS#8 PEM) that signs audit checkpoints, created (mode 0600) on first
    /// run. Default: audit-signing.key in the data directory.
    #[arg(long = "audit-key-file", env = "MAILSETTINGS_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

impl AuditKeyArgs {
    pub fn signer(&self, data_dir: &Path) -> Result<AuditSigner, CommandError> {
        let path = self
            .audit_key_file
            .clone()
            .unwrap_or_else(|| data_dir.join("audit-signing.key"));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = crate::private_files::create_private_dir(parent);
        }
        Ok(AuditSigner::from_file(&path)?)
    }
}

/// How often `serve` signs the chain's head (it also signs for every JSON export).
#[derive(Args, Debug, Clone)]
pub struct CheckpointArgs {
    #[arg(
        long = "audit-checkpoint-interval",
        env = "MAILSETTINGS_AUDIT_CHECKPOINT_INTERVAL",
        default_value = "1h",
        value_parser = humantime::parse_duration
    )]
    pub interval: Duration,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub key: AuditKeyArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the change history's hash chain and its signed checkpoints, and name the first event
    /// that was altered, removed or inserted. With --file, check an export offline instead
    /// (exit status 0 intact, 1 altered, 2 bad arguments, 3 events missing, 4 unsigned).
    Verify {
        /// A JSON export of the change history (no database needed).
        #[arg(long)]
        file: Option<PathBuf>,
        /// The server's public key (64 hex digits, or a file holding them); default: the key file's.
        #[arg(long = "public-key")]
        public_key: Option<String>,
        /// Check the chain of an export that carries no valid signed checkpoint or statement
        /// (refused otherwise); it is still reported UNSIGNED, with exit status 4.
        #[arg(long = "allow-unsigned", requires = "file")]
        allow_unsigned: bool,
    },
    /// Sign a checkpoint of the chain's head now.
    Checkpoint,
    /// Print the public key that verifies checkpoints and exports.
    PublicKey,
}

/// Runs an `audit` command; exit status 1 when the history in the database is not intact.
pub async fn run(database: &DatabaseArgs, args: AuditArgs) -> Result<ExitCode, CommandError> {
    match args.command {
        AuditCommand::PublicKey => {
            println!("{}", args.key.signer(&database.data_dir)?.public_key_hex());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint => {
            let signer = args.key.signer(&database.data_dir)?;
            let db = database.connect().await?;
            match storage::sign_checkpoint(&db, &signer)
                .await
                .map_err(CommandError::storage("cannot sign a checkpoint"))?
            {
                Some(c) => println!("signed event #{} ({}) at {}", c.seq, c.hash, c.signed_at),
                None => println!("the history is empty: nothing to sign"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify {
            file: Some(file),
            public_key,
            allow_unsigned,
        } => Ok(offline::verify_file(
            &file,
            public_key.as_deref(),
            allow_unsigned,
        )),
        AuditCommand::Verify {
            file: None,
            public_key,
            ..
        } => {
            let key = match public_key {
                Some(key) => read_key(&key)?,
                None => args.key.signer(&database.data_dir)?.verifying_key(),
            };
            verify_database(database, &key).await
        }
    }
}

/// Walks the history in the database; exit status 1 when it is not intact.
async fn verify_database(
    database: &DatabaseArgs,
    key: &ed25519_dalek::VerifyingKey,
) -> Result<ExitCode, CommandError> {
    let db = database.connect().await?;
    let report = storage::verify_history(&db, key)
        .await
        .map_err(CommandError::storage("cannot read the history"))?;
    let checkpoint = report
        .latest_checkpoint
        .as_ref()
        .map(|c| format!(", latest checkpoint: event #{} at {}", c.seq, c.signed_at))
        .unwrap_or_default();
    match report.problem {
        None => {
            println!(
                "intact: {} events, {} checkpoints{checkpoint}",
                report.events, report.checkpoints
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            println!("NOT INTACT: {problem}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// 64 hex digits, or a file holding them.
fn read_key(value: &str) -> Result<ed25519_dalek::VerifyingKey, CommandError> {
    let text = if Path::new(value).is_file() {
        std::fs::read_to_string(value).map_err(CommandError::file("read the public key", value))?
    } else {
        value.to_owned()
    };
    storage::parse_public_key(&text).ok_or(CommandError::BadPublicKey)
}

/// Signs the chain's head every `interval` (when it moved).
pub async fn sign_periodically(
    db: storage::DatabaseConnection,
    signer: std::sync::Arc<AuditSigner>,
    interval: Duration,
) {
    let mut every = tokio::time::interval(interval);
    loop {
        every.tick().await;
        if let Err(e) = storage::sign_checkpoint(&db, &signer).await {
            tracing::warn!(error = %e, "could not sign an audit checkpoint");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_line_is_consistent() {
        use clap::CommandFactory;
        crate::cli::Cli::command().debug_assert();
    }
}
