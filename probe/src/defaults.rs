//! The probe's default bounds, defined once: [`crate::ProbeOptions::default`], the server's
//! command-line and environment defaults and the web app's probe configuration refer to these.

/// Seconds each network step (connect, TLS, greeting, login, ...) may take.
pub const STEP_TIMEOUT_SECS: u64 = 10;

/// Seconds the whole probe may take.
pub const OVERALL_BUDGET_SECS: u64 = 60;

/// Bytes one connection may read from the server before it is cut.
pub const MAX_BYTES_PER_CONNECTION: u64 = 4 * 1024 * 1024;

/// Seconds to wait for a greeting before checking whether the port speaks implicit TLS.
pub const GREETING_SNIFF_SECS: u64 = 3;

/// Seconds to look for the test email in the INBOX.
pub const ROUND_TRIP_WAIT_SECS: u64 = 20;

/// Seconds a polite LOGOUT or QUIT may take before the connection is just dropped.
pub const CLOSE_TIMEOUT_SECS: u64 = 1;
