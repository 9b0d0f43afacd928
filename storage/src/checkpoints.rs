//! Signed checkpoints of the audit chain's head (Ed25519, the server's key file), and Verify:
//! the walk over every event and checkpoint that names the first broken link.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::chain::Checkpoint;
use crate::chain_walk::{ChainProblem, ChainWalk, ProblemKind};
use crate::entity::audit_checkpoint as checkpoint;
use crate::entity::audit_event::{Column, Entity};
use crate::{now, StorageError};

/// Events read per query while verifying.
const VERIFY_BATCH: u64 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("the audit signing key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the audit signing key file {0} can be read by other users: make it mode 0600")]
    KeyFileOpen(String),
    #[error("the audit signing key file {0} does not hold an Ed25519 private key (PKCS#8 PEM)")]
    BadKey(String),
}

/// The server's Ed25519 key that signs checkpoints.
pub struct AuditSigner {
    key: SigningKey,
}

impl std::fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditSigner({})", self.public_key_hex())
    }
}

impl AuditSigner {
    /// The key in `path` (PKCS#8 PEM), created at random (mode 0600) if the file is missing.
    pub fn from_file(path: &Path) -> Result<AuditSigner, SignerError> {
        let shown = path.display().to_string();
        let io = |source| SignerError::KeyFile {
            path: shown.clone(),
            source,
        };
        if !path.exists() {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| SignerError::BadKey(shown.clone()))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            file.write_all(pem.as_bytes()).map_err(io)?;
            tracing::info!(path = %shown, "created the audit signing key file");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(SignerError::KeyFileOpen(shown));
            }
        }
        let pem = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
        let key = SigningKey::from_pkcs8_pem(&pem).map_err(|_| SignerError::BadKey(shown))?;
        Ok(AuditSigner { key })
    }

    /// A fresh key that lives only in memory (tests, and a server told to keep no key file).
    pub fn generate() -> AuditSigner {
        AuditSigner {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as the UI shows it and `--public-key` takes it: 64 hex digits.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// The hex Ed25519 signature of `message` (canonical JSON naming its own kind).
    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.key.sign(message).to_bytes())
    }

    fn sign(&self, seq: i64, hash: &str, signed_at: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            signed_at,
            public_key: self.public_key_hex(),
            signature: self.sign_hex(&Checkpoint::signed_bytes(seq, hash, &signed_at)),
        }
    }
}

/// Signs the chain's current head, unless the latest checkpoint already covers it. `None`
/// while the history is empty.
pub async fn sign_checkpoint(
    db: &DatabaseConnection,
    signer: &AuditSigner,
) -> Result<Option<Checkpoint>, StorageError> {
    let head = crate::audit_chain::head(db).await?;
    if head.seq == 0 {
        return Ok(None);
    }
    let latest = latest_checkpoint(db).await?;
    if let Some(latest) =
        latest.filter(|c| c.seq == head.seq && c.signed_by(&signer.verifying_key()))
    {
        return Ok(Some(latest));
    }
    let signed = signer.sign(head.seq, &head.hash, now());
    checkpoint::ActiveModel {
        id: NotSet,
        seq: Set(signed.seq),
        hash: Set(signed.hash.clone()),
        signed_at: Set(signed.signed_at),
        public_key: Set(signed.public_key.clone()),
        signature: Set(signed.signature.clone()),
    }
    .insert(db)
    .await?;
    tracing::info!(seq = signed.seq, "signed an audit checkpoint");
    Ok(Some(signed))
}

pub async fn latest_checkpoint(
    db: &DatabaseConnection,
) -> Result<Option<Checkpoint>, StorageError> {
    Ok(checkpoint::Entity::find()
        .order_by_desc(checkpoint::Column::Seq)
        .order_by_desc(checkpoint::Column::Id)
        .one(db)
        .await?
        .map(to_checkpoint))
}

fn to_checkpoint(m: checkpoint::Model) -> Checkpoint {
    Checkpoint {
        seq: m.seq,
        hash: m.hash,
        signed_at: m.signed_at,
        public_key: m.public_key,
        signature: m.signature,
    }
}

/// What Verify found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Events walked before the first problem (all of them when there is none).
    pub events: u64,
    pub checkpoints: u64,
    pub head_seq: i64,
    pub latest_checkpoint: Option<Checkpoint>,
    pub problem: Option<ChainProblem>,
}

/// Walks every event in sequence order and every checkpoint, with `key` as the signer.
pub async fn verify_history(
    db: &DatabaseConnection,
    key: &VerifyingKey,
) -> Result<VerifyReport, StorageError> {
    let checkpoints: Vec<Checkpoint> = checkpoint::Entity::find()
        .order_by_asc(checkpoint::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(to_checkpoint)
        .collect();
    let mut report = VerifyReport {
        events: 0,
        checkpoints: checkpoints.len() as u64,
        head_seq: 0,
        latest_checkpoint: checkpoints.last().cloned(),
        problem: None,
    };
    if let Some(problem) = badly_signed(&checkpoints, key) {
        report.problem = Some(problem);
        return Ok(report);
    }
    if let Some(problem) = first_unchained(db).await? {
        report.problem = Some(problem);
        return Ok(report);
    }
    let mut walk = ChainWalk::new(&checkpoints);
    report.problem = walk_events(db, &mut walk).await?;
    report.events = walk.events;
    if report.problem.is_none() {
        report.head_seq = walk.head_seq();
        report.problem = walk.finish().err();
    }
    Ok(report)
}

/// The first checkpoint `key` did not sign.
fn badly_signed(checkpoints: &[Checkpoint], key: &VerifyingKey) -> Option<ChainProblem> {
    let bad = checkpoints.iter().find(|c| !c.signed_by(key))?;
    Some(ChainProblem {
        seq: bad.seq,
        id: None,
        kind: ProblemKind::BadSignature {
            signed_at: bad.signed_at,
        },
    })
}

/// The first event without a sequence number or hash.
async fn first_unchained(db: &DatabaseConnection) -> Result<Option<ChainProblem>, StorageError> {
    let row = Entity::find()
        .filter(Column::Seq.is_null().or(Column::Hash.is_null()))
        .order_by_asc(Column::Id)
        .one(db)
        .await?;
    Ok(row.map(|row| ChainProblem {
        seq: row.seq.unwrap_or(0),
        id: Some(row.id),
        kind: ProblemKind::Unchained,
    }))
}

/// Feeds every event to `walk` in sequence order, in batches; stops at the first problem.
async fn walk_events(
    db: &DatabaseConnection,
    walk: &mut ChainWalk,
) -> Result<Option<ChainProblem>, StorageError> {
    let mut after = 0i64;
    loop {
        let batch = Entity::find()
            .filter(Column::Seq.gt(after))
            .order_by_asc(Column::Seq)
            .limit(VERIFY_BATCH)
            .all(db)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        after = last.seq.unwrap_or(after);
        for row in batch {
            if let Err(problem) = walk.event(&crate::audit_chain::to_chained(row)) {
                return Ok(Some(problem));
            }
        }
    }
}

/// How many events the trail holds.
pub async fn count_events(db: &DatabaseConnection) -> Result<u64, StorageError> {
    Ok(Entity::find().count(db).await?)
}
