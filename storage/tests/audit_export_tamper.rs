//! The JSON export checked offline for what is changed or unsigned: an altered event,
//! checkpoint signature or statement named as altered; a removed checkpoint or statement, events
//! after the checkpoint and format /1 exports reported as unsigned.

mod support;

use sea_orm::DatabaseConnection;
use storage::{
    AuditFilter, AuditSigner, ChainEntry, ExportProblem, Integrity, ProblemKind, Unsigned,
    LEGACY_EXPORT_FORMAT,
};
use support::export::{export, history, only, verify};
use support::{actor, settings};

support::on_both_backends!(
    a_removed_checkpoint_is_unsigned,
    a_removed_statement_is_unsigned,
    an_altered_checkpoint_signature_is_altered,
    an_altered_event_is_altered,
    an_event_appended_after_the_checkpoint_is_not_covered,
    a_tampered_statement_is_altered,
    a_legacy_export_is_unsigned,
);

async fn a_removed_checkpoint_is_unsigned(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, AuditFilter::default()).await;
    doc.checkpoint = None;
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Unsigned, "{verdict:?}");
    assert!(!verdict.is_signed());
    assert_eq!(
        verdict.unsigned,
        vec![Unsigned::NoCheckpoint { stated: Some(5) }]
    );
}

async fn a_removed_statement_is_unsigned(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, AuditFilter::default()).await;
    doc.statement = None;
    doc.chain.remove(0);
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Unsigned, "{verdict:?}");
    assert!(!verdict.is_signed());
    assert_eq!(verdict.unsigned, vec![Unsigned::NoStatement]);
    doc.checkpoint = None;
    let verdict = verify(&doc, &signer);
    assert_eq!(
        verdict.unsigned,
        vec![
            Unsigned::NoStatement,
            Unsigned::NoCheckpoint { stated: None }
        ]
    );
}

async fn an_altered_checkpoint_signature_is_altered(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, AuditFilter::default()).await;
    let checkpoint = doc.checkpoint.as_mut().unwrap();
    let first = if checkpoint.signature.starts_with('0') {
        "1"
    } else {
        "0"
    };
    checkpoint.signature.replace_range(0..1, first);
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Altered, "{verdict:?}");
    assert!(
        matches!(
            verdict.problem,
            Some(ExportProblem::Chain(ref p)) if matches!(p.kind, ProblemKind::BadSignature { .. })
        ),
        "{verdict:?}"
    );
    // Another server's key verifies nothing either.
    let fresh = export(db, &signer, AuditFilter::default()).await;
    let other = verify(&fresh, &AuditSigner::generate());
    assert_eq!(other.integrity(), Integrity::Altered, "{other:?}");
}

async fn an_altered_event_is_altered(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, only("b.example")).await;
    let ChainEntry::Event(event) = &mut doc.chain[2] else {
        panic!("#4 is b's")
    };
    event.actor_email = "mallory@example.com".into();
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Altered, "{verdict:?}");
    let Some(ExportProblem::Chain(problem)) = verdict.problem else {
        panic!("{verdict:?}")
    };
    assert_eq!((problem.seq, problem.kind), (4, ProblemKind::Altered));
}

async fn an_event_appended_after_the_checkpoint_is_not_covered(db: &DatabaseConnection) {
    let signer = AuditSigner::generate();
    let mut empty = export(db, &signer, AuditFilter::default()).await;
    history(db).await;
    let mut doc = export(db, &signer, AuditFilter::default()).await;
    // A forged event with a correct hash, following #5.
    let ChainEntry::Event(last) = doc.chain[4].clone() else {
        panic!("#5 is exported in full")
    };
    let mut forged = (*last).clone();
    forged.id += 100;
    forged.seq = 6;
    forged.summary = Some("nothing to see here".into());
    forged.seal(&last.hash);
    doc.chain.push(ChainEntry::Event(Box::new(forged)));
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Unsigned, "{verdict:?}");
    assert!(verdict.is_signed(), "the part up to the checkpoint is");
    assert_eq!(
        verdict.unsigned,
        vec![Unsigned::AfterCheckpoint {
            checkpoint_seq: 5,
            first_seq: 6,
            last_seq: 6,
            count: 1
        }]
    );
    // Added to the export of the history when it was still empty.
    empty.chain.push(doc.chain[0].clone());
    let verdict = verify(&empty, &signer);
    assert_eq!(verdict.integrity(), Integrity::Unsigned, "{verdict:?}");
    assert!(matches!(
        verdict.unsigned[..],
        [Unsigned::AfterCheckpoint {
            checkpoint_seq: 0,
            first_seq: 1,
            ..
        }]
    ));
}

async fn a_tampered_statement_is_altered(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let doc = export(db, &signer, only("b.example")).await;
    // The front cut, with the claim moved along to hide it.
    let mut moved = doc.clone();
    let ChainEntry::Event(first) = moved.chain.remove(0) else {
        panic!("#2 is b's")
    };
    let statement = moved.statement.as_mut().unwrap();
    statement.start_seq = 3;
    statement.start_prev_hash = first.hash;
    // The filter widened, or the time changed.
    let mut widened = doc.clone();
    widened.statement.as_mut().unwrap().filter = AuditFilter::default();
    let mut redated = doc.clone();
    redated.statement.as_mut().unwrap().exported_at -= chrono::Duration::days(1);
    for tampered in [moved, widened, redated] {
        let verdict = verify(&tampered, &signer);
        assert_eq!(verdict.integrity(), Integrity::Altered, "{verdict:?}");
        assert_eq!(verdict.problem, Some(ExportProblem::StatementSignature));
    }
    // A real statement from another export put in front of this chain.
    let mut swapped = doc.clone();
    history_more(db).await;
    swapped.statement = export(db, &signer, only("b.example")).await.statement;
    let verdict = verify(&swapped, &signer);
    assert_eq!(verdict.problem, Some(ExportProblem::StatementMismatch));
}

/// One more event (#6), so the next checkpoint differs.
async fn history_more(db: &DatabaseConnection) {
    storage::create_domain(db, &actor(), settings("c.example"))
        .await
        .unwrap();
}

async fn a_legacy_export_is_unsigned(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, AuditFilter::default()).await;
    doc.format = LEGACY_EXPORT_FORMAT.into();
    doc.statement = None;
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Unsigned, "{verdict:?}");
    assert_eq!(verdict.unsigned, vec![Unsigned::LegacyFormat]);
    doc.format = "mailsettings-audit-export/9".into();
    let refused = storage::verify_export(&doc, &signer.verifying_key());
    assert!(matches!(
        refused,
        Err(storage::StorageError::ExportFormat(_))
    ));
}
