//! Saving and deleting a domain's settings: the saving rules (a passing connection test or
//! "Save anyway", static ranges for *Use static IP addresses*, pins an admin's test saw), then
//! one stored change.

use domain::{DomainSettings, DomainSettingsForm, Field, FieldErrors};
use storage::{Actor, StorageError, StoredDomain};

use crate::{ServiceError, Services};

/// Stores new settings: they must have passed a connection test unless `save_anyway`.
pub async fn create_domain(
    services: &Services,
    actor: &Actor,
    parsed: DomainSettings,
    save_anyway: bool,
) -> Result<StoredDomain, ServiceError> {
    require_saving_rules(services, None, &parsed, save_anyway).await?;
    let stored = storage::create_domain(&services.db, actor, parsed)
        .await
        .map_err(save_error)?;
    services.worker.wake();
    tracing::info!(domain = %stored.settings.domain, by = %actor.email, "domain created");
    Ok(stored)
}

/// Like [`create_domain`], over `version` (a `Conflict` lists what others changed since).
pub async fn update_domain(
    services: &Services,
    actor: &Actor,
    id: i32,
    version: i32,
    parsed: DomainSettings,
    save_anyway: bool,
) -> Result<StoredDomain, ServiceError> {
    let saved = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    require_saving_rules(services, Some(&saved), &parsed, save_anyway).await?;
    let stored = storage::update_domain(&services.db, actor, id, version, parsed)
        .await
        .map_err(save_error)?;
    services.worker.wake();
    tracing::info!(domain = %stored.settings.domain, version = stored.version, by = %actor.email, "domain updated");
    Ok(stored)
}

pub async fn delete_domain(
    services: &Services,
    actor: &Actor,
    id: i32,
    version: i32,
) -> Result<(), ServiceError> {
    match storage::delete_domain(&services.db, actor, id, version).await {
        Ok(()) => {
            tracing::info!(id, by = %actor.email, "domain deleted");
            Ok(())
        }
        Err(StorageError::Conflict { .. }) => Err(ServiceError::general(
            "Someone else changed these settings since you opened them: review them before \
             deleting.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The typed form as settings, or every field's message.
pub fn parse(settings: DomainSettingsForm) -> Result<DomainSettings, ServiceError> {
    settings.parse().map_err(ServiceError::InvalidSettings)
}

async fn require_saving_rules(
    services: &Services,
    saved: Option<&StoredDomain>,
    parsed: &DomainSettings,
    save_anyway: bool,
) -> Result<(), ServiceError> {
    crate::static_ips::require_static_ranges(services, parsed)?;
    require_vouched_pins(services, saved, parsed).await?;
    require_tested(services, parsed, save_anyway).await
}

/// A pin the domain did not have must be a certificate an admin's passing connection test of
/// this domain saw ("Pin this certificate"): stored passwords trust it instead of the usual
/// certificate checks.
async fn require_vouched_pins(
    services: &Services,
    saved: Option<&StoredDomain>,
    parsed: &DomainSettings,
) -> Result<(), ServiceError> {
    let errors = crate::pinning::unvouched_pins(
        &services.db,
        saved.map(|d| d.id),
        saved.map(|d| &d.settings),
        parsed,
    )
    .await?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::InvalidSettings(errors))
    }
}

/// Settings that no connection test has passed are saved only when the admin says so: wrong
/// settings disconnect every inbox of the domain.
async fn require_tested(
    services: &Services,
    parsed: &DomainSettings,
    save_anyway: bool,
) -> Result<(), ServiceError> {
    if save_anyway {
        return Ok(());
    }
    match storage::successful_probe_for(&services.db, parsed).await? {
        Some(_) => Ok(()),
        None => Err(ServiceError::Unverified),
    }
}

fn save_error(err: StorageError) -> ServiceError {
    let field_error = |message: String| {
        let mut errors = FieldErrors::default();
        errors.insert(Field::Domain, message);
        ServiceError::InvalidSettings(errors)
    };
    match err {
        StorageError::DuplicateDomain(name) => field_error(format!(
            "{name} already has IMAP settings: edit them instead."
        )),
        StorageError::RenameWithInboxes { name, inboxes } => field_error(format!(
            "{name} cannot be renamed while {inboxes} connected inboxes have addresses at {name}: \
             their passwords would go to the new name's servers. Add the new name as a domain of \
             its own instead."
        )),
        StorageError::Conflict { current, changes } => ServiceError::Conflict {
            changes,
            current_version: current.version,
        },
        other => other.into(),
    }
}
