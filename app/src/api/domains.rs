//! The domain IMAP settings: list, read, create, update, delete.

use domain::DomainSettingsForm;
use leptos::prelude::*;

use super::{DomainRow, DomainWithHistory};
#[cfg(feature = "ssr")]
use crate::error::form_error;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) async fn manager() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        domain::Rights::can_manage_domains,
        services::Refusal::ManageDomains,
    )
    .await
}

#[cfg(feature = "ssr")]
pub(crate) async fn actor(account: &storage::UserAccount) -> storage::Actor {
    storage::Actor {
        user_id: account.id,
        email: account.email.clone(),
        role: Some(account.role),
        client_ip: crate::ssr::client_ip().await,
        user_agent: crate::ssr::user_agent().await,
        api_token_id: None,
    }
}

#[server(endpoint = "list_domains")]
pub async fn list_domains() -> Result<std::sync::Arc<[DomainRow]>, AppError> {
    let (_, state) = manager().await.map_err(crate::ssr::not_kept)?;
    crate::ssr::domain_rows(&state)
        .await
        .map_err(crate::ssr::not_kept)
}

/// The redirect URI an admin registers with the OAuth provider: this product's origin (as
/// users reach it) and the callback path.
#[server(endpoint = "oauth_redirect_uri")]
pub async fn oauth_redirect_uri() -> Result<String, AppError> {
    let _ = manager().await.map_err(crate::ssr::not_kept)?;
    let origin = crate::ssr::request_parts().await.ok().and_then(|parts| {
        parts
            .extensions
            .get::<web::ClientInfo>()
            .and_then(|c| c.expected_origin.clone())
    });
    origin
        .map(|o| format!("{o}{}", domain::oauth::CALLBACK_PATH))
        .ok_or_else(|| AppError::Invalid {
            field: None,
            message: "This product's address is not known: set MAILSETTINGS_PUBLIC_URL to the URL users open, then the redirect URI shows here.".into(),
        })
}

#[server(endpoint = "domain_detail")]
pub async fn domain_detail(id: i32) -> Result<DomainWithHistory, AppError> {
    use crate::ssr::{not_kept, store_error};
    let (_, state) = manager().await.map_err(not_kept)?;
    let stored = storage::get_domain(&state.services.db, id)
        .await
        .map_err(|e| not_kept(store_error(e)))?
        .ok_or(AppError::NotFound)?;
    let history = storage::domain_history(&state.services.db, id, super::HISTORY_SHOWN)
        .await
        .map_err(|e| not_kept(store_error(e)))?;
    let dns_records = super::dns_records::for_settings(&stored.settings).await;
    Ok(DomainWithHistory {
        dns_records,
        domain: stored.into(),
        history: history
            .into_iter()
            .map(services::history::entry_view)
            .collect(),
    })
}

#[server(endpoint = "create_domain")]
pub async fn create_domain(
    settings: DomainSettingsForm,
    #[server(default)] save_anyway: domain::Checked,
) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    let actor = actor(&account).await;
    // A refused form goes back to the browser: never with the secret in it.
    let mut settings = settings;
    let secret = std::mem::take(&mut settings.oauth_client_secret);
    let parsed =
        services::domains::parse(settings.clone()).map_err(|e| form_error(e, &settings))?;
    let services = &state.services;
    let stored = services::domains::create_domain(services, &actor, parsed, &secret, save_anyway.0)
        .await
        .map_err(|e| form_error(e, &settings))?;
    leptos_axum::redirect(&format!("/domains/{}?saved=1", stored.id));
    Ok(())
}

#[server(endpoint = "update_domain")]
pub async fn update_domain(
    id: i32,
    version: i32,
    settings: DomainSettingsForm,
    #[server(default)] save_anyway: domain::Checked,
) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    let actor = actor(&account).await;
    let mut settings = settings;
    let secret = std::mem::take(&mut settings.oauth_client_secret);
    let refused = |e| form_error(e, &settings).editing(version);
    let parsed = services::domains::parse(settings.clone()).map_err(refused)?;
    let stored = services::domains::update_domain(
        &state.services,
        &actor,
        id,
        version,
        parsed,
        &secret,
        save_anyway.0,
    )
    .await
    .map_err(refused)?;
    leptos_axum::redirect(&format!("/domains/{}?saved=1", stored.id));
    Ok(())
}

#[server(endpoint = "delete_domain")]
pub async fn delete_domain(id: i32, version: i32) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    let actor = actor(&account).await;
    services::domains::delete_domain(&state.services, &actor, id, version).await?;
    leptos_axum::redirect("/domains?deleted=1");
    Ok(())
}
