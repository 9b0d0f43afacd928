use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "domains")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub domain: String,
    pub imap_host: String,
    pub imap_port: i32,
    pub imap_security: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: String,
    pub allow_non_secure_certificate: bool,
    pub use_static_ips: bool,
    /// `domain::CertPin` as `fingerprint@YYYY-MM-DD`.
    pub imap_cert_pin: Option<String>,
    pub smtp_cert_pin: Option<String>,
    /// `domain::oauth::OAuthApp` as JSON; `None`: inboxes sign in with a password.
    pub oauth_app: Option<String>,
    /// The OAuth application's client secret, sealed by the vault (context: the domain's id).
    pub oauth_client_secret: Option<Vec<u8>>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
