//! The domain IMAP settings screen: the list of domains on the left, the add/edit panel on the
//! right (seed 002).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::connection_test::use_probe_progress;
use super::dns_records::DnsRecordsPanel;
use super::domain_form::{DomainForm, FormMode};
use super::domain_history::DomainHistory;
use super::rollout::{impact_view, sample_in_url, use_domain_inboxes, DomainInboxesPanel};
use crate::api::domains::{domain_detail, list_domains, CreateDomain, DeleteDomain, UpdateDomain};
use crate::api::probes::{probe_progress, StartProbe};
use crate::api::rollout::{domain_inboxes, unconfigured_domains, TryOnSample};
use crate::components::{ErrorSummary, Refusal};
use crate::error::AppError;
use services::views::AttemptView;

/// The server actions of the screen, shared by the list and the panel: the list refreshes
/// whenever one of them completes.
#[derive(Clone, Copy)]
struct DomainActions {
    create: ServerAction<CreateDomain>,
    update: ServerAction<UpdateDomain>,
    delete: ServerAction<DeleteDomain>,
}

fn actions() -> DomainActions {
    expect_context::<DomainActions>()
}

#[component]
pub fn DomainsPage() -> impl IntoView {
    let actions = DomainActions {
        create: ServerAction::new(),
        update: ServerAction::new(),
        delete: ServerAction::new(),
    };
    provide_context(actions);
    let location = use_location();
    let changed = move || {
        (
            location.pathname.get(),
            location.search.get(),
            actions.update.version().get(),
        )
    };
    // Both are asked for at once: the attempts do not wait for the list.
    let domains = Resource::new(changed, |_| list_domains());
    let attempts = Resource::new(changed, |_| unconfigured_domains());
    view! {
        <Title text="Domain IMAP settings · Mail domain settings"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || domains.get().map(|result| match result {
                Err(error) => view! { <Refusal error/> }.into_any(),
                Ok(list) => view! {
                    <div class="split">
                        <section class="list">
                            <div class="list-head">
                                <h1>"Domain IMAP settings"</h1>
                                <A href="/domains/new" attr:class="button primary">"Add IMAP settings"</A>
                            </div>
                            <p class="lead">"Preconfigure the IMAP and SMTP server settings of your email domains: they pre-populate when users connect their inboxes."</p>
                            <DomainTable list/>
                            <AttemptedDomains attempts/>
                        </section>
                        <Outlet/>
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn DomainTable(list: std::sync::Arc<[crate::api::DomainRow]>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No domains yet. Click Add IMAP settings to add one."</p> }
            .into_any();
    }
    let rows = rows_html(&list);
    view! {
        <table aria-label="Email domains">
            <thead>
                <tr>
                    <th scope="col">"Email domain"</th>
                    <th scope="col">"IMAP"</th>
                    <th scope="col">"SMTP"</th>
                    <th scope="col">"Options"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            // Static rows: set as HTML on a client-side render, left as they are on hydration.
            <tbody inner_html=rows></tbody>
        </table>
    }
    .into_any()
}

/// The table's rows in one piece, every value escaped. Rendering them as views cost about 15 µs
/// a row on the server (each cell resolved on its own); nothing in a row is reactive, and the
/// plain links are still routed in the browser.
fn rows_html(list: &[crate::api::DomainRow]) -> String {
    use html_escape::encode_text as text;
    use std::fmt::Write;
    let mut html = String::with_capacity(list.len() * 320);
    for d in list {
        let _ = write!(
            html,
            "<tr><th scope=\"row\" class=\"wrap\">{}</th><td class=\"wrap\">{}</td>\
             <td class=\"wrap\">{}</td><td>{}</td><td class=\"actions\">\
             <a href=\"/domains/{id}\">Edit</a><a href=\"/domains/{id}/ips\">View connection IPs</a>\
             </td></tr>",
            text(&d.domain),
            text(&d.imap),
            text(&d.smtp),
            text(&d.options),
            id = d.id,
        );
    }
    html
}

/// Domains without settings where a user has tried to connect an inbox: Edit opens a new
/// domain pre-filled from the attempt (seed 002).
#[component]
fn AttemptedDomains(
    attempts: Resource<Result<std::sync::Arc<[AttemptView]>, AppError>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || attempts.get().and_then(Result::ok).filter(|a| !a.is_empty()).map(|list| view! {
                <h2>"Domains without settings"</h2>
                <p class="field-hint">"Users tried to connect inboxes of these domains. Click Edit to add IMAP settings from their attempt."</p>
                <table aria-label="Domains without settings">
                    <thead><tr>
                        <th scope="col">"Email domain"</th><th scope="col">"Last attempt"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {list.iter().map(|a| view! {
                            <tr>
                                <th scope="row">{a.mail_domain.clone()}</th>
                                <td>{format!("{} at {}", a.email, a.at)}</td>
                                <td class="actions"><A href=format!("/domains/new?probe={}", a.probe_id)>"Edit"</A></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </Transition>
    }
}

#[component]
pub fn NoPanel() -> impl IntoView {
    let deleted = use_query_map().with_untracked(|q| q.get("deleted").is_some());
    deleted.then(|| view! { <p class="status" role="status">"Domain deleted"</p> })
}

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
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <h2 id="panel-title">"Add IMAP settings"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let tested = tested.await;
                    view! { <DomainForm mode=FormMode::Create(create) start progress tested/> }
                })}
            </Suspense>
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
    let affected = Resource::new(
        move || (id.get(), update.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => domain_inboxes(id).await.map(|d| d.count).unwrap_or(0),
                None => 0,
            }
        },
    );
    let detail = Resource::new(
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
    );
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <h2 id="panel-title">"Edit IMAP settings"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let tested = tested.await;
                    let affected = affected.await;
                    match detail.await {
                    Err(error) => view! { <Refusal error/> }.into_any(),
                    Ok(detail) => {
                        let pinned = saved.with(|q| q.get("pinned")).map(|leg| {
                            format!("{} certificate pinned", leg.to_uppercase())
                        });
                        let just_saved = saved.with(|q| q.get("saved").is_some())
                            && update.value().with(|v| !matches!(v, Some(Err(_))));
                        let delete_href = format!("/domains/{}/delete", detail.domain.id);
                        view! {
                            <Show when=move || just_saved>
                                <p class="status" role="status">"Settings saved"</p>
                            </Show>
                            {pinned.map(|p| view! { <p class="status" role="status">{p}</p> })}
                            <DomainForm mode=FormMode::Edit(update, Box::new(detail.domain.clone())) start progress tested
                                impact=impact_view(affected, sample, sample_from_url)/>
                            <form class="danger-zone" method="get" action=delete_href>
                                <button type="submit" class="danger">"Delete"</button>
                            </form>
                            <DomainInboxesPanel inboxes/>
                            <DnsRecordsPanel records=detail.dns_records.clone()/>
                            <DomainHistory domain_id=detail.domain.id domain=detail.domain.settings.domain.to_string() entries=detail.history/>
                        }.into_any()
                    }
                }})}
            </Suspense>
        </aside>
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
            <h2 id="panel-title">"Delete IMAP settings"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
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

#[cfg(test)]
mod tests {
    use super::rows_html;
    use crate::api::DomainRow;

    #[test]
    fn rows_escape_every_value() {
        let row = DomainRow {
            id: 7,
            domain: "a&b.example".into(),
            imap: "<imap>".into(),
            smtp: "smtp:465 · SSL/TLS".into(),
            options: "</td><script>".into(),
        };
        let html = rows_html(&[row]);
        assert!(html.contains("a&amp;b.example"), "{html}");
        assert!(html.contains("&lt;imap&gt;"), "{html}");
        assert!(html.contains("&lt;/td&gt;&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"<a href="/domains/7">Edit</a>"#), "{html}");
        assert_eq!(html.matches("<tr>").count(), 1);
    }
}
