//! The audit chain: gap-free, verified, and every kind of tampering named by Verify.

mod support;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use storage::{AuditFilter, AuditSigner, ProblemKind, VerifyReport};
use support::{actor, settings};

support::on_both_backends!(
    events_are_chained_without_gaps_and_verify_intact,
    an_edited_event_is_named,
    a_removed_event_is_named,
    removed_newest_events_are_caught_by_the_checkpoint,
    an_inserted_event_is_named,
    a_checkpoint_signed_by_another_key_is_refused,
);

/// Five events: create, three updates, delete.
async fn history(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("chain.example"))
        .await
        .unwrap();
    let mut next = created.settings.clone();
    for (version, port) in [(1, 994), (2, 995), (3, 996)] {
        next.imap_port = domain::Port::parse(&port.to_string()).unwrap();
        storage::update_domain(db, &actor(), created.id, version, next.clone())
            .await
            .unwrap();
    }
    storage::delete_domain(db, &actor(), created.id, 4)
        .await
        .unwrap();
}

async fn verify(db: &DatabaseConnection, signer: &AuditSigner) -> VerifyReport {
    storage::verify_history(db, &signer.verifying_key())
        .await
        .unwrap()
}

/// Runs `sql` as someone with database access would; on PostgreSQL they drop the trigger first.
async fn tamper(db: &DatabaseConnection, sql: &str) {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("DROP TRIGGER audit_events_append_only ON audit_events")
            .await
            .unwrap();
    }
    db.execute_unprepared(sql).await.unwrap();
}

async fn id_of(db: &DatabaseConnection, seq: i64) -> i32 {
    let page = storage::history_page(db, &AuditFilter::default(), Some(seq + 1), 1)
        .await
        .unwrap();
    assert_eq!(page[0].seq, Some(seq));
    page[0].id
}

