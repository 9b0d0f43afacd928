//! Sliding-window rate limits kept in the database (connection tests per user per minute), so
//! that two server processes behind a load balancer do not each grant the whole allowance.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per limited key; `hits` holds the window's start times (JSON, milliseconds).
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .if_not_exists()
                    .col(string(RateLimits::Key).primary_key())
                    .col(text(RateLimits::Hits))
                    .col(timestamp_with_time_zone(RateLimits::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateLimits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    Hits,
    UpdatedAt,
}
