//! The domain IMAP settings: list, read, create, update, delete.

use domain::DomainSettingsForm;
use leptos::prelude::*;

use super::{DomainRow, DomainWithHistory};
use crate::error::AppError;

pub const MANAGE_REFUSAL: &str = "You do not have permission to manage domain IMAP settings.";

#[cfg(feature = "ssr")]
pub(crate) async fn manager() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(domain::Rights::can_manage_domains, MANAGE_REFUSAL).await
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
    let (_, state) = manager().await?;
    crate::ssr::domain_rows(&state).await
}

#[server(endpoint = "domain_detail")]
pub async fn domain_detail(id: i32) -> Result<DomainWithHistory, AppError> {
    let (_, state) = manager().await?;
    let stored = storage::get_domain(&state.db, id)
        .await
        .map_err(crate::ssr::store_error)?
        .ok_or(AppError::NotFound)?;
    let history = storage::domain_history(&state.db, id, super::HISTORY_SHOWN)
        .await
        .map_err(crate::ssr::store_error)?;
    let dns_records = super::dns_records::for_settings(&stored.settings).await;
    Ok(DomainWithHistory {
        dns_records,
        domain: stored.into(),
        history: history.into_iter().map(Into::into).collect(),
    })
}

#[server(endpoint = "create_domain")]
pub async fn create_domain(
    settings: DomainSettingsForm,
    #[server(default)] save_anyway: domain::Checked,
) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    let actor = actor(&account).await;
    let stored =
        crate::ssr::domain_service::create_domain(&state, &actor, settings, save_anyway.0).await?;
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
    let stored = crate::ssr::domain_service::update_domain(
        &state,
        &actor,
        id,
        version,
        settings,
        save_anyway.0,
    )
    .await?;
    leptos_axum::redirect(&format!("/domains/{}?saved=1", stored.id));
    Ok(())
}

#[server(endpoint = "delete_domain")]
pub async fn delete_domain(id: i32, version: i32) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    let actor = actor(&account).await;
    crate::ssr::domain_service::delete_domain(&state, &actor, id, version).await?;
    leptos_axum::redirect("/domains?deleted=1");
    Ok(())
}
