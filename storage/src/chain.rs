//! The audit chain's arithmetic, with no database, so an export verifies offline with exactly
//! the code the server uses.
//!
//! Each event's content (every stored field but its hashes) is serialized as RFC 8785
//! canonical JSON and digested with SHA-256; the event's hash is the SHA-256 of the canonical
//! `{"content", "prev", "seq"}`, chaining it to the previous event. Keeping the content digest
//! as its own step lets an export of a filtered set carry only the digests of the events it
//! leaves out and still be checked against a signed checkpoint of the whole chain.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event exactly as stored and exported, with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedEvent {
    pub id: i32,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<i32>,
    pub actor_email: String,
    pub actor_role: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub domain_id: Option<i32>,
    pub domain_name: String,
    pub target: Option<String>,
    pub action: String,
    /// The field changes as the stored JSON text.
    pub changes: String,
    pub summary: Option<String>,
    pub probe_report_id: Option<i32>,
    pub job_id: Option<i32>,
    pub prev_hash: String,
    pub hash: String,
}

/// Every field of an event except its two hashes: what the content digest covers.
#[derive(Serialize)]
struct Content<'a> {
    id: i32,
    seq: i64,
    occurred_at: &'a DateTime<Utc>,
    actor_user_id: Option<i32>,
    actor_email: &'a str,
    actor_role: Option<&'a str>,
    client_ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    domain_id: Option<i32>,
    domain_name: &'a str,
    target: Option<&'a str>,
    action: &'a str,
    changes: &'a str,
    summary: Option<&'a str>,
    probe_report_id: Option<i32>,
    job_id: Option<i32>,
}

#[derive(Serialize)]
struct Link<'a> {
    content: &'a str,
    prev: &'a str,
    seq: i64,
}

fn canonical_sha256(value: &impl Serialize) -> String {
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, canon_json::CanonicalFormatter::new());
    // Serializing these plain structs (strings, integers, options) cannot fail.
    if value.serialize(&mut serializer).is_err() {
        bytes.clear();
    }
    hex::encode(Sha256::digest(&bytes))
}

impl ChainedEvent {
    pub fn content_digest(&self) -> String {
        canonical_sha256(&Content {
            id: self.id,
            seq: self.seq,
            occurred_at: &self.occurred_at,
            actor_user_id: self.actor_user_id,
            actor_email: &self.actor_email,
            actor_role: self.actor_role.as_deref(),
            client_ip: self.client_ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            domain_id: self.domain_id,
            domain_name: &self.domain_name,
            target: self.target.as_deref(),
            action: &self.action,
            changes: &self.changes,
            summary: self.summary.as_deref(),
            probe_report_id: self.probe_report_id,
            job_id: self.job_id,
        })
    }

    /// Sets `prev_hash` and `hash`, making this event follow `prev_hash`.
    pub fn seal(&mut self, prev_hash: &str) {
        self.prev_hash = prev_hash.to_owned();
        self.hash = link_hash(self.seq, prev_hash, &self.content_digest());
    }
}

pub fn link_hash(seq: i64, prev_hash: &str, content_digest: &str) -> String {
    canonical_sha256(&Link {
        content: content_digest,
        prev: prev_hash,
        seq,
    })
}

/// A signed statement that the chain's event `seq` had hash `hash` at `signed_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub signed_at: DateTime<Utc>,
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// Hex Ed25519 signature over [`Checkpoint::signed_bytes`].
    pub signature: String,
}

#[derive(Serialize)]
struct SignedCheckpoint<'a> {
    hash: &'a str,
    kind: &'static str,
    seq: i64,
    signed_at: &'a DateTime<Utc>,
}

impl Checkpoint {
    /// The canonical JSON the signature covers.
    pub fn signed_bytes(seq: i64, hash: &str, signed_at: &DateTime<Utc>) -> Vec<u8> {
        let value = SignedCheckpoint {
            hash,
            kind: "mailsettings audit checkpoint",
            seq,
            signed_at,
        };
        let mut bytes = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(
            &mut bytes,
            canon_json::CanonicalFormatter::new(),
        );
        if value.serialize(&mut serializer).is_err() {
            bytes.clear();
        }
        bytes
    }

    /// Whether `key` signed exactly this checkpoint.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Ok(signature) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&signature) else {
            return false;
        };
        hex::encode(key.as_bytes()) == self.public_key
            && key
                .verify(
                    &Self::signed_bytes(self.seq, &self.hash, &self.signed_at),
                    &signature,
                )
                .is_ok()
    }
}

