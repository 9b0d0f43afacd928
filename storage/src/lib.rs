//! Persistence (sea-orm, SQLite or PostgreSQL): users, sessions, domains and their audit trail.
//!
//! Functions take the shared `&DatabaseConnection` and return `domain` types. Every change to
//! a domain commits in one transaction with its audit event.

mod api_tokens;
mod audit;
mod audit_append;
mod audit_chain;
mod audit_query;
mod chain;
mod chain_walk;
mod checkpoints;
mod connect;
mod connection_attempts;
mod domain_changes;
mod domain_hosts;
mod domains;
mod entity;
mod error;
mod export;
mod export_verdict;
mod export_verify;
mod inbox_removal;
mod inboxes;
mod jobs;
mod login_refusals;
mod ops_stats;
mod password;
mod periodic_claims;
mod positions;
mod probes;
mod rate_limits;
mod secrets;
mod sessions;
#[cfg(feature = "test-support")]
pub mod test_support;
mod throttle;
mod users;

pub use api_tokens::{
    check_api_token, create_api_token, list_api_tokens, revoke_api_token, ApiToken, IssuedToken,
    TokenCheck, MAX_ACTIVE_TOKENS, TOKEN_PREFIX,
};
pub use audit::{domain_history, AuditAction, AuditEvent};
pub use audit_append::{record_login, record_sample_tried};
pub use audit_query::{chain_stream, export_stream, get_event, history_page, AuditFilter};
pub use chain::{link_hash, parse_public_key, ChainedEvent, Checkpoint};
pub use chain_walk::ProblemKind;
pub use checkpoints::{
    count_events, latest_checkpoint, sign_checkpoint, verify_history, AuditSigner, SignerError,
    VerifyReport,
};
pub use connect::{check_ready, connect};
pub use connection_attempts::{record_connection_attempt, unconfigured_connection_attempts};
pub use domain_changes::{
    create_domain, create_domain_with, delete_domain, revert_domain, update_domain,
    update_domain_with, ClientSecret,
};
pub use domain_hosts::{hosts_approved, unapproved_hosts};
pub use domains::{find_domain, get_domain, list_domains, list_domains_after, Actor, StoredDomain};
pub use error::{Result, StorageError};
pub use export::{
    export_entries, start_export, ChainEntry, ExportDocument, EXPORT_FORMAT, LEGACY_EXPORT_FORMAT,
};
pub use export_verdict::{ExportProblem, ExportVerdict, Integrity, Unsigned};
pub use export_verify::verify_export;
pub use inbox_removal::remove_inbox;
pub use inboxes::{
    connect_inbox, count_domain_inboxes, get_inbox, inbox_secret, list_inboxes, list_inboxes_after,
    record_check, sample_inboxes, update_inbox_secret, CheckResult, InboxFailure, InboxOwner,
    NewInbox, StoredInbox,
};
pub use jobs::{
    claim_items, continue_job, expand_jobs, finish_item, get_job, latest_job, release_claims,
    ClaimedItem, ItemOutcome, RevalidationJob,
};
pub use login_refusals::{count_refusal, record_ended_refusals, RefusedLogin};
pub use ops_stats::{inbox_status_counts, queue_stats};
pub use periodic_claims::{claim_due_inboxes, postpone_check, release_periodic_claims};
pub use positions::{list_positions, ListPositions};
pub use probes::{
    domain_probes, finish_probe_record, get_probe, start_probe_record, successful_probe_for,
    ProbeRun, StoredProbe,
};
pub use rate_limits::{purge_rate_limits, take_rate_slot};
pub use sea_orm::DatabaseConnection;
pub use secrets::{installation_secret, keep_secret, stored_secret};
pub use sessions::{
    create_session, delete_expired_sessions, delete_session, session_user,
    session_user_at_positions,
};
pub use throttle::{
    begin_login_attempt, clear_login_attempts, has_marker, purge_throttle, refund_login_attempt,
    throttle_size, touch_marker, LockPolicy, Refusal, ThrottleKey,
};
pub use users::{
    count_users, create_first_super_admin, create_user, find_login, get_user, list_users,
    set_password, update_user, verify_login, UserAccount, UserRights,
};

use chrono::{DateTime, SubsecRound, Utc};

/// Starts a transaction that will write. On SQLite it takes the database's write lock at once
/// (a write that changes nothing): a transaction that reads first and writes later fails with
/// "database is locked" when another connection wrote in between, where a first write waits
/// for the other writer (busy timeout). PostgreSQL locks rows instead.
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, StorageError> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        let sql = "UPDATE installation_secrets SET value = value WHERE 1 = 0";
        txn.execute(Statement::from_string(DatabaseBackend::Sqlite, sql))
            .await?;
    }
    Ok(txn)
}

/// Now, to the microsecond: what PostgreSQL keeps, so a returned value equals a re-read one.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
