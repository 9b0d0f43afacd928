//! What stops the server at start-up or fails an admin command, each with what to fix; `main`
//! prints it after `error: `.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A setting (flag or environment variable) that cannot be used, and why.
    #[error("{name}: {problem}")]
    Setting {
        name: &'static str,
        #[source]
        problem: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{doing}: {source}")]
    Storage {
        doing: &'static str,
        #[source]
        source: storage::StorageError,
    },
    #[error("bad Leptos configuration: {0}")]
    Leptos(#[from] leptos::config::errors::LeptosConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Nat64(#[from] probe::Nat64Error),
    #[error(transparent)]
    InboxKey(#[from] inboxes::VaultError),
    #[error(transparent)]
    AuditKey(#[from] storage::SignerError),
    #[error(transparent)]
    ProfileSigner(#[from] clients::SignerError),
    #[error("{set} ({}) is set but {missing} is not: set both to sign Apple profiles, or neither", path.display())]
    HalfAProfileSigner {
        set: &'static str,
        path: PathBuf,
        missing: &'static str,
    },
    #[error(
        "the inbox key file {} is missing, and this database holds passwords encrypted with \
         it: restore the file or set MAILSETTINGS_INBOX_KEY",
        .0.display()
    )]
    InboxKeyFileMissing(PathBuf),
    #[error(
        "MAILSETTINGS_CLAIM_LEASE must be at least {} (the connection test budget plus 5 s), or \
         a running check could be taken over and run twice",
        humantime::format_duration(*.0)
    )]
    ClaimLeaseTooShort(Duration),
    #[error(
        "the setup token from {0} must be at least {min} characters of letters, digits, '-', \
         '_', '.' or '~' (128 bits or more); generate one with `openssl rand -hex 16`",
        min = crate::first_admin::MIN_TOKEN_CHARS
    )]
    WeakSetupToken(String),
    #[error("set MAILSETTINGS_ADMIN_PASSWORD or pass --password-file")]
    NoAdminPassword,
    #[error(transparent)]
    AdminEmail(#[from] domain::EmailError),
    #[error(transparent)]
    AdminPassword(#[from] domain::PasswordError),
    #[error("users already exist: the first super admin was created before")]
    SetupDone,
    #[error("--file needs --public-key (the key `server audit public-key` prints)")]
    NoPublicKey,
    #[error("the public key must be 64 hex digits (an Ed25519 key)")]
    BadPublicKey,
    #[error("{} is not a change-history export: {source}", path.display())]
    NotAnExport {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: {source}", path.display())]
    ExportRefused {
        path: PathBuf,
        #[source]
        source: storage::StorageError,
    },
}

impl CommandError {
    pub(crate) fn setting(
        name: &'static str,
        problem: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CommandError::Setting {
            name,
            problem: problem.into(),
        }
    }

    pub(crate) fn file(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| CommandError::File {
            action,
            path,
            source,
        }
    }

    pub(crate) fn storage(doing: &'static str) -> impl FnOnce(storage::StorageError) -> Self {
        move |source| CommandError::Storage { doing, source }
    }
}
