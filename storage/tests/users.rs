mod support;

use chrono::Duration;
use domain::Role;
use sea_orm::DatabaseConnection;
use storage::StorageError;
use support::{email, PASSWORD};

const IDLE: Duration = Duration::hours(1);
/// The acting user of changes made outside any account (so the own-account rule never applies).
fn nobody() -> storage::Actor {
    acting(0)
}

fn acting(user_id: i32) -> storage::Actor {
    storage::Actor {
        user_id,
        email: "admin@example.com".into(),
        role: Some(Role::SuperAdmin),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    }
}

support::on_both_backends!(
    first_super_admin_only_once,
    duplicate_email_is_refused,
    verify_login_cases,
    rights_and_listing,
    set_password_invalidates_sessions,
    session_lifecycle_and_expiry,
    disabled_users_session_is_invalid,
    last_super_admin_cannot_be_demoted_or_disabled,
    idle_sessions_end,
);

fn rights(role: Role, account_access: bool, disabled: bool) -> storage::UserRights {
    storage::UserRights {
        role,
        account_access,
        disabled,
    }
}

async fn set_disabled(db: &DatabaseConnection, id: i32, disabled: bool) -> storage::UserAccount {
    let user = storage::get_user(db, id).await.unwrap().unwrap();
    storage::update_user(
        db,
        &nobody(),
        id,
        rights(user.role, user.account_access, disabled),
    )
    .await
    .unwrap()
}

async fn last_super_admin_cannot_be_demoted_or_disabled(db: &DatabaseConnection) {
    let a = storage::create_first_super_admin(db, &email("a@example.com"), PASSWORD, None, None)
        .await
        .unwrap();
    let b = storage::create_user(
        db,
        &nobody(),
        &email("b@example.com"),
        PASSWORD,
        Role::SuperAdmin,
        true,
    )
    .await
    .unwrap();
    // Two super admins demote each other at the same moment: one of them must stay.
    let admin = nobody();
    let (ra, rb) = tokio::join!(
        storage::update_user(db, &admin, b.id, rights(Role::User, false, false)),
        storage::update_user(db, &admin, a.id, rights(Role::Auditor, false, false)),
    );
    let refused = [&ra, &rb]
        .iter()
        .filter(|r| matches!(r, Err(StorageError::LastSuperAdmin)))
        .count();
    assert_eq!(refused, 1, "{ra:?} {rb:?}");
    let remaining: Vec<_> = storage::list_users(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::SuperAdmin && !u.disabled)
        .collect();
    assert_eq!(remaining.len(), 1);
    let last = &remaining[0];
    let disable =
        storage::update_user(db, &nobody(), last.id, rights(Role::SuperAdmin, true, true)).await;
    let own = storage::update_user(
        db,
        &acting(last.id),
        last.id,
        rights(Role::User, true, false),
    )
    .await;
    assert!(matches!(own, Err(StorageError::OwnAccount)), "{own:?}");
    assert!(
        matches!(disable, Err(StorageError::LastSuperAdmin)),
        "{disable:?}"
    );
    assert_eq!(
        storage::get_user(db, last.id).await.unwrap().as_ref(),
        Some(last)
    );
}

async fn idle_sessions_end(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &nobody(),
        &email("i@example.com"),
        PASSWORD,
        Role::User,
        false,
    )
    .await
    .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(12))
        .await
        .unwrap();
    let idle = Duration::minutes(30);
    assert!(storage::session_user(db, &token, idle)
        .await
        .unwrap()
        .is_some());
    storage::test_support::age_session(db, &token, Duration::minutes(31)).await;
    assert_eq!(storage::session_user(db, &token, idle).await.unwrap(), None);
}

async fn first_super_admin_only_once(db: &DatabaseConnection) {
    assert_eq!(storage::count_users(db).await.unwrap(), 0);
    let admin =
        storage::create_first_super_admin(db, &email("root@example.com"), PASSWORD, None, None)
            .await
            .unwrap();
    assert_eq!(admin.role, Role::SuperAdmin);
    assert!(admin.rights().can_manage_users());
    let again =
        storage::create_first_super_admin(db, &email("other@example.com"), PASSWORD, None, None)
            .await;
    assert!(
        matches!(again, Err(StorageError::SetupAlreadyDone)),
        "{again:?}"
    );
    assert_eq!(storage::count_users(db).await.unwrap(), 1);
}

async fn duplicate_email_is_refused(db: &DatabaseConnection) {
    storage::create_user(
        db,
        &nobody(),
        &email("a@example.com"),
        PASSWORD,
        Role::User,
        false,
    )
    .await
    .unwrap();
    let err = storage::create_user(
        db,
        &nobody(),
        &email("a@EXAMPLE.com"),
        PASSWORD,
        Role::Auditor,
        false,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StorageError::DuplicateEmail(ref e) if e == "a@example.com"),
        "{err:?}"
    );
    let weak = storage::create_user(
        db,
        &nobody(),
        &email("b@example.com"),
        "short",
        Role::User,
        false,
    )
    .await;
    assert!(matches!(weak, Err(StorageError::Password(_))), "{weak:?}");
}

