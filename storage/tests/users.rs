mod support;

use chrono::Duration;
use domain::Role;
use sea_orm::DatabaseConnection;
use storage::StorageError;
use support::{email, PASSWORD};

support::on_both_backends!(
    first_super_admin_only_once,
    duplicate_email_is_refused,
    verify_login_cases,
    rights_and_listing,
    set_password_invalidates_sessions,
    session_lifecycle_and_expiry,
    disabled_users_session_is_invalid,
);

async fn first_super_admin_only_once(db: &DatabaseConnection) {
    assert_eq!(storage::count_users(db).await.unwrap(), 0);
    let admin = storage::create_first_super_admin(db, &email("root@example.com"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(admin.role, Role::SuperAdmin);
    assert!(admin.rights().can_manage_users());
    let again = storage::create_first_super_admin(db, &email("other@example.com"), PASSWORD).await;
    assert!(
        matches!(again, Err(StorageError::SetupAlreadyDone)),
        "{again:?}"
    );
    assert_eq!(storage::count_users(db).await.unwrap(), 1);
}

async fn duplicate_email_is_refused(db: &DatabaseConnection) {
    storage::create_user(db, &email("a@example.com"), PASSWORD, Role::User, false)
        .await
        .unwrap();
    let err = storage::create_user(db, &email("a@EXAMPLE.com"), PASSWORD, Role::Auditor, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::DuplicateEmail(ref e) if e == "a@example.com"),
        "{err:?}"
    );
    let weak = storage::create_user(db, &email("b@example.com"), "short", Role::User, false).await;
    assert!(matches!(weak, Err(StorageError::Password(_))), "{weak:?}");
}

async fn verify_login_cases(db: &DatabaseConnection) {
    let user = storage::create_user(db, &email("u@example.com"), PASSWORD, Role::User, true)
        .await
        .unwrap();
    let ok = storage::verify_login(db, &email("u@example.com"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(ok, Some(user.clone()));
    let wrong = storage::verify_login(db, &email("u@example.com"), "wrong password!").await;
    assert_eq!(wrong.unwrap(), None);
    let unknown = storage::verify_login(db, &email("nobody@example.com"), PASSWORD).await;
    assert_eq!(unknown.unwrap(), None);
    storage::set_disabled(db, user.id, true).await.unwrap();
    let disabled = storage::verify_login(db, &email("u@example.com"), PASSWORD).await;
    assert_eq!(disabled.unwrap(), None);
    let enabled = storage::set_disabled(db, user.id, false).await.unwrap();
    assert!(!enabled.disabled);
    assert!(storage::verify_login(db, &email("u@example.com"), PASSWORD)
        .await
        .unwrap()
        .is_some());
}

async fn rights_and_listing(db: &DatabaseConnection) {
    let b = storage::create_user(db, &email("b@example.com"), PASSWORD, Role::User, false)
        .await
        .unwrap();
    let a = storage::create_user(db, &email("a@example.com"), PASSWORD, Role::Auditor, false)
        .await
        .unwrap();
    assert!(!b.rights().can_manage_domains());
    let b2 = storage::update_user_rights(db, b.id, Role::User, true)
        .await
        .unwrap();
    assert!(b2.rights().can_manage_domains());
    assert_eq!(storage::get_user(db, b.id).await.unwrap(), Some(b2.clone()));
    assert_eq!(storage::list_users(db).await.unwrap(), vec![a, b2]);
    let missing = storage::update_user_rights(db, 999_999, Role::User, true).await;
    assert!(
        matches!(missing, Err(StorageError::NotFound)),
        "{missing:?}"
    );
    assert_eq!(storage::get_user(db, 999_999).await.unwrap(), None);
}

async fn set_password_invalidates_sessions(db: &DatabaseConnection) {
    let user = storage::create_user(db, &email("p@example.com"), PASSWORD, Role::User, true)
        .await
        .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    assert!(storage::session_user(db, &token).await.unwrap().is_some());
    storage::set_password(db, user.id, "a brand new password")
        .await
        .unwrap();
    assert_eq!(storage::session_user(db, &token).await.unwrap(), None);
    let old = storage::verify_login(db, &email("p@example.com"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(old, None);
    let new = storage::verify_login(db, &email("p@example.com"), "a brand new password").await;
    assert!(new.unwrap().is_some());
    let weak = storage::set_password(db, user.id, "short").await;
    assert!(matches!(weak, Err(StorageError::Password(_))), "{weak:?}");
}

async fn session_lifecycle_and_expiry(db: &DatabaseConnection) {
    let user = storage::create_user(db, &email("s@example.com"), PASSWORD, Role::Auditor, false)
        .await
        .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(
        storage::session_user(db, &token).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        storage::session_user(db, "not-a-token").await.unwrap(),
        None
    );

    let expired = storage::create_session(db, user.id, Duration::seconds(-1))
        .await
        .unwrap();
    assert_eq!(storage::session_user(db, &expired).await.unwrap(), None);
    assert_eq!(storage::delete_expired_sessions(db).await.unwrap(), 1);
    assert!(storage::session_user(db, &token).await.unwrap().is_some());

    storage::delete_session(db, &token).await.unwrap();
    assert_eq!(storage::session_user(db, &token).await.unwrap(), None);
    storage::delete_session(db, &token).await.unwrap();

    // The foreign key is enforced (SQLite too): no session for a user that does not exist.
    assert!(storage::create_session(db, 999_999, Duration::hours(1))
        .await
        .is_err());
}

async fn disabled_users_session_is_invalid(db: &DatabaseConnection) {
    let user = storage::create_user(db, &email("d@example.com"), PASSWORD, Role::User, true)
        .await
        .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    storage::set_disabled(db, user.id, true).await.unwrap();
    assert_eq!(storage::session_user(db, &token).await.unwrap(), None);
    storage::set_disabled(db, user.id, false).await.unwrap();
    // Disabling ended the session for good.
    assert_eq!(storage::session_user(db, &token).await.unwrap(), None);
}
