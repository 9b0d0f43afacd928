//! The JSON export's format and how the server produces it; the offline verifier
//! (`server audit verify --file`) is in `export_verify` and needs no database.
//!
//! `chain` runs from the first exported event to the signed checkpoint, in order: the events
//! the filter matched in full, every other event as its content digest only, so the whole run
//! can be re-hashed and compared with the checkpoint the server signed. The signed statement
//! says where that run starts (sequence number and the hash before it), so cutting off its
//! oldest events is caught without carrying anything from before the first exported event.

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use futures::stream::BoxStream;
use futures::StreamExt;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::audit_query::{chain_stream, count_matches, first_match};
use crate::chain::{canonical_json, signature_verifies, ChainedEvent, Checkpoint, GENESIS_HASH};
use crate::checkpoints::{sign_checkpoint, AuditSigner};
use crate::{now, AuditFilter, StorageError};

pub const EXPORT_FORMAT: &str = "mailsettings-audit-export/2";
/// Exports from before the signed statement: where their chain starts is not signed.
pub const LEGACY_EXPORT_FORMAT: &str = "mailsettings-audit-export/1";

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

impl ChainEntry {
    pub fn seq(&self) -> i64 {
        match self {
            ChainEntry::Event(event) => event.seq,
            ChainEntry::Omitted { seq, .. } => *seq,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportDocument {
    pub format: String,
    /// Hex Ed25519 public key of the server that signed the checkpoint and the statement.
    pub public_key: String,
    /// The chain's head when the export started; `None` for an empty history.
    pub checkpoint: Option<Checkpoint>,
    /// Absent from format /1 documents.
    #[serde(default)]
    pub statement: Option<ExportStatement>,
    pub chain: Vec<ChainEntry>,
}

/// What the server signs about one export: where its chain starts, the checkpoint it runs to,
/// when it was made and with which filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStatement {
    /// The first entry of `chain`.
    pub start_seq: i64,
    /// The hash of event `start_seq - 1` (`GENESIS_HASH` when the chain starts at #1).
    pub start_prev_hash: String,
    /// The checkpoint's event and hash; 0 and `GENESIS_HASH` for an empty history.
    pub checkpoint_seq: i64,
    pub checkpoint_hash: String,
    /// How many events of the chain the filter matched: those exported in full.
    pub events: u64,
    pub exported_at: DateTime<Utc>,
    pub filter: AuditFilter,
    /// Hex Ed25519 signature over the canonical JSON of the fields above.
    pub signature: String,
}

#[derive(Serialize)]
struct SignedStatement<'a> {
    checkpoint_hash: &'a str,
    checkpoint_seq: i64,
    events: u64,
    exported_at: &'a DateTime<Utc>,
    filter: &'a AuditFilter,
    kind: &'static str,
    start_prev_hash: &'a str,
    start_seq: i64,
}

impl ExportStatement {
    fn signed_bytes(&self) -> Vec<u8> {
        canonical_json(&SignedStatement {
            checkpoint_hash: &self.checkpoint_hash,
            checkpoint_seq: self.checkpoint_seq,
            events: self.events,
            exported_at: &self.exported_at,
            filter: &self.filter,
            kind: "mailsettings audit export",
            start_prev_hash: &self.start_prev_hash,
            start_seq: self.start_seq,
        })
    }

    /// Whether `key` signed exactly this statement.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        signature_verifies(key, &self.signed_bytes(), &self.signature)
    }
}

/// What precedes an export's chain: the checkpoint signed for it and the signed statement.
#[derive(Clone, Debug)]
pub struct ExportHead {
    pub public_key: String,
    pub checkpoint: Option<Checkpoint>,
    pub statement: ExportStatement,
}

/// Signs a checkpoint of the chain's head and the statement of an export of `filter`: its
/// chain starts at the first event the filter matches (or just after the checkpoint when none
/// does) and ends at the checkpoint. The count of matching events lets the verifier notice an
/// event replaced by its digest.
pub async fn start_export(
    db: &DatabaseConnection,
    signer: &AuditSigner,
    filter: AuditFilter,
) -> Result<ExportHead, StorageError> {
    let checkpoint = sign_checkpoint(db, signer).await?;
    let (checkpoint_seq, checkpoint_hash) = checkpoint
        .as_ref()
        .map_or((0, GENESIS_HASH.to_owned()), |c| (c.seq, c.hash.clone()));
    let (start_seq, start_prev_hash) = match first_match(db, &filter, checkpoint_seq).await? {
        Some(first) => (first.seq, first.prev_hash),
        None => (checkpoint_seq + 1, checkpoint_hash.clone()),
    };
    let events = count_matches(db, &filter, start_seq, checkpoint_seq).await?;
    let mut statement = ExportStatement {
        start_seq,
        start_prev_hash,
        checkpoint_seq,
        checkpoint_hash,
        events,
        exported_at: now(),
        filter,
        signature: String::new(),
    };
    statement.signature = signer.sign_hex(&statement.signed_bytes());
    Ok(ExportHead {
        public_key: signer.public_key_hex(),
        checkpoint,
        statement,
    })
}

/// The chain `statement` describes, read in batches: the events its filter matches in full,
/// the others by content digest.
pub fn export_entries(
    db: DatabaseConnection,
    statement: &ExportStatement,
) -> BoxStream<'static, Result<ChainEntry, StorageError>> {
    let filter = statement.filter.clone();
    let last = statement.checkpoint_seq;
    chain_stream(db, statement.start_seq - 1)
        .take_while(move |event| {
            let within = !matches!(event, Ok(e) if e.seq > last);
            async move { within }
        })
        .map(move |event| {
            event.map(|event| {
                if filter.matches(&event) {
                    ChainEntry::Event(Box::new(event))
                } else {
                    ChainEntry::Omitted {
                        seq: event.seq,
                        content: event.content_digest(),
                    }
                }
            })
        })
        .boxed()
}
