//! Where the kept lists and pages stand (the domain list, the domains without settings, a
//! domain's inboxes and revalidation), read in one statement on every request that serves one.

use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};

use crate::StorageError;

/// Where the domain list, the connection attempts and the inbox checks stand, read in one
/// statement. Equal positions mean equal lists, so a list kept between requests is checked with
/// one lookup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListPositions {
    /// The audit chain's head. Each change to a domain appends to the chain in its own
    /// transaction, so the head moves with it; other events move it too, which only makes a kept
    /// list be read again.
    pub domains: i64,
    /// The connection attempts' version, bumped with each attempt recorded (the app never
    /// removes attempts; the database removes a user's with the user).
    pub attempts: i64,
    /// The inbox checks' version, bumped by each check recorded and each revalidation's progress
    /// (what changes a domain's inboxes without an audit event: connecting, removing and state
    /// changes move the chain's head).
    pub checks: i64,
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
     (SELECT version FROM list_versions WHERE name = 'inbox_attempts') AS attempts, \
     (SELECT version FROM list_versions WHERE name = 'inbox_checks') AS checks";

impl ListPositions {
    pub(crate) fn read(row: &QueryResult) -> Result<Self, StorageError> {
        let get = |column: &str| row.try_get::<Option<i64>>("", column);
        Ok(ListPositions {
            domains: get("head")?.unwrap_or(0),
            attempts: get("attempts")?.unwrap_or(0),
            checks: get("checks")?.unwrap_or(0),
        })
    }
}

/// Bumps a kept list's version, in the transaction that changes the list (a missing row is
/// created: the version read was 0, so the change still shows). Called last before the commit,
/// so the row stays locked only for the commit and no lock is waited for while holding it.
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

/// Moves [`ListPositions::checks`]: a check recorded or a revalidation's progress.
pub(crate) async fn checks_moved(conn: &impl ConnectionTrait) -> Result<(), StorageError> {
    bump_version(conn, "inbox_checks").await
}
