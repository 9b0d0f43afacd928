//! `server audit` as an operator runs it, against an SQLite database in a data directory: the
//! key file is created private, Verify says intact, a checkpoint is signed, and an event edited
//! in SQL is named with exit status 1. Then `verify --file` on exports (made on SQLite and
//! PostgreSQL) cut or changed in every way, each told apart by its exit status.

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

/// Five events on two domains: a (#1), b (#2), then a, b, a again (#3 to #5).
async fn five_events(db: &storage::DatabaseConnection) {
    let actor = storage::Actor {
        user_id: 7,
        email: "admin@example.org".into(),
        role: None,
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    for name in [
        "a.example",
        "b.example",
        "a.example",
        "b.example",
        "a.example",
    ] {
        let settings = domain::DomainSettingsForm {
            domain: name.into(),
            imap_host: format!("imap.{name}"),
            smtp_host: format!("smtp.{name}"),
            ..domain::DomainSettingsForm::default()
        }
        .parse()
        .expect("valid settings");
        match storage::find_domain(db, settings.domain.as_str())
            .await
            .expect("read")
        {
            Some(found) => {
                let mut next = settings;
                next.imap_port =
                    domain::Port::parse(&(found.version + 993).to_string()).expect("port");
                storage::update_domain(db, &actor, found.id, found.version, next).await
            }
            None => storage::create_domain(db, &actor, settings).await,
        }
        .expect("write");
    }
}

/// The JSON export of b.example's events (#2 and #4 in full, #3 and #5 by digest), as the
/// server streams it.
async fn export_of_b(
    db: &storage::DatabaseConnection,
    signer: &storage::AuditSigner,
) -> serde_json::Value {
    use futures::TryStreamExt;
    let filter = storage::AuditFilter {
        domain: Some("b.example".into()),
        ..storage::AuditFilter::default()
    };
    let head = storage::start_export(db, signer, filter)
        .await
        .expect("export");
    let chain: Vec<storage::ChainEntry> = storage::export_entries(db.clone(), &head.statement)
        .try_collect()
        .await
        .expect("chain");
    serde_json::json!({
        "format": storage::EXPORT_FORMAT,
        "public_key": head.public_key,
        "checkpoint": head.checkpoint,
        "statement": head.statement,
        "chain": chain,
    })
}

fn verify_file(file: &Path, key: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["audit", "verify", "--file"])
        .arg(file)
        .args(["--public-key", key])
        .args(extra)
        .output()
        .expect("run server audit verify")
}

fn chain_of(doc: &mut serde_json::Value) -> &mut Vec<serde_json::Value> {
    doc["chain"].as_array_mut().expect("chain")
}

