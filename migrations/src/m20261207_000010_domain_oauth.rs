//! A domain's sign-in method: its OAuth 2.0 application (`domain::oauth::OAuthApp` as JSON;
//! none for password domains) and the application's client secret, sealed like inbox passwords.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{binary_null, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Domains::Table)
                    .add_column(text_null(Domains::OauthApp))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Domains::Table)
                    .add_column(binary_null(Domains::OauthClientSecret))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Domains::OauthClientSecret, Domains::OauthApp] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Domains::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    OauthApp,
    OauthClientSecret,
}
