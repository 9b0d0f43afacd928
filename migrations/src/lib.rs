//! Database schema migrations (SQLite and PostgreSQL). Run at server start-up via
//! `Migrator::up`, or by hand with the `migrations` binary (`DATABASE_URL=... migrations up`).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_probes;
mod m20261130_000003_login_throttle;
mod m20261130_000004_inboxes;
mod m20261130_000005_audit_chain;
mod m20261130_000006_api_tokens;
mod m20261201_000007_rate_limits;
mod m20261201_000008_list_versions;
mod m20261206_000009_custody;
mod m20261207_000010_domain_oauth;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_probes::Migration),
            Box::new(m20261130_000003_login_throttle::Migration),
            Box::new(m20261130_000004_inboxes::Migration),
            Box::new(m20261130_000005_audit_chain::Migration),
            Box::new(m20261130_000006_api_tokens::Migration),
            Box::new(m20261201_000007_rate_limits::Migration),
            Box::new(m20261201_000008_list_versions::Migration),
            Box::new(m20261206_000009_custody::Migration),
            Box::new(m20261207_000010_domain_oauth::Migration),
        ]
    }
}
