//! Fresh databases for integration tests: a temp SQLite file, or a throwaway PostgreSQL
//! database on 127.0.0.1:5432 (set `SKIP_POSTGRES_TESTS=1` to skip those when it is absent).
#![allow(dead_code)]

use std::path::PathBuf;

use domain::{DomainSettings, DomainSettingsForm, EmailAddress};
use rand::RngCore;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use storage::Actor;

const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDb {
    pub db: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDb(String),
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("storage_test_{}.db", random_suffix()));
    let db = storage::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect sqlite");
    TestDb {
        db,
        cleanup: Cleanup::SqliteFile(path),
    }
}

/// `None` (with a note) only when PostgreSQL is unreachable and SKIP_POSTGRES_TESTS=1.
pub async fn postgres() -> Option<TestDb> {
    let admin = match Database::connect(PG_ADMIN_URL).await {
        Ok(admin) => admin,
        Err(e) if std::env::var("SKIP_POSTGRES_TESTS").as_deref() == Ok("1") => {
            eprintln!("note: PostgreSQL unreachable ({e}); skipped because SKIP_POSTGRES_TESTS=1");
            return None;
        }
        Err(e) => panic!(
            "PostgreSQL unreachable at {PG_ADMIN_URL}: {e} (set SKIP_POSTGRES_TESTS=1 to skip)"
        ),
    };
    let name = format!("test_{}", random_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let db = storage::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
        .await
        .expect("connect postgres");
    Some(TestDb {
        db,
        cleanup: Cleanup::PostgresDb(name),
    })
}

impl TestDb {
    /// Best effort: a failed test leaves its database behind.
    pub async fn cleanup(self) {
        let _ = self.db.close().await;
        match self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDb(name) => {
                if let Ok(admin) = Database::connect(PG_ADMIN_URL).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// Defines `sqlite::<name>` and `postgres::<name>` tests that run `<name>(&db)` on each backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let t = crate::support::sqlite().await;
                    super::$name(&t.db).await;
                    t.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(t) = crate::support::postgres().await else { return };
                    super::$name(&t.db).await;
                    t.cleanup().await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

pub fn actor() -> Actor {
    Actor {
        user_id: 7,
        email: "admin@example.com".into(),
        client_ip: Some("192.0.2.7".into()),
    }
}

pub fn settings(domain: &str) -> DomainSettings {
    DomainSettingsForm {
        domain: domain.into(),
        imap_host: format!("imap.{domain}"),
        smtp_host: format!("smtp.{domain}"),
        ..DomainSettingsForm::default()
    }
    .parse()
    .expect("valid settings")
}

pub fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid email")
}

pub const PASSWORD: &str = "correct horse battery";
