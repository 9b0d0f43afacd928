//! The domain panel's inbox part: the impact of a change ("This change affects N inboxes"),
//! "Try on a sample", and after a save the revalidation (canary first) with its progress,
//! pause, "Continue anyway" and "Revert to previous settings", and the domain's inboxes.

use std::time::Duration;

use domain::RolloutState;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::connection_test::inputs_of_form;
use super::inboxes::InboxStatus;
use crate::api::rollout::{
    domain_inboxes, sample_result, ContinueRollout, RevertRollout, TryOnSample,
};
use crate::components::{Confirm, ErrorSummary, SubmitButton};
use crate::error::AppError;
use services::views::{DomainInboxesView, RolloutView, SampleView};

/// The sample result named in the URL (`?sample=ID`, where a form post without JavaScript
/// lands). Created with the panel's other resources, never inside its `Suspend` (a resource
/// created there gets another id on the server than in the browser, which breaks hydration).
pub fn sample_in_url() -> Resource<Option<SampleView>> {
    let query = use_query_map();
    Resource::new(
        move || query.with(|q| q.get("sample").and_then(|s| s.parse::<u64>().ok())),
        |id| async move {
            match id {
                Some(id) => sample_result(id).await.ok().flatten(),
                None => None,
            }
        },
    )
}

/// Inside the domain form (so "Try on a sample" posts its values): the impact and the sample.
pub fn impact_view(
    count: u64,
    sample: ServerAction<TryOnSample>,
    from_url: Resource<Option<SampleView>>,
) -> ViewFn {
    ViewFn::from(move || {
        let on_click = move |ev: leptos::ev::MouseEvent| {
            if let Some(Some(input)) = inputs_of_form::<TryOnSample>(&ev) {
                sample.dispatch(input);
            }
        };
        let noun = if count == 1 { "inbox" } else { "inboxes" };
        let pending = sample.pending();
        view! {
            <div class="impact">
                <p role="status"><strong>{format!("This change affects {count} {noun}")}</strong></p>
                <Show when=move || { count > 0 }>
                    <button type="submit" formaction="/api/try_on_sample" formnovalidate=true
                        disabled=move || pending.get() on:click=on_click>
                        "Try on a sample"
                    </button>
                    <span class="field-hint">" Tries these settings with the stored credentials of up to 5 inboxes: IMAP and SMTP login, no email sent, nothing saved."</span>
                </Show>
                <SampleResult sample from_url/>
            </div>
        }
    })
}

