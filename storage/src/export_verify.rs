//! Checking an export offline, with the server's public key only: that nothing in it was
//! altered (integrity), that nothing between its signed start and its signed checkpoint is
//! missing (completeness), and what no signature covers.

use ed25519_dalek::VerifyingKey;

use crate::chain::{Checkpoint, GENESIS_HASH};
use crate::chain_walk::{ChainProblem, ChainWalk, ProblemKind};
use crate::export::{
    ChainEntry, ExportDocument, ExportStatement, EXPORT_FORMAT, LEGACY_EXPORT_FORMAT,
};
use crate::export_verdict::{ExportProblem, ExportVerdict, Unsigned};
use crate::StorageError;

/// Checks `doc` against `key`. Only an unknown format is an error; every finding is in the
/// verdict.
pub fn verify_export(
    doc: &ExportDocument,
    key: &VerifyingKey,
) -> Result<ExportVerdict, StorageError> {
    let legacy = match doc.format.as_str() {
        EXPORT_FORMAT => false,
        LEGACY_EXPORT_FORMAT => true,
        other => return Err(StorageError::ExportFormat(other.to_owned())),
    };
    let mut verdict = ExportVerdict {
        events: 0,
        omitted: 0,
        checkpoint: None,
        signed_start: None,
        problem: None,
        unsigned: Vec::new(),
    };
    if let Err(problem) = check_signatures(doc, key, legacy, &mut verdict) {
        verdict.problem = Some(problem);
        return Ok(verdict);
    }
    if let Err(problem) = walk(doc, &mut verdict) {
        verdict.problem = Some(problem);
    }
    Ok(verdict)
}

/// The checkpoint and the statement: each must verify, and they must agree.
fn check_signatures(
    doc: &ExportDocument,
    key: &VerifyingKey,
    legacy: bool,
    verdict: &mut ExportVerdict,
) -> Result<(), ExportProblem> {
    if let Some(c) = &doc.checkpoint {
        if !c.signed_by(key) {
            return Err(ExportProblem::Chain(ChainProblem {
                seq: c.seq,
                id: None,
                kind: ProblemKind::BadSignature {
                    signed_at: c.signed_at,
                },
            }));
        }
        verdict.checkpoint = Some(c.clone());
    }
    let Some(statement) = &doc.statement else {
        verdict.unsigned.push(if legacy {
            Unsigned::LegacyFormat
        } else {
            Unsigned::NoStatement
        });
        if doc.checkpoint.is_none() {
            verdict
                .unsigned
                .push(Unsigned::NoCheckpoint { stated: None });
        }
        return Ok(());
    };
    if !statement.signed_by(key) {
        return Err(ExportProblem::StatementSignature);
    }
    if !starts_within(statement) {
        return Err(ExportProblem::StatementMismatch);
    }
    match &doc.checkpoint {
        Some(c) if (c.seq, c.hash.as_str()) != stated_checkpoint(statement) => {
            return Err(ExportProblem::StatementMismatch)
        }
        None if statement.checkpoint_seq > 0 => verdict.unsigned.push(Unsigned::NoCheckpoint {
            stated: Some(statement.checkpoint_seq),
        }),
        _ => {}
    }
    verdict.signed_start = Some(statement.start_seq);
    Ok(())
}

fn stated_checkpoint(statement: &ExportStatement) -> (i64, &str) {
    (statement.checkpoint_seq, statement.checkpoint_hash.as_str())
}

/// The server only states starts up to the event after its checkpoint.
fn starts_within(s: &ExportStatement) -> bool {
    s.start_seq >= 1
        && (s.start_seq <= s.checkpoint_seq
            || (s.start_seq == s.checkpoint_seq + 1 && s.start_prev_hash == s.checkpoint_hash))
}

/// Walks the chain from its start (the signed one, else what the first entry says of itself)
/// through the checkpoint, then any events after it, which no signature covers.
fn walk(doc: &ExportDocument, verdict: &mut ExportVerdict) -> Result<(), ExportProblem> {
    let signed = doc
        .statement
        .as_ref()
        .filter(|_| verdict.signed_start.is_some());
    let (start_seq, start_prev_hash) = match (signed, doc.chain.first()) {
        (Some(s), Some(first)) if first.seq() > s.start_seq => {
            return Err(ExportProblem::FrontCut {
                signed_start: s.start_seq,
                first_seq: first.seq(),
            })
        }
        (Some(s), _) => (s.start_seq, s.start_prev_hash.clone()),
        (None, Some(ChainEntry::Event(first))) => (first.seq, first.prev_hash.clone()),
        // A digest alone does not say what it follows.
        (None, Some(ChainEntry::Omitted { seq, .. })) => (*seq, String::new()),
        (None, None) => (1, GENESIS_HASH.to_owned()),
    };
    let checkpoints: Vec<Checkpoint> = verdict.checkpoint.iter().cloned().collect();
    let covered_to = match (&verdict.checkpoint, signed) {
        (Some(c), _) => Some(c.seq),
        // Signed as an export of an empty history: it has no checkpoint to carry.
        (None, Some(s)) if s.checkpoint_seq == 0 => Some(0),
        (None, _) => None,
    };
    let mut walk = ChainWalk::starting_at(start_seq, &start_prev_hash, &checkpoints);
    let covered_len = covered_to.map_or(doc.chain.len(), |last| {
        let after = doc.chain.iter().position(|e| e.seq() > last);
        after.unwrap_or(doc.chain.len())
    });
    let (covered, rest) = doc.chain.split_at(covered_len);
    let mut covered_events = 0;
    for entry in covered {
        walk_entry(&mut walk, entry, verdict)?;
        covered_events += u64::from(matches!(entry, ChainEntry::Event(_)));
    }
    walk.finish().map_err(ExportProblem::Chain)?;
    let counted = signed.filter(|_| covered_to.is_some());
    if let Some(s) = counted.filter(|s| s.events != covered_events) {
        return Err(ExportProblem::EventsNotExported {
            stated: s.events,
            found: covered_events,
        });
    }
    for entry in rest {
        walk_entry(&mut walk, entry, verdict)?;
    }
    if let (Some(checkpoint_seq), Some(first), Some(last)) = (covered_to, rest.first(), rest.last())
    {
        verdict.unsigned.push(Unsigned::AfterCheckpoint {
            checkpoint_seq,
            first_seq: first.seq(),
            last_seq: last.seq(),
            count: rest.len() as u64,
        });
    }
    Ok(())
}

fn walk_entry(
    walk: &mut ChainWalk,
    entry: &ChainEntry,
    verdict: &mut ExportVerdict,
) -> Result<(), ExportProblem> {
    match entry {
        ChainEntry::Event(event) => {
            walk.event(event).map_err(ExportProblem::Chain)?;
            verdict.events += 1;
        }
        ChainEntry::Omitted { seq, content } => {
            walk.digest(*seq, content).map_err(ExportProblem::Chain)?;
            verdict.omitted += 1;
        }
    }
    Ok(())
}
