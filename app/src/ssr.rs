//! Server-only plumbing of the pages' face: application state, authorization, what server
//! functions add to their response, the page's policy and stylesheet, and the handlers of plain
//! routes.
//! The use cases themselves are in the `services` crate. Compiled only with the `ssr` feature.

mod apple_profile;
mod audit_export;
mod authorize;
mod autoconfig;
mod domain_list;
mod error_status;
mod ip_exports;
mod page_head;
mod response;
mod state;

pub use apple_profile::apple_profile;
pub use audit_export::{export_history_csv, export_history_json};
pub use authorize::{
    account_of, client_addr, client_ip, current_account, is_form_post, request_parts, require,
    signed_in, store_error, user_agent, RequestMemo,
};
pub use autoconfig::{
    mail_client_routes, outlook_autodiscover, thunderbird_autoconfig, MAX_AUTODISCOVER_BODY,
};
pub use domain_list::{domain_rows, unconfigured_domains, DomainListSnapshots};
pub use error_status::{cross_site_refusal, error_status};
pub use ip_exports::export_connection_ips;
pub use page_head::{hydration_script, set_page_csp, stylesheet_href};
pub use response::{not_kept, set_response_cookie};
pub use state::{AppState, SetupGate};
