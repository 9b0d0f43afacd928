use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "probe_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub settings_hash: String,
    /// The tested `domain::DomainSettings` as JSON.
    #[sea_orm(column_type = "Text")]
    pub settings: String,
    pub ok: bool,
    pub category: Option<String>,
    /// The redacted `probe::ProbeReport` as JSON; empty while the probe runs.
    #[sea_orm(column_type = "Text")]
    pub report: String,
    pub actor_user_id: i32,
    /// Run by an admin from the domain form (not by an end user connecting an inbox).
    pub by_admin: bool,
    pub actor_email: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
