//! Saving and deleting a domain's settings, for the pages' server functions and the JSON API
//! alike: the caller has authorized; this parses, enforces the saving rules and stores.

use domain::DomainSettingsForm;
use storage::{Actor, StorageError, StoredDomain};

use super::AppState;
use crate::error::AppError;

/// Parses and stores new settings: they must have passed a connection test unless
/// `save_anyway`, and *Use static IP addresses* needs configured ranges.
pub async fn create_domain(
    state: &AppState,
    actor: &Actor,
    typed: DomainSettingsForm,
    save_anyway: bool,
) -> Result<StoredDomain, AppError> {
    let parsed = parse(typed.clone())?;
    super::require_static_ranges(state, &parsed, &typed)?;
    require_vouched_pins(state, None, &parsed, &typed).await?;
    require_tested(state, &parsed, save_anyway, &typed).await?;
    let stored = storage::create_domain(&state.db, actor, parsed)
        .await
        .map_err(|e| save_error(e, typed))?;
    state.worker.wake();
    tracing::info!(domain = %stored.settings.domain, by = %actor.email, "domain created");
    Ok(stored)
}

/// Like [`create_domain`], over `version` (a `Conflict` lists what others changed since).
pub async fn update_domain(
    state: &AppState,
    actor: &Actor,
    id: i32,
    version: i32,
    typed: DomainSettingsForm,
    save_anyway: bool,
) -> Result<StoredDomain, AppError> {
    let parsed = parse(typed.clone()).map_err(|e| e.editing(version))?;
    super::require_static_ranges(state, &parsed, &typed).map_err(|e| e.editing(version))?;
    let saved = storage::get_domain(&state.db, id)
        .await
        .map_err(super::store_error)?
        .ok_or(AppError::NotFound)?;
    require_vouched_pins(state, Some(&saved), &parsed, &typed)
        .await
        .map_err(|e| e.editing(version))?;
    require_tested(state, &parsed, save_anyway, &typed)
        .await
        .map_err(|e| e.editing(version))?;
    let stored = storage::update_domain(&state.db, actor, id, version, parsed)
        .await
        .map_err(|e| save_error(e, typed))?;
    state.worker.wake();
    tracing::info!(domain = %stored.settings.domain, version = stored.version, by = %actor.email, "domain updated");
    Ok(stored)
}

pub async fn delete_domain(
    state: &AppState,
    actor: &Actor,
    id: i32,
    version: i32,
) -> Result<(), AppError> {
    match storage::delete_domain(&state.db, actor, id, version).await {
        Ok(()) => {
            tracing::info!(id, by = %actor.email, "domain deleted");
            Ok(())
        }
        Err(StorageError::Conflict { .. }) => Err(AppError::Invalid {
            field: None,
            message: "Someone else changed these settings since you opened them: review them \
                      before deleting."
                .into(),
        }),
        Err(e) => Err(super::store_error(e)),
    }
}

/// The typed form as settings, or every field's message with what was typed.
pub fn parse(settings: DomainSettingsForm) -> Result<domain::DomainSettings, AppError> {
    settings
        .parse()
        .map_err(|errors| AppError::invalid_settings(&errors, &settings))
}

/// A pin the domain did not have must be a certificate an admin's passing connection test of
/// this domain saw ("Pin this certificate"): stored passwords trust it instead of the usual
/// certificate checks.
async fn require_vouched_pins(
    state: &AppState,
    saved: Option<&StoredDomain>,
    parsed: &domain::DomainSettings,
    typed: &DomainSettingsForm,
) -> Result<(), AppError> {
    let errors = super::pinning::unvouched_pins(
        &state.db,
        saved.map(|d| d.id),
        saved.map(|d| &d.settings),
        parsed,
    )
    .await?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid_settings(&errors, typed))
    }
}

/// Settings that no connection test has passed are saved only when the admin says so: wrong
/// settings disconnect every inbox of the domain.
async fn require_tested(
    state: &AppState,
    parsed: &domain::DomainSettings,
    save_anyway: bool,
    typed: &DomainSettingsForm,
) -> Result<(), AppError> {
    if save_anyway {
        return Ok(());
    }
    match storage::successful_probe_for(&state.db, parsed).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(AppError::unverified(typed)),
        Err(e) => Err(super::store_error(e)),
    }
}

fn save_error(err: StorageError, values: DomainSettingsForm) -> AppError {
    match err {
        StorageError::DuplicateDomain(name) => {
            let mut errors = domain::FieldErrors::default();
            errors.insert(
                domain::Field::Domain,
                format!("{name} already has IMAP settings: edit them instead."),
            );
            AppError::invalid_settings(&errors, &values)
        }
        StorageError::RenameWithInboxes { name, inboxes } => {
            let mut errors = domain::FieldErrors::default();
            errors.insert(
                domain::Field::Domain,
                format!(
                    "{name} cannot be renamed while {inboxes} connected inboxes have addresses \
                     at {name}: their passwords would go to the new name's servers. Add the new \
                     name as a domain of its own instead."
                ),
            );
            AppError::invalid_settings(&errors, &values)
        }
        StorageError::Conflict { current, changes } => {
            AppError::conflict(changes, current.version, &values)
        }
        other => super::store_error(other),
    }
}
