//! Server-only plumbing shared by the server functions: application state, the session cookie,
//! authorization, request origin checks, security headers, login throttling and the
//! services server functions call. Compiled only with the `ssr` feature.

mod allowlist;
mod apple_profile;
mod audit_export;
mod audit_service;
mod authorize;
mod autoconfig;
mod client;
mod cookies;
mod csrf;
mod custody;
mod domain_list;
pub mod domain_service;
mod error_status;
mod headers;
mod inbox_service;
mod ip_exports;
mod kept;
mod list_page;
mod login_guard;
mod mail_client_limit;
pub mod metrics;
mod pinning;
mod probe_runner;
pub mod probe_service;
pub mod rollout_service;
mod state;
mod static_ips;
pub mod token_service;

pub use apple_profile::apple_profile;
pub use audit_export::{export_history_csv, export_history_json, history_csv, history_json};
pub use audit_service::{audit_event_detail, audit_filter, history_page, verify_view};
pub use authorize::{
    account_of, client_addr, client_ip, current_account, is_form_post, request_parts, require,
    store_error, user_agent, RequestMemo,
};
pub use autoconfig::{
    mail_client_routes, outlook_autodiscover, thunderbird_autoconfig, MAX_AUTODISCOVER_BODY,
};
pub use client::{attach_client_info, normalize_origin, ClientInfo, ProxyPolicy};
pub use cookies::{
    new_token_cookie, session_token, set_response_cookie, take_new_token, CookiePolicy,
    SECURE_SESSION_COOKIE, SESSION_COOKIE,
};
pub use csrf::refuse_cross_origin;
pub use domain_list::{domain_rows, unconfigured_domains, DomainListCache};
pub use error_status::error_status;
pub use headers::{security_headers, set_page_csp, static_cache_headers, stylesheet_href};
pub use inbox_service::{
    domain_inboxes, domain_named, start_connect, try_on_sample, update_password, ConnectRequest,
    SampleResults,
};
pub use ip_exports::export_connection_ips;
pub use list_page::kept_list_page;
pub use login_guard::{admit_setup_attempt, attempt_login, ThrottlePolicy};
pub use mail_client_limit::{limit_mail_clients, MailClientLimiter};
pub use pinning::pin_certificate;
pub use probe_runner::{ProbeConfig, ProbeRunner};
pub use state::{AppState, SetupGate};
pub use static_ips::{
    connection_ips_view, require_static_ranges, set_static_ips, test_static_addresses,
    SourceTestResults,
};
