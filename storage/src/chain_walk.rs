//! Walking a chain in sequence order, and what Verify reports when something is wrong: the
//! first broken link, by sequence number and id.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chain::{link_hash, ChainedEvent, Checkpoint, GENESIS_HASH};

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
