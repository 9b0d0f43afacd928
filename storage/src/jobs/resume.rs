//! "Continue anyway" on a paused revalidation, which is also how a super admin approves the new
//! hosts of one that waits for them.

use domain::RolloutState;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, Set};

use super::{
    finished_summary, locked_job, parse_failures, to_job, ActiveModel, Model, RevalidationJob,
};
use crate::audit::{self, AuditAction, NewEvent};
use crate::{now, Actor, StorageError};

/// "Continue anyway": a paused job checks the rest.
pub async fn continue_job(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<RevalidationJob, StorageError> {
    let txn = crate::begin_write(db).await?;
    let job = locked_job(&txn, id).await?;
    if job.state != RolloutState::Paused.as_str() {
        return to_job(job);
    }
    let (domain_id, name) = (job.domain_id, job.domain_name.clone());
    let approval = if job.awaiting_approval {
        Some(approve_new_hosts(&txn, actor, domain_id).await?)
    } else {
        None
    };
    // Nothing left to check (the canary was the only inbox): continuing finishes the job, as
    // no item is left whose check could.
    let finished = (job.expanded && job.checked >= job.total)
        .then(|| {
            Ok::<_, StorageError>(finished_summary(
                job.checked,
                job.connected,
                &parse_failures(&job.failures)?,
            ))
        })
        .transpose()?;
    let job = resume(&txn, job, approval.is_some(), finished.is_some()).await?;
    let event = NewEvent::new(AuditAction::RolloutContinued)
        .domain(Some(domain_id), &name)
        .summary(continued_summary(actor, approval))
        .job(id);
    audit::append(&txn, Some(actor), event).await?;
    if let Some(summary) = finished {
        let event = NewEvent::new(AuditAction::RolloutFinished)
            .domain(Some(domain_id), &name)
            .summary(summary)
            .job(id);
        audit::append(&txn, None, event).await?;
    }
    txn.commit().await?;
    to_job(job)
}

/// A super admin's approval of the domain's hosts that still wait for one; returns them.
async fn approve_new_hosts(
    txn: &DatabaseTransaction,
    actor: &Actor,
    domain_id: i32,
) -> Result<Vec<String>, StorageError> {
    if actor.role != Some(domain::Role::SuperAdmin) {
        return Err(StorageError::ApprovalRequired);
    }
    let domain = crate::domains::get_domain_in(txn, domain_id).await?;
    let hosts = crate::domain_hosts::unapproved_hosts(txn, domain_id, &domain.settings).await?;
    crate::domain_hosts::approve(txn, actor, domain_id, &hosts).await?;
    Ok(hosts)
}

/// Sets the paused job going again (done at once when `finishes`).
async fn resume(
    txn: &DatabaseTransaction,
    job: Model,
    approved: bool,
    finishes: bool,
) -> Result<Model, StorageError> {
    // A job that waited for approval has checked nothing yet: its canary goes first.
    let resumed = if approved && job.checked == 0 {
        RolloutState::Canary
    } else {
        RolloutState::Running
    };
    let mut row: ActiveModel = job.into();
    row.state = Set(resumed.as_str().to_owned());
    if approved {
        row.awaiting_approval = Set(false);
        row.pause_detail = Set(None);
    }
    if finishes {
        row.state = Set(RolloutState::Done.as_str().to_owned());
        row.finished_at = Set(Some(now()));
    }
    row.updated_at = Set(now());
    Ok(row.update(txn).await?)
}

fn continued_summary(actor: &Actor, approval: Option<Vec<String>>) -> String {
    match approval {
        Some(hosts) if !hosts.is_empty() => format!(
            "{} approved {} for this domain's stored passwords and continued the revalidation",
            actor.email,
            hosts.join(" and ")
        ),
        _ => format!("{} continued the paused revalidation", actor.email),
    }
}
