//! End users' inboxes: connect one (pre-populated from the domain's settings), list them,
//! re-enter a password, remove one. A user sees and changes only their own inboxes.

use domain::DomainSettingsForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use services::views::InboxView;

use crate::error::AppError;

/// The connect form for one address: the domain's settings when it has them (locked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectPrefill {
    pub email: String,
    pub mail_domain: String,
    pub managed: Option<DomainSettingsForm>,
}

#[cfg(feature = "ssr")]
async fn end_user() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        |r| r.role != domain::Role::Auditor,
        services::Refusal::ConnectInboxes,
    )
    .await
}

#[server(endpoint = "my_inboxes")]
pub async fn my_inboxes() -> Result<Vec<InboxView>, AppError> {
    let (account, state) = end_user().await?;
    let inboxes = storage::list_inboxes(&state.services.db, storage::InboxOwner::User(account.id))
        .await
        .map_err(crate::ssr::store_error)?;
    Ok(inboxes.into_iter().map(InboxView::from).collect())
}

/// What "Connect your inbox" shows for `email`.
#[server(endpoint = "connect_form")]
pub async fn connect_form(email: String) -> Result<ConnectPrefill, AppError> {
    let (_, state) = end_user().await?;
    let email = parse_email(&email)?;
    let managed = services::inboxes::domain_named(&state.services, email.mail_domain())
        .await?
        .map(|d| d.settings.to_form());
    Ok(ConnectPrefill {
        mail_domain: email.mail_domain().to_string(),
        email: email.to_string(),
        managed,
    })
}

/// Runs the connection test with the user's credentials; on success the inbox is connected.
/// `settings` is used only when the domain has no settings. Returns the test's id.
#[server(endpoint = "connect_inbox")]
pub async fn connect_inbox(
    email: String,
    #[server(default)] username: Option<String>,
    password: String,
    #[server(default)] settings: Option<DomainSettingsForm>,
) -> Result<i32, AppError> {
    let (account, state) = end_user().await?;
    let email = parse_email(&email)?;
    let actor = super::domains::actor(&account).await;
    let request = services::inboxes::ConnectRequest {
        email,
        username: clean(username),
        password: require_password(password)?,
        typed: settings,
    };
    let typed = request.typed.clone().unwrap_or_default();
    let (record, running) =
        services::inboxes::start_connect(&state.services, &account, actor, request)
            .await
            .map_err(|e| crate::error::form_error(e, &typed))?;
    if crate::ssr::is_form_post().await {
        if let Err(e) = running.await {
            tracing::error!(record, error = %e, "connect task failed");
        }
        leptos_axum::redirect(&format!("/inboxes/connect?probe={record}"));
    }
    Ok(record)
}

/// Checks the inbox with a new password (and username) and stores them when the logins pass.
#[server(endpoint = "update_inbox_password")]
pub async fn update_inbox_password(
    id: i32,
    #[server(default)] username: Option<String>,
    password: String,
) -> Result<InboxView, AppError> {
    let (account, state) = end_user().await?;
    let inbox = own_inbox(&state, &account, id).await?;
    let actor = super::domains::actor(&account).await;
    let password = require_password(password)?;
    let updated = services::inboxes::update_password(
        &state.services,
        &actor,
        &inbox,
        clean(username),
        password,
    )
    .await?;
    leptos_axum::redirect(&format!("/inboxes?updated={id}"));
    Ok(updated.into())
}

#[server(endpoint = "remove_inbox")]
pub async fn remove_inbox(id: i32) -> Result<(), AppError> {
    let (account, state) = end_user().await?;
    own_inbox(&state, &account, id).await?;
    let actor = super::domains::actor(&account).await;
    storage::remove_inbox(&state.services.db, &actor, id)
        .await
        .map_err(crate::ssr::store_error)?;
    tracing::info!(inbox = id, by = %account.email, "inbox removed");
    leptos_axum::redirect("/inboxes?removed=1");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn own_inbox(
    state: &crate::ssr::AppState,
    account: &storage::UserAccount,
    id: i32,
) -> Result<storage::StoredInbox, AppError> {
    let inbox = storage::get_inbox(&state.services.db, id)
        .await
        .map_err(crate::ssr::store_error)?;
    // Someone else's inbox is as invisible as a missing one.
    if inbox.user_id != account.id {
        return Err(AppError::NotFound);
    }
    Ok(inbox)
}

#[cfg(feature = "ssr")]
fn parse_email(email: &str) -> Result<domain::EmailAddress, AppError> {
    domain::EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))
}

#[cfg(feature = "ssr")]
fn require_password(password: String) -> Result<String, AppError> {
    if password.is_empty() {
        return Err(AppError::invalid(
            "password",
            "Enter your mailbox password (or an app password).",
        ));
    }
    Ok(password)
}

#[cfg(feature = "ssr")]
fn clean(username: Option<String>) -> Option<String> {
    username
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}
