//! The server binary's library half: configuration, wiring and the admin commands, so the
//! integration tests drive the same router the binary serves.

pub mod audit_cli;
pub mod cli;
mod error;
pub mod first_admin;
mod housekeeping;
pub mod inbox_config;
mod kept_pages;
pub mod logging;
mod metrics;
pub mod private_files;
pub mod probe_cli;
pub mod serve;

pub use error::CommandError;
