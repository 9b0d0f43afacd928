mod support;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use support::{actor, settings};

support::on_both_backends!(
    migrations_go_down_and_up_again,
    emails_differing_only_in_case_stop_the_upgrade_with_both_named,
    installation_secrets_are_made_once_and_kept,
);

async fn migrations_go_down_and_up_again(db: &DatabaseConnection) {
    storage::create_domain(db, &actor(), settings("before.example"))
        .await
        .unwrap();
    Migrator::down(db, None).await.unwrap();
    assert!(storage::list_domains(db).await.is_err(), "tables are gone");
    Migrator::up(db, None).await.unwrap();
    assert!(storage::list_domains(db).await.unwrap().is_empty());
    storage::create_domain(db, &actor(), settings("after.example"))
        .await
        .unwrap();
}

/// Logins fold letter case since the login-throttle migration: two accounts that differ only
/// in case cannot both keep logging in, and the operator is told which.
async fn emails_differing_only_in_case_stop_the_upgrade_with_both_named(db: &DatabaseConnection) {
    // Back to before the login-throttle migration (the inboxes and audit-chain ones came after).
    // Back to before the third migration (lowercased emails), however many came after it.
    Migrator::down(db, Some(Migrator::migrations().len() as u32 - 2))
        .await
        .unwrap();
    for email in ["Ann@example.com", "ann@example.com"] {
        db.execute_unprepared(&format!(
            "INSERT INTO users (email, password_hash, role, account_access, disabled, created_at, updated_at) \
             VALUES ('{email}', 'x', 'user', false, false, '2026-11-30T00:00:00+00:00', '2026-11-30T00:00:00+00:00')"
        ))
        .await
        .unwrap();
    }
    let err = Migrator::up(db, None).await.unwrap_err().to_string();
    assert!(
        err.contains("Ann@example.com") && err.contains("ann@example.com"),
        "{err}"
    );
    assert!(err.contains("differ only in letter case"), "{err}");
    // Once the operator removes one of them, the upgrade goes through.
    db.execute_unprepared("DELETE FROM users WHERE email = 'ann@example.com'")
        .await
        .unwrap();
    Migrator::up(db, None).await.unwrap();
    let logs_in = storage::find_login(db, &support::email("ANN@example.com"))
        .await
        .unwrap();
    assert!(logs_in.is_some());
}

async fn installation_secrets_are_made_once_and_kept(db: &DatabaseConnection) {
    let first = storage::installation_secret(db, "a").await.unwrap();
    assert_eq!(first.len(), 32);
    assert_eq!(storage::installation_secret(db, "a").await.unwrap(), first);
    assert_ne!(storage::installation_secret(db, "b").await.unwrap(), first);
}
