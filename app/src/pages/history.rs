//! "Change history": every event, newest first, filtered by domain, actor, action and days,
//! a page at a time (keyset: a page stays put while new events arrive), with CSV and JSON
//! exports of the same filter. Plain links and a GET form: it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::api::audit::audit_history;
use crate::components::{Refusal, TimeAgo};
use crate::error::AppError;
use services::views::{AuditEntryView, HistoryPage, HistoryQuery};

fn query_of(params: &ParamsMap) -> HistoryQuery {
    let get = |k: &str| params.get(k).unwrap_or_default();
    HistoryQuery {
        domain: get("domain"),
        actor: get("actor"),
        action: get("action"),
        from: get("from"),
        to: get("to"),
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_query_map();
    let page = Resource::new(
        move || params.get(),
        |p| {
            let before = p.get("before").and_then(|b| b.parse().ok());
            audit_history(query_of(&p), before)
        },
    );
    view! {
        <Title text="Change history · Mail domain settings"/>
        <section class="history-page">
            <div class="list-head">
                <h1>"Change history"</h1>
                <a class="button" href="/history/verify">"Verify history"</a>
            </div>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || page.get().map(|result| {
                    let query = query_of(&params.get_untracked());
                    match result {
                        Ok(page) => view! { <HistoryResults query page/> }.into_any(),
                        Err(AppError::Invalid { message, .. }) => view! {
                            <p class="error-summary" role="alert">{message}</p>
                            <Filters query actions=Vec::new()/>
                        }
                        .into_any(),
                        Err(error) => view! { <Refusal error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn HistoryResults(query: HistoryQuery, page: HistoryPage) -> impl IntoView {
    let filter = query.to_query_string();
    let joined = |prefix: &str| {
        if filter.is_empty() {
            prefix.trim_end_matches(['?', '&']).to_owned()
        } else {
            format!("{prefix}{filter}")
        }
    };
    let csv = joined("/history/export.csv?");
    let json = joined("/history/export.json?");
    let older = page.older.map(|before| {
        let sep = if filter.is_empty() { "" } else { "&" };
        view! {
            <a class="button" href=format!("/history?{filter}{sep}before={before}")>"Older events"</a>
        }
    });
    let empty = page.entries.is_empty();
    view! {
        <Filters query actions=page.actions/>
        <p class="exports">
            "Export these events: "
            <a href=csv rel="external" download="">"CSV"</a>
            " · "
            <a href=json rel="external" download="">"JSON (verifiable offline)"</a>
        </p>
        <Show when=move || empty>
            <p class="empty">"No events match this filter."</p>
        </Show>
        <Show when=move || !empty>
            <div class="scroll" tabindex="0" role="region" aria-label="Events">
            <table class="history-table">
                <caption class="visually-hidden">"Events, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Domain / target"</th>
                        <th scope="col">"What happened"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.entries.clone().into_iter().map(|e| view! { <EventRow e/> }).collect_view()}
                </tbody>
            </table>
            </div>
        </Show>
        <nav class="pager" aria-label="Pages">
            <a href=joined("/history?")>"Newest events"</a>
            {older}
        </nav>
    }
}

#[component]
fn EventRow(e: AuditEntryView) -> impl IntoView {
    // A Created event lists the new values only; other changes read "before → after".
    let what = e.summary.clone().unwrap_or_else(|| {
        e.diff
            .iter()
            .map(|d| format!("{}: {}", d.field, d.compact()))
            .collect::<Vec<_>>()
            .join("; ")
    });
    let role = e.actor_role.clone().map(|r| format!(" ({r})"));
    let via = e.api_token_id.map(|id| format!(" via API token #{id}"));
    let target = e.target.clone().map(|t| {
        let title = t.clone();
        view! { " · "<span class="truncate" title=title>{t}</span> }
    });
    let domain = (!e.domain_name.is_empty()).then(|| {
        let query = HistoryQuery {
            domain: e.domain_name.clone(),
            ..Default::default()
        };
        filter_link(query, e.domain_name.clone())
    });
    view! {
        <tr>
            <td class="nowrap"><a href=format!("/history/events/{}", e.id)>{format!("#{}", e.seq)}</a></td>
            <td class="nowrap"><TimeAgo iso=e.occurred_at_iso utc=e.occurred_at/></td>
            <td>{filter_link(HistoryQuery { actor: e.actor_email.clone(), ..Default::default() }, e.actor_email)}{role}{via}</td>
            <td><a href=format!("/history/events/{}", e.id)>{e.action}</a></td>
            <td>{domain}{target}</td>
            <td>{what}</td>
        </tr>
    }
}

/// An address or a name, cut with an ellipsis when long (the whole of it in the tooltip and
/// shown on focus), linking to every event with the same value.
fn filter_link(query: HistoryQuery, value: String) -> impl IntoView {
    let href = format!("/history?{}", query.to_query_string());
    let title = value.clone();
    view! { <a class="truncate" href=href title=title>{value}</a> }
}

#[component]
fn Filters(query: HistoryQuery, actions: Vec<(String, String)>) -> impl IntoView {
    let chosen = query.action.clone();
    let options = actions
        .into_iter()
        .map(|(key, label)| {
            let selected = key == chosen;
            view! { <option value=key selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <form class="filters" method="get" action="/history" aria-label="Filter events">
            <div class="field">
                <label for="f-domain">"Domain"</label>
                <input id="f-domain" name="domain" type="text" value=query.domain placeholder="example.com"/>
            </div>
            <div class="field">
                <label for="f-actor">"Actor"</label>
                <input id="f-actor" name="actor" type="text" value=query.actor placeholder="name@example.com"/>
            </div>
            <div class="field">
                <label for="f-action">"Action"</label>
                <select id="f-action" name="action">
                    <option value="">"All actions"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="f-from">"From (UTC)"</label>
                <input id="f-from" name="from" type="date" value=query.from/>
            </div>
            <div class="field">
                <label for="f-to">"To (UTC)"</label>
                <input id="f-to" name="to" type="date" value=query.to/>
            </div>
            <button type="submit" class="primary">"Filter"</button>
            <a href="/history">"Clear"</a>
        </form>
    }
}
