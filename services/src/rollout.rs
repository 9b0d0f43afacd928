//! A running revalidation: continue it past its pause, or revert the change that started it.
//! For the pages' server functions and the JSON API alike.

use storage::{Actor, RevalidationJob, StorageError, StoredDomain};

use crate::{Refusal, ServiceError, Services};

/// "Continue anyway": the paused revalidation checks the other inboxes.
pub async fn continue_revalidation(
    services: &Services,
    actor: &Actor,
    job: i32,
) -> Result<RevalidationJob, ServiceError> {
    let job = match storage::continue_job(&services.db, actor, job).await {
        Ok(job) => job,
        Err(StorageError::ApprovalRequired) => {
            return Err(ServiceError::Forbidden(Refusal::ApprovalRequired))
        }
        Err(e) => return Err(ServiceError::from(e)),
    };
    services.worker.wake();
    tracing::info!(job = job.id, by = %actor.email, "revalidation continued");
    Ok(job)
}

/// "Revert to previous settings": the settings before the change, saved as a new version,
/// which revalidates the inboxes again.
pub async fn revert_revalidation(
    services: &Services,
    actor: &Actor,
    job: i32,
) -> Result<StoredDomain, ServiceError> {
    let stored = match storage::revert_domain(&services.db, actor, job).await {
        Ok(d) => d,
        Err(StorageError::Conflict { .. }) => {
            return Err(ServiceError::general(
                "The settings have changed since this revalidation started: edit them instead.",
            ))
        }
        Err(e) => return Err(ServiceError::from(e)),
    };
    services.worker.wake();
    tracing::info!(domain = %stored.settings.domain, by = %actor.email, "settings reverted");
    Ok(stored)
}
