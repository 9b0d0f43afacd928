//! The server binary's library half: configuration, wiring and the admin commands, so the
//! integration tests drive the same router the binary serves.

pub mod audit_cli;
pub mod cli;
pub mod first_admin;
mod housekeeping;
pub mod inbox_config;
pub mod logging;
pub mod private_files;
pub mod probe_cli;
pub mod serve;
