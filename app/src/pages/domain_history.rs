use leptos::prelude::*;

use crate::api::HistoryEntry;

/// The domain's change history, newest first, field by field.
#[component]
pub fn DomainHistory(domain_id: i32, domain: String, entries: Vec<HistoryEntry>) -> impl IntoView {
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
        .map(|e| {
            let from = e
                .client_ip
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default();
            let changes = e
                .changes
                .into_iter()
                .map(|c| {
                    let before = c.before.unwrap_or_else(|| "—".into());
                    let after = c.after.unwrap_or_else(|| "—".into());
                    view! {
                        <tr>
                            <th scope="row">{c.field.label()}</th>
                            <td>{format!("{before} → {after}")}</td>
                        </tr>
                    }
                })
                .collect_view();
            let summary = e.summary.clone().map(|s| view! { <p>{s}</p> });
            let tested = match (e.action.as_str(), e.probe_report_id) {
                (_, _) if e.summary.is_some() => None,
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
            };
            view! {
                <li>
                    <p>
                        <strong>{e.action}</strong>" by "{e.actor_email}{from}" · "
                        <time>{e.occurred_at}</time>
                    </p>
                    {summary}
                    {tested}
                    <table class="changes">
                        <caption class="visually-hidden">"Changed fields"</caption>
                        <tbody>{changes}</tbody>
                    </table>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="history" aria-labelledby="history-title">
            <h3 id="history-title">"History"</h3>
            <ol>{items}</ol>
            {more}
        </section>
    }
}
