//! A running revalidation: continue it past its pause, or revert the change that started it.
//! For the pages' server functions and the JSON API alike.

use storage::{Actor, RevalidationJob, StorageError, StoredDomain};

use super::AppState;
use crate::error::AppError;

/// "Continue anyway": the paused revalidation checks the other inboxes.
pub async fn continue_revalidation(
    state: &AppState,
    actor: &Actor,
    job: i32,
) -> Result<RevalidationJob, AppError> {
    let job = match storage::continue_job(&state.db, actor, job).await {
        Ok(job) => job,
        Err(StorageError::ApprovalRequired) => {
            return Err(AppError::Forbidden(
                "This revalidation waits for a super admin: the change names a host this \
                 domain has never used, and only a super admin can approve sending its \
                 inboxes' stored passwords there."
                    .into(),
            ))
        }
        Err(e) => return Err(super::store_error(e)),
    };
    state.worker.wake();
    tracing::info!(job = job.id, by = %actor.email, "revalidation continued");
    Ok(job)
}

/// "Revert to previous settings": the settings before the change, saved as a new version,
/// which revalidates the inboxes again.
pub async fn revert_revalidation(
    state: &AppState,
    actor: &Actor,
    job: i32,
) -> Result<StoredDomain, AppError> {
    let stored = match storage::revert_domain(&state.db, actor, job).await {
        Ok(d) => d,
        Err(StorageError::Conflict { .. }) => {
            return Err(AppError::Invalid {
                field: None,
                message: "The settings have changed since this revalidation started: edit them \
                          instead."
                    .into(),
            })
        }
        Err(e) => return Err(super::store_error(e)),
    };
    state.worker.wake();
    tracing::info!(domain = %stored.settings.domain, by = %actor.email, "settings reverted");
    Ok(stored)
}
