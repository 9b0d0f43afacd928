//! "Connect your inbox": the user types their address; when the domain has settings they are
//! filled in and locked ("set by your administrator") and only the password (and a custom
//! username) is asked; otherwise the user enters them by hand. Connect runs the connection
//! test live; the inbox is connected only when it passes.

use domain::{DomainSettingsForm, Field};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::connection_test::{poll_probe, ProbeProgress, ProbeResult};
use super::server_fields::{ServerFieldset, IMAP, SMTP};
use crate::api::inboxes::{connect_form, ConnectInbox, ConnectPrefill};
use crate::components::{ErrorSummary, Refusal, TextField};
use crate::error::AppError;
use services::views::ProbeState;

#[component]
pub fn ConnectInboxPage() -> impl IntoView {
    let query = use_query_map();
    let email = Memo::new(move |_| {
        query
            .with(|q| q.get("email"))
            .filter(|e| !e.trim().is_empty())
    });
    let connect = ServerAction::<ConnectInbox>::new();
    let progress = poll_probe(probe_shown(query, connect));
    let prefill = Resource::new(
        move || email.get(),
        |email| async move {
            match email {
                Some(e) => connect_form(e).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let connected = test_passed(progress);
    view! {
        <Title text="Connect your inbox · Mail domain settings"/>
        <section class="connect">
            <h1>"Connect your inbox"</h1>
            <EmailStep email=email.get_untracked().unwrap_or_default()/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || prefill.get().map(|r| prefill_view(r, connect))}
            </Suspense>
            // In a Transition, so the server waits for the test's result (the page a form post
            // without JavaScript lands on, `?probe=ID`, must say so too).
            <Transition fallback=|| ()>
                <Show when=move || connected.get()>
                    <p class="status" role="status">
                        "Your inbox is connected. "<a href="/inboxes">"Go to your inboxes"</a>
                    </p>
                </Show>
            </Transition>
            <ProbeResult progress saved=None/>
        </section>
    }
}

/// The connection test to show: the one Connect just started, else the one named in the URL.
fn probe_shown(query: Memo<ParamsMap>, connect: ServerAction<ConnectInbox>) -> Memo<Option<i32>> {
    let from_url = Memo::new(move |_| query.with(|q| q.get("probe").and_then(|p| p.parse().ok())));
    Memo::new(move |_| match connect.value().get() {
        Some(Ok(id)) => Some(id),
        _ => from_url.get(),
    })
}

/// Whether the connection test finished and passed.
fn test_passed(progress: ProbeProgress) -> Signal<bool> {
    Signal::derive(move || {
        progress.with(|p| {
            matches!(p, Some(Ok(Some(v))) if v.state == ProbeState::Finished
                && v.report.as_ref().is_some_and(|r| r.ok))
        })
    })
}

/// The first step: the address, posted as a query (works without JavaScript).
#[component]
fn EmailStep(email: String) -> impl IntoView {
    view! {
        <form method="get" action="/inboxes/connect" class="email-step">
            <TextField id="email" name="email" label="Email address" kind="email"
                value=email error=Signal::derive(|| None::<String>)
                autocomplete="email" required=true/>
            <button type="submit">"Continue"</button>
        </form>
    }
}

/// What the address's domain asks for: the fields to fill, or why there are none.
fn prefill_view(
    prefill: Result<Option<ConnectPrefill>, AppError>,
    connect: ServerAction<ConnectInbox>,
) -> AnyView {
    match prefill {
        Err(AppError::Invalid { message, .. }) => view! {
            <p class="form-error" role="alert">{message}</p>
        }
        .into_any(),
        Err(error) => view! { <Refusal error/> }.into_any(),
        Ok(None) => ().into_any(),
        Ok(Some(prefill)) => view! { <ConnectFields prefill connect/> }.into_any(),
    }
}

#[component]
fn ConnectFields(prefill: ConnectPrefill, connect: ServerAction<ConnectInbox>) -> impl IntoView {
    let error = Signal::derive(move || connect.value().get().and_then(Result::err));
    let field_error = move |name: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.message_for(name)))
    };
    let general = Signal::derive(move || error.get().and_then(|e| e.general_message()));
    let settings = match prefill.managed.clone() {
        Some(managed) => view! { <ManagedSettings settings=managed/> }.into_any(),
        None => {
            let mut blank = DomainSettingsForm {
                domain: prefill.mail_domain.clone(),
                ..DomainSettingsForm::default()
            };
            blank.imap_security = "ssl".into();
            blank.smtp_security = "starttls".into();
            let form = RwSignal::new(blank.clone());
            let err = move |f: Field| {
                Signal::derive(move || error.get().and_then(|e| e.message_for(f.name())))
            };
            view! {
                <p class="lead">"Your administrator has not set up "<strong>{prefill.mail_domain.clone()}</strong>
                    ". Enter the IMAP and SMTP settings from your email provider."</p>
                <input type="hidden" name="settings[domain]" value=prefill.mail_domain.clone()/>
                <ServerFieldset leg=&IMAP initial=blank.clone() form err/>
                <ServerFieldset leg=&SMTP initial=blank form err/>
                <label class="check">
                    <input type="checkbox" name="settings[allow_non_secure_certificate]" value="true"/>
                    " Allow non-secure certificate"
                </label>
            }
            .into_any()
        }
    };
    let pending = connect.pending();
    view! {
        <ActionForm action=connect attr:class="connect-form">
            <input type="hidden" name="email" value=prefill.email.clone()/>
            {settings}
            <TextField id="username" name="username" label="Custom username (optional)"
                value="" error=field_error("username") autocomplete="off"
                hint="Only if your server expects a login name other than your email address."/>
            <TextField id="password" name="password" label="Password" kind="password"
                value="" error=field_error("password") autocomplete="current-password"
                hint="Your mailbox password or an app-specific password."/>
            <ErrorSummary message=general/>
            <button type="submit" class="primary" disabled=move || pending.get()>"Connect"</button>
        </ActionForm>
    }
}

/// The domain's settings, shown but not editable.
#[component]
fn ManagedSettings(settings: DomainSettingsForm) -> impl IntoView {
    let security = |s: &str| {
        domain::Security::parse(s).map_or_else(|_| s.to_string(), |s| s.label().to_string())
    };
    let rows = [
        ("IMAP server", settings.imap_host.clone()),
        ("IMAP port", settings.imap_port.clone()),
        ("IMAP security", security(&settings.imap_security)),
        ("SMTP server", settings.smtp_host.clone()),
        ("SMTP port", settings.smtp_port.clone()),
        ("SMTP security", security(&settings.smtp_security)),
    ];
    view! {
        <fieldset class="managed" disabled=true>
            <legend>"Server settings"</legend>
            <p class="field-hint">"Set by your administrator"</p>
            {rows.into_iter().map(|(label, value)| {
                let id = label.to_lowercase().replace(' ', "_");
                view! {
                    <div class="field">
                        <label for=id.clone()>{label}</label>
                        <input id=id value=value readonly=true aria-describedby="managed-hint"/>
                    </div>
                }
            }).collect_view()}
            <p id="managed-hint" class="field-hint">"These settings are set by your administrator for every inbox of this domain."</p>
        </fieldset>
    }
}
