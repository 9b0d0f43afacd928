//! The JSON export checked offline for completeness: intact as produced (filtered too, with the
//! digests of the events it leaves out), and its oldest or newest events cut off, or an event
//! replaced by its digest, named as missing.

mod support;

use sea_orm::DatabaseConnection;
use storage::{AuditFilter, AuditSigner, ChainEntry, ExportProblem, Integrity, ProblemKind};
use support::export::{export, history, only, seqs, verify};

support::on_both_backends!(
    a_full_export_verifies_intact,
    a_filtered_export_with_digests_of_omitted_events_verifies_intact,
    an_export_matching_nothing_verifies_intact,
    a_cut_front_is_missing,
    a_cut_tail_is_missing,
    an_event_replaced_by_its_digest_is_missing,
);

async fn a_full_export_verifies_intact(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let doc = export(db, &signer, AuditFilter::default()).await;
    assert_eq!(seqs(&doc), vec![1, 2, 3, 4, 5]);
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Intact, "{verdict:?}");
    assert_eq!((verdict.events, verdict.omitted), (5, 0));
    assert_eq!(verdict.signed_start, Some(1));
    assert_eq!(verdict.checkpoint.map(|c| c.seq), Some(5));
}

async fn a_filtered_export_with_digests_of_omitted_events_verifies_intact(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let doc = export(db, &signer, only("b.example")).await;
    assert_eq!(seqs(&doc), vec![2, 3, 4, 5]);
    assert!(matches!(doc.chain[1], ChainEntry::Omitted { .. }));
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Intact, "{verdict:?}");
    assert_eq!((verdict.events, verdict.omitted), (2, 2));
    assert_eq!(verdict.signed_start, Some(2));
}

async fn an_export_matching_nothing_verifies_intact(db: &DatabaseConnection) {
    let signer = AuditSigner::generate();
    let empty = export(db, &signer, AuditFilter::default()).await;
    assert_eq!(verify(&empty, &signer).integrity(), Integrity::Intact);
    history(db).await;
    let nothing = export(db, &signer, only("c.example")).await;
    assert!(nothing.chain.is_empty());
    let verdict = verify(&nothing, &signer);
    assert_eq!(verdict.integrity(), Integrity::Intact, "{verdict:?}");
}

async fn a_cut_front_is_missing(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    for (filter, signed_start) in [(AuditFilter::default(), 1), (only("b.example"), 2)] {
        let mut doc = export(db, &signer, filter).await;
        doc.chain.remove(0);
        let verdict = verify(&doc, &signer);
        assert_eq!(verdict.integrity(), Integrity::Missing, "{verdict:?}");
        assert_eq!(
            verdict.problem,
            Some(ExportProblem::FrontCut {
                signed_start,
                first_seq: signed_start + 1
            })
        );
        let shown = verdict.problem.unwrap().to_string();
        assert!(shown.contains("oldest events were removed"), "{shown}");
    }
}

async fn a_cut_tail_is_missing(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, only("b.example")).await;
    doc.chain.truncate(2);
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Missing, "{verdict:?}");
    let Some(ExportProblem::Chain(problem)) = verdict.problem else {
        panic!("{verdict:?}")
    };
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
}

async fn an_event_replaced_by_its_digest_is_missing(db: &DatabaseConnection) {
    history(db).await;
    let signer = AuditSigner::generate();
    let mut doc = export(db, &signer, only("b.example")).await;
    let ChainEntry::Event(event) = &doc.chain[2] else {
        panic!("#4 is b's")
    };
    doc.chain[2] = ChainEntry::Omitted {
        seq: event.seq,
        content: event.content_digest(),
    };
    let verdict = verify(&doc, &signer);
    assert_eq!(verdict.integrity(), Integrity::Missing, "{verdict:?}");
    assert_eq!(
        verdict.problem,
        Some(ExportProblem::EventsNotExported {
            stated: 2,
            found: 1
        })
    );
}
