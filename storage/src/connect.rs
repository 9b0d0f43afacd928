use std::path::{Path, PathBuf};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::StorageError;

/// Opens the database and brings the schema up to date.
///
/// For SQLite the file is created if missing (`mode=rwc` unless the URL names a mode), readable
/// by this user only, and foreign keys are enforced on every pooled connection.
pub async fn connect(database_url: &str) -> Result<DatabaseConnection, StorageError> {
    let is_sqlite = database_url.starts_with("sqlite:");
    let url = if is_sqlite {
        sqlite_url_with_mode(database_url)
    } else {
        database_url.to_owned()
    };
    if let Some(file) = sqlite_file_to_create(&url) {
        create_private_file(&file)?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| o.foreign_keys(true));
    if is_sqlite {
        // The pool pings a connection each time it is handed out, to find one whose server has
        // hung up. A SQLite connection is a file in this process: the ping was only one more
        // round trip to the connection's thread, doubling the cost of every query.
        options.test_before_acquire(false);
    }
    let db = Database::connect(options).await?;
    tracing::info!(backend = ?db.get_database_backend(), "database connected, running migrations");
    Migrator::up(&db, None).await?;
    tracing::info!("database migrations up to date");
    crate::audit_chain::seal_unchained(&db).await?;
    Ok(db)
}

/// Whether the database answers and every migration this build knows is applied (readiness).
pub async fn check_ready(db: &DatabaseConnection) -> Result<(), StorageError> {
    db.ping().await?;
    let pending = Migrator::get_pending_migrations(db).await?;
    if let Some(first) = pending.first() {
        return Err(StorageError::Corrupt(format!(
            "{} migration(s) not applied, the first: {}",
            pending.len(),
            first.name()
        )));
    }
    Ok(())
}

/// The file an SQLite URL opens with `mode=rwc` (none in memory). SQLite would create it with
/// mode 0644, and gives its journal, `-wal` and `-shm` files the database file's mode: creating
/// it first, empty, with mode 0600 keeps them all private. A percent-encoded name is left to
/// SQLite.
fn sqlite_file_to_create(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let creates = params.split('&').any(|p| p == "mode=rwc");
    let on_disk = !path.is_empty() && path != ":memory:" && !path.contains('%');
    (creates && on_disk).then(|| PathBuf::from(path))
}

fn create_private_file(path: &Path) -> Result<(), StorageError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StorageError::DatabaseFile(format!(
            "{}: {e}",
            path.display()
        ))),
    }
}

fn sqlite_url_with_mode(url: &str) -> String {
    if url.contains(":memory:") || url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_mode_is_added_once() {
        let rows = [
            ("sqlite://data.db", "sqlite://data.db?mode=rwc"),
            (
                "sqlite:data.db?cache=shared",
                "sqlite:data.db?cache=shared&mode=rwc",
            ),
            ("sqlite://data.db?mode=ro", "sqlite://data.db?mode=ro"),
            ("sqlite::memory:", "sqlite::memory:"),
        ];
        for (input, expected) in rows {
            assert_eq!(sqlite_url_with_mode(input), expected);
        }
    }

    #[test]
    fn only_a_file_sqlite_may_create_is_created_first() {
        let rows = [
            ("sqlite://data/x.db?mode=rwc", Some("data/x.db")),
            (
                "sqlite:///var/lib/x.db?cache=shared&mode=rwc",
                Some("/var/lib/x.db"),
            ),
            ("sqlite:x.db?mode=rwc", Some("x.db")),
            ("sqlite://x.db?mode=ro", None),
            ("sqlite://x.db?mode=rw", None),
            ("sqlite::memory:", None),
            ("sqlite://my%20db.db?mode=rwc", None),
            ("postgres://localhost/x", None),
        ];
        for (url, file) in rows {
            assert_eq!(sqlite_file_to_create(url), file.map(PathBuf::from), "{url}");
        }
    }
}
