//! One event of the change history (its fields, before → after, the connection-test report and
//! revalidation it links to, its place in the chain), and "Verify history".

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::probe_report::ProbeReportView;
use crate::api::audit::{audit_event, verify_history, SignCheckpoint};
use crate::components::{CopyButton, Refusal, SubmitButton, TimeAgo};
use services::views::{AuditEntryView, AuditEventDetail, DiffRow, ProbeView, VerifyView};

#[component]
pub fn HistoryEventPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || params.get().get("id").and_then(|id| id.parse::<i32>().ok()),
        |id| async move {
            match id {
                Some(id) => audit_event(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Change history event · Mail domain settings"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || detail.get().map(|r| match r {
                Ok(detail) => view! { <EventDetail detail/> }.into_any(),
                Err(error) => view! { <Refusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventDetail(detail: AuditEventDetail) -> impl IntoView {
    let e = detail.entry;
    let heading = format!("{} · event #{}", e.action, e.seq);
    let summary = e
        .summary
        .clone()
        .map(|s| view! { <p class="summary">{s}</p> });
    let diff = e.diff.clone();
    let has_diff = !diff.is_empty();
    view! {
        <section class="history-event">
            <p><a href="/history">"← Change history"</a></p>
            <h1>{heading}</h1>
            {summary}
            <EventFacts entry=e job=detail.job/>
            {has_diff.then(|| view! { <ChangedFields diff/> })}
            {detail.report.map(|view| view! { <EventReport view/> })}
        </section>
    }
}

/// When, who, from where, what it concerns, and the event's hash.
#[component]
fn EventFacts(entry: AuditEntryView, job: Option<String>) -> impl IntoView {
    let e = entry;
    let optional = |v: Option<String>| v.unwrap_or_else(|| "—".to_owned());
    let domain = (!e.domain_name.is_empty()).then(|| {
        let name = e.domain_name.clone();
        view! {
            <dt>"Domain"</dt>
            <dd><a href=format!("/history?domain={name}")>{name.clone()}</a>" (all its events)"</dd>
        }
    });
    let target = e
        .target
        .clone()
        .map(|t| view! { <dt>"Concerns"</dt><dd>{t}</dd> });
    let job = job.map(|j| view! { <dt>"Revalidation"</dt><dd>{j}</dd> });
    view! {
        <dl class="facts">
            <dt>"When"</dt>
            <dd><TimeAgo iso=e.occurred_at_iso.clone() utc=e.occurred_at.clone()/>" ("{e.occurred_at.clone()}")"</dd>
            <dt>"Actor"</dt>
            <dd>{e.actor_email.clone()}{e.api_token_id.map(|id| format!(" via API token #{id}"))}</dd>
            <dt>"Role"</dt>
            <dd>{optional(e.actor_role.clone())}</dd>
            <dt>"Client IP"</dt>
            <dd>{optional(e.client_ip.clone())}</dd>
            <dt>"User agent"</dt>
            <dd>{optional(e.user_agent.clone())}</dd>
            {domain}
            {target}
            {job}
            <dt>"Hash"</dt>
            <dd><code>{e.hash.clone()}</code></dd>
        </dl>
    }
}

/// The event's changes, before → after.
#[component]
fn ChangedFields(diff: Vec<DiffRow>) -> impl IntoView {
    let rows = diff
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{d.field.clone()}</th>
                    <td>{d.before.clone()}</td>
                    <td>{d.after.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="changes diff">
            <caption>"Changed fields"</caption>
            <thead>
                <tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The connection test the event links to.
#[component]
fn EventReport(view: ProbeView) -> impl IntoView {
    view! {
        <section class="event-report" aria-labelledby="report-title">
            <h2 id="report-title">"Connection test report"</h2>
            <ProbeReportView view saved=None/>
        </section>
    }
}

#[component]
pub fn VerifyHistoryPage() -> impl IntoView {
    let sign = ServerAction::<SignCheckpoint>::new();
    let verdict = Resource::new(move || sign.version().get(), |_| verify_history());
    view! {
        <Title text="Verify history · Mail domain settings"/>
        <section class="verify">
            <p><a href="/history">"← Change history"</a></p>
            <h1>"Verify history"</h1>
            <Suspense fallback=|| view! { <p>"Verifying every event…"</p> }>
                {move || verdict.get().map(|r| match r {
                    Ok(view) => view! { <Verdict view sign/> }.into_any(),
                    Err(error) => view! { <Refusal error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Verdict(view: VerifyView, sign: ServerAction<SignCheckpoint>) -> impl IntoView {
    let class = if view.intact {
        "status ok"
    } else {
        "status error"
    };
    let checkpoint = view
        .latest_checkpoint
        .clone()
        .unwrap_or_else(|| "none yet".to_owned());
    let can_sign = view.can_sign;
    let key = view.public_key.clone();
    view! {
        <p class=class role="status">{view.message.clone()}</p>
        <dl class="facts">
            <dt>"Events checked"</dt>
            <dd>{view.events}</dd>
            <dt>"Signed checkpoints"</dt>
            <dd>{view.checkpoints}</dd>
            <dt>"Latest checkpoint"</dt>
            <dd>{checkpoint}</dd>
            <dt>"Public key (Ed25519)"</dt>
            <dd><code id="public-key">{key.clone()}</code>" "<CopyButton text=key label="Copy"/></dd>
        </dl>
        <p class="field-hint">
            "To verify an export without the server: "
            <code>"server audit verify --file change-history.json --public-key KEY"</code>
        </p>
        <Show when=move || can_sign>
            <ActionForm action=sign>
                <SubmitButton pending=sign.pending()>"Sign checkpoint now"</SubmitButton>
            </ActionForm>
        </Show>
    }
}
