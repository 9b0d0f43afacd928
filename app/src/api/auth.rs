//! Logging in and out, and creating the first super admin.

use leptos::prelude::*;

use super::UserView;
use crate::error::AppError;

/// The signed-in user, or `None`.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    Ok(crate::ssr::current_account().await?.map(UserView::from))
}

/// Whether the first super admin still has to be created.
#[server(endpoint = "setup_open")]
pub async fn setup_open() -> Result<bool, AppError> {
    let state = crate::ssr::AppState::from_context()?;
    Ok(state.setup.is_open())
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::ssr::{client_ip, AppState};
    let state = AppState::from_context()?;
    let ip = client_ip().await;
    if let Err(retry_after_secs) = state.login_throttle.check(&email, ip.as_deref()) {
        return Err(AppError::Throttled { retry_after_secs });
    }
    let account = match domain::EmailAddress::parse(&email) {
        Ok(address) => storage::verify_login(&state.db, &address, &password)
            .await
            .map_err(crate::ssr::store_error)?,
        Err(_) => None,
    };
    let Some(account) = account else {
        state.login_throttle.record_failure(&email, ip.as_deref());
        tracing::warn!(email, ip, "failed login");
        return Err(AppError::LoginFailed);
    };
    state.login_throttle.record_success(&email, ip.as_deref());
    start_session(&state, account.id).await?;
    tracing::info!(email = %account.email, ip, "logged in");
    leptos_axum::redirect("/domains");
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{request_parts, AppState};
    let state = AppState::from_context()?;
    let parts = request_parts().await?;
    if let Some(token) = crate::ssr::session_token(&parts) {
        storage::delete_session(&state.db, &token)
            .await
            .map_err(crate::ssr::store_error)?;
    }
    set_cookie(&state.cookies.cleared_cookie(&parts));
    leptos_axum::redirect("/login");
    Ok(())
}

/// Creates the first super admin with the one-time setup token, then signs them in.
#[server(endpoint = "setup_first_admin")]
pub async fn setup_first_admin(
    token: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::ssr::AppState;
    let state = AppState::from_context()?;
    if !state.setup.is_open() {
        return Err(AppError::Forbidden("Setup is already complete.".into()));
    }
    if !state.setup.matches(token.trim()) {
        return Err(AppError::invalid(
            "token",
            "This setup link is not valid: use the link the server printed.",
        ));
    }
    let address = domain::EmailAddress::parse(&email)
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
    domain::check_new_password(&password)
        .map_err(|e| AppError::invalid("password", e.to_string()))?;
    let account = match storage::create_first_super_admin(&state.db, &address, &password).await {
        Ok(account) => account,
        Err(storage::StorageError::SetupAlreadyDone) => {
            state.setup.close();
            return Err(AppError::Forbidden("Setup is already complete.".into()));
        }
        Err(e) => return Err(crate::ssr::store_error(e)),
    };
    state.setup.close();
    tracing::info!(email = %account.email, "first super admin created");
    start_session(&state, account.id).await?;
    leptos_axum::redirect("/domains");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn start_session(state: &crate::ssr::AppState, user_id: i32) -> Result<(), AppError> {
    let parts = crate::ssr::request_parts().await?;
    let hours = chrono::Duration::hours(state.cookies.session_hours);
    let token = storage::create_session(&state.db, user_id, hours)
        .await
        .map_err(crate::ssr::store_error)?;
    set_cookie(&state.cookies.session_cookie(&parts, &token));
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(cookie: &str) {
    use http::{header::SET_COOKIE, HeaderValue};
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(cookie),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}
