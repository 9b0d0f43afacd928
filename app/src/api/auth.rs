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
    use crate::ssr::{client_addr, user_agent, AppState};
    use services::login::{attempt_login, LoginRequest};
    let state = AppState::from_context()?;
    let ip = client_addr().await?;
    let login = LoginRequest {
        typed_email: &email,
        password: &password,
        ip,
        user_agent: user_agent().await,
    };
    let account = attempt_login(&state.services.db, &state.services.throttle, &login).await?;
    start_session(&state, account.id).await?;
    let actor = super::domains::actor(&account).await;
    let action = storage::AuditAction::LoggedIn;
    storage::record_login(&state.services.db, action, Some(&actor), &actor, None)
        .await
        .map_err(crate::ssr::store_error)?;
    tracing::info!(email = %account.email, %ip, "logged in");
    // End users land on their inboxes, auditors on the change history, admins on the domains.
    let rights = account.rights();
    let home = match rights.role {
        domain::Role::Auditor => "/history",
        domain::Role::User if !rights.can_manage_domains() => "/inboxes",
        _ => "/domains",
    };
    leptos_axum::redirect(home);
    Ok(())
}

/// Ends the session. The cookie is cleared even when storage fails: this browser is signed out
/// either way, and the login page then says the server's session was left to expire.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{request_parts, set_response_cookie, AppState};
    use web::session_token;
    let state = AppState::from_context()?;
    let parts = request_parts().await?;
    let ended = match session_token(&parts) {
        Some(token) => end_session(&state, &parts, &token).await,
        None => Ok(()),
    };
    set_response_cookie(&state.cookies.cleared_cookie(&parts));
    leptos_axum::redirect(match ended {
        Ok(()) => "/login",
        Err(_) => "/login?signed_out=browser_only",
    });
    Ok(())
}

/// Records the logout and deletes the session. The session is deleted even when the record
/// fails: ending it matters more than its audit line, whose loss is logged.
#[cfg(feature = "ssr")]
async fn end_session(
    state: &crate::ssr::AppState,
    parts: &http::request::Parts,
    token: &str,
) -> Result<(), AppError> {
    use crate::ssr::store_error;
    match crate::ssr::account_of(state, parts).await {
        Ok(Some(account)) => {
            let actor = super::domains::actor(&account).await;
            let action = storage::AuditAction::LoggedOut;
            let recorded =
                storage::record_login(&state.services.db, action, Some(&actor), &actor, None);
            if let Err(e) = recorded.await {
                tracing::warn!(error = %e, email = %account.email, "logout not recorded in the audit trail");
            }
        }
        Ok(None) => {}
        Err(_) => {
            tracing::warn!("logout not recorded in the audit trail: the session could not be read")
        }
    }
    storage::delete_session(&state.services.db, token)
        .await
        .map_err(store_error)
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
    let ip = crate::ssr::client_addr().await?;
    services::login::admit_setup_attempt(&state.services.db, &state.services.throttle, ip).await?;
    if !state.setup.matches(token.trim()) {
        tracing::warn!(%ip, "wrong setup token");
        return Err(AppError::invalid(
            "token",
            "This setup link is not valid: use the link the server printed.",
        ));
    }
    let address = domain::EmailAddress::parse(&email)
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
    domain::check_new_password(&password)
        .map_err(|e| AppError::invalid("password", e.to_string()))?;
    let (ip, agent) = (Some(ip.to_string()), crate::ssr::user_agent().await);
    let account =
        match storage::create_first_super_admin(&state.services.db, &address, &password, ip, agent)
            .await
        {
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

/// Starts a new session; a session the browser already had ends (a re-login rotates the token).
#[cfg(feature = "ssr")]
async fn start_session(state: &crate::ssr::AppState, user_id: i32) -> Result<(), AppError> {
    let parts = crate::ssr::request_parts().await?;
    if let Some(old) = web::session_token(&parts) {
        storage::delete_session(&state.services.db, &old)
            .await
            .map_err(crate::ssr::store_error)?;
    }
    let hours = chrono::Duration::hours(state.cookies.session_hours);
    let token = storage::create_session(&state.services.db, user_id, hours)
        .await
        .map_err(crate::ssr::store_error)?;
    crate::ssr::set_response_cookie(&state.cookies.session_cookie(&parts, &token));
    Ok(())
}
