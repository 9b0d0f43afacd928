//! What an offline check of an export found, and how each finding reads.

use std::fmt;

use crate::chain::Checkpoint;
use crate::chain_walk::{ChainProblem, ProblemKind};
/// The worst finding, in rising order: what decides `server audit verify --file`'s exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Integrity {
    Intact,
    /// Nothing present is wrong, but part of the export is covered by no signature.
    Unsigned,
    /// Events the signatures cover are not in the export.
    Missing,
    /// Something present does not match its hash, its neighbour or a signature.
    Altered,
}

/// The first thing wrong with what the export holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportProblem {
    /// An event, a link or the checkpoint, as Verify names them in the database.
    Chain(ChainProblem),
    /// The statement does not verify with the key: its claims were changed.
    StatementSignature,
    /// The statement names another checkpoint than the one in the export, or starts after it.
    StatementMismatch,
    /// The chain starts after the event the statement says it starts at.
    FrontCut { signed_start: i64, first_seq: i64 },
    /// Fewer (or more) events in full than the statement says the filter matched: one was
    /// replaced by its digest.
    EventsNotExported { stated: u64, found: u64 },
}

/// What no signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsigned {
    /// A format /1 export: where its chain starts is not signed.
    LegacyFormat,
    /// No statement: where the chain starts is not signed.
    NoStatement,
    /// No checkpoint; `stated` is the event the statement says it covered.
    NoCheckpoint { stated: Option<i64> },
    /// Events after the checkpoint (appended to the file, or never signed).
    AfterCheckpoint {
        checkpoint_seq: i64,
        first_seq: i64,
        last_seq: i64,
        count: u64,
    },
}

/// What an offline check established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportVerdict {
    /// Events exported in full, and known by digest only, that were walked.
    pub events: u64,
    pub omitted: u64,
    /// The checkpoint, when its signature verified.
    pub checkpoint: Option<Checkpoint>,
    /// The signed start, when the statement verified.
    pub signed_start: Option<i64>,
    pub problem: Option<ExportProblem>,
    pub unsigned: Vec<Unsigned>,
}

impl ExportVerdict {
    pub fn integrity(&self) -> Integrity {
        match &self.problem {
            Some(problem) => problem.integrity(),
            None if self.unsigned.is_empty() => Integrity::Intact,
            None => Integrity::Unsigned,
        }
    }

    /// Whether both the start and the checkpoint are signed (events after the checkpoint may
    /// still be uncovered).
    pub fn is_signed(&self) -> bool {
        self.unsigned
            .iter()
            .all(|u| matches!(u, Unsigned::AfterCheckpoint { .. }))
    }
}

impl ExportProblem {
    pub fn integrity(&self) -> Integrity {
        match self {
            ExportProblem::Chain(ChainProblem {
                kind: ProblemKind::Missing { .. } | ProblemKind::Truncated { .. },
                ..
            })
            | ExportProblem::FrontCut { .. }
            | ExportProblem::EventsNotExported { .. } => Integrity::Missing,
            _ => Integrity::Altered,
        }
    }
}

impl fmt::Display for ExportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportProblem::Chain(problem) => problem.fmt(f),
            ExportProblem::StatementSignature => write!(
                f,
                "The export's statement (where it starts, its checkpoint, filter and time) does not verify with this public key: it was changed."
            ),
            ExportProblem::StatementMismatch => write!(
                f,
                "The export's statement does not match its checkpoint: parts of two exports were put together."
            ),
            ExportProblem::FrontCut {
                signed_start,
                first_seq,
            } => write!(
                f,
                "The oldest events were removed: the export is signed as starting at event #{signed_start}, but its chain starts at #{first_seq}."
            ),
            ExportProblem::EventsNotExported { stated, found } => write!(
                f,
                "The export is signed as holding {stated} event(s) in full up to its checkpoint, but holds {found}: events were replaced by their digests."
            ),
        }
    }
}

impl fmt::Display for Unsigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsigned::LegacyFormat => write!(
                f,
                "a format /1 export: where it starts is not signed, so removed oldest events would go unnoticed (export it again to verify it fully)"
            ),
            Unsigned::NoStatement => write!(
                f,
                "the export carries no signed statement: where it starts is not signed, so removed oldest events would go unnoticed"
            ),
            Unsigned::NoCheckpoint { stated: Some(seq) } => write!(
                f,
                "the export carries no checkpoint, though its statement says it was signed up to event #{seq}: the checkpoint was removed"
            ),
            Unsigned::NoCheckpoint { stated: None } => write!(
                f,
                "the export carries no checkpoint: no signature covers its events"
            ),
            Unsigned::AfterCheckpoint {
                checkpoint_seq: 0,
                first_seq,
                last_seq,
                count,
            } => write!(
                f,
                "{count} event(s), #{first_seq} to #{last_seq}, are in an export signed as one of an empty history: no signature covers them"
            ),
            Unsigned::AfterCheckpoint {
                checkpoint_seq,
                first_seq,
                last_seq,
                count,
            } => write!(
                f,
                "{count} event(s), #{first_seq} to #{last_seq}, come after the checkpoint (event #{checkpoint_seq}): no signature covers them"
            ),
        }
    }
}
