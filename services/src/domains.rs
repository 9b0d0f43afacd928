//! Saving and deleting a domain's settings: the saving rules (a passing connection test or
//! "Save anyway", static ranges for *Use static IP addresses*, pins an admin's test saw), then
//! one stored change.

use domain::oauth::Provider;
use domain::{ClientSecretInput, DomainSettings, DomainSettingsForm, Field, FieldErrors};
use storage::{Actor, ClientSecret, StorageError, StoredDomain};

use crate::{ServiceError, Services};

/// Stores new settings: they must have passed a connection test unless `save_anyway`.
/// `secret` is the OAuth application's client secret as typed (empty: none given).
pub async fn create_domain(
    services: &Services,
    actor: &Actor,
    parsed: DomainSettings,
    secret: &ClientSecretInput,
    save_anyway: bool,
) -> Result<StoredDomain, ServiceError> {
    let secret = client_secret(&parsed, secret, false)?;
    require_saving_rules(services, None, &parsed, save_anyway).await?;
    let seal = |id: i32| seal_client_secret(services, id, secret.unwrap_or_default());
    let change = match secret {
        Some(_) => ClientSecret::Seal(&seal),
        None => ClientSecret::Keep,
    };
    let stored = storage::create_domain_with(&services.db, actor, parsed, change)
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
    secret: &ClientSecretInput,
    save_anyway: bool,
) -> Result<StoredDomain, ServiceError> {
    let saved = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let secret = client_secret(&parsed, secret, saved.has_client_secret)?;
    require_saving_rules(services, Some(&saved), &parsed, save_anyway).await?;
    let seal = |id: i32| seal_client_secret(services, id, secret.unwrap_or_default());
    let change = match secret {
        Some(_) => ClientSecret::Seal(&seal),
        None => ClientSecret::Keep,
    };
    let stored = storage::update_domain_with(&services.db, actor, id, version, parsed, change)
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

/// The client secret to store, if one was typed for an OAuth domain. Microsoft and Google
/// issue tokens to web applications only with their secret, so one must be stored for them.
fn client_secret<'a>(
    parsed: &DomainSettings,
    typed: &'a ClientSecretInput,
    has_one: bool,
) -> Result<Option<&'a str>, ServiceError> {
    let Some(app) = &parsed.oauth else {
        return Ok(None);
    };
    let message = match typed.given() {
        Some(s) if s.len() > 512 || !s.chars().all(|c| c.is_ascii_graphic()) => {
            "The client secret is at most 512 visible characters, without spaces"
        }
        Some(s) => return Ok(Some(s)),
        None if has_one || matches!(app.provider, Provider::OpenId { .. }) => return Ok(None),
        None => "Enter the client secret of the OAuth application",
    };
    let mut errors = FieldErrors::new();
    errors.insert(Field::OAuthClientSecret, message.to_owned());
    Err(ServiceError::InvalidSettings(errors))
}

/// Sealed for the domain's id: a sealed secret moved to another domain does not open.
fn seal_client_secret(services: &Services, id: i32, secret: &str) -> Vec<u8> {
    let context = format!("domain-oauth-client-secret:{id}");
    services.vault.seal(context.as_bytes(), secret.as_bytes())
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
