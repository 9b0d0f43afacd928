//! The values the services return, as both faces show them (serialisable, wasm-safe).

mod connection_ips;
mod domains;
mod history;
mod inboxes;
mod probes;

pub use connection_ips::*;
pub use domains::*;
pub use history::*;
pub use inboxes::*;
pub use probes::*;
