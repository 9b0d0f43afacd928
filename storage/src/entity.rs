//! sea-orm table models, private to this crate: callers get domain types instead.

pub(crate) mod api_token;
pub(crate) mod audit_checkpoint;
pub(crate) mod audit_event;
pub(crate) mod domain;
pub(crate) mod domain_host;
pub(crate) mod inbox;
pub(crate) mod inbox_attempt;
pub(crate) mod installation_secret;
pub(crate) mod login_refusal;
pub(crate) mod login_throttle;
pub(crate) mod probe_report;
pub(crate) mod rate_limit;
pub(crate) mod revalidation_item;
pub(crate) mod revalidation_job;
pub(crate) mod session;
pub(crate) mod user;
