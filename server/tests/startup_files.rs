//! What the real binary does at start-up, on a fresh data directory: every file it creates is
//! readable by its own user only, whatever the umask; a bad NAT64 prefix stops it with a clear
//! message.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sea_orm::{ConnectionTrait, Database};

/// A fresh directory for one test, removed when dropped.
struct Fresh(PathBuf);

impl Fresh {
    fn new(name: &str) -> Fresh {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test directory");
        Fresh(dir)
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `server serve` with umask 022 (what most services run with) on a loopback port that
/// is already taken, so the start ends at "cannot listen" once every file has been created.
fn start(data_dir: &Path, envs: &[(&str, &Path)], extra: &[(&str, &str)]) -> Output {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = listener.local_addr().expect("addr").port();
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "umask 022 && exec \"$0\" serve",
        env!("CARGO_BIN_EXE_server"),
    ])
    .env("MAILSETTINGS_DATA_DIR", data_dir)
    .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{taken}"))
    .env("LEPTOS_OUTPUT_NAME", "mailsettings")
    .env_remove("DATABASE_URL")
    .env_remove("MAILSETTINGS_SETUP_TOKEN")
    .env_remove("MAILSETTINGS_INBOX_KEY")
    .env_remove("MAILSETTINGS_INBOX_KEY_FILE")
    .env_remove("MAILSETTINGS_AUDIT_KEY_FILE")
    .env_remove("MAILSETTINGS_PROBE_NAT64_PREFIXES");
    for (name, path) in envs {
        cmd.env(name, path);
    }
    for (name, value) in extra {
        cmd.env(name, value);
    }
    let out = cmd.output().expect("run server");
    drop(listener);
    out
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn mode(path: &Path) -> u32 {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    meta.permissions().mode() & 0o777
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

#[tokio::test]
async fn the_server_creates_its_files_readable_by_its_user_only() {
    let fresh = Fresh::new("owner-only-files");
    let data = fresh.0.join("data");
    let token_file = data.join("setup.token");
    let run = start(
        &data,
        &[("MAILSETTINGS_SETUP_TOKEN_FILE", &token_file)],
        &[],
    );
    let text = said(&run);
    assert!(text.contains("cannot listen"), "{text}");

    let db = data.join("mailsettings.db");
    for (path, want) in [
        (&data, 0o700),
        (&token_file, 0o600),
        (&db, 0o600),
        (&data.join("inbox.key"), 0o600),
        (&data.join("audit-signing.key"), 0o600),
    ] {
        assert_eq!(mode(path), want, "{}", path.display());
    }
    // This build's SQLite keeps a rollback journal; whatever companion file is left is private.
    for suffix in ["-journal", "-wal", "-shm"] {
        let companion = with_suffix(&db, suffix);
        if companion.exists() {
            assert_eq!(mode(&companion), 0o600, "{}", companion.display());
        }
    }

    // In WAL mode SQLite creates -wal and -shm with the database file's mode: private too.
    let url = format!("sqlite://{}?mode=rw", db.display());
    let conn = Database::connect(url).await.expect("open the database");
    conn.execute_unprepared("PRAGMA journal_mode=WAL; CREATE TABLE wal_check (x INTEGER)")
        .await
        .expect("WAL write");
    for suffix in ["-wal", "-shm"] {
        assert_eq!(mode(&with_suffix(&db, suffix)), 0o600, "{suffix}");
    }
    conn.close().await.expect("close");
}

#[test]
fn an_existing_data_directory_keeps_its_mode() {
    let fresh = Fresh::new("kept-data-dir");
    let data = fresh.0.join("data");
    std::fs::create_dir(&data).expect("data dir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).expect("chmod");
    let run = start(&data, &[], &[]);
    assert!(said(&run).contains("cannot listen"), "{}", said(&run));
    assert_eq!(mode(&data), 0o750);
    assert_eq!(mode(&data.join("mailsettings.db")), 0o600);
}

#[test]
fn a_nat64_prefix_of_another_length_stops_the_server_at_start_up() {
    let fresh = Fresh::new("nat64-prefix");
    let data = fresh.0.join("data");
    let bad = [(
        "MAILSETTINGS_PROBE_NAT64_PREFIXES",
        "64:ff9b::/96,2001:db8::/33",
    )];
    let run = start(&data, &[], &bad);
    assert!(!run.status.success());
    let text = said(&run);
    assert!(
        text.contains(
            "MAILSETTINGS_PROBE_NAT64_PREFIXES: 2001:db8::/33 is /33; a NAT64 prefix is /32, \
             /40, /48, /56, /64 or /96 (RFC 6052)"
        ),
        "{text}"
    );
    assert!(
        !text.contains("cannot listen"),
        "stopped before serving: {text}"
    );
}
