//! A domain's OAuth application and sealed client secret: stored with the settings, in their
//! transaction, recorded in the history as "Set"/"Replaced" (never the value), dropped when the
//! domain goes back to passwords.

mod support;

use domain::oauth::OAuthApp;
use domain::{DomainSettings, Field, FieldChange};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use storage::{AuditAction, ClientSecret};
use support::{actor, settings};

support::on_both_backends!(
    oauth_app_and_secret_are_stored_and_audited_without_the_value,
    going_back_to_passwords_drops_the_secret,
);

fn oauth(domain: &str) -> DomainSettings {
    let mut s = settings(domain);
    s.oauth =
        OAuthApp::parse_fields("microsoft365", "contoso.onmicrosoft.com", "", "app-1", "").ok();
    s
}

fn change(field: Field, before: Option<&str>, after: Option<&str>) -> FieldChange {
    FieldChange {
        field,
        before: before.map(str::to_owned),
        after: after.map(str::to_owned),
    }
}

/// The sealed bytes as stored.
async fn stored_secret(db: &DatabaseConnection, id: i32) -> Option<Vec<u8>> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT oauth_client_secret FROM domains WHERE id = {id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "oauth_client_secret").unwrap()
}

async fn oauth_app_and_secret_are_stored_and_audited_without_the_value(db: &DatabaseConnection) {
    let seal = |id: i32| format!("sealed-for-{id}").into_bytes();
    let created =
        storage::create_domain_with(db, &actor(), oauth("o.example"), ClientSecret::Seal(&seal))
            .await
            .unwrap();
    assert!(created.has_client_secret);
    assert_eq!(created.settings, oauth("o.example"));
    assert_eq!(
        stored_secret(db, created.id).await,
        Some(format!("sealed-for-{}", created.id).into_bytes())
    );
    let history = storage::domain_history(db, created.id, 10).await.unwrap();
    let changes = &history[0].changes;
    assert!(changes.contains(&change(Field::SignInMethod, None, Some("OAuth 2.0"))));
    assert!(changes.contains(&change(Field::OAuthProvider, None, Some("Microsoft 365"))));
    assert!(changes.contains(&change(
        Field::OAuthTenant,
        None,
        Some("contoso.onmicrosoft.com")
    )));
    assert!(changes.contains(&change(Field::OAuthClientSecret, None, Some("Set"))));

    // Keeping the secret while changing the scopes; then replacing only the secret.
    let mut next = created.settings.clone();
    if let Some(app) = &mut next.oauth {
        app.scopes = domain::oauth::Scopes::parse("offline_access").unwrap();
    }
    let kept = storage::update_domain_with(
        db,
        &actor(),
        created.id,
        1,
        next.clone(),
        ClientSecret::Keep,
    )
    .await
    .unwrap();
    assert!(kept.has_client_secret);
    let reseal = |_: i32| b"another".to_vec();
    let replaced = storage::update_domain_with(
        db,
        &actor(),
        created.id,
        2,
        next,
        ClientSecret::Seal(&reseal),
    )
    .await
    .unwrap();
    assert_eq!(replaced.version, 3);
    assert_eq!(
        stored_secret(db, created.id).await,
        Some(b"another".to_vec())
    );
    let history = storage::domain_history(db, created.id, 10).await.unwrap();
    assert_eq!(history[0].action, AuditAction::Updated);
    assert_eq!(
        history[0].changes,
        vec![change(
            Field::OAuthClientSecret,
            Some("Set"),
            Some("Replaced")
        )]
    );
    assert_eq!(history[1].changes[0].field, Field::OAuthScopes);
}

async fn going_back_to_passwords_drops_the_secret(db: &DatabaseConnection) {
    let seal = |_: i32| b"sealed".to_vec();
    let created =
        storage::create_domain_with(db, &actor(), oauth("p.example"), ClientSecret::Seal(&seal))
            .await
            .unwrap();
    let password = settings("p.example");
    let updated = storage::update_domain_with(
        db,
        &actor(),
        created.id,
        1,
        password,
        ClientSecret::Seal(&seal),
    )
    .await
    .unwrap();
    assert!(!updated.has_client_secret);
    assert_eq!(updated.settings.oauth, None);
    assert_eq!(stored_secret(db, created.id).await, None);
    let history = storage::domain_history(db, created.id, 10).await.unwrap();
    let changes = &history[0].changes;
    assert!(changes.contains(&change(
        Field::SignInMethod,
        Some("OAuth 2.0"),
        Some("Password")
    )));
    assert!(changes.contains(&change(Field::OAuthClientId, Some("app-1"), None)));
    assert!(changes.contains(&change(Field::OAuthClientSecret, Some("Set"), None)));
}
