use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inboxes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub email: String,
    pub mail_domain: String,
    pub domain_id: Option<i32>,
    /// JSON `domain::DomainSettings`, only while the domain has no settings of its own.
    #[sea_orm(column_type = "Text", nullable)]
    pub own_settings: Option<String>,
    pub username: Option<String>,
    /// Nonce and ciphertext of the password; storage never sees the key.
    pub secret: Vec<u8>,
    pub status: String,
    pub category: Option<String>,
    pub detail_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    pub failed_step: Option<String>,
    pub transient_failures: i32,
    pub last_checked_at: Option<DateTimeUtc>,
    pub last_connected_at: Option<DateTimeUtc>,
    pub next_check_at: DateTimeUtc,
    pub check_lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
