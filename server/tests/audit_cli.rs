//! `server audit` as an operator runs it, against an SQLite database in a data directory: the
//! key file is created private, Verify says intact, a checkpoint is signed, and an event edited
//! in SQL is named with exit status 1.

use std::path::Path;
use std::process::{Command, Output};

use sea_orm::ConnectionTrait;

fn server(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("MAILSETTINGS_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("MAILSETTINGS_ADMIN_PASSWORD", "a long admin password")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run server")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn verify_checkpoint_and_public_key_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("audit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let created = server(&dir, &["create-admin", "--email", "root@example.org"]);
    assert!(created.status.success(), "{created:?}");

    let key = server(&dir, &["audit", "public-key"]);
    let key = stdout(&key).trim().to_owned();
    assert_eq!(key.len(), 64, "{key}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("audit-signing.key"))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let verified = server(&dir, &["audit", "verify"]);
    assert!(verified.status.success(), "{verified:?}");
    assert!(
        stdout(&verified).starts_with("intact: 1 events"),
        "{verified:?}"
    );
    let signed = server(&dir, &["audit", "checkpoint"]);
    assert!(stdout(&signed).starts_with("signed event #1"), "{signed:?}");

    // Someone with the database file rewrites the event.
    let url = format!("sqlite://{}", dir.join("mailsettings.db").display());
    let db = sea_orm::Database::connect(&url).await.expect("open");
    db.execute_unprepared("UPDATE audit_events SET actor_email = 'mallory@example.org'")
        .await
        .expect("tamper");
    db.close().await.expect("close");
    let broken = server(&dir, &["audit", "verify", "--public-key", &key]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(
        stdout(&broken).contains("NOT INTACT: Event #1 (id 1) was altered"),
        "{broken:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
