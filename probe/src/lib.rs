//! Live IMAP/SMTP probe engine: validates a domain's mail settings against the real servers,
//! step by step, with the seed's error categories. No web or database dependencies.
//!
//! ```no_run
//! use probe::{probe, Credentials, Endpoint, ProbeOptions, ProbeSettings, Security};
//! # async fn run() {
//! let settings = ProbeSettings {
//!     imap: Endpoint::new("imap.example.com", 993, Security::SslTls),
//!     smtp: Endpoint::new("smtp.example.com", 587, Security::StartTls),
//!     allow_non_secure_certificate: false,
//! };
//! let creds = Credentials::new("admin@example.com", None, "app-password");
//! let report = probe(&settings, &creds, &ProbeOptions::default(), |step| {
//!     println!("{} {:?} {} ms", step.name.as_str(), step.outcome, step.elapsed_ms);
//! })
//! .await;
//! if let Some(v) = &report.verdict {
//!     println!("{}: {} ({:?})", v.title, v.detail, v.detail_code);
//! }
//! # }
//! ```
//!
//! The five steps run in seed order (IMAP connect, IMAP login with the requirement checks,
//! SMTP connect, SMTP login, test email); the verdict is the first failed step. IMAP and SMTP
//! connect concurrently, but SMTP AUTH waits for the IMAP login. Every network action runs
//! under the step timeout capped by the overall budget, and every connection's reads are
//! capped ([`ProbeOptions::max_bytes_per_connection`]).
//!
//! With [`ProbeOptions::static_egress`] every connection leaves from one of the host's
//! addresses inside the operator's static ranges, in turn ([`egress`]), and each step reports
//! it; [`probe_from_each_source`] runs the IMAP and SMTP login legs from every such address.

#[cfg(feature = "engine")]
pub mod certinfo;
#[cfg(feature = "engine")]
mod each_source;
#[cfg(feature = "engine")]
pub mod egress;
#[cfg(feature = "engine")]
pub mod guard;
#[cfg(feature = "engine")]
pub mod imap;
#[cfg(feature = "engine")]
pub mod imap_checks;
#[cfg(feature = "engine")]
pub mod imap_login;
#[cfg(feature = "engine")]
pub mod model;
#[cfg(feature = "engine")]
pub mod net;
#[cfg(feature = "engine")]
mod probe;
#[cfg(feature = "engine")]
pub mod redact;
pub mod report;
#[cfg(feature = "engine")]
pub mod resolve;
#[cfg(feature = "engine")]
pub mod smtp;
#[cfg(feature = "engine")]
pub mod smtp_send;
#[cfg(feature = "engine")]
pub mod sniff;
#[cfg(feature = "engine")]
pub mod step;
#[cfg(feature = "engine")]
pub mod tap;
pub mod taxonomy;
#[cfg(feature = "engine")]
pub mod tls;

#[cfg(feature = "engine")]
pub use each_source::{check_logins, probe_from_each_source, CONCURRENT_SOURCES};
#[cfg(feature = "engine")]
pub use egress::{StaticEgress, StaticEgressError};
#[cfg(feature = "engine")]
pub use model::{Credentials, Endpoint, ProbeOptions, ProbeSettings, Security};
#[cfg(feature = "engine")]
pub use probe::probe;
pub use report::{
    Category, DetailCode, Evidence, Failure, Field, LegCheck, LoginCheck, Outcome, ProbeReport,
    SourceCheck, StepName, StepReport, TlsFacts, Verdict,
};
#[cfg(feature = "engine")]
pub use resolve::{Resolver, StaticResolver, SystemResolver};

#[cfg(all(test, feature = "engine"))]
mod egress_tests;
#[cfg(all(test, feature = "engine"))]
mod guard_tests;
#[cfg(all(test, feature = "engine"))]
mod redact_tests;
#[cfg(all(test, feature = "engine"))]
mod unit_tests;
