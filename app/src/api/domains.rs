//! The domain IMAP settings: list, read, create, update, delete.

use domain::DomainSettingsForm;
use leptos::prelude::*;

use super::{DomainView, DomainWithHistory};
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
    }
}

#[server(endpoint = "list_domains")]
pub async fn list_domains() -> Result<Vec<DomainView>, AppError> {
    let (_, state) = manager().await?;
    let domains = storage::list_domains(&state.db)
        .await
        .map_err(crate::ssr::store_error)?;
    Ok(domains.into_iter().map(DomainView::from).collect())
}

#[server(endpoint = "domain_detail")]
pub async fn domain_detail(id: i32) -> Result<DomainWithHistory, AppError> {
    let (_, state) = manager().await?;
    let stored = storage::get_domain(&state.db, id)
        .await
        .map_err(crate::ssr::store_error)?
        .ok_or(AppError::NotFound)?;
    let history = storage::domain_history(&state.db, id)
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
    let parsed = parse(settings.clone())?;
    crate::ssr::require_static_ranges(&state, &parsed, &settings)?;
    require_tested(&state, &parsed, save_anyway, &settings).await?;
    let stored = storage::create_domain(&state.db, &actor(&account).await, parsed)
        .await
        .map_err(|e| save_error(e, settings))?;
    state.worker.wake();
    tracing::info!(domain = %stored.settings.domain, by = %account.email, "domain created");
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
    let parsed = parse(settings.clone()).map_err(|e| e.editing(version))?;
    crate::ssr::require_static_ranges(&state, &parsed, &settings)
        .map_err(|e| e.editing(version))?;
    require_tested(&state, &parsed, save_anyway, &settings)
        .await
        .map_err(|e| e.editing(version))?;
    let stored = storage::update_domain(&state.db, &actor(&account).await, id, version, parsed)
        .await
        .map_err(|e| save_error(e, settings))?;
    state.worker.wake();
    tracing::info!(domain = %stored.settings.domain, version = stored.version, by = %account.email, "domain updated");
    leptos_axum::redirect(&format!("/domains/{}?saved=1", stored.id));
    Ok(())
}

#[server(endpoint = "delete_domain")]
pub async fn delete_domain(id: i32, version: i32) -> Result<(), AppError> {
    let (account, state) = manager().await?;
    match storage::delete_domain(&state.db, &actor(&account).await, id, version).await {
        Ok(()) => {}
        Err(storage::StorageError::Conflict { .. }) => {
            return Err(AppError::Invalid {
                field: None,
                message: "Someone else changed these settings since you opened them: review \
                          them before deleting."
                    .into(),
            })
        }
        Err(e) => return Err(crate::ssr::store_error(e)),
    }
    tracing::info!(id, by = %account.email, "domain deleted");
    leptos_axum::redirect("/domains?deleted=1");
    Ok(())
}

/// Settings that no connection test has passed are saved only when the admin says so: wrong
/// settings disconnect every inbox of the domain.
#[cfg(feature = "ssr")]
async fn require_tested(
    state: &crate::ssr::AppState,
    parsed: &domain::DomainSettings,
    save_anyway: domain::Checked,
    typed: &DomainSettingsForm,
) -> Result<(), AppError> {
    if save_anyway.0 {
        return Ok(());
    }
    match storage::successful_probe_for(&state.db, parsed).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(AppError::Unverified {
            values: Box::new(typed.clone()),
            edited_version: None,
        }),
        Err(e) => Err(crate::ssr::store_error(e)),
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn parse(settings: DomainSettingsForm) -> Result<domain::DomainSettings, AppError> {
    settings
        .parse()
        .map_err(|errors| AppError::InvalidSettings {
            errors,
            values: Box::new(settings),
            edited_version: None,
        })
}

#[cfg(feature = "ssr")]
pub(crate) fn save_error(err: storage::StorageError, values: DomainSettingsForm) -> AppError {
    use storage::StorageError;
    match err {
        StorageError::DuplicateDomain(name) => {
            let mut errors = domain::FieldErrors::default();
            errors.insert(
                domain::Field::Domain,
                format!("{name} already has IMAP settings: edit them instead."),
            );
            AppError::InvalidSettings {
                errors,
                values: Box::new(values),
                edited_version: None,
            }
        }
        StorageError::Conflict { current, changes } => AppError::Conflict {
            changes,
            current_version: current.version,
            values: Box::new(values),
        },
        other => crate::ssr::store_error(other),
    }
}
