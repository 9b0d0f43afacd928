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
//! The five steps are reported in seed order (IMAP connect, IMAP login with the requirement
//! checks, SMTP connect, SMTP login, test email), each with its own time; the verdict is the
//! first failed step. The IMAP and SMTP legs run concurrently, but SMTP AUTH waits until the
//! IMAP server accepted the login (a wrong password costs one failed login, not two), and the
//! test email waits for the IMAP checks; its arrival is noticed through IMAP IDLE where the
//! server offers it. Every network action runs under the step timeout capped by the overall
//! budget, and every connection's reads are capped ([`ProbeOptions::max_bytes_per_connection`]);
//! the defaults are in [`defaults`].
//!
//! With [`ProbeOptions::static_egress`] every connection leaves from one of the host's
//! addresses inside the operator's static ranges, in turn ([`StaticEgress`]), and each step
//! reports it; [`probe_from_each_source`] runs the IMAP and SMTP login legs from every such
//! address.

#[cfg(feature = "engine")]
mod certinfo;
pub mod defaults;
#[cfg(feature = "engine")]
mod each_source;
#[cfg(feature = "engine")]
mod egress;
#[cfg(feature = "engine")]
mod guard;
#[cfg(feature = "engine")]
mod handshake;
#[cfg(feature = "engine")]
mod imap;
#[cfg(feature = "engine")]
mod imap_checks;
#[cfg(feature = "engine")]
mod login;
#[cfg(feature = "engine")]
mod model;
#[cfg(feature = "engine")]
mod nat64;
#[cfg(feature = "engine")]
mod net;
#[cfg(feature = "engine")]
pub mod oauth;
#[cfg(feature = "engine")]
mod probe;
#[cfg(feature = "engine")]
mod proto;
#[cfg(feature = "engine")]
mod redact;
mod report;
#[cfg(feature = "engine")]
mod resolve;
#[cfg(feature = "engine")]
mod round_trip;
#[cfg(feature = "engine")]
mod smtp;
#[cfg(feature = "engine")]
mod smtp_send;
#[cfg(feature = "engine")]
mod sniff;
#[cfg(feature = "engine")]
mod step;
#[cfg(feature = "engine")]
mod tap;
mod taxonomy;
#[cfg(feature = "engine")]
mod tls;

#[cfg(feature = "engine")]
pub use each_source::{check_logins, probe_from_each_source};
#[cfg(feature = "engine")]
pub use egress::{IpFamily, StaticEgress, StaticEgressError, EGRESS_SETTING};
#[cfg(feature = "engine")]
pub use model::{Credentials, Endpoint, ProbeOptions, ProbeSettings, SecretKind, Security};
#[cfg(feature = "engine")]
pub use nat64::{Nat64Error, Nat64Prefix, NAT64_SETTING};
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
mod nat64_tests;
#[cfg(all(test, feature = "engine"))]
mod redact_tests;
#[cfg(all(test, feature = "engine"))]
mod unit_tests;
