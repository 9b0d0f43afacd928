//! The JSON export's format, shared by the server that streams it and the offline verifier
//! (`server audit verify --file`), which needs no database.
//!
//! `chain` runs from the first exported event to the signed checkpoint, in order: the events
//! the filter matched in full, every other event as its content digest only, so the whole run
//! can be re-hashed and compared with the checkpoint the server signed.

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use crate::chain::{ChainedEvent, Checkpoint, GENESIS_HASH};
use crate::chain_walk::{ChainProblem, ChainWalk, ProblemKind};
use crate::AuditFilter;

pub const EXPORT_FORMAT: &str = "mailsettings-audit-export/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChainEntry {
    Event(Box<ChainedEvent>),
    /// An event the filter left out, known by its content digest.
    Omitted {
        seq: i64,
        content: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportDocument {
    pub format: String,
    pub exported_at: DateTime<Utc>,
    pub filter: AuditFilter,
    /// Hex Ed25519 public key of the server that signed `checkpoint`.
    pub public_key: String,
    /// The chain's head when the export started; `None` for an empty history.
    pub checkpoint: Option<Checkpoint>,
    pub chain: Vec<ChainEntry>,
}

/// What an offline check established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportVerdict {
    /// Events exported in full.
    pub events: u64,
    /// Events known by digest only.
    pub omitted: u64,
    pub checkpoint: Option<Checkpoint>,
}

/// Checks the export against `key`: the checkpoint's signature, every exported event's hash,
/// and every link from the first exported event up to the checkpoint.
pub fn verify_export(
    doc: &ExportDocument,
    key: &VerifyingKey,
) -> Result<ExportVerdict, ChainProblem> {
    let bad_signature = |c: &Checkpoint| ChainProblem {
        seq: c.seq,
        id: None,
        kind: ProblemKind::BadSignature {
            signed_at: c.signed_at,
        },
    };
    let checkpoints: Vec<Checkpoint> = doc.checkpoint.iter().cloned().collect();
    if let Some(c) = doc.checkpoint.as_ref().filter(|c| !c.signed_by(key)) {
        return Err(bad_signature(c));
    }
    let mut walk = match doc.chain.first() {
        Some(ChainEntry::Event(first)) => {
            ChainWalk::starting_at(first.seq, &first.prev_hash, &checkpoints)
        }
        Some(ChainEntry::Omitted { seq, .. }) => ChainWalk::starting_at(*seq, "", &checkpoints),
        None => ChainWalk::starting_at(1, GENESIS_HASH, &checkpoints),
    };
    let (mut events, mut omitted) = (0, 0);
    for entry in &doc.chain {
        match entry {
            ChainEntry::Event(event) => {
                walk.event(event)?;
                events += 1;
            }
            ChainEntry::Omitted { seq, content } => {
                walk.digest(*seq, content)?;
                omitted += 1;
            }
        }
    }
    // An export that stops short of its checkpoint lost its tail.
    if !doc.chain.is_empty() {
        walk.finish()?;
    }
    Ok(ExportVerdict {
        events,
        omitted,
        checkpoint: doc.checkpoint.clone(),
    })
}
