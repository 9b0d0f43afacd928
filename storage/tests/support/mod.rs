//! Shared helpers for the integration tests; the databases come from `storage::test_support`.
#![allow(dead_code)]

pub mod export;

use domain::{DomainSettings, DomainSettingsForm, EmailAddress};
use storage::Actor;

pub use storage::test_support::{postgres, sqlite};

/// Defines `sqlite::<name>` and `postgres::<name>` tests that run `<name>(&db)` on each backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let t = crate::support::sqlite().await;
                    super::$name(&t.db).await;
                    t.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(t) = crate::support::postgres().await else { return };
                    super::$name(&t.db).await;
                    t.cleanup().await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

pub fn actor() -> Actor {
    Actor {
        user_id: 7,
        email: "admin@example.com".into(),
        role: None,
        client_ip: Some("192.0.2.7".into()),
        user_agent: None,
        api_token_id: None,
    }
}

pub fn settings(domain: &str) -> DomainSettings {
    DomainSettingsForm {
        domain: domain.into(),
        imap_host: format!("imap.{domain}"),
        smtp_host: format!("smtp.{domain}"),
        ..DomainSettingsForm::default()
    }
    .parse()
    .expect("valid settings")
}

pub fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid email")
}

pub const PASSWORD: &str = "correct horse battery";
