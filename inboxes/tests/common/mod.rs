//! Shared set-up for the inbox tests: a fresh SQLite or PostgreSQL database
//! (`storage::test_support`), a domain on the real Dovecot and Postfix of probe's harness
//! (`crate::support`), inboxes of its numbered mailboxes with sealed passwords, workers, and
//! polling with a deadline.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::{DomainSettings, DomainSettingsForm, EmailAddress, Role, Security};
use inboxes::{OptionsFor, PeriodicPolicy, Vault, Worker, WorkerConfig};
use sea_orm::{ConnectionTrait, Statement};
use storage::{Actor, DatabaseConnection, NewInbox, RevalidationJob, StoredDomain, StoredInbox};

use crate::support::certs::Certs;
use crate::support::dovecot::mailbox;

pub use storage::test_support::TestDb;

/// Defines `sqlite::<name>` and `postgres::<name>` tests that run `<name>(&t)` on a fresh
/// database of each kind. PostgreSQL must be reachable unless SKIP_POSTGRES_TESTS=1.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let t = storage::test_support::sqlite().await;
                    super::$name(&t).await;
                    t.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(t) = storage::test_support::postgres().await else { return };
                    super::$name(&t).await;
                    t.cleanup().await;
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

pub const KEY: &str = "5f1c0e9a7b3d2468ace013579bdf02468ace13579bdf0246813579bdf02468ac";
pub const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

pub fn vault() -> Arc<Vault> {
    Arc::new(Vault::from_hex(KEY).expect("key"))
}

/// Settings of the test domain on loopback: IMAPS and SMTPS on mail.test.local.
pub fn settings(imap_port: u16, smtp_port: u16) -> DomainSettings {
    DomainSettingsForm {
        domain: "test.local".into(),
        imap_host: "mail.test.local".into(),
        imap_port: imap_port.to_string(),
        imap_security: Security::SslTls.as_str().into(),
        smtp_host: "mail.test.local".into(),
        smtp_port: smtp_port.to_string(),
        smtp_security: Security::SslTls.as_str().into(),
        ..DomainSettingsForm::default()
    }
    .parse()
    .expect("valid settings")
}

/// The probe options of probe's own tests (test CA trusted, 127/8 allowed, test names mapped).
pub fn options(certs: &Certs) -> OptionsFor {
    let certs = certs.clone();
    Arc::new(move |_static_ips| crate::support::opts(&certs))
}

pub fn config(id: &str, concurrency: usize, per_server: usize, lease: Duration) -> WorkerConfig {
    WorkerConfig {
        id: id.to_owned(),
        concurrency,
        per_server,
        lease,
        poll: Duration::from_millis(50),
        periodic: PeriodicPolicy::default(),
        shutdown_grace: Duration::from_secs(20),
    }
}

pub fn worker(t: &TestDb, certs: &Certs, config: WorkerConfig) -> Arc<Worker> {
    Worker::new(t.db.clone(), vault(), options(certs), config)
}

/// A domain with `n` inboxes of mailboxes user01.. (their real passwords, sealed).
pub struct Setup {
    pub actor: Actor,
    pub domain: StoredDomain,
    pub inboxes: Vec<StoredInbox>,
    pub passwords: Vec<String>,
}

pub async fn setup(
    db: &DatabaseConnection,
    settings: DomainSettings,
    n: usize,
    next_check_at: DateTime<Utc>,
) -> Setup {
    let email = EmailAddress::parse("owner@example.com").expect("email");
    let admin = Actor {
        user_id: 0,
        email: "admin@example.com".into(),
        role: Some(Role::SuperAdmin),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let user = storage::create_user(
        db,
        &admin,
        &email,
        "correct horse battery",
        Role::User,
        true,
    )
    .await
    .expect("user");
    let actor = Actor {
        user_id: user.id,
        email: user.email.clone(),
        role: Some(user.role),
        client_ip: Some("192.0.2.7".into()),
        user_agent: None,
        api_token_id: None,
    };
    let domain = storage::create_domain(db, &actor, settings)
        .await
        .expect("domain");
    let (mut inboxes, mut passwords) = (Vec::new(), Vec::new());
    for i in 1..=n {
        let (address, password) = mailbox(i);
        let new = NewInbox {
            user_id: user.id,
            email: address.clone(),
            mail_domain: "test.local".into(),
            domain_id: Some(domain.id),
            own_settings: None,
            username: None,
            secret: inboxes::seal_password(&vault(), user.id, &address, &password),
            next_check_at,
        };
        inboxes.push(
            storage::connect_inbox(db, &actor, new)
                .await
                .expect("inbox"),
        );
        passwords.push(password);
    }
    Setup {
        actor,
        domain,
        inboxes,
        passwords,
    }
}

/// Changes the domain's settings to `new` (which creates a revalidation job) and returns the job.
pub async fn change(db: &DatabaseConnection, s: &Setup, new: DomainSettings) -> RevalidationJob {
    storage::update_domain(db, &s.actor, s.domain.id, s.domain.version, new)
        .await
        .expect("update domain");
    storage::latest_job(db, s.domain.id)
        .await
        .expect("job")
        .expect("a change with inboxes starts a job")
}

pub fn a_day_from_now() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(1)
}

/// Polls `probe` every 20 ms until it gives a value; panics after `within`.
pub async fn until<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One row of `revalidation_items`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub inbox_id: i32,
    pub state: String,
    pub worker: Option<String>,
    pub attempts: i32,
}

pub async fn items(db: &DatabaseConnection, job_id: i32) -> Vec<Item> {
    let backend = db.get_database_backend();
    let sql = "SELECT inbox_id, state, worker, attempts FROM revalidation_items \
               WHERE job_id = $1 ORDER BY inbox_id";
    db.query_all(Statement::from_sql_and_values(
        backend,
        sql,
        [job_id.into()],
    ))
    .await
    .expect("items")
    .into_iter()
    .map(|r| Item {
        inbox_id: r.try_get("", "inbox_id").expect("inbox_id"),
        state: r.try_get("", "state").expect("state"),
        worker: r.try_get("", "worker").expect("worker"),
        attempts: r.try_get("", "attempts").expect("attempts"),
    })
    .collect()
}
