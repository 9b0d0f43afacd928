//! The product's use cases, under both faces (the Leptos pages and the JSON API): domains,
//! inboxes and their revalidation, connection tests, login and throttling, API tokens, the
//! change history. The callers have authorized; a service parses, applies the product's rules,
//! stores (one transaction per change) and returns a value or a [`ServiceError`].
//!
//! Without the `engine` feature only the values and refusals are compiled (the browser's
//! bundle decodes them).

mod allowance;
mod refusal;
pub mod views;

pub use allowance::Allowance;
pub use refusal::Refusal;

#[cfg(feature = "engine")]
mod allowlist;
#[cfg(feature = "engine")]
mod custody;
#[cfg(feature = "engine")]
pub mod domains;
#[cfg(feature = "engine")]
mod error;
#[cfg(feature = "engine")]
pub mod history;
#[cfg(feature = "engine")]
pub mod history_export;
#[cfg(feature = "engine")]
pub mod inboxes;
#[cfg(feature = "engine")]
pub mod login;
#[cfg(feature = "engine")]
mod pinning;
#[cfg(feature = "engine")]
mod probe_runner;
#[cfg(feature = "engine")]
pub mod probes;
#[cfg(feature = "engine")]
mod recent;
#[cfg(feature = "engine")]
pub mod rollout;
#[cfg(feature = "engine")]
mod state;
#[cfg(feature = "engine")]
pub mod static_ips;
#[cfg(feature = "engine")]
pub mod tokens;

#[cfg(feature = "engine")]
pub use allowlist::{Allowlist, Format as AllowlistFormat};
#[cfg(feature = "engine")]
pub use error::ServiceError;
#[cfg(feature = "engine")]
pub use inboxes::SampleResults;
#[cfg(feature = "engine")]
pub use login::ThrottlePolicy;
#[cfg(feature = "engine")]
pub use pinning::pin_certificate;
#[cfg(feature = "engine")]
pub use probe_runner::{ProbeConfig, ProbeRunner};
#[cfg(feature = "engine")]
pub use state::Services;
#[cfg(feature = "engine")]
pub use static_ips::SourceTestResults;
#[cfg(feature = "engine")]
pub use views::format_time;
