//! The audit chain's arithmetic, with no database, so an export verifies offline with exactly
//! the code the server uses.
//!
//! Each event's content (every stored field but its hashes) is serialized as RFC 8785
//! canonical JSON and digested with SHA-256; the event's hash is the SHA-256 of the canonical
//! `{"content", "prev", "seq"}`, chaining it to the previous event. Keeping the content digest
//! as its own step lets an export of a filtered set carry only the digests of the events it
//! leaves out and still be checked against a signed checkpoint of the whole chain.

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
    /// Absent (not null) in events made without a token, so their digests did not change
    /// when tokens arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token_id: Option<i32>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    api_token_id: Option<i32>,
}

#[derive(Serialize)]
struct Link<'a> {
    content: &'a str,
    prev: &'a str,
    seq: i64,
}

/// RFC 8785 canonical JSON of `value`: what hashes and signatures cover.
pub(crate) fn canonical_json(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, canon_json::CanonicalFormatter::new());
    // Serializing these plain structs (strings, integers, options) cannot fail.
    if value.serialize(&mut serializer).is_err() {
        bytes.clear();
    }
    bytes
}

fn canonical_sha256(value: &impl Serialize) -> String {
    hex::encode(Sha256::digest(canonical_json(value)))
}

/// Whether `signature` (hex) is `key`'s Ed25519 signature of `message`.
pub(crate) fn signature_verifies(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
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
            api_token_id: self.api_token_id,
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
        canonical_json(&SignedCheckpoint {
            hash,
            kind: "mailsettings audit checkpoint",
            seq,
            signed_at,
        })
    }

    /// Whether `key` signed exactly this checkpoint.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        hex::encode(key.as_bytes()) == self.public_key
            && signature_verifies(
                key,
                &Self::signed_bytes(self.seq, &self.hash, &self.signed_at),
                &self.signature,
            )
    }
}

/// Reads a hex Ed25519 public key (as the UI and `server audit public-key` show it).
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}
