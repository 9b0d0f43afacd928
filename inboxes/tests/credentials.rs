//! Inbox passwords at rest: after inboxes are connected and checked against the real servers
//! (one with a password the server refuses), neither the SQLite file nor any PostgreSQL row
//! nor the audit trail holds a password, and only the right key opens what is stored.

#[path = "../../probe/tests/support/mod.rs"]
mod support;

mod common;

use std::path::Path;

use common::*;
use domain::{InboxState, RolloutState};
use inboxes::{open_password, seal_password, Vault, VaultError};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use storage::{InboxOwner, NewInbox};
use support::dovecot::mailbox;

/// Connects three inboxes with their real passwords and a fourth with one the server refuses,
/// revalidates them all after a change, and checks the audit trail and the key. Returns every
/// password the database was given.
async fn connect_and_check(db: &DatabaseConnection, m: &support::Mail) -> Vec<String> {
    let s = setup(
        db,
        settings(m.dovecot.imaps, m.postfix.smtps),
        3,
        a_day_from_now(),
    )
    .await;
    let (address, _) = mailbox(4);
    let refused = "user04-Not-Her-Password-77".to_owned();
    let vault = vault();
    let user_id = s.actor.user_id;
    storage::connect_inbox(
        db,
        &s.actor,
        NewInbox {
            user_id,
            email: address.clone(),
            mail_domain: "test.local".into(),
            domain_id: Some(s.domain.id),
            own_settings: None,
            username: Some(address.clone()),
            secret: seal_password(&vault, user_id, &address, &refused),
            next_check_at: a_day_from_now(),
        },
    )
    .await
    .expect("inbox");
    let mut passwords = s.passwords.clone();
    passwords.push(refused.clone());

    let mut new = s.domain.settings.clone();
    new.allow_non_secure_certificate = true;
    let job = change(db, &s, new).await;
    let w = inboxes::Worker::new(
        db.clone(),
        vault.clone(),
        options(&m.certs),
        config("creds", 4, 4, std::time::Duration::from_secs(120)),
    );
    w.drain().await.expect("drain");
    let job = storage::get_job(db, job.id).await.expect("job");
    assert_eq!(job.state, RolloutState::Done, "{job:?}");
    assert_eq!((job.checked, job.connected), (4, 3), "{job:?}");
    let inboxes = storage::list_inboxes(db, InboxOwner::Domain(s.domain.id))
        .await
        .expect("inboxes");
    let failed = inboxes.iter().find(|i| i.email == address).expect("inbox");
    assert_eq!(failed.state, InboxState::Disconnected, "{failed:?}");
    let category = failed.failure.as_ref().map(|f| f.category.as_str());
    assert_eq!(
        category,
        Some(probe::Category::ImapAuthenticationError.as_str())
    );

    // The audit trail: the connections, the state change and the rollout, no password.
    let events = storage::history_page(db, &Default::default(), None, 1000)
        .await
        .expect("events");
    let text = serde_json::to_string(&events).expect("json");
    assert!(text.contains("user04@test.local: disconnected"), "{text}");
    assert!(
        text.contains("connected the inbox user01@test.local"),
        "{text}"
    );
    for p in &passwords {
        assert!(!text.contains(p.as_str()), "the audit trail holds {p}");
    }

    // Only the key that sealed them opens the stored passwords, each for its own inbox.
    // The check value kept in the database, as the server keeps it at start-up.
    storage::keep_secret(db, inboxes::KEY_CHECK_SECRET, &vault.check_value())
        .await
        .expect("keep");
    let stored_check = storage::stored_secret(db, inboxes::KEY_CHECK_SECRET)
        .await
        .expect("read")
        .expect("kept");
    vault.verify(&stored_check).expect("the right key");
    let other = Vault::from_hex(OTHER_KEY).expect("key");
    assert!(matches!(
        other.verify(&stored_check),
        Err(VaultError::WrongKey)
    ));
    let first = storage::inbox_secret(db, inboxes[0].id)
        .await
        .expect("secret");
    let second = storage::inbox_secret(db, inboxes[1].id)
        .await
        .expect("secret");
    let opened = open_password(&vault, &first.inbox, &first.secret).expect("open");
    assert_eq!(opened.as_str(), passwords[0]);
    assert!(matches!(
        open_password(&other, &first.inbox, &first.secret),
        Err(VaultError::Undecryptable)
    ));
    assert!(
        open_password(&vault, &second.inbox, &first.secret).is_err(),
        "a password moved to another inbox does not open"
    );
    passwords
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The database file with its write-ahead log and shared-memory index.
fn sqlite_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        all.extend(std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_file_holds_no_password() {
    let m = support::Mail::start();
    let name = format!("inboxes_credentials_{}.db", std::process::id());
    let path = std::env::temp_dir().join(name);
    let db = storage::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("sqlite");
    let passwords = connect_and_check(&db, &m).await;
    let open = sqlite_bytes(&path);
    let _ = db.close().await;
    let closed = sqlite_bytes(&path);
    for bytes in [&open, &closed] {
        assert!(
            contains(bytes, b"user01@test.local"),
            "the scan sees the data"
        );
        for p in &passwords {
            assert!(!contains(bytes, p.as_bytes()), "the SQLite file holds {p}");
            assert!(!contains(bytes, hex::encode(p).as_bytes()));
        }
    }
    eprintln!(
        "scanned {} bytes (open) and {} bytes (closed) of SQLite for {} passwords",
        open.len(),
        closed.len(),
        passwords.len()
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_postgres_row_holds_a_password() {
    let Some(t) = storage::test_support::postgres().await else {
        return;
    };
    let m = support::Mail::start();
    let passwords = connect_and_check(&t.db, &m).await;
    let backend = t.db.get_database_backend();
    let tables: Vec<String> =
        t.db.query_all(Statement::from_string(
            backend,
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name",
        ))
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get("", "name").expect("name"))
        .collect();
    assert!(tables.iter().any(|t| t == "inboxes"), "{tables:?}");
    let mut rows = 0;
    let mut everything = String::new();
    for table in &tables {
        let sql = format!("SELECT t::text AS line FROM \"{table}\" t");
        for r in
            t.db.query_all(Statement::from_string(backend, sql))
                .await
                .expect("rows")
        {
            let line: String = r.try_get("", "line").expect("line");
            everything.push_str(&line);
            everything.push('\n');
            rows += 1;
        }
    }
    assert!(
        everything.contains("user01@test.local"),
        "the scan sees the data"
    );
    for p in &passwords {
        assert!(!everything.contains(p.as_str()), "a row holds {p}");
        assert!(
            !everything.contains(&hex::encode(p)),
            "a row holds {p} as hex"
        );
    }
    eprintln!(
        "scanned {rows} rows of {} PostgreSQL tables for {} passwords",
        tables.len(),
        passwords.len()
    );
    t.cleanup().await;
}
