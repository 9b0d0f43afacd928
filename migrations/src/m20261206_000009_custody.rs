//! Custody of stored passwords: the mail server hosts each domain's inboxes may be sent stored
//! passwords (approved by a super admin, or in use before), revalidations that wait for that
//! approval, connection tests told apart by who ran them, and refused logins counted per lock
//! instead of recorded one by one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, integer, string, string_null, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DomainHosts::Table)
                    .if_not_exists()
                    .col(integer(DomainHosts::DomainId))
                    .col(string(DomainHosts::Host))
                    .col(string(DomainHosts::ApprovedBy))
                    .col(timestamp_with_time_zone(DomainHosts::ApprovedAt))
                    .primary_key(
                        Index::create()
                            .col(DomainHosts::DomainId)
                            .col(DomainHosts::Host),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DomainHosts::Table, DomainHosts::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The hosts in use when custody began are the domains' own.
        for column in ["imap_host", "smtp_host"] {
            db.execute_unprepared(&format!(
                "INSERT INTO domain_hosts (domain_id, host, approved_by, approved_at) \
                 SELECT id, LOWER({column}), 'in use before approvals', updated_at FROM domains \
                 WHERE true ON CONFLICT (domain_id, host) DO NOTHING"
            ))
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(RevalidationJobs::Table)
                    .add_column(boolean(RevalidationJobs::AwaitingApproval).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProbeReports::Table)
                    .add_column(boolean(ProbeReports::ByAdmin).default(true))
                    .to_owned(),
            )
            .await?;
        // Tests run by end users while connecting an inbox: they never count for an admin.
        db.execute_unprepared(
            "UPDATE probe_reports SET by_admin = false \
             WHERE actor_user_id IN (SELECT id FROM users WHERE role = 'user' AND NOT account_access)",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginRefusals::Table)
                    .if_not_exists()
                    .col(string(LoginRefusals::Key))
                    .col(timestamp_with_time_zone(LoginRefusals::LockedUntil))
                    .col(integer(LoginRefusals::Refused))
                    .col(string(LoginRefusals::TypedEmail))
                    .col(string(LoginRefusals::ClientIp))
                    .col(string_null(LoginRefusals::UserAgent))
                    .col(timestamp_with_time_zone(LoginRefusals::FirstAt))
                    .col(timestamp_with_time_zone(LoginRefusals::LastAt))
                    .primary_key(
                        Index::create()
                            .col(LoginRefusals::Key)
                            .col(LoginRefusals::LockedUntil),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginRefusals::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProbeReports::Table)
                    .drop_column(ProbeReports::ByAdmin)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RevalidationJobs::Table)
                    .drop_column(RevalidationJobs::AwaitingApproval)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DomainHosts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DomainHosts {
    Table,
    DomainId,
    Host,
    ApprovedBy,
    ApprovedAt,
}

#[derive(DeriveIden)]
enum Domains {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RevalidationJobs {
    Table,
    AwaitingApproval,
}

#[derive(DeriveIden)]
enum ProbeReports {
    Table,
    ByAdmin,
}

#[derive(DeriveIden)]
enum LoginRefusals {
    Table,
    Key,
    LockedUntil,
    Refused,
    TypedEmail,
    ClientIp,
    UserAgent,
    FirstAt,
    LastAt,
}
