mod support;

use chrono::{Duration, Utc};
use domain::{Role, TokenLifetime, TokenName, TokenScope};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use storage::{AuditAction, StorageError, TokenCheck};
use support::{email, PASSWORD};

support::on_both_backends!(
    token_lifecycle,
    expired_and_disabled_tokens_are_refused,
    tokens_belong_to_their_owner,
    active_tokens_are_bounded,
    changes_name_the_token_and_the_chain_verifies,
);

async fn owner(db: &DatabaseConnection, address: &str) -> storage::Actor {
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
    storage::Actor {
        user_id: user.id,
        email: user.email,
        role: Some(user.role),
        client_ip: Some("192.0.2.9".into()),
        user_agent: Some("curl/8".into()),
        api_token_id: None,
    }
}

/// A live session of `actor`'s, which tokens are created from.
async fn session(db: &DatabaseConnection, actor: &storage::Actor) -> String {
    storage::create_session(db, actor.user_id, Duration::hours(1))
        .await
        .expect("session")
}

fn name(n: &str) -> TokenName {
    TokenName::parse(n).expect("name")
}

async fn create(db: &DatabaseConnection, actor: &storage::Actor, n: &str) -> storage::IssuedToken {
    let session = session(db, actor).await;
    storage::create_api_token(
        db,
        actor,
        &session,
        name(n),
        TokenScope::Write,
        TokenLifetime::NEVER,
    )
    .await
    .expect("token")
}

fn valid(check: TokenCheck) -> (storage::UserAccount, storage::ApiToken) {
    match check {
        TokenCheck::Valid(v) => *v,
        other => panic!("expected a valid token, got {other:?}"),
    }
}

async fn token_lifecycle(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let issued = storage::create_api_token(
        db,
        &alice,
        &session(db, &alice).await,
        name("nightly export"),
        TokenScope::Read,
        TokenLifetime::parse("30").unwrap(),
    )
    .await
    .unwrap();
    assert!(issued.secret.starts_with(storage::TOKEN_PREFIX));
    assert_eq!(issued.secret.len(), storage::TOKEN_PREFIX.len() + 64);
    let expires = issued.token.expires_at.expect("expiry");
    assert!(
        (expires - (Utc::now() + Duration::days(30)))
            .num_seconds()
            .abs()
            < 60
    );

    let (account, token) = valid(storage::check_api_token(db, &issued.secret).await.unwrap());
    assert_eq!(account.email, "alice@example.org");
    assert_eq!(token.scope, TokenScope::Read);
    let listed = storage::list_api_tokens(db, alice.user_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");

    // The same secret with its last hex digit changed.
    let (head, last) = issued.secret.split_at(issued.secret.len() - 1);
    let wrong = format!("{head}{}", if last == "0" { "1" } else { "0" });
    assert_eq!(
        storage::check_api_token(db, &wrong).await.unwrap(),
        TokenCheck::Unknown
    );

    let revoked = storage::revoke_api_token(db, &alice, alice.user_id, issued.token.id)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        storage::check_api_token(db, &issued.secret).await.unwrap(),
        TokenCheck::Revoked
    );
    // Revoking twice records nothing more.
    storage::revoke_api_token(db, &alice, alice.user_id, issued.token.id)
        .await
        .unwrap();
    let events = storage::history_page(db, &storage::AuditFilter::default(), None, 50)
        .await
        .unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.action).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::ApiTokenRevoked)
            .count(),
        1
    );
    let created = events
        .iter()
        .find(|e| e.action == AuditAction::ApiTokenCreated)
        .expect("created event");
    let summary = created.summary.as_deref().unwrap_or("");
    assert!(
        summary.contains("nightly export") && summary.contains("Read only"),
        "{summary}"
    );
    assert!(
        !summary.contains(&issued.secret[4..12]),
        "the secret is never recorded"
    );
}

async fn expired_and_disabled_tokens_are_refused(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let issued = create(db, &alice, "ci").await;
    let past = Utc::now() - Duration::minutes(1);
    let expire = Query::update()
        .table(Alias::new("api_tokens"))
        .value(Alias::new("expires_at"), Expr::value(past))
        .to_owned();
    db.execute(db.get_database_backend().build(&expire))
        .await
        .unwrap();
    assert_eq!(
        storage::check_api_token(db, &issued.secret).await.unwrap(),
        TokenCheck::Expired
    );

    let second = create(db, &alice, "deploy").await;
    valid(storage::check_api_token(db, &second.secret).await.unwrap());
    let user = storage::get_user(db, alice.user_id).await.unwrap().unwrap();
    storage::update_user(
        db,
        &support::actor(),
        user.id,
        storage::UserRights {
            role: Role::User,
            account_access: true,
            disabled: true,
        },
    )
    .await
    .unwrap();
    // Disabling revoked it.
    assert_eq!(
        storage::check_api_token(db, &second.secret).await.unwrap(),
        TokenCheck::Revoked
    );
}

async fn tokens_belong_to_their_owner(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let bob = owner(db, "bob@example.org").await;
    let issued = create(db, &alice, "ci").await;
    assert!(matches!(
        storage::revoke_api_token(db, &bob, bob.user_id, issued.token.id).await,
        Err(StorageError::NotFound)
    ));
    assert!(storage::list_api_tokens(db, bob.user_id)
        .await
        .unwrap()
        .is_empty());
    valid(storage::check_api_token(db, &issued.secret).await.unwrap());
}

async fn active_tokens_are_bounded(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let mut first = None;
    for i in 0..storage::MAX_ACTIVE_TOKENS {
        let t = create(db, &alice, &format!("token {i}")).await;
        first.get_or_insert(t.token.id);
    }
    let refused = storage::create_api_token(
        db,
        &alice,
        &session(db, &alice).await,
        name("one more"),
        TokenScope::Read,
        TokenLifetime::NEVER,
    )
    .await;
    assert!(matches!(refused, Err(StorageError::TokenLimit)));
    // Revoking one makes room again.
    storage::revoke_api_token(db, &alice, alice.user_id, first.unwrap())
        .await
        .unwrap();
    create(db, &alice, "one more").await;
}

async fn changes_name_the_token_and_the_chain_verifies(db: &DatabaseConnection) {
    let alice = owner(db, "alice@example.org").await;
    let issued = create(db, &alice, "terraform").await;
    let via_token = storage::Actor {
        api_token_id: Some(issued.token.id),
        ..alice.clone()
    };
    storage::create_domain(db, &via_token, support::settings("example.net"))
        .await
        .unwrap();
    let events = storage::history_page(db, &storage::AuditFilter::default(), None, 10)
        .await
        .unwrap();
    let created = events
        .iter()
        .find(|e| e.action == AuditAction::Created)
        .unwrap();
    assert_eq!(created.api_token_id, Some(issued.token.id));
    assert_eq!(created.actor_email, "alice@example.org");
    let others: Vec<_> = events
        .iter()
        .filter(|e| e.action != AuditAction::Created)
        .collect();
    assert!(others.iter().all(|e| e.api_token_id.is_none()));

    let signer = storage::AuditSigner::generate();
    let report = storage::verify_history(db, &signer.verifying_key())
        .await
        .unwrap();
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert_eq!(report.events, events.len() as u64);
}
