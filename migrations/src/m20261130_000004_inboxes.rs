//! Inboxes (an end user's mailbox, referencing its domain's settings), connection attempts for
//! domains without settings, and revalidation jobs with one item per inbox to check.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    binary, boolean, integer, integer_null, pk_auto, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inboxes::Table)
                    .if_not_exists()
                    .col(pk_auto(Inboxes::Id))
                    .col(integer(Inboxes::UserId))
                    .col(string(Inboxes::Email))
                    .col(string(Inboxes::MailDomain))
                    // Set while the domain has settings; otherwise `own_settings` holds the
                    // values the user typed (JSON `domain::DomainSettings`).
                    .col(integer_null(Inboxes::DomainId))
                    .col(text_null(Inboxes::OwnSettings))
                    .col(string_null(Inboxes::Username))
                    // XChaCha20-Poly1305: 24-byte nonce, then ciphertext and tag.
                    .col(binary(Inboxes::Secret))
                    .col(string(Inboxes::Status))
                    .col(string_null(Inboxes::Category))
                    .col(string_null(Inboxes::DetailCode))
                    .col(text_null(Inboxes::Detail))
                    .col(string_null(Inboxes::FailedStep))
                    .col(integer(Inboxes::TransientFailures).default(0))
                    .col(timestamp_with_time_zone_null(Inboxes::LastCheckedAt))
                    .col(timestamp_with_time_zone_null(Inboxes::LastConnectedAt))
                    .col(timestamp_with_time_zone(Inboxes::NextCheckAt))
                    .col(timestamp_with_time_zone_null(Inboxes::CheckLeaseUntil))
                    .col(timestamp_with_time_zone(Inboxes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Inboxes::Table, Inboxes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Inboxes::Table, Inboxes::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_inboxes_user_email",
                vec![Inboxes::UserId, Inboxes::Email],
            ),
            (
                "idx_inboxes_domain_id",
                vec![Inboxes::DomainId, Inboxes::Id],
            ),
            ("idx_inboxes_mail_domain", vec![Inboxes::MailDomain]),
            ("idx_inboxes_next_check_at", vec![Inboxes::NextCheckAt]),
        ] {
            let mut index = Index::create();
            index.if_not_exists().name(name).table(Inboxes::Table);
            for c in cols {
                index.col(c);
            }
            if name == "idx_inboxes_user_email" {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(InboxAttempts::Table)
                    .if_not_exists()
                    .col(pk_auto(InboxAttempts::Id))
                    .col(integer(InboxAttempts::UserId))
                    .col(string(InboxAttempts::Email))
                    .col(string(InboxAttempts::MailDomain))
                    .col(text(InboxAttempts::Settings))
                    .col(integer(InboxAttempts::ProbeReportId))
                    .col(timestamp_with_time_zone(InboxAttempts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboxAttempts::Table, InboxAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_inbox_attempts_mail_domain")
                    .table(InboxAttempts::Table)
                    .col(InboxAttempts::MailDomain)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RevalidationJobs::Table)
                    .if_not_exists()
                    .col(pk_auto(RevalidationJobs::Id))
                    .col(integer(RevalidationJobs::DomainId))
                    .col(string(RevalidationJobs::DomainName))
                    .col(integer(RevalidationJobs::DomainVersion))
                    // The settings before the change (JSON), for "Revert to previous settings".
                    .col(text_null(RevalidationJobs::PreviousSettings))
                    .col(string(RevalidationJobs::State))
                    .col(boolean(RevalidationJobs::Expanded).default(false))
                    .col(integer(RevalidationJobs::Total).default(0))
                    .col(integer(RevalidationJobs::Checked).default(0))
                    .col(integer(RevalidationJobs::Connected).default(0))
                    // JSON object: category → count of inboxes disconnected with it.
                    .col(text(RevalidationJobs::Failures))
                    .col(text_null(RevalidationJobs::PauseDetail))
                    .col(string(RevalidationJobs::ActorEmail))
                    .col(timestamp_with_time_zone(RevalidationJobs::CreatedAt))
                    .col(timestamp_with_time_zone(RevalidationJobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(RevalidationJobs::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RevalidationJobs::Table, RevalidationJobs::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_revalidation_jobs_state")
                    .table(RevalidationJobs::Table)
                    .col(RevalidationJobs::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RevalidationItems::Table)
                    .if_not_exists()
                    .col(integer(RevalidationItems::JobId))
                    .col(integer(RevalidationItems::InboxId))
                    .col(string(RevalidationItems::State))
                    .col(string_null(RevalidationItems::Worker))
                    .col(timestamp_with_time_zone_null(RevalidationItems::LeaseUntil))
                    .col(integer(RevalidationItems::Attempts).default(0))
                    .primary_key(
                        Index::create()
                            .col(RevalidationItems::JobId)
                            .col(RevalidationItems::InboxId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_revalidation_items_state")
                    .table(RevalidationItems::Table)
                    .col(RevalidationItems::JobId)
                    .col(RevalidationItems::State)
                    .to_owned(),
            )
            .await?;

        // Inbox events (connected, removed, state changes) and rollout events have no field
        // changes: a one-line summary instead.
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(text_null(AuditEvents::Summary))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(AuditEvents::Summary)
                    .to_owned(),
            )
            .await?;
        for table in [
            RevalidationItems::Table.into_iden(),
            RevalidationJobs::Table.into_iden(),
            InboxAttempts::Table.into_iden(),
            Inboxes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Inboxes {
    Table,
    Id,
    UserId,
    Email,
    MailDomain,
    DomainId,
    OwnSettings,
    Username,
    Secret,
    Status,
    Category,
    DetailCode,
    Detail,
    FailedStep,
    TransientFailures,
    LastCheckedAt,
    LastConnectedAt,
    NextCheckAt,
    CheckLeaseUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InboxAttempts {
    Table,
    Id,
    UserId,
    Email,
    MailDomain,
    Settings,
    ProbeReportId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RevalidationJobs {
    Table,
    Id,
    DomainId,
    DomainName,
    DomainVersion,
    PreviousSettings,
    State,
    Expanded,
    Total,
    Checked,
    Connected,
    Failures,
    PauseDetail,
    ActorEmail,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum RevalidationItems {
    Table,
    JobId,
    InboxId,
    State,
    Worker,
    LeaseUntil,
    Attempts,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Summary,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
}
