//! Inbox configuration: the key that encrypts inbox passwords, and the background worker's
//! limits and periodic check interval.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use inboxes::{PeriodicPolicy, Vault, WorkerConfig, KEY_CHECK_SECRET};
use storage::DatabaseConnection;

use crate::CommandError;

#[derive(Args, Debug, Clone)]
pub struct InboxArgs {
    /// The key that encrypts inbox passwords: 64 hex characters. Default: the key file.
    #[arg(
        long = "inbox-key",
        env = "MAILSETTINGS_INBOX_KEY",
        hide_env_values = true
    )]
    pub key: Option<String>,
    /// The key file, created (mode 0600) on first run. Default: inbox.key in the data directory.
    #[arg(long = "inbox-key-file", env = "MAILSETTINGS_INBOX_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// How often each inbox is checked, e.g. 6h, 30m, 90s (spread by ±10 %).
    #[arg(
        long = "inbox-check-interval",
        env = "MAILSETTINGS_INBOX_CHECK_INTERVAL",
        default_value = "6h",
        value_parser = humantime::parse_duration
    )]
    pub check_interval: Duration,
    /// Inbox checks at once against one mail server host (each holds up to two connections).
    #[arg(
        long = "checks-per-server",
        env = "MAILSETTINGS_CHECKS_PER_SERVER",
        default_value_t = 4
    )]
    pub per_server: usize,
    /// Inbox checks at once, over all servers.
    #[arg(
        long = "inbox-checks",
        env = "MAILSETTINGS_INBOX_CHECKS",
        default_value_t = 16
    )]
    pub concurrency: usize,
    /// On shutdown (SIGTERM), how long running inbox checks may finish before the rest are
    /// handed back to the other server processes.
    #[arg(
        long = "shutdown-grace",
        env = "MAILSETTINGS_SHUTDOWN_GRACE",
        default_value = "20s",
        value_parser = humantime::parse_duration
    )]
    pub shutdown_grace: Duration,
    /// How long a server process holds a claimed inbox check before another process may take
    /// it over (after a crash). Default: twice the connection test budget plus a minute; it
    /// must outlast one check.
    #[arg(
        long = "claim-lease",
        env = "MAILSETTINGS_CLAIM_LEASE",
        value_parser = humantime::parse_duration
    )]
    pub claim_lease: Option<Duration>,
}

impl InboxArgs {
    /// The vault, refusing a key that does not match the one the database was encrypted with.
    pub async fn vault(
        &self,
        db: &DatabaseConnection,
        data_dir: &Path,
    ) -> Result<Vault, CommandError> {
        let stored = storage::stored_secret(db, KEY_CHECK_SECRET)
            .await
            .map_err(CommandError::storage("cannot read the inbox key check"))?;
        let vault = match (&self.key, &self.key_file) {
            (Some(hex), _) => Vault::from_hex(hex)
                .map_err(|e| CommandError::setting("MAILSETTINGS_INBOX_KEY", e))?,
            (None, file) => {
                let path = file.clone().unwrap_or_else(|| data_dir.join("inbox.key"));
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    let _ = crate::private_files::create_private_dir(parent);
                }
                if stored.is_some() && !path.exists() {
                    return Err(CommandError::InboxKeyFileMissing(path));
                }
                Vault::from_file(&path, stored.is_none())?
            }
        };
        let kept = match stored {
            Some(v) => v,
            None => storage::keep_secret(db, KEY_CHECK_SECRET, &vault.check_value())
                .await
                .map_err(CommandError::storage("cannot store the inbox key check"))?,
        };
        vault.verify(&kept)?;
        Ok(vault)
    }

    pub fn worker_config(&self, check_budget: Duration) -> Result<WorkerConfig, CommandError> {
        // Longer than any check can take, so only a dead worker's claims are taken over.
        let shortest = check_budget + Duration::from_secs(5);
        let lease = match self.claim_lease {
            Some(lease) if lease < shortest => {
                return Err(CommandError::ClaimLeaseTooShort(shortest))
            }
            Some(lease) => lease,
            None => check_budget * 2 + Duration::from_secs(60),
        };
        Ok(WorkerConfig {
            concurrency: self.concurrency.max(1),
            per_server: self.per_server.max(1),
            lease,
            periodic: PeriodicPolicy {
                interval: self.check_interval.max(Duration::from_secs(1)),
                ..PeriodicPolicy::default()
            },
            shutdown_grace: self.shutdown_grace,
            ..WorkerConfig::default()
        })
    }
}

/// The worker, with the connection tests' options (static egress for domains that use it).
pub fn worker(
    db: DatabaseConnection,
    vault: Arc<Vault>,
    probes: Arc<services::ProbeRunner>,
    config: WorkerConfig,
) -> Arc<inboxes::Worker> {
    let options: inboxes::OptionsFor = Arc::new(move |static_ips| probes.options_for(static_ips));
    inboxes::Worker::new(db, vault, options, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(claim_lease: Option<Duration>) -> InboxArgs {
        InboxArgs {
            key: None,
            key_file: None,
            check_interval: Duration::from_secs(6 * 3600),
            per_server: 4,
            concurrency: 16,
            shutdown_grace: Duration::from_secs(20),
            claim_lease,
        }
    }

    #[test]
    fn a_claim_outlasts_one_check() {
        let budget = Duration::from_secs(60);
        let default = args(None).worker_config(budget).expect("default");
        assert_eq!(default.lease, Duration::from_secs(180));
        let set = args(Some(Duration::from_secs(65))).worker_config(budget);
        assert_eq!(set.expect("at the minimum").lease, Duration::from_secs(65));
        let short = args(Some(Duration::from_secs(30))).worker_config(budget);
        assert!(short.is_err_and(|e| e.to_string().contains("at least 1m 5s")));
    }
}
