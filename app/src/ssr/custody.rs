//! Custody of stored passwords: who may send a domain's stored inbox passwords to settings that
//! are not the saved ones (*Try on a sample*), and the record of each time it happens.

use domain::{DomainSettings, Role};
use storage::{Actor, StoredDomain};

use super::{store_error, AppState};
use crate::api::rollout::SampleRow;
use crate::error::AppError;

/// Refuses to try `settings` with stored passwords when they name a host the domain has never
/// used (unless a super admin asks) or a pin no admin's passing connection test saw.
pub async fn allow_stored_passwords(
    state: &AppState,
    actor: &Actor,
    saved: &StoredDomain,
    settings: &DomainSettings,
) -> Result<(), AppError> {
    let unapproved = storage::unapproved_hosts(&state.db, saved.id, settings)
        .await
        .map_err(store_error)?;
    if !unapproved.is_empty() && actor.role != Some(Role::SuperAdmin) {
        return Err(AppError::Forbidden(format!(
            "{} {} never been used by this domain: only a super admin can try its inboxes' \
             stored passwords there. Save the settings instead (the revalidation then waits \
             for a super admin's approval), or ask a super admin to try them.",
            unapproved.join(" and "),
            if unapproved.len() == 1 { "has" } else { "have" },
        )));
    }
    let unvouched =
        super::pinning::unvouched_pins(&state.db, Some(saved.id), Some(&saved.settings), settings)
            .await?;
    if let Some((_, message)) = unvouched.iter().next() {
        return Err(AppError::invalid("imap_cert_pin", message));
    }
    Ok(())
}

/// Records a *Try on a sample*: who, which hosts and ports, how many inboxes, the verdicts.
pub async fn record_sample(
    state: &AppState,
    actor: &Actor,
    saved: &StoredDomain,
    settings: &DomainSettings,
    rows: &[SampleRow],
) -> Result<(), AppError> {
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
    storage::record_sample_tried(&state.db, actor, saved.id, &name, summary)
        .await
        .map_err(store_error)
}
