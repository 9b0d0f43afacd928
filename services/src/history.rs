//! The change history's service: who may read which events, the filter parsed from the URL,
//! and events turned into what the viewer shows.

use chrono::{NaiveDate, TimeZone, Utc};
use domain::Role;
use storage::{AuditAction, AuditEvent, AuditFilter, UserAccount};

use crate::views::{
    AuditEntryView, AuditEventDetail, DiffRow, HistoryPage, HistoryQuery, VerifyView,
};
use crate::{Allowance, ServiceError, Services};

/// Events per page of the viewer.
const PAGE_SIZE: u64 = 50;

/// Account admins read the history of domains only; auditors and super admins everything.
fn domains_only(account: &UserAccount) -> bool {
    account.role == Role::User
}

/// The URL's filter, every part checked; an unreadable part is a field error, not ignored.
pub fn audit_filter(
    account: &UserAccount,
    query: &HistoryQuery,
) -> Result<AuditFilter, ServiceError> {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let domain = match text(&query.domain) {
        Some(name) => Some(
            domain::MailDomain::parse(&name)
                .map_err(|e| ServiceError::invalid("domain", e.to_string()))?
                .to_string(),
        ),
        None => None,
    };
    let action =
        match text(&query.action) {
            Some(a) => Some(AuditAction::parse(&a).ok_or_else(|| {
                ServiceError::invalid("action", "Choose an action from the list.")
            })?),
            None => None,
        };
    let day = |field: &'static str, value: &str| -> Result<Option<NaiveDate>, ServiceError> {
        text(value)
            .map(|v| {
                NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| ServiceError::invalid(field, "Enter a date like 2026-11-30."))
            })
            .transpose()
    };
    let start_of = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    let from = day("from", &query.from)?.map(start_of);
    let until = day("to", &query.to)?
        .and_then(|d| d.succ_opt())
        .map(start_of);
    if let (Some(from), Some(until)) = (from, until) {
        if until <= from {
            return Err(ServiceError::invalid(
                "to",
                "The last day must not be before the first.",
            ));
        }
    }
    Ok(AuditFilter {
        domain,
        actor: text(&query.actor),
        action,
        from,
        until,
        domains_only: domains_only(account),
    })
}

pub async fn history_page(
    services: &Services,
    filter: &AuditFilter,
    before: Option<i64>,
) -> Result<HistoryPage, ServiceError> {
    let mut events = storage::history_page(&services.db, filter, before, PAGE_SIZE + 1).await?;
    let older = (events.len() as u64 > PAGE_SIZE).then(|| {
        events.truncate(PAGE_SIZE as usize);
        events.last().and_then(|e| e.seq).unwrap_or(0)
    });
    Ok(HistoryPage {
        entries: events.into_iter().map(entry_view).collect(),
        older,
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_str().to_owned(), a.label().to_owned()))
            .collect(),
    })
}

pub async fn audit_event_detail(
    services: &Services,
    account: &UserAccount,
    id: i32,
) -> Result<AuditEventDetail, ServiceError> {
    let event = match storage::get_event(&services.db, id).await {
        Err(storage::StorageError::NotFound) => return Err(ServiceError::NotFound),
        other => other?,
    };
    if domains_only(account) && event.domain_name.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let report = match event.probe_report_id {
        Some(probe) => storage::get_probe(&services.db, probe)
            .await?
            .map(|stored| crate::probes::probe_view(services, probe, stored)),
        None => None,
    };
    let job = match event.job_id {
        Some(job) => match storage::get_job(&services.db, job).await {
            Ok(j) => Some(format!(
                "Revalidation #{} of version {}: {}, {} of {} inboxes checked, {} connected",
                j.id,
                j.domain_version,
                j.state.as_str(),
                j.checked,
                j.total,
                j.connected
            )),
            Err(storage::StorageError::NotFound) => None,
            Err(e) => return Err(ServiceError::from(e)),
        },
        None => None,
    };
    Ok(AuditEventDetail {
        entry: entry_view(event),
        report,
        job,
    })
}

/// Walks of the whole history one user may start a minute: each reads every event.
const VERIFY_PER_MINUTE: usize = 6;

pub async fn verify_view(
    services: &Services,
    account: &UserAccount,
) -> Result<VerifyView, ServiceError> {
    let key = format!("verify-history:user:{}", account.id);
    let minute = chrono::Duration::seconds(60);
    if let Err(retry_after_secs) =
        storage::take_rate_slot(&services.db, &key, VERIFY_PER_MINUTE, minute).await?
    {
        return Err(ServiceError::RateLimited {
            retry_after_secs,
            per_minute: VERIFY_PER_MINUTE,
            allowance: Allowance::HistoryVerifications,
        });
    }
    let key = services.audit_signer.verifying_key();
    let report = storage::verify_history(&services.db, &key).await?;
    let latest = report.latest_checkpoint.as_ref().map(|c| {
        format!(
            "event #{} signed at {}",
            c.seq,
            crate::format_time(c.signed_at)
        )
    });
    let message = match &report.problem {
        Some(problem) => problem.to_string(),
        None if report.events == 0 => "The history is empty.".to_owned(),
        None => format!(
            "The history is intact: {} events, every link and {} signed checkpoints verified.",
            report.events, report.checkpoints
        ),
    };
    Ok(VerifyView {
        intact: report.problem.is_none(),
        message,
        events: report.events,
        checkpoints: report.checkpoints,
        latest_checkpoint: latest,
        public_key: services.audit_signer.public_key_hex(),
        can_sign: account.rights().can_manage_users(),
    })
}

/// An event as the viewer shows it.
pub fn entry_view(e: AuditEvent) -> AuditEntryView {
    let shown = |v: Option<String>| v.unwrap_or_else(|| "—".to_owned());
    let mut diff: Vec<DiffRow> = e
        .changes
        .into_iter()
        .map(|c| DiffRow {
            field: c.field.label().to_owned(),
            before: shown(c.before),
            after: shown(c.after),
        })
        .collect();
    diff.extend(e.account_changes.into_iter().map(|c| DiffRow {
        field: c.field.label().to_owned(),
        before: shown(c.before),
        after: shown(c.after),
    }));
    AuditEntryView {
        id: e.id,
        seq: e.seq.unwrap_or(0),
        occurred_at: crate::format_time(e.occurred_at),
        occurred_at_iso: e
            .occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        actor_email: e.actor_email,
        actor_role: e.actor_role.map(|r| r.label().to_owned()),
        api_token_id: e.api_token_id,
        client_ip: e.client_ip,
        user_agent: e.user_agent,
        domain_id: e.domain_id,
        domain_name: e.domain_name,
        target: e.target,
        action: e.action.label().to_owned(),
        summary: e.summary,
        diff,
        probe_report_id: e.probe_report_id,
        job_id: e.job_id,
        hash: e.hash.unwrap_or_default(),
    }
}
