//! Server-only plumbing of the pages' face: application state, the session cookie,
//! authorization, request origin checks, security headers and the handlers of plain routes.
//! The use cases themselves are in the `services` crate. Compiled only with the `ssr` feature.

mod apple_profile;
mod audit_export;
mod authorize;
mod autoconfig;
mod cookies;
mod csrf;
mod domain_list;
mod error_status;
mod headers;
mod ip_exports;
mod list_page;
pub mod metrics;
mod state;

pub use apple_profile::apple_profile;
pub use audit_export::{export_history_csv, export_history_json};
pub use authorize::{
    account_of, client_addr, client_ip, current_account, is_form_post, not_kept, request_parts,
    require, signed_in, store_error, user_agent, RequestMemo,
};
pub use autoconfig::{
    mail_client_routes, outlook_autodiscover, thunderbird_autoconfig, MAX_AUTODISCOVER_BODY,
};
pub use cookies::{
    new_token_cookie, session_token, set_response_cookie, take_new_token, CookiePolicy,
    SECURE_SESSION_COOKIE, SESSION_COOKIE,
};
pub use csrf::refuse_cross_origin;
pub use domain_list::{domain_rows, unconfigured_domains, DomainListSnapshots};
pub use error_status::error_status;
pub use headers::{security_headers, set_page_csp, static_cache_headers, stylesheet_href};
pub use ip_exports::export_connection_ips;
pub use list_page::kept_list_page;
pub use state::{AppState, SetupGate};
pub use web::{attach_client_info, normalize_origin, ClientInfo, ProxyPolicy};
pub use web::{limit_mail_clients, MailClientLimiter};
