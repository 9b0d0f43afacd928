//! Custody of stored passwords: who may send a domain's stored inbox passwords to settings that
//! are not the saved ones (*Try on a sample*), and the record of each time it happens.

use domain::{DomainSettings, Role};
use storage::{Actor, StoredDomain};

use crate::views::SampleRow;
use crate::{Refusal, ServiceError, Services};

/// Refuses to try `settings` with stored passwords when they name a host the domain has never
/// used (unless a super admin asks) or a pin no admin's passing connection test saw.
pub async fn allow_stored_passwords(
    services: &Services,
    actor: &Actor,
    saved: &StoredDomain,
    settings: &DomainSettings,
) -> Result<(), ServiceError> {
    let unapproved = storage::unapproved_hosts(&services.db, saved.id, settings).await?;
    if !unapproved.is_empty() && actor.role != Some(Role::SuperAdmin) {
        return Err(ServiceError::Forbidden(Refusal::UnapprovedHosts(
            unapproved,
        )));
    }
    let unvouched = crate::pinning::unvouched_pins(
        &services.db,
        Some(saved.id),
        Some(&saved.settings),
        settings,
    )
    .await?;
    if let Some((_, message)) = unvouched.iter().next() {
        return Err(ServiceError::invalid("imap_cert_pin", message));
    }
    Ok(())
}

/// Records a *Try on a sample*: who, which hosts and ports, how many inboxes, the verdicts.
pub async fn record_sample(
    services: &Services,
    actor: &Actor,
    saved: &StoredDomain,
    settings: &DomainSettings,
    rows: &[SampleRow],
) -> Result<(), ServiceError> {
    let passed = rows.iter().filter(|r| r.ok).count();
    let verdicts: Vec<String> = rows
        .iter()
        .map(|r| match (&r.title, r.ok) {
            (_, true) => format!("{}: passed", r.email),
            (Some(title), false) => format!("{}: {title}", r.email),
            (None, false) => format!("{}: failed", r.email),
        })
        .collect();
    let which = if *settings == saved.settings {
        "the saved settings"
    } else {
        "settings that are not the saved ones"
    };
    let summary = format!(
        "Tried {which} (IMAP {}:{}, SMTP {}:{}) with the stored passwords of {} inboxes: {passed} \
         passed, {} failed ({})",
        settings.imap_host,
        settings.imap_port,
        settings.smtp_host,
        settings.smtp_port,
        rows.len(),
        rows.len() - passed,
        verdicts.join("; "),
    );
    let name = saved.settings.domain.to_string();
    storage::record_sample_tried(&services.db, actor, saved.id, &name, summary)
        .await
        .map_err(ServiceError::from)
}
