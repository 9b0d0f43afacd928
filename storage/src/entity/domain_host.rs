use sea_orm::entity::prelude::*;

/// A mail server host a domain's inboxes may be sent their stored passwords on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "domain_hosts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub host: String,
    pub approved_by: String,
    pub approved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
