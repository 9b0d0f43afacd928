//! The inbox key at start-up, with the real binary: the first start creates the key file with
//! mode 0600; a different key, or a missing key file once the database holds encrypted
//! passwords, stops the server with a clear message instead of starting without them.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// Starts `server serve` on a port that is already taken, so a start that gets past the key
/// ends at "cannot listen" (and never serves).
fn start(data_dir: &Path, taken: u16, key: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("serve")
        .env("MAILSETTINGS_DATA_DIR", data_dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{taken}"))
        .env(
            "MAILSETTINGS_SETUP_TOKEN",
            "inbox-key-test-token-0123456789abcdef",
        )
        .env("LEPTOS_OUTPUT_NAME", "mailsettings")
        .env_remove("DATABASE_URL")
        .env_remove("MAILSETTINGS_INBOX_KEY")
        .env_remove("MAILSETTINGS_INBOX_KEY_FILE");
    if let Some(key) = key {
        cmd.env("MAILSETTINGS_INBOX_KEY", key);
    }
    cmd.output().expect("run server")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_wrong_or_missing_inbox_key_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("inbox-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = listener.local_addr().expect("addr").port();

    let first = start(&dir, taken, None);
    let text = said(&first);
    assert!(text.contains("cannot listen"), "{text}");
    let key_file = dir.join("inbox.key");
    let mode = std::fs::metadata(&key_file)
        .expect("key file created")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is private");

    let wrong = start(&dir, taken, Some(&"ab".repeat(32)));
    assert!(!wrong.status.success());
    let text = said(&wrong);
    assert!(text.contains("does not match"), "{text}");
    assert!(
        !text.contains("cannot listen"),
        "stopped before serving: {text}"
    );

    let right_key = std::fs::read_to_string(&key_file).expect("key");
    let right = start(&dir, taken, Some(right_key.trim()));
    assert!(said(&right).contains("cannot listen"), "{}", said(&right));

    std::fs::remove_file(&key_file).expect("remove key");
    let missing = start(&dir, taken, None);
    assert!(!missing.status.success());
    let text = said(&missing);
    assert!(
        text.contains("inbox key file") && text.contains("missing"),
        "{text}"
    );
    assert!(!key_file.exists(), "no new key replaces the lost one");

    std::fs::write(&key_file, &right_key).expect("restore");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let open = start(&dir, taken, None);
    assert!(said(&open).contains("chmod 600"), "{}", said(&open));
    let _ = std::fs::remove_dir_all(&dir);
}
