//! The domain IMAP settings screen: the list of domains on the left, the add/edit panel on the
//! right (seed 002).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::domains::{list_domains, CreateDomain, DeleteDomain, UpdateDomain};
use crate::api::rollout::unconfigured_domains;
use crate::components::Refusal;
use crate::error::AppError;
use services::views::ConnectionAttemptView;

/// The server actions of the screen, shared by the list and the panel: the list refreshes
/// whenever one of them completes.
#[derive(Clone, Copy)]
pub(super) struct DomainActions {
    pub(super) create: ServerAction<CreateDomain>,
    pub(super) update: ServerAction<UpdateDomain>,
    pub(super) delete: ServerAction<DeleteDomain>,
}

pub(super) fn actions() -> DomainActions {
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
        // A Transition: the list and the open panel stay while anything in them reloads.
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
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
        </Transition>
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
        <table aria-label="Email domains" class="stack">
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
    use std::fmt::Write;
    // Long names and hosts may break after a dot, never inside a label that fits.
    let text = |s: &str| html_escape::encode_text(s).replace('.', ".<wbr>");
    let mut html = String::with_capacity(list.len() * 320);
    for d in list {
        let _ = write!(
            html,
            "<tr><th scope=\"row\" class=\"wrap\">{}</th><td class=\"wrap\">{}</td>\
             <td class=\"wrap\">{}</td><td>{}</td><td class=\"actions\">\
             <a href=\"/domains/{id}\">Edit</a> <a href=\"/domains/{id}/ips\">View connection IPs</a>\
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
    attempts: Resource<Result<std::sync::Arc<[ConnectionAttemptView]>, AppError>>,
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
    deleted.then(|| view! { <p class="toast" role="status">"Domain deleted"</p> })
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
        assert!(html.contains("a&amp;b.<wbr>example"), "{html}");
        assert!(html.contains("&lt;imap&gt;"), "{html}");
        assert!(html.contains("&lt;/td&gt;&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"<a href="/domains/7">Edit</a>"#), "{html}");
        assert_eq!(html.matches("<tr>").count(), 1);
    }
}