#[component]
fn SampleResult(
    sample: ServerAction<TryOnSample>,
    from_url: Resource<Option<SampleView>>,
) -> impl IntoView {
    let shown = move || match sample.value().get() {
        Some(Ok(view)) => Some(Ok(view)),
        Some(Err(e)) => Some(Err(e.to_string())),
        None => from_url.get().flatten().map(Ok),
    };
    view! {
        <Transition fallback=|| ()>
            {move || shown().map(|r| match r {
                Ok(view) => view! { <SampleTable view/> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SampleTable(view: SampleView) -> impl IntoView {
    let failed = view.rows.iter().filter(|r| !r.ok).count();
    let tried = view.rows.len();
    let summary = if failed == 0 {
        format!("Tried on {tried} inboxes: all would stay connected.")
    } else {
        format!("Tried on {tried} inboxes: {failed} would fail.")
    };
    view! {
        <section class="sample" aria-label="Sample result">
            <p role="status"><strong>{summary}</strong></p>
            <ul>
                {view.rows.into_iter().map(|r| {
                    let verdict = if r.ok {
                        "would connect".to_string()
                    } else {
                        format!("{} — {}", r.title.unwrap_or_default(), r.detail.unwrap_or_default())
                    };
                    view! { <li>{r.email}": "{verdict}</li> }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The domain's inboxes and latest revalidation, refreshed while it runs, with the actions
/// that change it. Created with the panel's other resources (see `sample_in_url`).
#[derive(Clone, Copy)]
pub struct DomainInboxes {
    data: Resource<Result<DomainInboxesView, AppError>>,
    resume: ServerAction<ContinueRollout>,
    revert: ServerAction<RevertRollout>,
}

/// `saves` counts the saves of the domain's settings (each one starts a revalidation).
pub fn use_domain_inboxes(domain_id: Memo<Option<i32>>, saves: Signal<usize>) -> DomainInboxes {
    let resume = ServerAction::<ContinueRollout>::new();
    let revert = ServerAction::<RevertRollout>::new();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            (
                domain_id.get(),
                saves.get(),
                tick.get(),
                resume.version().get(),
                revert.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => domain_inboxes(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    Effect::new(move |_| {
        let active = data.with(|d| {
            matches!(d, Some(Ok(v)) if v.rollout.as_ref().is_some_and(|r| matches!(r.state, RolloutState::Canary | RolloutState::Running)))
        });
        if active {
            set_timeout(move || tick.update(|t| *t += 1), Duration::from_millis(700));
        }
    });
    DomainInboxes {
        data,
        resume,
        revert,
    }
}

/// The latest revalidation and the domain's inboxes.
#[component]
pub fn DomainInboxesPanel(inboxes: DomainInboxes) -> impl IntoView {
    let DomainInboxes {
        data,
        resume,
        revert,
    } = inboxes;
    let error = Signal::derive(move || {
        revert
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| resume.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    });
    view! {
        <section class="domain-inboxes" aria-labelledby="inboxes-title">
            <h3 id="inboxes-title">"Inboxes"</h3>
            <ErrorSummary message=error/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(v) => view! {
                        {v.rollout.map(|r| view! { <Rollout rollout=r resume revert/> })}
                        <InboxTable inboxes=v.shown count=v.count/>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Rollout(
    rollout: RolloutView,
    resume: ServerAction<ContinueRollout>,
    revert: ServerAction<RevertRollout>,
) -> impl IntoView {
    let state = match rollout.state {
        RolloutState::Canary => "Checking the first inbox",
        RolloutState::Running => "Revalidating",
        RolloutState::Paused => "Paused",
        RolloutState::Done => "Revalidation finished",
        RolloutState::Superseded => "Replaced by a later change",
    };
    let disconnected = rollout.checked - rollout.connected;
    let paused = rollout.state == RolloutState::Paused;
    let job = rollout.id;
    let can_revert = rollout.can_revert && rollout.state != RolloutState::Superseded;
    view! {
        <div class="rollout" aria-label="Revalidation">
            <p><strong>{state}</strong>{format!(" · started by {} at {}", rollout.started_by, rollout.started_at)}</p>
            <progress max=rollout.total.max(1) value=rollout.checked aria-label="Inboxes checked"></progress>
            <p role="status">{format!("{} of {} checked: {} connected, {} disconnected", rollout.checked, rollout.total, rollout.connected, disconnected)}</p>
            <ul>
                {rollout.failures.into_iter().map(|(title, n)| view! { <li>{format!("{title}: {n}")}</li> }).collect_view()}
            </ul>
            {paused.then(|| {
                let (headline, button) = if rollout.awaiting_approval {
                    ("No inbox was checked: a super admin must approve the new host first.", "Approve and continue")
                } else {
                    ("The first inbox checked failed, so the other inboxes were not checked.", "Continue anyway")
                };
                let action = if rollout.can_continue {
                    view! {
                        <ActionForm action=resume>
                            <input type="hidden" name="job" value=job/>
                            <button type="submit">{button}</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <p>"Ask a super admin to review the change and approve it."</p> }.into_any()
                };
                view! {
                    <div class="conflict" role="alert">
                        <p><strong>{headline}</strong></p>
                        <p>{rollout.pause_detail.clone()}</p>
                        {action}
                    </div>
                }
            })}
            {can_revert.then(|| view! {
                <Confirm label="Revert to previous settings"
                    question="The domain goes back to the settings it had before this change, and its inboxes are checked again.">
                    <ActionForm action=revert>
                        <input type="hidden" name="job" value=job/>
                        <SubmitButton pending=revert.pending() class="danger">"Yes, revert"</SubmitButton>
                    </ActionForm>
                </Confirm>
            })}
        </div>
    }
}

#[component]
fn InboxTable(inboxes: Vec<services::views::InboxView>, count: u64) -> impl IntoView {
    if inboxes.is_empty() {
        return view! { <p class="empty">"No inbox uses these settings yet."</p> }.into_any();
    }
    let more = (count > inboxes.len() as u64)
        .then(|| format!("Showing {} of {count} inboxes.", inboxes.len()));
    view! {
        <table aria-label="Inboxes of this domain" class="stack fixed inbox-table">
            <thead><tr>
                <th scope="col">"Inbox"</th><th scope="col">"Owner"</th>
                <th scope="col">"Status"</th><th scope="col">"Last checked"</th>
            </tr></thead>
            <tbody>
                {inboxes.into_iter().map(|i| view! {
                    <tr>
                        <th scope="row"><span class="truncate" title=i.email.clone()>{i.email.clone()}</span></th>
                        <td><span class="truncate" title=i.owner_email.clone()>{i.owner_email.clone()}</span></td>
                        <td><InboxStatus inbox=i.clone()/></td>
                        <td>{i.last_checked.clone().unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {more.map(|m| view! { <p class="field-hint">{m}</p> })}
    }
    .into_any()
}
