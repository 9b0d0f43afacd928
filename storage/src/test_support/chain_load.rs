//! For the audit benchmark: a million chained events in bulk, and the chain's own share of one
//! edit's time.

use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};

use crate::audit_chain::{head, lock_chain, to_active};
use crate::chain::ChainedEvent;
use crate::entity::audit_event::Entity;

/// Appends `n` chained events (spread over `domains` domains and 20 actors) in batches of
/// `batch` rows per insert, continuing the existing chain.
pub async fn bulk_chain(db: &DatabaseConnection, n: u64, domains: u64, batch: usize) {
    let txn = crate::begin_write(db).await.expect("begin");
    lock_chain(&txn).await.expect("lock");
    let head = head(&txn).await.expect("head");
    txn.commit().await.expect("commit");
    let (mut prev, mut seq, mut id) = (head.hash, head.seq, head.next_id);
    // To the microsecond, as PostgreSQL keeps it (the hash covers the time).
    let start = crate::now() - chrono::Duration::days(365);
    let mut rows = Vec::with_capacity(batch);
    for i in 0..n {
        seq += 1;
        let mut event = ChainedEvent {
            id,
            seq,
            // About thirty seconds apart, ending near now.
            occurred_at: start + chrono::Duration::milliseconds(i as i64 * 31_536),
            actor_user_id: Some((i % 20) as i32 + 1),
            actor_email: format!("admin{}@example.com", i % 20),
            actor_role: Some("super_admin".into()),
            client_ip: Some(format!("192.0.2.{}", i % 250)),
            user_agent: Some("bench".into()),
            domain_id: Some((i % domains) as i32 + 1),
            domain_name: format!("bench{}.example", i % domains),
            target: None,
            action: "updated".into(),
            changes: format!(
                r#"[{{"field":"imap_port","before":"{}","after":"{}"}}]"#,
                993 + i % 2,
                994 - i % 2
            ),
            summary: None,
            probe_report_id: None,
            job_id: None,
            api_token_id: None,
            prev_hash: String::new(),
            hash: String::new(),
        };
        event.seal(&prev);
        prev = event.hash.clone();
        id += 1;
        rows.push(to_active(event));
        if rows.len() == batch || i + 1 == n {
            let txn = db.begin().await.expect("begin");
            Entity::insert_many(std::mem::take(&mut rows))
                .exec(&txn)
                .await
                .expect("insert");
            txn.commit().await.expect("commit");
        }
    }
}

/// What the chain adds to one edit's transaction: the writers' lock, reading the head and
/// hashing the event (the transaction is rolled back; the row itself is written either way).
pub async fn chain_overhead(db: &DatabaseConnection) -> Duration {
    let txn = crate::begin_write(db).await.expect("begin");
    let started = Instant::now();
    lock_chain(&txn).await.expect("lock");
    let head = head(&txn).await.expect("head");
    let mut event = ChainedEvent {
        id: head.next_id,
        seq: head.seq + 1,
        occurred_at: crate::now(),
        actor_user_id: Some(1),
        actor_email: "admin0@example.com".into(),
        actor_role: Some("super_admin".into()),
        client_ip: None,
        user_agent: None,
        domain_id: Some(1),
        domain_name: "bench0.example".into(),
        target: None,
        action: "updated".into(),
        changes: "[]".into(),
        summary: None,
        probe_report_id: None,
        job_id: None,
        api_token_id: None,
        prev_hash: String::new(),
        hash: String::new(),
    };
    event.seal(&head.hash);
    let spent = started.elapsed();
    txn.rollback().await.expect("rollback");
    spent
}
