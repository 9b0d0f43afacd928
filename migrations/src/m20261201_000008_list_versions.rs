//! Versions of lists a server process keeps between requests: each change to the list bumps its
//! row in the change's own transaction, so one indexed read tells whether a kept copy is current
//! (counting the list's rows instead grows with the list).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListVersions::Table)
                    .if_not_exists()
                    .col(string(ListVersions::Name).primary_key())
                    .col(big_integer(ListVersions::Version))
                    .to_owned(),
            )
            .await?;
        // The connection attempts start at their count, so a kept list from before is re-read.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO list_versions (name, version) \
                 SELECT 'inbox_attempts', COUNT(*) FROM inbox_attempts WHERE true \
                 ON CONFLICT (name) DO NOTHING",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ListVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ListVersions {
    Table,
    Name,
    Version,
}
