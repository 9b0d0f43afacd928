//! The tamper-evident audit trail: every event gets a gap-free sequence number and a hash
//! chained to the previous event's; signed checkpoints of the chain's head; more context per
//! event (role, user agent, target, revalidation job). Events written before this migration are
//! chained by the storage layer on its first start (their `seq` and hashes are still empty).
//! On PostgreSQL a trigger refuses UPDATE and DELETE of events, except that one-time sealing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer_null, pk_auto, string, string_null, text,
    timestamp_with_time_zone,
};
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const APPEND_ONLY_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  -- Chaining an event written before the chain existed sets its seq and hashes, nothing else.
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_user_id, NEW.actor_email, NEW.client_ip,
          NEW.domain_id, NEW.domain_name, NEW.action, NEW.changes, NEW.probe_report_id,
          NEW.summary, NEW.actor_role, NEW.user_agent, NEW.target, NEW.job_id)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_user_id, OLD.actor_email, OLD.client_ip,
          OLD.domain_id, OLD.domain_name, OLD.action, OLD.changes, OLD.probe_report_id,
          OLD.summary, OLD.actor_role, OLD.user_agent, OLD.target, OLD.job_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"#;

const APPEND_ONLY_TRIGGER: &str = "CREATE TRIGGER audit_events_append_only \
     BEFORE UPDATE OR DELETE ON audit_events \
     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            big_integer_null(AuditEvents::Seq),
            string_null(AuditEvents::ActorRole),
            string_null(AuditEvents::UserAgent),
            string_null(AuditEvents::Target),
            integer_null(AuditEvents::JobId),
            string_null(AuditEvents::PrevHash),
            string_null(AuditEvents::Hash),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // The viewer pages by seq, newest first, within each filter.
        for (name, column) in [
            ("idx_audit_events_seq", None),
            ("idx_audit_events_domain_seq", Some(AuditEvents::DomainName)),
            ("idx_audit_events_actor_seq", Some(AuditEvents::ActorEmail)),
            ("idx_audit_events_action_seq", Some(AuditEvents::Action)),
        ] {
            let mut index = Index::create();
            index.if_not_exists().name(name).table(AuditEvents::Table);
            match column {
                Some(column) => {
                    index.col(column).col(AuditEvents::Seq);
                }
                None => {
                    index.col(AuditEvents::Seq).unique();
                }
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoints::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditCheckpoints::Id))
                    .col(big_integer(AuditCheckpoints::Seq))
                    .col(string(AuditCheckpoints::Hash))
                    .col(timestamp_with_time_zone(AuditCheckpoints::SignedAt))
                    .col(string(AuditCheckpoints::PublicKey))
                    .col(text(AuditCheckpoints::Signature))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(APPEND_ONLY_FUNCTION).await?;
            db.execute_unprepared(APPEND_ONLY_TRIGGER).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
            )
            .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(AuditCheckpoints::Table).to_owned())
            .await?;
        for name in [
            "idx_audit_events_seq",
            "idx_audit_events_domain_seq",
            "idx_audit_events_actor_seq",
            "idx_audit_events_action_seq",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(AuditEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            AuditEvents::Seq,
            AuditEvents::ActorRole,
            AuditEvents::UserAgent,
            AuditEvents::Target,
            AuditEvents::JobId,
            AuditEvents::PrevHash,
            AuditEvents::Hash,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    ActorRole,
    UserAgent,
    Target,
    JobId,
    PrevHash,
    Hash,
    DomainName,
    ActorEmail,
    Action,
}

#[derive(DeriveIden)]
enum AuditCheckpoints {
    Table,
    Id,
    Seq,
    Hash,
    SignedAt,
    PublicKey,
    Signature,
}
