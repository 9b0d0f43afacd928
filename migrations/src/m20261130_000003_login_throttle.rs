//! Login throttling kept in the database (so limits hold across server processes), and user
//! emails stored in their login form (lowercase) so every spelling logs into one account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, string, timestamp_with_time_zone, timestamp_with_time_zone_null,
};
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(FromQueryResult)]
struct UserEmail {
    id: i32,
    email: String,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Lowercased in Rust, not with SQL lower(): SQLite's lower() folds ASCII only.
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let select = Query::select()
            .columns([Users::Id, Users::Email])
            .from(Users::Table)
            .to_owned();
        let rows = UserEmail::find_by_statement(backend.build(&select))
            .all(db)
            .await?;
        let mut seen = std::collections::HashMap::new();
        for row in &rows {
            if let Some(other) = seen.insert(row.email.to_lowercase(), row.email.clone()) {
                return Err(DbErr::Migration(format!(
                    "the users {other} and {} differ only in letter case, and logins no longer \
                     tell them apart: remove or rename one of them, then start the server again",
                    row.email
                )));
            }
        }
        for row in rows {
            let lowered = row.email.to_lowercase();
            if lowered != row.email {
                let update = Query::update()
                    .table(Users::Table)
                    .value(Users::Email, lowered)
                    .and_where(Expr::col(Users::Id).eq(row.id))
                    .to_owned();
                db.execute(backend.build(&update)).await?;
            }
        }

        // One row per throttled key (an account, an address, a known-good network); a row is
        // written before the password is checked, so parallel guesses are counted one by one.
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .if_not_exists()
                    .col(string(LoginThrottle::Key).primary_key())
                    .col(integer(LoginThrottle::Failures))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .col(timestamp_with_time_zone(LoginThrottle::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_login_throttle_updated_at")
                    .table(LoginThrottle::Table)
                    .col(LoginThrottle::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        // Secrets this installation generates for itself (e.g. the key of the login throttle's
        // buckets for addresses without an account).
        manager
            .create_table(
                Table::create()
                    .table(InstallationSecrets::Table)
                    .if_not_exists()
                    .col(string(InstallationSecrets::Name).primary_key())
                    .col(string(InstallationSecrets::Value))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InstallationSecrets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginThrottle::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InstallationSecrets {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
}
