use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revalidation_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub domain_id: i32,
    pub domain_name: String,
    pub domain_version: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub previous_settings: Option<String>,
    pub state: String,
    pub expanded: bool,
    pub total: i32,
    pub checked: i32,
    pub connected: i32,
    /// JSON object: category → inboxes disconnected with it.
    #[sea_orm(column_type = "Text")]
    pub failures: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub pause_detail: Option<String>,
    /// Paused until a super admin approves a host the domain has never used.
    pub awaiting_approval: bool,
    pub actor_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
