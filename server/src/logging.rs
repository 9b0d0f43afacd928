//! The log filter. async-imap logs every command it sends at trace level, LOGIN with its
//! password included: whatever RUST_LOG asks for, that library logs at debug at most.

use tracing_subscriber::EnvFilter;

/// What RUST_LOG does not set.
pub const DEFAULT: &str = "info,sqlx=warn,sea_orm=warn";

/// `directives` (RUST_LOG syntax), with the password-logging library capped.
pub fn filter(directives: &str) -> EnvFilter {
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new(DEFAULT));
    match "async_imap=debug".parse() {
        Ok(cap) => filter.add_directive(cap),
        Err(_) => filter,
    }
}

/// RUST_LOG, or the default.
pub fn from_env() -> EnvFilter {
    filter(&std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT.to_string()))
}
