use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<i32>,
    pub actor_email: String,
    pub client_ip: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub action: String,
    /// JSON array of `domain::FieldChange`.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    pub probe_report_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// Position in the hash chain (1, 2, 3, … without gaps).
    pub seq: Option<i64>,
    pub actor_role: Option<String>,
    pub user_agent: Option<String>,
    /// What the event is about when that is not a domain: a user's or an inbox's address.
    pub target: Option<String>,
    pub job_id: Option<i32>,
    pub api_token_id: Option<i32>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