/// Every way of cutting or changing an export, checked by the real binary: each is named, with
/// its own exit status (0 intact, 1 altered, 3 missing, 4 unsigned).
#[tokio::test]
async fn offline_verify_tells_altered_missing_and_unsigned_exports_apart() {
    for t in storage::test_support::backends().await {
        five_events(&t.db).await;
        let signer = storage::AuditSigner::generate();
        let key = signer.public_key_hex();
        let export = export_of_b(&t.db, &signer).await;
        let tampered = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut doc = export.clone();
            change(&mut doc);
            doc
        };
        let cases: Vec<(&str, serde_json::Value, &[&str], i32, &str)> = vec![
            ("as exported", export.clone(), &[], 0, "intact: 2 events exported, 2 others linked by digest, from event #2 up to event #5"),
            ("front cut", tampered(&|d| {
                chain_of(d).remove(0);
            }), &[], 3, "NOT INTACT — MISSING: The oldest events were removed: the export is signed as starting at event #2, but its chain starts at #3."),
            ("tail cut", tampered(&|d| {
                chain_of(d).pop();
            }), &[], 3, "NOT INTACT — MISSING: The newest events were removed"),
            ("checkpoint removed", tampered(&|d| d["checkpoint"] = serde_json::Value::Null), &[], 4, "REFUSED"),
            ("checkpoint removed, checked anyway", tampered(&|d| d["checkpoint"] = serde_json::Value::Null), &["--allow-unsigned"], 4, "UNSIGNED: the export carries no checkpoint, though its statement says it was signed up to event #5"),
            ("checkpoint and statement removed", tampered(&|d| {
                d["checkpoint"] = serde_json::Value::Null;
                d["statement"] = serde_json::Value::Null;
            }), &[], 4, "REFUSED"),
            ("checkpoint signature altered", tampered(&|d| {
                let signature = d["checkpoint"]["signature"].as_str().expect("signature");
                let flipped = if signature.starts_with('0') { "1" } else { "0" };
                d["checkpoint"]["signature"] = format!("{flipped}{}", &signature[1..]).into();
            }), &[], 1, "NOT INTACT — ALTERED: The checkpoint of event #5"),
            ("event altered", tampered(&|d| chain_of(d)[2]["actor_email"] = "mallory@example.org".into()), &[], 1, "NOT INTACT — ALTERED: Event #4"),
            ("event appended after the checkpoint", tampered(&|d| {
                let chain = chain_of(d);
                let mut forged: storage::ChainedEvent =
                    serde_json::from_value(chain[2].clone()).expect("#4 in full");
                let digest_of_5 = chain[3]["content"].as_str().expect("#5 by digest");
                let hash_of_5 = storage::link_hash(5, &forged.hash, digest_of_5);
                forged.id += 100;
                forged.seq = 6;
                forged.seal(&hash_of_5);
                chain.push(serde_json::to_value(forged).expect("json"));
            }), &[], 4, "NOT COVERED BY A SIGNATURE: 1 event(s), #6 to #6, come after the checkpoint (event #5)"),
            ("statement moved to hide a front cut", tampered(&|d| {
                let first = chain_of(d).remove(0);
                d["statement"]["start_seq"] = 3.into();
                d["statement"]["start_prev_hash"] = first["hash"].clone();
            }), &[], 1, "NOT INTACT — ALTERED: The export's statement"),
            ("filter in the statement widened", tampered(&|d| d["statement"]["filter"]["domain"] = serde_json::Value::Null), &[], 1, "NOT INTACT — ALTERED: The export's statement"),
            ("format /1", tampered(&|d| {
                d["format"] = storage::LEGACY_EXPORT_FORMAT.into();
                d.as_object_mut().expect("object").remove("statement");
            }), &[], 4, "UNSIGNED: a format /1 export"),
        ];
        let dir =
            std::env::temp_dir().join(format!("audit-verify-{}-{}", t.backend, std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, doc, flags, status, says) in cases {
            let file = dir.join("export.json");
            std::fs::write(&file, doc.to_string()).expect("write");
            let out = verify_file(&file, &key, flags);
            let shown = stdout(&out);
            assert_eq!(
                out.status.code(),
                Some(status),
                "{}: {name}: {shown}",
                t.backend
            );
            assert!(shown.contains(says), "{}: {name}: {shown}", t.backend);
        }
        let _ = std::fs::remove_dir_all(&dir);
        t.cleanup().await;
    }
}

/// Bad arguments and unreadable files have exit status 2, never a verdict's.
#[test]
fn offline_verify_with_bad_arguments_exits_2() {
    let dir = std::env::temp_dir().join(format!("audit-verify-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let key = "11".repeat(32);
    let not_export = dir.join("not-an-export.json");
    std::fs::write(&not_export, "{\"hello\": 1}").expect("write");
    let unknown = dir.join("unknown.json");
    let doc = serde_json::json!({"format": "mailsettings-audit-export/9", "public_key": key,
        "checkpoint": null, "chain": []});
    std::fs::write(&unknown, doc.to_string()).expect("write");
    let missing = dir.join("missing.json");
    for (name, out) in [
        ("no such file", verify_file(&missing, &key, &[])),
        ("not an export", verify_file(&not_export, &key, &[])),
        ("unknown format", verify_file(&unknown, &key, &[])),
        ("bad key", verify_file(&unknown, "abc", &[])),
        (
            "--allow-unsigned without --file",
            server(&dir, &["audit", "verify", "--allow-unsigned"]),
        ),
    ] {
        assert_eq!(out.status.code(), Some(2), "{name}: {out:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