async fn events_are_chained_without_gaps_and_verify_intact(db: &DatabaseConnection) {
    history(db).await;
    let events = storage::history_page(db, &AuditFilter::default(), None, 100)
        .await
        .unwrap();
    let seqs: Vec<i64> = events.iter().filter_map(|e| e.seq).collect();
    assert_eq!(seqs, vec![5, 4, 3, 2, 1]);
    assert!(events
        .iter()
        .all(|e| e.hash.as_ref().is_some_and(|h| h.len() == 64)));
    let signer = AuditSigner::generate();
    let report = verify(db, &signer).await;
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(report.events, 5);
    let checkpoint = storage::sign_checkpoint(db, &signer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(checkpoint.seq, 5);
    assert!(checkpoint.signed_by(&signer.verifying_key()));
    let report = verify(db, &signer).await;
    assert_eq!((report.problem, report.checkpoints), (None, 1));
}

async fn an_edited_event_is_named(db: &DatabaseConnection) {
    history(db).await;
    let id = id_of(db, 3).await;
    tamper(
        db,
        &format!("UPDATE audit_events SET actor_email = 'mallory@example.com' WHERE id = {id}"),
    )
    .await;
    let problem = verify(db, &AuditSigner::generate()).await.problem.unwrap();
    assert_eq!((problem.seq, problem.id), (3, Some(id)));
    assert_eq!(problem.kind, ProblemKind::Altered);
    assert!(problem.to_string().contains("Event #3"), "{problem}");
}

async fn a_removed_event_is_named(db: &DatabaseConnection) {
    history(db).await;
    let id = id_of(db, 2).await;
    let next = id_of(db, 3).await;
    tamper(db, &format!("DELETE FROM audit_events WHERE id = {id}")).await;
    let problem = verify(db, &AuditSigner::generate()).await.problem.unwrap();
    assert_eq!(problem.seq, 2);
    assert_eq!(problem.id, Some(next));
    assert_eq!(problem.kind, ProblemKind::Missing { next_seq: 3 });
    assert!(
        problem.to_string().contains("Event #2 was removed"),
        "{problem}"
    );
}

async fn removed_newest_events_are_caught_by_the_checkpoint(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    storage::sign_checkpoint(db, &signer).await.unwrap();
    tamper(db, "DELETE FROM audit_events WHERE seq > 3").await;
    let problem = verify(db, &signer).await.problem.unwrap();
    assert_eq!(problem.seq, 3);
    assert!(
        matches!(
            problem.kind,
            ProblemKind::Truncated {
                checkpoint_seq: 5,
                ..
            }
        ),
        "{problem:?}"
    );
    assert!(
        problem.to_string().contains("newest events were removed"),
        "{problem}"
    );
}

async fn an_inserted_event_is_named(db: &DatabaseConnection) {
    history(db).await;
    // A forged event with a correct hash over its own content, claiming to follow #4.
    let mut forged = storage::chain_stream(db.clone(), 0);
    let mut events = Vec::new();
    while let Some(e) = futures::StreamExt::next(&mut forged).await {
        events.push(e.unwrap());
    }
    let mut fake = events[4].clone();
    fake.id += 100;
    fake.seq = 6;
    fake.summary = Some("nothing to see here".into());
    fake.seal(&events[3].hash);
    let insert = Query::insert()
        .into_table(Alias::new("audit_events"))
        .columns(
            [
                "id",
                "seq",
                "occurred_at",
                "actor_user_id",
                "actor_email",
                "actor_role",
                "client_ip",
                "user_agent",
                "domain_id",
                "domain_name",
                "target",
                "action",
                "changes",
                "summary",
                "probe_report_id",
                "job_id",
                "prev_hash",
                "hash",
            ]
            .map(Alias::new),
        )
        .values_panic([
            fake.id.into(),
            fake.seq.into(),
            fake.occurred_at.into(),
            fake.actor_user_id.into(),
            fake.actor_email.clone().into(),
            fake.actor_role.clone().into(),
            fake.client_ip.clone().into(),
            fake.user_agent.clone().into(),
            fake.domain_id.into(),
            fake.domain_name.clone().into(),
            fake.target.clone().into(),
            fake.action.clone().into(),
            fake.changes.clone().into(),
            fake.summary.clone().into(),
            fake.probe_report_id.into(),
            fake.job_id.into(),
            fake.prev_hash.clone().into(),
            fake.hash.clone().into(),
        ])
        .to_owned();
    db.execute(db.get_database_backend().build(&insert))
        .await
        .unwrap();
    let problem = verify(db, &AuditSigner::generate()).await.problem.unwrap();
    assert_eq!((problem.seq, problem.id), (6, Some(fake.id)));
    assert_eq!(problem.kind, ProblemKind::BrokenLink);
}

async fn a_checkpoint_signed_by_another_key_is_refused(db: &DatabaseConnection) {
    history(db).await;
    storage::sign_checkpoint(db, &AuditSigner::generate())
        .await
        .unwrap();
    let problem = verify(db, &AuditSigner::generate()).await.problem.unwrap();
    assert!(
        matches!(problem.kind, ProblemKind::BadSignature { .. }),
        "{problem:?}"
    );
}

#[tokio::test]
async fn postgres_refuses_update_and_delete_of_events() {
    let Some(t) = support::postgres().await else {
        return;
    };
    history(&t.db).await;
    for sql in [
        "UPDATE audit_events SET actor_email = 'mallory@example.com'",
        "DELETE FROM audit_events WHERE seq = 5",
    ] {
        let err = t.db.execute_unprepared(sql).await.unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    t.cleanup().await;
}

/// Two server processes (two pools) on one PostgreSQL write at once: one unbroken chain.
#[tokio::test]
async fn two_pools_writing_at_once_leave_one_chain() {
    let Some(first) = support::postgres().await else {
        return;
    };
    let second = storage::test_support::TestDb::sharing(&first).await;
    let write = |db: DatabaseConnection, prefix: &'static str| async move {
        for i in 0..25 {
            let name = format!("{prefix}{i}.example");
            storage::create_domain(&db, &actor(), settings(&name))
                .await
                .unwrap();
        }
    };
    tokio::join!(write(first.db.clone(), "a"), write(second.db.clone(), "b"));
    let report = verify(&first.db, &AuditSigner::generate()).await;
    assert_eq!((report.problem, report.events), (None, 50));
    second.cleanup().await;
    first.cleanup().await;
}

/// Events written before the chain existed are chained on the first start, once.
#[tokio::test]
async fn events_from_before_the_chain_are_chained_once() {
    for t in storage::test_support::backends().await {
        history(&t.db).await;
        // Back to before the chain (its columns go), and up again: the events lost their hashes.
        // Every migration from the fifth (the chain) on, however many came after it.
        let after_chain = Migrator::migrations().len() as u32 - 4;
        Migrator::down(&t.db, Some(after_chain)).await.unwrap();
        Migrator::up(&t.db, None).await.unwrap();
        let signer = AuditSigner::generate();
        let problem = verify(&t.db, &signer).await.problem.unwrap();
        assert_eq!(problem.kind, ProblemKind::Unchained, "{}", t.backend);
        // The next start (a new pool) chains them.
        let restarted = storage::test_support::TestDb::sharing(&t).await;
        let report = verify(&restarted.db, &signer).await;
        assert_eq!((report.problem, report.events), (None, 5), "{}", t.backend);
        restarted.cleanup().await;
        t.cleanup().await;
    }
}
