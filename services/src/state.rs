use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{ProbeRunner, SampleResults, SourceTestResults, ThrottlePolicy};

/// What the services need, built once at start-up and shared by both faces and every request.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    /// Login throttling and lock-outs.
    pub throttle: ThrottlePolicy,
    /// Runs connection tests; its configuration holds the per-minute allowance.
    pub probes: Arc<ProbeRunner>,
    /// Encrypts inbox passwords at rest.
    pub vault: Arc<inboxes::Vault>,
    /// Revalidates and periodically checks inboxes; woken after a domain change.
    pub worker: Arc<inboxes::Worker>,
    /// Recent *Try on a sample* results, for the page a form post lands on.
    pub samples: Arc<SampleResults>,
    /// Recent *Test from every static address* results, likewise.
    pub source_tests: Arc<SourceTestResults>,
    /// Signs checkpoints of the audit chain.
    pub audit_signer: Arc<storage::AuditSigner>,
}
