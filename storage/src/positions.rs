//! Where the kept lists stand (the domain list and the domains without settings), read in one
//! statement on every request that serves a kept list.

use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};

use crate::StorageError;

/// Where the domain list and the connection attempts stand, read in one statement. Equal
/// positions mean equal lists, so a list kept between requests is checked with one lookup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListPositions {
    /// The audit chain's head. Each change to a domain appends to the chain in its own
    /// transaction, so the head moves with it; other events move it too, which only makes a kept
    /// list be read again.
    pub domains: i64,
    /// The connection attempts' version, bumped with each attempt recorded (the app never
    /// removes attempts; the database removes a user's with the user).
    pub attempts: i64,
}

pub async fn list_positions(db: &DatabaseConnection) -> Result<ListPositions, StorageError> {
    let sql = format!("SELECT {POSITIONS}");
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    row.map_or(Ok(ListPositions::default()), |row| {
        ListPositions::read(&row)
    })
}

/// The columns of [`ListPositions`], for a statement's select list.
pub(crate) const POSITIONS: &str = "(SELECT MAX(seq) FROM audit_events) AS head, \
     (SELECT version FROM list_versions WHERE name = 'inbox_attempts') AS attempts";

impl ListPositions {
    pub(crate) fn read(row: &QueryResult) -> Result<Self, StorageError> {
        let get = |column: &str| row.try_get::<Option<i64>>("", column);
        Ok(ListPositions {
            domains: get("head")?.unwrap_or(0),
            attempts: get("attempts")?.unwrap_or(0),
        })
    }
}

/// Bumps a kept list's version, in the transaction that changes the list (a missing row is
/// created: the version read was 0, so the change still shows).
pub(crate) async fn bump_version(
    conn: &impl ConnectionTrait,
    list: &str,
) -> Result<(), StorageError> {
    let sql = "INSERT INTO list_versions (name, version) VALUES ($1, 1) \
               ON CONFLICT (name) DO UPDATE SET version = list_versions.version + 1";
    conn.execute(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [list.into()],
    ))
    .await?;
    Ok(())
}
