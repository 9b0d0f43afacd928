//! Custody of stored passwords against the real Dovecot + Postfix: *Allow non-secure
//! certificate* never lets a stored password reach a certificate that is neither trusted nor
//! pinned (the rollout pauses before any login), a pin from a passing test does, and a host the
//! domain has never used waits for a super admin: no check, periodic or after the change, sends
//! a stored password there until a super admin continues the revalidation.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use common::*;
use domain::{CertPin, DomainSettings, Hostname, InboxState, Role, RolloutState};
use probe::{Category, StepName};
use storage::{Actor, InboxOwner, StorageError};

on_both_backends!(
    allow_non_secure_certificate_sends_no_stored_password_to_an_unpinned_certificate,
    a_pinned_certificate_gets_the_stored_password,
    a_new_host_from_an_account_admin_waits_for_a_super_admin,
);

/// The domain on Dovecot's self-signed address (IMAP) and Postfix (SMTP), flag on.
fn self_signed(m: &support::Mail) -> DomainSettings {
    let mut s = settings(m.dovecot.imaps, m.postfix.smtps);
    s.imap_host = Hostname::parse("selfsigned.test.local").expect("host");
    s.allow_non_secure_certificate = true;
    s
}

fn super_admin() -> Actor {
    Actor {
        user_id: 0,
        email: "root@example.com".into(),
        role: Some(Role::SuperAdmin),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    }
}

async fn allow_non_secure_certificate_sends_no_stored_password_to_an_unpinned_certificate(
    t: &TestDb,
) {
    let m = support::mail();
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        2,
        a_day_from_now(),
    )
    .await;
    // A super admin's save: the host is approved, only the certificate is in question.
    storage::update_domain(&t.db, &super_admin(), s.domain.id, 1, self_signed(&m))
        .await
        .expect("save");
    let job = storage::latest_job(&t.db, s.domain.id)
        .await
        .expect("job")
        .expect("a job");
    worker(t, &m.certs, config("custody-1", 2, 2, LEASE))
        .drain()
        .await
        .expect("drain");
    let job = storage::get_job(&t.db, job.id).await.expect("job");
    assert_eq!(job.state, RolloutState::Paused, "{job:?}");
    assert_eq!(job.checked, 1, "only the canary: {job:?}");
    let detail = job.pause_detail.clone().unwrap_or_default();
    assert!(detail.contains(inboxes::UNPINNED_CERTIFICATE), "{detail}");
    assert!(
        detail.starts_with(Category::UnauthorizedSslCertificateNotTrusted.title()),
        "{detail}"
    );
    let inboxes = storage::list_inboxes(&t.db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    let canary = inboxes
        .iter()
        .find(|i| i.state == InboxState::Disconnected)
        .expect("the canary is disconnected");
    // It failed while connecting: no LOGIN was ever sent on the IMAP leg.
    let failure = canary.failure.as_ref().expect("failure");
    assert_eq!(
        failure.failed_step.as_deref(),
        Some(StepName::ImapConnect.as_str())
    );
}

async fn a_pinned_certificate_gets_the_stored_password(t: &TestDb) {
    let m = support::mail();
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        2,
        a_day_from_now(),
    )
    .await;
    // The admin's own connection test (their typed password, flag on) sees the certificate.
    let mut tested = inboxes::probe_settings(&self_signed(&m));
    tested.allow_non_secure_certificate = true;
    let report = probe::probe(&tested, &support::creds(), &support::opts(&m.certs), |_| {}).await;
    assert!(report.ok, "{}", support::show(&report));
    let fingerprint = report
        .step(StepName::ImapConnect)
        .and_then(|s| s.tls.as_ref())
        .and_then(|t| t.sha256_fingerprint.clone())
        .expect("fingerprint");
    let mut pinned = self_signed(&m);
    pinned.imap_cert_pin = Some(CertPin::new(&fingerprint, "2026-12-06").expect("pin"));
    storage::update_domain(&t.db, &super_admin(), s.domain.id, 1, pinned)
        .await
        .expect("save");
    worker(t, &m.certs, config("custody-2", 2, 2, LEASE))
        .drain()
        .await
        .expect("drain");
    let job = storage::latest_job(&t.db, s.domain.id)
        .await
        .expect("job")
        .expect("a job");
    assert_eq!(job.state, RolloutState::Done, "{job:?}");
    assert_eq!((job.checked, job.connected), (2, 2), "{job:?}");
}

