//! End users' inboxes, below the web layer: the vault that encrypts their passwords, the inbox
//! check (the probe's IMAP and SMTP logins, no email), the policy that turns a check into a
//! state, and the worker that revalidates inboxes after a domain change (canary first, a cap
//! per mail server) and checks them periodically.

mod caps;
mod check;
mod policy;
mod vault;
mod worker;

pub use caps::ServerCaps;
pub use check::{
    check_inbox, open_password, probe_settings, seal_password, CheckError, UNPINNED_CERTIFICATE,
};
pub use policy::{decide, CheckKind, Decision, PeriodicPolicy};
pub use vault::{Vault, VaultError, KEY_CHECK_SECRET};
pub use worker::{OptionsFor, Worker, WorkerConfig};
