//! API tokens follow their owner's credentials: a password reset or a disable revokes them in
//! its own transaction, re-enabling brings none back, and a super admin revokes anyone's.

mod support;

use chrono::Duration;
use domain::{Role, TokenLifetime, TokenName, TokenScope};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use storage::{AuditAction, StorageError, TokenCheck, UserRights};
use support::{email, PASSWORD};

support::on_both_backends!(
    a_password_reset_revokes_every_live_token,
    disabling_revokes_and_re_enabling_revives_nothing,
    a_super_admin_revokes_another_users_token,
);

struct Owner {
    actor: storage::Actor,
    session: String,
}

async fn owner(db: &DatabaseConnection, address: &str) -> Owner {
    let user = storage::create_user(
        db,
        &support::actor(),
        &email(address),
        PASSWORD,
        Role::User,
        true,
    )
    .await
    .expect("user");
    let session = storage::create_session(db, user.id, Duration::hours(1))
        .await
        .expect("session");
    let actor = storage::Actor {
        user_id: user.id,
        email: user.email,
        role: Some(user.role),
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    Owner { actor, session }
}

async fn create(db: &DatabaseConnection, o: &Owner, n: &str) -> storage::IssuedToken {
    storage::create_api_token(
        db,
        &o.actor,
        &o.session,
        TokenName::parse(n).expect("name"),
        TokenScope::Write,
        TokenLifetime::NEVER,
    )
    .await
    .expect("token")
}

async fn check(db: &DatabaseConnection, t: &storage::IssuedToken) -> TokenCheck {
    storage::check_api_token(db, &t.secret)
        .await
        .expect("check")
}

async fn newest(db: &DatabaseConnection) -> Vec<storage::AuditEvent> {
    storage::history_page(db, &storage::AuditFilter::default(), None, 50)
        .await
        .expect("history")
}

async fn set_disabled(db: &DatabaseConnection, id: i32, disabled: bool) {
    let rights = UserRights {
        role: Role::User,
        account_access: true,
        disabled,
    };
    storage::update_user(db, &support::actor(), id, rights)
        .await
        .expect("update user");
}

async fn a_password_reset_revokes_every_live_token(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let bob = owner(db, "bob@example.org").await;
    let (ci, deploy) = (
        create(db, &alice, "ci").await,
        create(db, &alice, "deploy").await,
    );
    let bobs = create(db, &bob, "bob's").await;
    let id = alice.actor.user_id;
    storage::set_password(db, &support::actor(), id, "a new long password")
        .await
        .expect("reset");
    assert_eq!(check(db, &ci).await, TokenCheck::Revoked);
    assert_eq!(check(db, &deploy).await, TokenCheck::Revoked);
    assert!(matches!(check(db, &bobs).await, TokenCheck::Valid(_)));

    let events = newest(db).await;
    assert_eq!(events[0].action, AuditAction::ApiTokenRevoked);
    assert_eq!(events[1].action, AuditAction::PasswordReset);
    assert_eq!(events[0].target.as_deref(), Some("alice@example.org"));
    let summary = events[0].summary.clone().unwrap_or_default();
    for part in [
        format!("#{}", ci.token.id),
        format!("#{}", deploy.token.id),
        "password reset by admin@example.com".into(),
    ] {
        assert!(summary.contains(&part), "{part} in {summary}");
    }

    // The reset ended the session: no token can be made with it any more.
    let late = storage::create_api_token(
        db,
        &alice.actor,
        &alice.session,
        TokenName::parse("late").expect("name"),
        TokenScope::Read,
        TokenLifetime::NEVER,
    )
    .await;
    assert!(matches!(late, Err(StorageError::SessionEnded)), "{late:?}");

    // A second reset finds nothing left to revoke and records no revocation.
    storage::set_password(db, &support::actor(), id, "another long password")
        .await
        .expect("reset");
    assert_eq!(newest(db).await[0].action, AuditAction::PasswordReset);
}

async fn disabling_revokes_and_re_enabling_revives_nothing(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let ci = create(db, &alice, "ci").await;
    let id = alice.actor.user_id;
    set_disabled(db, id, true).await;
    assert_eq!(check(db, &ci).await, TokenCheck::Revoked);
    let revoked = newest(db).await;
    assert_eq!(revoked[0].action, AuditAction::ApiTokenRevoked);
    assert!(revoked[0]
        .summary
        .as_deref()
        .is_some_and(|s| s.contains("account disabled by admin@example.com")));
    set_disabled(db, id, false).await;
    assert_eq!(check(db, &ci).await, TokenCheck::Revoked);

    // A token left live by a disable from before this rule (the flag set directly) is refused
    // while the owner is disabled, and revoked when the account is re-enabled.
    let legacy = create(db, &owner(db, "bob@example.org").await, "legacy").await;
    let bob = legacy.token.user_id;
    let sql = format!("UPDATE users SET disabled = TRUE WHERE id = {bob}");
    db.execute(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("disable directly");
    assert_eq!(check(db, &legacy).await, TokenCheck::OwnerDisabled);
    set_disabled(db, bob, false).await;
    assert_eq!(check(db, &legacy).await, TokenCheck::Revoked);
    assert!(newest(db).await[0]
        .summary
        .as_deref()
        .is_some_and(|s| s.contains("account re-enabled")));
}

async fn a_super_admin_revokes_another_users_token(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let bob = owner(db, "bob@example.org").await;
    let ci = create(db, &alice, "ci").await;
    let admin = support::actor();
    // The token is alice's: named under bob, it does not exist.
    let wrong = storage::revoke_api_token(db, &admin, bob.actor.user_id, ci.token.id).await;
    assert!(matches!(wrong, Err(StorageError::NotFound)), "{wrong:?}");
    let revoked = storage::revoke_api_token(db, &admin, alice.actor.user_id, ci.token.id)
        .await
        .expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(check(db, &ci).await, TokenCheck::Revoked);
    let event = &newest(db).await[0];
    assert_eq!(event.action, AuditAction::ApiTokenRevoked);
    assert_eq!(event.actor_email, "admin@example.com");
    assert_eq!(event.target.as_deref(), Some("alice@example.org"));
    assert_eq!(
        event.summary.as_deref(),
        Some(
            format!(
                "admin@example.com revoked API token #{} “ci” of alice@example.org",
                ci.token.id
            )
            .as_str()
        )
    );
}