async fn verify_login_cases(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &nobody(),
        &email("u@example.com"),
        PASSWORD,
        Role::User,
        true,
    )
    .await
    .unwrap();
    let ok = storage::verify_login(db, &email("u@example.com"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(ok, Some(user.clone()));
    let wrong = storage::verify_login(db, &email("u@example.com"), "wrong password!").await;
    assert_eq!(wrong.unwrap(), None);
    let shouting = storage::verify_login(db, &email("U@EXAMPLE.COM."), PASSWORD).await;
    assert_eq!(
        shouting.unwrap(),
        Some(user.clone()),
        "any letter case logs in"
    );
    assert_eq!(
        storage::find_login(db, &email("U@Example.com"))
            .await
            .unwrap(),
        Some(user.id)
    );
    let unknown = storage::verify_login(db, &email("nobody@example.com"), PASSWORD).await;
    assert_eq!(unknown.unwrap(), None);
    set_disabled(db, user.id, true).await;
    let disabled = storage::verify_login(db, &email("u@example.com"), PASSWORD).await;
    assert_eq!(disabled.unwrap(), None);
    let enabled = set_disabled(db, user.id, false).await;
    assert!(!enabled.disabled);
    assert!(storage::verify_login(db, &email("u@example.com"), PASSWORD)
        .await
        .unwrap()
        .is_some());
}

async fn rights_and_listing(db: &DatabaseConnection) {
    let b = storage::create_user(
        db,
        &nobody(),
        &email("b@example.com"),
        PASSWORD,
        Role::User,
        false,
    )
    .await
    .unwrap();
    let a = storage::create_user(
        db,
        &nobody(),
        &email("a@example.com"),
        PASSWORD,
        Role::Auditor,
        false,
    )
    .await
    .unwrap();
    assert!(!b.rights().can_manage_domains());
    let b2 = storage::update_user(db, &nobody(), b.id, rights(Role::User, true, false))
        .await
        .unwrap();
    assert!(b2.rights().can_manage_domains());
    assert_eq!(storage::get_user(db, b.id).await.unwrap(), Some(b2.clone()));
    assert_eq!(storage::list_users(db).await.unwrap(), vec![a, b2]);
    let missing =
        storage::update_user(db, &nobody(), 999_999, rights(Role::User, true, false)).await;
    assert!(
        matches!(missing, Err(StorageError::NotFound)),
        "{missing:?}"
    );
    assert_eq!(storage::get_user(db, 999_999).await.unwrap(), None);
}

async fn set_password_invalidates_sessions(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &nobody(),
        &email("p@example.com"),
        PASSWORD,
        Role::User,
        true,
    )
    .await
    .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    assert!(storage::session_user(db, &token, IDLE)
        .await
        .unwrap()
        .is_some());
    storage::set_password(db, &nobody(), user.id, "a brand new password")
        .await
        .unwrap();
    assert_eq!(storage::session_user(db, &token, IDLE).await.unwrap(), None);
    let old = storage::verify_login(db, &email("p@example.com"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(old, None);
    let new = storage::verify_login(db, &email("p@example.com"), "a brand new password").await;
    assert!(new.unwrap().is_some());
    let weak = storage::set_password(db, &nobody(), user.id, "short").await;
    assert!(matches!(weak, Err(StorageError::Password(_))), "{weak:?}");
}

async fn session_lifecycle_and_expiry(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &nobody(),
        &email("s@example.com"),
        PASSWORD,
        Role::Auditor,
        false,
    )
    .await
    .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(
        storage::session_user(db, &token, IDLE).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        storage::session_user(db, "not-a-token", IDLE)
            .await
            .unwrap(),
        None
    );

    let expired = storage::create_session(db, user.id, Duration::seconds(-1))
        .await
        .unwrap();
    assert_eq!(
        storage::session_user(db, &expired, IDLE).await.unwrap(),
        None
    );
    // The same check together with where the lists stand, in one statement.
    let positions = storage::list_positions(db).await.unwrap();
    assert_eq!(
        storage::session_user_at_positions(db, &token, IDLE)
            .await
            .unwrap(),
        Some((user.clone(), positions))
    );
    for unknown_or_expired in ["not-a-token", expired.as_str()] {
        let found = storage::session_user_at_positions(db, unknown_or_expired, IDLE).await;
        assert_eq!(found.unwrap(), None);
    }
    assert_eq!(storage::delete_expired_sessions(db).await.unwrap(), 1);
    assert!(storage::session_user(db, &token, IDLE)
        .await
        .unwrap()
        .is_some());

    storage::delete_session(db, &token).await.unwrap();
    assert_eq!(storage::session_user(db, &token, IDLE).await.unwrap(), None);
    storage::delete_session(db, &token).await.unwrap();

    // The foreign key is enforced (SQLite too): no session for a user that does not exist.
    assert!(storage::create_session(db, 999_999, Duration::hours(1))
        .await
        .is_err());
}

async fn disabled_users_session_is_invalid(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &nobody(),
        &email("d@example.com"),
        PASSWORD,
        Role::User,
        true,
    )
    .await
    .unwrap();
    let token = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .unwrap();
    set_disabled(db, user.id, true).await;
    assert_eq!(storage::session_user(db, &token, IDLE).await.unwrap(), None);
    let found = storage::session_user_at_positions(db, &token, IDLE).await;
    assert_eq!(found.unwrap(), None);
    set_disabled(db, user.id, false).await;
    // Disabling ended the session for good.
    assert_eq!(storage::session_user(db, &token, IDLE).await.unwrap(), None);
}
