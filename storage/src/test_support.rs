//! Fresh databases for tests (feature `test-support`): a temp SQLite file, or a throwaway
//! PostgreSQL database on 127.0.0.1:5432 (`SKIP_POSTGRES_TESTS=1` skips those when it is absent;
//! `TEST_POSTGRES_ADMIN_URL` points elsewhere).
//! Both run the real migrations through `connect`. Test-only code: it panics on setup failure.

mod chain_load;

pub use chain_load::{bulk_chain, chain_overhead};

use std::path::PathBuf;
use std::time::Duration;

use rand::RngCore;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_ADMIN_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_owned())
}

/// The admin URL with its database name replaced by `name`.
fn pg_url_for(name: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.split('?').next().unwrap_or(&admin);
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{name}")
}

async fn pg_admin() -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(pg_admin_url());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(options).await
}

pub struct TestDb {
    pub db: DatabaseConnection,
    /// "sqlite" or "postgres", for assertion messages.
    pub backend: &'static str,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDb(String),
    /// A second connection pool to another `TestDb`'s database, which cleans up.
    Nothing,
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("storage_test_{}.db", random_suffix()));
    let url = format!("sqlite://{}", path.display());
    let db = crate::connect(&url).await.expect("connect sqlite");
    TestDb {
        db,
        backend: "sqlite",
        url,
        cleanup: Cleanup::SqliteFile(path),
    }
}

/// `None` (with a note) only when PostgreSQL is unreachable and SKIP_POSTGRES_TESTS=1.
pub async fn postgres() -> Option<TestDb> {
    let admin = match pg_admin().await {
        Ok(admin) => admin,
        Err(e) if std::env::var("SKIP_POSTGRES_TESTS").as_deref() == Ok("1") => {
            eprintln!("note: PostgreSQL unreachable ({e}); skipped because SKIP_POSTGRES_TESTS=1");
            return None;
        }
        Err(e) => panic!(
            "PostgreSQL unreachable at {}: {e} (set SKIP_POSTGRES_TESTS=1 to skip)",
            pg_admin_url()
        ),
    };
    let name = format!("test_{}", random_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let url = pg_url_for(&name);
    let db = crate::connect(&url).await.expect("connect postgres");
    Some(TestDb {
        db,
        backend: "postgres",
        url,
        cleanup: Cleanup::PostgresDb(name),
    })
}

impl TestDb {
    /// Another connection pool to the same database, as a second server process would have.
    /// The database's URL, for a server process started on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn sharing(other: &TestDb) -> TestDb {
        let db = crate::connect(&other.url).await.expect("second connection");
        TestDb {
            db,
            backend: other.backend,
            url: other.url.clone(),
            cleanup: Cleanup::Nothing,
        }
    }

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
                if let Ok(admin) = pg_admin().await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.close().await;
                }
            }
            Cleanup::Nothing => {}
        }
    }
}

/// A fresh SQLite database and, unless skipped, a fresh PostgreSQL one.
pub async fn backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// Makes a session look unused for `by` (its last use moved back), to test the idle timeout.
pub async fn age_session(db: &DatabaseConnection, token: &str, by: chrono::Duration) {
    use crate::entity::session::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Entity::update_many()
        .col_expr(
            Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(crate::now() - by),
        )
        .filter(Column::Id.eq(crate::sessions::token_id(token)))
        .exec(db)
        .await
        .expect("age session");
}

/// Moves every login lock-out into the past, as if the lock-out time had passed.
pub async fn expire_login_locks(db: &DatabaseConnection) {
    use crate::entity::login_throttle::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Entity::update_many()
        .col_expr(
            Column::LockedUntil,
            sea_orm::sea_query::Expr::value(crate::now() - chrono::Duration::seconds(1)),
        )
        .filter(Column::LockedUntil.is_not_null())
        .exec(db)
        .await
        .expect("expire login locks");
}

/// Ends every lock that refused logins were counted against, as if its time had passed.
pub async fn end_refusal_locks(db: &DatabaseConnection) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    db.execute(Statement::from_sql_and_values(
        backend,
        "UPDATE login_refusals SET locked_until = $1",
        [(crate::now() - chrono::Duration::seconds(1)).into()],
    ))
    .await
    .expect("end refusal locks");
}

/// Copies the first inbox `n` times in one statement (addresses `copy<i>@` its domain's name),
/// for the benchmark data set of many inboxes.
pub async fn copy_first_inbox(db: &DatabaseConnection, n: u64) {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let backend = db.get_database_backend();
    let copies = "user_id, 'copy' || x || '@' || mail_domain, mail_domain, domain_id, secret, \
                  status, transient_failures, next_check_at, created_at";
    let columns = "user_id, email, mail_domain, domain_id, secret, status, transient_failures, \
                   next_check_at, created_at";
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO inboxes ({columns}) SELECT {copies} FROM generate_series(1, {n}) AS g(x), \
             (SELECT * FROM inboxes ORDER BY id LIMIT 1) AS t"
        ),
        _ => format!(
            "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {n}) \
             INSERT INTO inboxes ({columns}) SELECT {copies} FROM seq, \
             (SELECT * FROM inboxes ORDER BY id LIMIT 1) AS t"
        ),
    };
    db.execute(Statement::from_string(backend, sql))
        .await
        .expect("copy inboxes");
}

/// The keys of every login-throttle row.
pub async fn throttle_keys(db: &DatabaseConnection) -> Vec<String> {
    use crate::entity::login_throttle::Entity;
    use sea_orm::EntityTrait;
    Entity::find()
        .all(db)
        .await
        .expect("throttle rows")
        .into_iter()
        .map(|row| row.key)
        .collect()
}
