//! Background upkeep while the server runs: signed checkpoints of the audit chain, expired rows
//! removed, refused logins recorded once their lock ends.

use services::{Services, ThrottlePolicy};

/// Starts every upkeep task; they run until the process ends.
pub fn spawn(services: &Services, checkpoint_interval: std::time::Duration) {
    tokio::spawn(crate::audit_cli::sign_periodically(
        services.db.clone(),
        std::sync::Arc::clone(&services.audit_signer),
        checkpoint_interval,
    ));
    tokio::spawn(purge_expired_rows(
        services.db.clone(),
        services.throttle.clone(),
    ));
    tokio::spawn(record_refused_logins(services.db.clone()));
}

/// Expired sessions and old login or rate-limit counters are refused or ignored when met; removing them only
/// keeps the tables small.
async fn purge_expired_rows(db: sea_orm::DatabaseConnection, policy: ThrottlePolicy) {
    let mut every_ten_minutes = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every_ten_minutes.tick().await;
        match storage::delete_expired_sessions(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
        }
        let counters = policy.account.forget_after.max(policy.network.forget_after);
        match storage::purge_throttle(&db, counters, policy.known_network_for).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "old login counters removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove old login counters"),
        }
        // Longer than any rate limit's window (connection tests: a minute).
        match storage::purge_rate_limits(&db, chrono::Duration::hours(1)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "idle rate-limit counters removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove idle rate-limit counters"),
        }
    }
}

/// Logins refused while a throttle key was locked become one event per lock once it ends.
async fn record_refused_logins(db: sea_orm::DatabaseConnection) {
    let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match storage::record_ended_refusals(&db, 1000).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "refused logins recorded"),
            Err(e) => tracing::warn!(error = %e, "could not record refused logins"),
        }
    }
}
