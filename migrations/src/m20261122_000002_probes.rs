//! Connection-test (probe) reports, and certificate pins on domains.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, pk_auto, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A row is written when a probe starts (report empty, finished_at null) and completed
        // when it ends. `settings_hash` lets a save find a successful probe of exactly the
        // values being saved.
        manager
            .create_table(
                Table::create()
                    .table(ProbeReports::Table)
                    .if_not_exists()
                    .col(pk_auto(ProbeReports::Id))
                    .col(integer_null(ProbeReports::DomainId))
                    .col(string(ProbeReports::DomainName))
                    .col(string(ProbeReports::SettingsHash))
                    .col(text(ProbeReports::Settings))
                    .col(boolean(ProbeReports::Ok))
                    .col(string_null(ProbeReports::Category))
                    .col(text(ProbeReports::Report))
                    .col(integer(ProbeReports::ActorUserId))
                    .col(string(ProbeReports::ActorEmail))
                    .col(timestamp_with_time_zone(ProbeReports::CreatedAt))
                    .col(timestamp_with_time_zone_null(ProbeReports::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_probe_reports_hash")
                    .table(ProbeReports::Table)
                    .col(ProbeReports::SettingsHash)
                    .col(ProbeReports::Ok)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_probe_reports_domain")
                    .table(ProbeReports::Table)
                    .col(ProbeReports::DomainId)
                    .col(ProbeReports::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        for column in [Domains::ImapCertPin, Domains::SmtpCertPin] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Domains::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Domains::ImapCertPin, Domains::SmtpCertPin] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Domains::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ProbeReports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProbeReports {
    Table,
    Id,
    DomainId,
    DomainName,
    SettingsHash,
    Settings,
    Ok,
    Category,
    Report,
    ActorUserId,
    ActorEmail,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    ImapCertPin,
    SmtpCertPin,
}
