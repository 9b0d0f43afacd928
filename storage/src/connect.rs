use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::StorageError;

/// Opens the database and brings the schema up to date.
///
/// For SQLite the file is created if missing (`mode=rwc` unless the URL names a mode) and
/// foreign keys are enforced on every pooled connection.
pub async fn connect(database_url: &str) -> Result<DatabaseConnection, StorageError> {
    let is_sqlite = database_url.starts_with("sqlite:");
    let url = if is_sqlite {
        sqlite_url_with_mode(database_url)
    } else {
        database_url.to_owned()
    };
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
}
