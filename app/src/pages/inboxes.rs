//! "Your inboxes": each inbox with its status (connected, checking, disconnected with the seed
//! category, cause and remediation), when it was last checked, a new password form, and
//! removal. Shared with the domain panel's inbox table.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::inboxes::{my_inboxes, RemoveInbox, UpdateInboxPassword};
use crate::components::{Confirm, ErrorSummary, Refusal, SubmitButton, TextField};
use domain::InboxState;
use services::views::InboxView;

#[component]
pub fn InboxesPage() -> impl IntoView {
    let update = ServerAction::<UpdateInboxPassword>::new();
    let remove = ServerAction::<RemoveInbox>::new();
    let query = use_query_map();
    let inboxes = Resource::new(
        move || (update.version().get(), remove.version().get(), query.get()),
        |_| my_inboxes(),
    );
    let status = move || {
        query.with(|q| {
            if q.get("removed").is_some() {
                Some("Inbox removed")
            } else if q.get("updated").is_some() {
                Some("Password updated: the inbox is connected")
            } else {
                None
            }
        })
    };
    view! {
        <Title text="Your inboxes · Mail domain settings"/>
        <section class="inboxes">
            <div class="list-head">
                <h1>"Your inboxes"</h1>
                <A href="/inboxes/connect" attr:class="button primary">"Connect your inbox"</A>
            </div>
            {move || status().map(|s| view! { <p class="toast" role="status">{s}</p> })}
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || inboxes.get().map(|r| match r {
                    Err(error) => view! { <Refusal error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No inboxes yet. Click Connect your inbox to add one."</p>
                    }.into_any(),
                    Ok(list) => list.into_iter().map(|inbox| view! {
                        <InboxCard inbox update remove/>
                    }).collect_view().into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The status as a word, with the seed's category when disconnected.
#[component]
pub fn InboxStatus(inbox: InboxView) -> impl IntoView {
    let class = format!("badge {}", inbox.state.as_str());
    let failure = (inbox.state == InboxState::Disconnected).then(|| {
        let step = inbox.failed_step.clone().map(|s| format!(" (at {s})"));
        view! {
            <div class="inbox-failure" role="alert">
                <strong>{inbox.category_title.clone()}</strong>{step}
                <p>{inbox.detail.clone()}</p>
                <ul>{inbox.remediation.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
            </div>
        }
    });
    view! {
        <span class=class>{inbox.state.label()}</span>
        {failure}
    }
}

#[component]
fn InboxCard(
    inbox: InboxView,
    update: ServerAction<UpdateInboxPassword>,
    remove: ServerAction<RemoveInbox>,
) -> impl IntoView {
    let id = inbox.id;
    let last = last_checked(&inbox);
    let source = if inbox.managed {
        "Settings set by your administrator"
    } else {
        "Settings you entered"
    };
    let username = inbox.username.clone().unwrap_or_default();
    view! {
        <article class="inbox" aria-label=inbox.email.clone()>
            <h2>{inbox.email.clone()}</h2>
            <InboxStatus inbox=inbox.clone()/>
            <p class="field-hint">{last}</p>
            <dl>
                <dt>"IMAP"</dt><dd>{inbox.imap.clone()}</dd>
                <dt>"SMTP"</dt><dd>{inbox.smtp.clone()}</dd>
            </dl>
            <p class="field-hint">{source}</p>
            <p><a href=format!("/inboxes/{id}/mail.mobileconfig") download=true rel="external">
                "Apple profile (.mobileconfig)"</a>
                <span class="field-hint">" For iPhone, iPad and Mac: installs this account with these settings; it asks for your password."</span></p>
            <NewPasswordForm id username open=inbox.state == InboxState::Disconnected update/>
            <Confirm label="Disconnect inbox"
                question="The product stops using this inbox and forgets its password. You can connect it again later.">
                <ActionForm action=remove>
                    <input type="hidden" name="id" value=id/>
                    <SubmitButton pending=remove.pending() class="danger">"Yes, disconnect this inbox"</SubmitButton>
                </ActionForm>
            </Confirm>
            <ErrorSummary message=Signal::derive(move || {
                remove.value().get().and_then(Result::err).map(|e| e.to_string())
            })/>
        </article>
    }
}

fn last_checked(inbox: &InboxView) -> String {
    match (&inbox.last_checked, &inbox.last_connected) {
        (Some(c), Some(k)) => format!("Last checked {c} · last connected {k}"),
        (Some(c), None) => format!("Last checked {c}"),
        _ => "Not checked yet".to_string(),
    }
}

/// "Enter a new password" (and a custom username), open while the inbox is disconnected.
#[component]
fn NewPasswordForm(
    id: i32,
    username: String,
    open: bool,
    update: ServerAction<UpdateInboxPassword>,
) -> impl IntoView {
    // The error of the last update, when it was this inbox's.
    let error = Signal::derive(move || {
        update.value().get().and_then(Result::err).filter(|_| {
            update
                .input()
                .with(|i| i.as_ref().is_none_or(|i| i.id == id))
        })
    });
    let password_error = Signal::derive(move || error.get().map(|e| e.to_string()));
    view! {
        <details open=open>
            <summary>"Enter a new password"</summary>
            <ActionForm action=update>
                <input type="hidden" name="id" value=id/>
                <TextField id=format!("username-{id}") name="username" label="Custom username (optional)"
                    value=username error=Signal::derive(|| None::<String>) autocomplete="off"
                    hint="Only if your server expects a login name other than your email address."/>
                <TextField id=format!("password-{id}") name="password" label="Password" kind="password"
                    value="" error=password_error autocomplete="off"
                    hint="Your mailbox password or an app password. It is checked with an IMAP and an SMTP login before it is saved."/>
                <SubmitButton pending=update.pending()>"Update password"</SubmitButton>
            </ActionForm>
        </details>
    }
}
