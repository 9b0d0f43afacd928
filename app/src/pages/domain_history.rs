use leptos::prelude::*;

use crate::components::TimeAgo;
use services::views::{AuditEntryView, DiffRow};

/// The domain's change history, newest first, field by field.
#[component]
pub fn DomainHistory(
    domain_id: i32,
    domain: String,
    entries: Vec<AuditEntryView>,
) -> impl IntoView {
    let more = (entries.len() as u64 >= crate::api::HISTORY_SHOWN).then(|| {
        view! {
            <p class="field-hint">
                "The latest " {crate::api::HISTORY_SHOWN} " changes: "
                <a href=format!("/history?domain={domain}")>"Change history"</a>
                " has them all."
            </p>
        }
    });
    let items = entries
        .into_iter()
        .map(|entry| view! { <HistoryItem entry domain_id/> })
        .collect_view();
    view! {
        <section class="history" aria-labelledby="history-title">
            <h3 id="history-title">"History"</h3>
            <ol>{items}</ol>
            {more}
        </section>
    }
}

/// One change: who made it and when, what it says, its connection test and its fields.
#[component]
fn HistoryItem(entry: AuditEntryView, domain_id: i32) -> impl IntoView {
    let e = entry;
    let from = e
        .client_ip
        .map(|ip| format!(" from {ip}"))
        .unwrap_or_default();
    let changes = change_rows(e.diff);
    let summary = e.summary.clone().map(|s| view! { <p>{s}</p> });
    let tested = tested_note(&e.action, e.summary.is_some(), e.probe_report_id, domain_id);
    view! {
        <li>
            <p>
                <strong>{e.action}</strong>" by "{e.actor_email}{from}" · "
                <TimeAgo iso=e.occurred_at_iso utc=e.occurred_at/>
            </p>
            {summary}
            {tested}
            <table class="changes">
                <caption class="visually-hidden">"Changed fields"</caption>
                <tbody>{changes}</tbody>
            </table>
        </li>
    }
}

fn change_rows(changes: Vec<DiffRow>) -> impl IntoView {
    changes
        .into_iter()
        .map(|c| {
            let change = c.compact();
            view! {
                <tr>
                    <th scope="row">{c.field}</th>
                    <td>{change}</td>
                </tr>
            }
        })
        .collect_view()
}

/// Whether a connection test had passed with the saved values (not said of events with a
/// summary, nor of a deletion).
fn tested_note(
    action: &str,
    has_summary: bool,
    probe_report_id: Option<i32>,
    domain_id: i32,
) -> Option<AnyView> {
    match (action, probe_report_id) {
        (_, _) if has_summary => None,
        ("Deleted", _) => None,
        (_, Some(probe)) => Some(view! {
            <p class="field-hint">
                <a href=format!("/domains/{domain_id}?probe={probe}")>"Connection test passed"</a>
                " with exactly these values"
            </p>
        }.into_any()),
        (_, None) => Some(view! {
            <p class="field-hint">"No connection test had passed with exactly these values"</p>
        }.into_any()),
    }
}
