//! Users, sessions, domains and the audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, pk_auto, string, string_null, string_uniq, text,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(boolean(Users::AccountAccess).default(false))
                    .col(boolean(Users::Disabled).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // The id is the hex SHA-256 of the cookie token, so a leaked table grants no sessions.
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(string(Sessions::Id).primary_key())
                    .col(integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user_id")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user_id")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Domains::Table)
                    .if_not_exists()
                    .col(pk_auto(Domains::Id))
                    .col(string_uniq(Domains::Domain))
                    .col(string(Domains::ImapHost))
                    .col(integer(Domains::ImapPort))
                    .col(string(Domains::ImapSecurity))
                    .col(string(Domains::SmtpHost))
                    .col(integer(Domains::SmtpPort))
                    .col(string(Domains::SmtpSecurity))
                    .col(boolean(Domains::AllowNonSecureCertificate))
                    .col(boolean(Domains::UseStaticIps))
                    .col(integer(Domains::Version).default(1))
                    .col(timestamp_with_time_zone(Domains::CreatedAt))
                    .col(timestamp_with_time_zone(Domains::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // No foreign keys: an event must outlive the domain and the user it mentions.
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(integer_null(AuditEvents::ActorUserId))
                    .col(string(AuditEvents::ActorEmail))
                    .col(string_null(AuditEvents::ClientIp))
                    .col(integer_null(AuditEvents::DomainId))
                    .col(string(AuditEvents::DomainName))
                    .col(string(AuditEvents::Action))
                    .col(text(AuditEvents::Changes))
                    .col(integer_null(AuditEvents::ProbeReportId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_domain_id_occurred_at")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::DomainId)
                    .col(AuditEvents::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_occurred_at")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            Domains::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    AccountAccess,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
    Domain,
    ImapHost,
    ImapPort,
    ImapSecurity,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    AllowNonSecureCertificate,
    UseStaticIps,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorEmail,
    ClientIp,
    DomainId,
    DomainName,
    Action,
    Changes,
    ProbeReportId,
}