/// Reads a hex Ed25519 public key (as the UI and `server audit public-key` show it).
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The first thing wrong with a chain, named by sequence number and (where it exists) id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainProblem {
    pub seq: i64,
    pub id: Option<i32>,
    pub kind: ProblemKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemKind {
    /// The event's content no longer matches its hash.
    Altered,
    /// The event does not follow the one before it (inserted, or its neighbour was rewritten).
    BrokenLink,
    /// Events `seq` up to (not including) `next_seq` are gone.
    Missing { next_seq: i64 },
    /// The event is not part of the chain at all (no sequence number or hash).
    Unchained,
    /// A signed checkpoint names a different hash for this event.
    CheckpointMismatch { signed_at: DateTime<Utc> },
    /// The chain ends at `seq`, but a checkpoint covers up to `checkpoint_seq`.
    Truncated {
        checkpoint_seq: i64,
        signed_at: DateTime<Utc>,
    },
    /// A checkpoint's signature does not verify with the server's public key.
    BadSignature { signed_at: DateTime<Utc> },
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id.map(|id| format!(" (id {id})")).unwrap_or_default();
        let seq = self.seq;
        match &self.kind {
            ProblemKind::Altered => write!(
                f,
                "Event #{seq}{id} was altered: its content no longer matches its hash."
            ),
            ProblemKind::BrokenLink => write!(
                f,
                "Event #{seq}{id} does not follow event #{}: an event was inserted there or the one before it was rewritten.",
                seq - 1
            ),
            ProblemKind::Missing { next_seq } if *next_seq == seq + 1 => write!(
                f,
                "Event #{seq} was removed: the history goes from #{} to #{next_seq}{id}.",
                seq - 1
            ),
            ProblemKind::Missing { next_seq } => write!(
                f,
                "Events #{seq} to #{} were removed: the history goes from #{} to #{next_seq}{id}.",
                next_seq - 1,
                seq - 1
            ),
            ProblemKind::Unchained => write!(
                f,
                "Event{id} is not part of the chain: it was inserted outside the application."
            ),
            ProblemKind::CheckpointMismatch { signed_at } => write!(
                f,
                "Event #{seq}{id} differs from the checkpoint signed at {signed_at}: the history was rewritten up to it."
            ),
            ProblemKind::Truncated {
                checkpoint_seq,
                signed_at,
            } => write!(
                f,
                "The newest events were removed: the history ends at #{seq}, but the checkpoint signed at {signed_at} covers up to #{checkpoint_seq}."
            ),
            ProblemKind::BadSignature { signed_at } => write!(
                f,
                "The checkpoint of event #{seq} signed at {signed_at} does not verify with this server's public key."
            ),
        }
    }
}

/// Walks a chain in sequence order, one event (or one bare content digest) at a time.
#[derive(Debug)]
pub struct ChainWalk {
    next_seq: i64,
    prev_hash: String,
    /// seq → (hash, signed_at) of the checkpoints to meet on the way.
    checkpoints: BTreeMap<i64, (String, DateTime<Utc>)>,
    pub events: u64,
}

impl ChainWalk {
    /// A walk from event #1; `checkpoints` must already have their signatures checked.
    pub fn new(checkpoints: &[Checkpoint]) -> Self {
        ChainWalk {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checkpoints: checkpoints
                .iter()
                .map(|c| (c.seq, (c.hash.clone(), c.signed_at)))
                .collect(),
            events: 0,
        }
    }

    /// A walk that starts after event `seq - 1` with hash `prev_hash` (a partial export).
    pub fn starting_at(seq: i64, prev_hash: &str, checkpoints: &[Checkpoint]) -> Self {
        let mut walk = Self::new(checkpoints);
        walk.next_seq = seq;
        walk.prev_hash = prev_hash.to_owned();
        walk
    }

    pub fn event(&mut self, event: &ChainedEvent) -> Result<(), ChainProblem> {
        let problem = |kind| ChainProblem {
            seq: event.seq,
            id: Some(event.id),
            kind,
        };
        self.sequence(event.seq, Some(event.id))?;
        let digest = event.content_digest();
        if link_hash(event.seq, &event.prev_hash, &digest) != event.hash {
            return Err(problem(ProblemKind::Altered));
        }
        if event.prev_hash != self.prev_hash {
            return Err(problem(ProblemKind::BrokenLink));
        }
        self.advance(event.seq, Some(event.id), event.hash.clone())
    }

    /// An event known only by its content digest (left out of a filtered export).
    pub fn digest(&mut self, seq: i64, content_digest: &str) -> Result<(), ChainProblem> {
        self.sequence(seq, None)?;
        let hash = link_hash(seq, &self.prev_hash, content_digest);
        self.advance(seq, None, hash)
    }

    fn sequence(&self, seq: i64, id: Option<i32>) -> Result<(), ChainProblem> {
        if seq == self.next_seq {
            return Ok(());
        }
        Err(if seq > self.next_seq {
            ChainProblem {
                seq: self.next_seq,
                id,
                kind: ProblemKind::Missing { next_seq: seq },
            }
        } else {
            ChainProblem {
                seq,
                id,
                kind: ProblemKind::BrokenLink,
            }
        })
    }

    fn advance(&mut self, seq: i64, id: Option<i32>, hash: String) -> Result<(), ChainProblem> {
        if let Some((signed, signed_at)) = self.checkpoints.get(&seq) {
            if *signed != hash {
                return Err(ChainProblem {
                    seq,
                    id,
                    kind: ProblemKind::CheckpointMismatch {
                        signed_at: *signed_at,
                    },
                });
            }
        }
        self.prev_hash = hash;
        self.next_seq = seq + 1;
        self.events += 1;
        Ok(())
    }

    /// The hash of the last event walked (the chain's head).
    pub fn head_hash(&self) -> &str {
        &self.prev_hash
    }

    /// The last event walked.
    pub fn head_seq(&self) -> i64 {
        self.next_seq - 1
    }

    /// Ends the walk: no checkpoint may lie beyond the last event.
    pub fn finish(&self) -> Result<(), ChainProblem> {
        match self.checkpoints.range(self.next_seq..).next_back() {
            Some((checkpoint_seq, (_, signed_at))) => Err(ChainProblem {
                seq: self.head_seq(),
                id: None,
                kind: ProblemKind::Truncated {
                    checkpoint_seq: *checkpoint_seq,
                    signed_at: *signed_at,
                },
            }),
            None => Ok(()),
        }
    }
}
