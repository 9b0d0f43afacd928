//! The filtered change history as a download, streamed in batches (never the whole table in
//! memory). The JSON export signs a checkpoint of the chain's head and a statement of where it
//! starts first and carries them, so it verifies offline (`server audit verify --file`). CSV
//! cells never start a spreadsheet formula.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use storage::{AuditFilter, ChainedEvent, StorageError};

use crate::{ServiceError, Services};

/// The export's bytes, chunk by chunk; an error ends it.
pub type ExportChunks = Pin<Box<dyn Stream<Item = Result<Vec<u8>, StorageError>> + Send>>;

/// A history export: what it is and its body.
pub struct HistoryExport {
    /// `csv` or `json`: the file name's extension.
    pub extension: &'static str,
    pub content_type: &'static str,
    pub chunks: ExportChunks,
}

/// The events `filter` matches as CSV, oldest first.
pub fn csv_export(services: &Services, filter: AuditFilter) -> HistoryExport {
    let header = csv_row(&CSV_HEADER);
    let rows = storage::export_stream(services.db.clone(), filter)
        .map(|event| event.map(|e| csv_row(&csv_fields(&e))));
    let body = futures::stream::once(async move { Ok(header) }).chain(rows);
    HistoryExport {
        extension: "csv",
        content_type: "text/csv; charset=utf-8",
        chunks: Box::pin(body),
    }
}

/// The events `filter` matches as a verifiable JSON export: a freshly signed checkpoint of the
/// chain's head and the signed statement of where the export starts, then the chain from the
/// first matching event (others by digest only).
pub async fn json_export(
    services: &Services,
    filter: AuditFilter,
) -> Result<HistoryExport, ServiceError> {
    let head = storage::start_export(&services.db, &services.audit_signer, filter).await?;
    let opening = serde_json::json!({
        "format": storage::EXPORT_FORMAT,
        "public_key": head.public_key,
        "checkpoint": head.checkpoint,
        "statement": head.statement,
    })
    .to_string();
    // The header object without its closing brace, then the chain array.
    let fields = opening.strip_suffix('}').ok_or(ServiceError::Export(
        "the export header is not a JSON object",
    ))?;
    let opening = format!("{fields},\"chain\":[");
    let entries = storage::export_entries(services.db.clone(), &head.statement)
        .enumerate()
        .map(|(i, entry)| {
            let json = serde_json::to_string(&entry?)
                .map_err(|e| StorageError::Corrupt(format!("export entry: {e}")))?;
            let separator = if i == 0 { "" } else { "," };
            Ok(format!("{separator}{json}\n").into_bytes())
        });
    let body = futures::stream::once(async move { Ok(opening.into_bytes()) })
        .chain(entries)
        .chain(futures::stream::once(async { Ok(b"]}\n".to_vec()) }));
    Ok(HistoryExport {
        extension: "json",
        content_type: "application/json",
        chunks: Box::pin(body),
    })
}

const CSV_HEADER: [&str; 17] = [
    "seq",
    "id",
    "occurred_at",
    "actor",
    "actor_role",
    "client_ip",
    "user_agent",
    "domain",
    "target",
    "action",
    "summary",
    "changes",
    "connection_test",
    "revalidation",
    "prev_hash",
    "hash",
    "api_token",
];

fn csv_fields(e: &ChainedEvent) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        e.seq.to_string(),
        e.id.to_string(),
        e.occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_email.clone(),
        opt(&e.actor_role),
        opt(&e.client_ip),
        opt(&e.user_agent),
        e.domain_name.clone(),
        opt(&e.target),
        e.action.clone(),
        opt(&e.summary),
        readable_changes(e),
        num(e.probe_report_id),
        num(e.job_id),
        e.prev_hash.clone(),
        e.hash.clone(),
        num(e.api_token_id),
    ]
}

/// "Field: before → after; …", from the stored JSON.
fn readable_changes(e: &ChainedEvent) -> String {
    let shown = |v: Option<String>| v.unwrap_or_else(|| "—".to_owned());
    let row = |label: &str, before, after| format!("{label}: {} → {}", shown(before), shown(after));
    if let Ok(changes) = serde_json::from_str::<Vec<domain::FieldChange>>(&e.changes) {
        return changes
            .into_iter()
            .map(|c| row(c.field.label(), c.before, c.after))
            .collect::<Vec<_>>()
            .join("; ");
    }
    serde_json::from_str::<Vec<domain::AccountChange>>(&e.changes)
        .map(|changes| {
            changes
                .into_iter()
                .map(|c| row(c.field.label(), c.before, c.after))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_else(|_| e.changes.clone())
}

fn csv_row<S: AsRef<str>>(fields: &[S]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let cells: Vec<_> = fields
        .iter()
        .map(|f| spreadsheet_safe(f.as_ref()))
        .collect();
    if let Err(e) = writer.write_record(cells.iter().map(|c| c.as_bytes())) {
        tracing::error!(error = %e, "CSV row");
    }
    writer.into_inner().unwrap_or_default()
}

/// A cell a spreadsheet shows as text: one starting with `=`, `+`, `-`, `@`, tab or carriage
/// return would be read as a formula (a User-Agent of `=HYPERLINK(…)` on a failed login), so it
/// gets a leading `'`, as OWASP recommends; the CSV writer still quotes what needs quoting.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        String::from_utf8_lossy(&csv_row(cells)).into_owned()
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_neutralised() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("=1,2", "\"'=1,2\""),
        ] {
            assert_eq!(row(&[cell, "x"]), format!("{written},x\n"), "{cell:?}");
        }
    }

    #[test]
    fn ordinary_cells_are_unchanged() {
        let cells = [
            "12",
            "admin@example.org",
            "Mozilla/5.0",
            "a=b",
            "",
            "IMAP port: — → 993",
        ];
        assert_eq!(
            row(&cells),
            "12,admin@example.org,Mozilla/5.0,a=b,,IMAP port: — → 993\n"
        );
    }
}
