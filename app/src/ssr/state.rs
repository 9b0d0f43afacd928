use std::sync::{Arc, Mutex};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use services::Services;

use crate::error::AppError;
use web::{CookiePolicy, MailClientLimiter, ProxyPolicy};

/// Everything a request handler or server function needs, built once in `main` and provided to
/// every server function through Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The product's use cases, shared with the JSON API.
    pub services: Services,
    pub setup: Arc<SetupGate>,
    pub cookies: CookiePolicy,
    pub proxy: ProxyPolicy,
    /// Requests per client address to the autoconfig and Autodiscover documents.
    pub mail_clients: Arc<MailClientLimiter>,
    /// Signs Apple configuration profiles; without it they are served unsigned.
    pub profile_signer: Option<Arc<clients::ProfileSigner>>,
    /// The domain list's rows as of the audit chain's head.
    pub domain_list: Arc<super::DomainListSnapshots>,
    /// The bearer token `/metrics` asks for (MAILSETTINGS_METRICS_TOKEN); open without one.
    pub metrics_token: Option<Arc<str>>,
}

impl AppState {
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })
    }
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Self {
        state.services.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The one-time token that lets the first super admin be created. Empty once setup is done.
#[derive(Debug, Default)]
pub struct SetupGate {
    token: Mutex<Option<String>>,
}

impl SetupGate {
    pub fn new(token: Option<String>) -> Self {
        Self {
            token: Mutex::new(token),
        }
    }

    pub fn is_open(&self) -> bool {
        self.token.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// Constant-time comparison, so the token cannot be guessed byte by byte.
    pub fn matches(&self, candidate: &str) -> bool {
        let Ok(guard) = self.token.lock() else {
            return false;
        };
        match guard.as_deref() {
            Some(token) => {
                token.len() == candidate.len()
                    && token
                        .bytes()
                        .zip(candidate.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
            None => false,
        }
    }

    pub fn close(&self) {
        if let Ok(mut guard) = self.token.lock() {
            *guard = None;
        }
    }
}
