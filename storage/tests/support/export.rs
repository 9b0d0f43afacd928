//! The export as the server produces it, on five events over two domains (audit_export*.rs).

use futures::TryStreamExt;
use sea_orm::DatabaseConnection;
use storage::{AuditFilter, AuditSigner, ChainEntry, ExportDocument, EXPORT_FORMAT};

use super::{actor, settings};

/// Five events on two domains: a created (#1), b created (#2), a, b, a updated (#3 to #5).
pub async fn history(db: &DatabaseConnection) {
    let a = storage::create_domain(db, &actor(), settings("a.example"))
        .await
        .unwrap();
    let b = storage::create_domain(db, &actor(), settings("b.example"))
        .await
        .unwrap();
    for (domain, version, port) in [(&a, 1, 994), (&b, 1, 995), (&a, 2, 996)] {
        let mut next = domain.settings.clone();
        next.imap_port = domain::Port::parse(&port.to_string()).unwrap();
        storage::update_domain(db, &actor(), domain.id, version, next)
            .await
            .unwrap();
    }
}

pub fn only(domain: &str) -> AuditFilter {
    AuditFilter {
        domain: Some(domain.into()),
        ..AuditFilter::default()
    }
}

/// The export as the server streams it, read back from its JSON.
pub async fn export(
    db: &DatabaseConnection,
    signer: &AuditSigner,
    filter: AuditFilter,
) -> ExportDocument {
    let head = storage::start_export(db, signer, filter).await.unwrap();
    let chain = storage::export_entries(db.clone(), &head.statement)
        .try_collect()
        .await
        .unwrap();
    let doc = ExportDocument {
        format: EXPORT_FORMAT.into(),
        public_key: head.public_key,
        checkpoint: head.checkpoint,
        statement: Some(head.statement),
        chain,
    };
    serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap()
}

pub fn verify(doc: &ExportDocument, signer: &AuditSigner) -> storage::ExportVerdict {
    storage::verify_export(doc, &signer.verifying_key()).unwrap()
}

pub fn seqs(doc: &ExportDocument) -> Vec<i64> {
    doc.chain.iter().map(ChainEntry::seq).collect()
}