async fn a_new_host_from_an_account_admin_waits_for_a_super_admin(t: &TestDb) {
    let m = support::mail();
    let s = setup(
        &t.db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        2,
        a_day_from_now(),
    )
    .await;
    // The account admin (s.actor) moves IMAP to a host the domain has never used.
    let mut moved = s.domain.settings.clone();
    moved.imap_host = Hostname::parse("limit.test.local").expect("host");
    let job = change(&t.db, &s, moved).await;
    assert_eq!(job.state, RolloutState::Paused, "{job:?}");
    assert!(job.awaiting_approval, "{job:?}");
    assert!(
        job.pause_detail
            .as_deref()
            .is_some_and(|d| d.contains("limit.test.local")),
        "{job:?}"
    );
    // Every inbox is due for its periodic check now: none is checked while the host waits.
    let due = chrono::Utc::now() - chrono::Duration::seconds(1);
    set_next_check(&t.db, s.domain.id, due).await;
    let w = worker(t, &m.certs, config("custody-3", 2, 2, LEASE));
    w.drain().await.expect("drain");
    let held = storage::list_inboxes(&t.db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    for (inbox, before) in held.iter().zip(&s.inboxes) {
        assert_eq!(
            inbox.last_checked_at, before.last_checked_at,
            "checked: {inbox:?}"
        );
        assert!(inbox.next_check_at > due, "postponed: {inbox:?}");
    }
    assert_eq!(
        storage::get_job(&t.db, job.id).await.expect("job").checked,
        0
    );

    // The account admin cannot approve their own change; a super admin can.
    let refused = storage::continue_job(&t.db, &s.actor, job.id).await;
    assert!(
        matches!(refused, Err(StorageError::ApprovalRequired)),
        "{refused:?}"
    );
    let continued = storage::continue_job(&t.db, &super_admin(), job.id)
        .await
        .expect("continue");
    assert_eq!(continued.state, RolloutState::Canary, "{continued:?}");
    w.drain().await.expect("drain");
    let job = storage::get_job(&t.db, job.id).await.expect("job");
    assert_eq!(job.state, RolloutState::Done, "{job:?}");
    assert_eq!((job.checked, job.connected), (2, 2), "{job:?}");
    let events = storage::domain_history(&t.db, s.domain.id, 100)
        .await
        .expect("history");
    let continued = events
        .iter()
        .find(|e| e.action == storage::AuditAction::RolloutContinued)
        .expect("continued event");
    assert_eq!(continued.actor_email, "root@example.com");
    assert!(
        continued
            .summary
            .as_deref()
            .is_some_and(|s| s.contains("approved limit.test.local")),
        "{continued:?}"
    );
    // Now approved: a later change back and forth needs nobody.
    assert!(
        storage::hosts_approved(&t.db, s.domain.id, &job_settings(&t.db, s.domain.id).await)
            .await
            .expect("approved")
    );
}

const LEASE: std::time::Duration = std::time::Duration::from_secs(120);

async fn job_settings(db: &storage::DatabaseConnection, id: i32) -> DomainSettings {
    storage::get_domain(db, id)
        .await
        .expect("domain")
        .expect("exists")
        .settings
}

async fn set_next_check(
    db: &storage::DatabaseConnection,
    domain_id: i32,
    at: chrono::DateTime<chrono::Utc>,
) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    db.execute(Statement::from_sql_and_values(
        backend,
        "UPDATE inboxes SET next_check_at = $1 WHERE domain_id = $2",
        [at.into(), domain_id.into()],
    ))
    .await
    .expect("due");
}
