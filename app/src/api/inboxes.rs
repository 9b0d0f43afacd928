//! End users' inboxes: connect one (pre-populated from the domain's settings), list them,
//! re-enter a password, remove one. A user sees and changes only their own inboxes.

use domain::{DomainSettingsForm, InboxState};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const CONNECT_REFUSAL: &str =
    "Auditors review the change history; they cannot connect inboxes.";

/// An inbox as its owner (and the domain's admins) see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxView {
    pub id: i32,
    pub email: String,
    pub owner_email: String,
    pub mail_domain: String,
    pub state: InboxState,
    /// The seed category's title, the cause and what to do, when disconnected.
    pub category_title: Option<String>,
    pub detail: Option<String>,
    pub failed_step: Option<String>,
    pub remediation: Vec<String>,
    pub last_checked: Option<String>,
    pub last_connected: Option<String>,
    /// "imap.example.com:993 (SSL/TLS)".
    pub imap: String,
    pub smtp: String,
    pub username: Option<String>,
    /// The settings are the domain's ("set by your administrator").
    pub managed: bool,
}

/// The connect form for one address: the domain's settings when it has them (locked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectPrefill {
    pub email: String,
    pub mail_domain: String,
    pub managed: Option<DomainSettingsForm>,
}

#[cfg(feature = "ssr")]
async fn end_user() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(|r| r.role != domain::Role::Auditor, CONNECT_REFUSAL).await
}

#[server(endpoint = "my_inboxes")]
pub async fn my_inboxes() -> Result<Vec<InboxView>, AppError> {
    let (account, state) = end_user().await?;
    let inboxes = storage::list_inboxes(&state.db, storage::InboxOwner::User(account.id))
        .await
        .map_err(crate::ssr::store_error)?;
    Ok(inboxes.into_iter().map(InboxView::from).collect())
}

/// What "Connect your inbox" shows for `email`.
#[server(endpoint = "connect_form")]
pub async fn connect_form(email: String) -> Result<ConnectPrefill, AppError> {
    let (_, state) = end_user().await?;
    let email = parse_email(&email)?;
    let managed = crate::ssr::domain_named(&state, email.mail_domain())
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
    let request = crate::ssr::ConnectRequest {
        email,
        username: clean(username),
        password: require_password(password)?,
        typed: settings,
    };
    let (record, running) = crate::ssr::start_connect(&state, &account, actor, request).await?;
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
    let updated =
        crate::ssr::update_password(&state, &actor, &inbox, clean(username), password).await?;
    leptos_axum::redirect(&format!("/inboxes?updated={id}"));
    Ok(updated.into())
}

#[server(endpoint = "remove_inbox")]
pub async fn remove_inbox(id: i32) -> Result<(), AppError> {
    let (account, state) = end_user().await?;
    own_inbox(&state, &account, id).await?;
    let actor = super::domains::actor(&account).await;
    storage::remove_inbox(&state.db, &actor, id)
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
    let inbox = storage::get_inbox(&state.db, id)
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

#[cfg(feature = "ssr")]
impl From<storage::StoredInbox> for InboxView {
    fn from(i: storage::StoredInbox) -> Self {
        let category = i.failure.as_ref().and_then(|f| {
            serde_json::from_value::<probe::Category>(serde_json::Value::String(f.category.clone()))
                .ok()
        });
        let step = i.failure.as_ref().and_then(|f| {
            serde_json::from_value::<probe::StepName>(serde_json::Value::String(
                f.failed_step.clone()?,
            ))
            .ok()
        });
        let endpoint = |host: &domain::Hostname, port: domain::Port, sec: domain::Security| {
            format!("{host}:{port} ({})", sec.label())
        };
        let s = &i.settings;
        let show_failure = i.state != InboxState::Connected;
        Self {
            id: i.id,
            owner_email: i.owner_email,
            mail_domain: i.mail_domain,
            state: i.state,
            category_title: category
                .filter(|_| show_failure)
                .map(|c| c.title().to_string()),
            remediation: category
                .filter(|_| show_failure)
                .map(|c| c.remediation().iter().map(|r| r.to_string()).collect())
                .unwrap_or_default(),
            detail: i.failure.filter(|_| show_failure).map(|f| f.detail),
            failed_step: step.filter(|_| show_failure).map(|s| s.label().to_string()),
            last_checked: i.last_checked_at.map(super::format_time),
            last_connected: i.last_connected_at.map(super::format_time),
            imap: endpoint(&s.imap_host, s.imap_port, s.imap_security),
            smtp: endpoint(&s.smtp_host, s.smtp_port, s.smtp_security),
            username: i.username,
            managed: i.domain_id.is_some(),
            email: i.email,
        }
    }
}
