//! Server-only plumbing shared by the server functions: application state, the session cookie,
//! authorization and login throttling. Compiled only with the `ssr` feature.

mod authorize;
mod cookies;
mod error_status;
mod probe_runner;
mod state;
mod throttle;

pub use authorize::{
    client_ip, current_account, is_form_post, request_parts, require, store_error,
};
pub use cookies::{session_token, CookiePolicy, SESSION_COOKIE};
pub use error_status::error_status;
pub use probe_runner::{probe_settings, ProbeConfig, ProbeRunner};
pub use state::{AppState, SetupGate};
pub use throttle::{LoginThrottle, ThrottlePolicy};
