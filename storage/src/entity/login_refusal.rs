use sea_orm::entity::prelude::*;

/// Logins refused while one throttle key was locked: counted here, recorded as one event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_refusals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub locked_until: DateTimeUtc,
    pub refused: i32,
    pub typed_email: String,
    pub client_ip: String,
    pub user_agent: Option<String>,
    pub first_at: DateTimeUtc,
    pub last_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
