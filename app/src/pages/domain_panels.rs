//! The right-hand panels of the domain screen: add, edit and delete a domain's settings.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use super::connection_test::use_probe_progress;
use super::dns_records::DnsRecordsPanel;
use super::domain_form::{DomainForm, FormMode};
use super::domain_history::DomainHistory;
use super::domains::actions;
use super::rollout::{
    impact_view, sample_in_url, use_domain_inboxes, DomainInboxes, DomainInboxesPanel,
};
use crate::api::domains::{domain_detail, oauth_redirect_uri, UpdateDomain};
use crate::api::probes::{probe_progress, StartProbe};
use crate::api::rollout::{domain_inbox_count, TryOnSample};
use crate::api::DomainWithHistory;
use crate::components::{ErrorSummary, PanelTitle, Refusal};
use crate::error::AppError;

/// The connection test named in the URL (`?probe=ID`, where a form post without JavaScript
/// lands), and the values it tested.
fn probe_in_url() -> (
    Memo<Option<i32>>,
    Resource<Option<domain::DomainSettingsForm>>,
) {
    let query = use_query_map();
    let id = Memo::new(move |_| query.with(|q| q.get("probe").and_then(|p| p.parse().ok())));
    let tested = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => probe_progress(id).await.ok().map(|v| v.settings.to_form()),
                None => None,
            }
        },
    );
    (id, tested)
}

#[component]
pub fn NewDomainPanel() -> impl IntoView {
    let create = actions().create;
    let start = ServerAction::<StartProbe>::new();
    let (from_url, tested) = probe_in_url();
    let progress = use_probe_progress(start, from_url);
    let redirect = Resource::new(|| (), |_| oauth_redirect_uri());
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <PanelTitle>"Add IMAP settings"</PanelTitle>
            // A Transition: the form stays (values, focus) while the connection test below it polls.
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let tested = tested.await;
                    let redirect_uri = redirect.await.ok();
                    view! { <DomainForm mode=FormMode::Create(create) start progress tested redirect_uri/> }
                })}
            </Transition>
        </aside>
    }
}

fn route_id() -> Memo<Option<i32>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse().ok())))
}

#[component]
pub fn EditDomainPanel() -> impl IntoView {
    let id = route_id();
    let update = actions().update;
    // A refused submission belongs to the domain it was made on, not the next one opened.
    Effect::watch(
        move || id.get(),
        move |_, _, _| update.value().set(None),
        false,
    );
    let saved = use_query_map();
    let start = ServerAction::<StartProbe>::new();
    let sample = ServerAction::<TryOnSample>::new();
    let (from_url, tested) = probe_in_url();
    let progress = use_probe_progress(start, from_url);
    let sample_from_url = sample_in_url();
    let inboxes = use_domain_inboxes(id, update.version().into());
    let affected = affected_inboxes(id, update);
    let detail = stored_domain(id, update, saved);
    let redirect = Resource::new(|| (), |_| oauth_redirect_uri());
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <PanelTitle>"Edit IMAP settings"</PanelTitle>
            // A Transition: the form stays (values, focus) while the connection test below it polls.
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let tested = tested.await;
                    let affected = affected.await;
                    let redirect_uri = redirect.await.ok();
                    match detail.await {
                    Err(error) => view! { <Refusal error/> }.into_any(),
                    Ok(detail) => view! {
                        {saved_notices(saved, update)}
                        <DomainForm mode=FormMode::Edit(update, Box::new(detail.domain.clone())) start progress tested
                            redirect_uri impact=impact_view(affected, sample, sample_from_url)/>
                        <BelowDomainForm detail inboxes/>
                    }.into_any(),
                }})}
            </Transition>
        </aside>
    }
}

/// How many inboxes a change of the domain's settings affects.
fn affected_inboxes(id: Memo<Option<i32>>, update: ServerAction<UpdateDomain>) -> Resource<u64> {
    Resource::new(
        move || (id.get(), update.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => domain_inbox_count(id).await.unwrap_or(0),
                None => 0,
            }
        },
    )
}

/// The stored domain with its history and DNS records.
fn stored_domain(
    id: Memo<Option<i32>>,
    update: ServerAction<UpdateDomain>,
    saved: Memo<ParamsMap>,
) -> Resource<Result<DomainWithHistory, AppError>> {
    Resource::new(
        // A pinned certificate comes back as `?pinned=imap|smtp`: reload the stored settings.
        move || {
            (
                id.get(),
                update.version().get(),
                saved.with(|q| q.get("pinned")),
            )
        },
        |(id, _, _)| async move {
            match id {
                Some(id) => domain_detail(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

/// "Settings saved" and "… certificate pinned", as the URL a save or a pin lands on says. Called
/// where its reads are tracked (the panel's `Suspend`), as they were before it was a function.
fn saved_notices(saved: Memo<ParamsMap>, update: ServerAction<UpdateDomain>) -> impl IntoView {
    let pinned = saved
        .with(|q| q.get("pinned"))
        .map(|leg| format!("{} certificate pinned", leg.to_uppercase()));
    let just_saved = saved.with(|q| q.get("saved").is_some())
        && update.value().with(|v| !matches!(v, Some(Err(_))));
    view! {
        <Show when=move || just_saved>
            <p class="toast" role="status">"Settings saved"</p>
        </Show>
        {pinned.map(|p| view! { <p class="toast" role="status">{p}</p> })}
    }
}

/// Delete, then the domain's inboxes, its DNS records and its history.
#[component]
fn BelowDomainForm(detail: DomainWithHistory, inboxes: DomainInboxes) -> impl IntoView {
    let delete_href = format!("/domains/{}/delete", detail.domain.id);
    view! {
        <form class="danger-zone" method="get" action=delete_href>
            <button type="submit" class="danger">"Delete"</button>
        </form>
        <DomainInboxesPanel inboxes/>
        <DnsRecordsPanel records=detail.dns_records.clone()/>
        <DomainHistory domain_id=detail.domain.id domain=detail.domain.settings.domain.to_string() entries=detail.history/>
    }
}

#[component]
pub fn DeleteDomainPanel() -> impl IntoView {
    let id = route_id();
    let delete = actions().delete;
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => domain_detail(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let error = Signal::derive(move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <PanelTitle>"Delete IMAP settings"</PanelTitle>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || detail.get().map(|result| match result {
                    Err(error) => view! { <Refusal error/> }.into_any(),
                    Ok(detail) => {
                        let d = detail.domain;
                        let name = d.settings.domain.display_unicode();
                        view! {
                            <p><strong>{format!("Delete the IMAP settings of {name}?")}</strong></p>
                            <p>"Inboxes in this domain will no longer get these settings, and users connecting an inbox will have to enter them by hand."</p>
                            <ErrorSummary message=error/>
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=d.id/>
                                <input type="hidden" name="version" value=d.version/>
                                <button type="submit" class="danger">"Delete domain"</button>
                                " "
                                <A href=format!("/domains/{}", d.id)>"Cancel"</A>
                            </ActionForm>
                        }.into_any()
                    }
                })}
            </Suspense>
        </aside>
    }
}
