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
use crate::components::{ErrorSummary, LockedValues, Refusal, SubmitButton, TextField};
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
    let shown = probe_shown(query, connect);
    let progress = poll_probe(shown);
    let prefill = Resource::new(
        move || email.get(),
        |email| async move {
            match email {
                Some(e) => connect_form(e).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let step = Signal::derive(move || match (email.get(), shown.get()) {
        (_, Some(_)) => 3,
        (Some(_), None) => 2,
        (None, None) => 1,
    });
    let finished = Signal::derive(move || {
        progress.with(|p| matches!(p, Some(Ok(Some(v))) if v.state != ProbeState::Running))
    });
    view! {
        <Title text="Connect your inbox · Mail domain settings"/>
        <section class="connect">
            <h1>"Connect your inbox"</h1>
            <Steps step/>
            {move || match email.get() {
                None => view! { <EmailStep/> }.into_any(),
                Some(address) => view! {
                    <p>"Email address: "<strong>{address}</strong>" · "
                        <a href="/inboxes/connect">"Use another address"</a></p>
                }.into_any(),
            }}
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || prefill.get().map(|r| prefill_view(r, connect))}
            </Suspense>
            // In a Transition, so the server waits for the test's result (the page a form post
            // without JavaScript lands on, `?probe=ID`, must say so too). The steps show live
            // while the test runs; once it has finished, the outcome leads and the whole report
            // is one click away.
            <Transition fallback=|| ()>
                {move || outcome(progress)}
                <Show when=move || shown.get().is_some()>
                    <details class="full-report" open=move || !finished.get()>
                        <summary>"Full connection test report"</summary>
                        <ProbeResult progress saved=None/>
                    </details>
                </Show>
            </Transition>
        </section>
    }
}

/// Where the user is: the address, signing in, the result.
#[component]
fn Steps(step: Signal<u8>) -> impl IntoView {
    let item = move |n: u8, label: &'static str| {
        view! {
            <li class=("done", move || step.get() > n)
                aria-current=move || (step.get() == n).then_some("step")>{label}</li>
        }
    };
    view! {
        <ol class="progress-steps" aria-label="Steps">
            {item(1, "Email address")}
            {item(2, "Sign in")}
            {item(3, "Result")}
        </ol>
    }
}

/// What the finished test means for the user: connected, or the one thing to fix.
fn outcome(progress: ProbeProgress) -> Option<AnyView> {
    progress.with(|p| {
        let view = p.as_ref()?.as_ref().ok()?.as_ref()?;
        match (&view.state, &view.report) {
            (ProbeState::Running, _) => None,
            (ProbeState::Finished, Some(report)) if report.ok => Some(
                view! {
                    <div class="connect-result toast" role="status">
                        <h2>"Your inbox is connected."</h2>
                        <p><a href="/inboxes">"Go to your inboxes"</a></p>
                    </div>
                }
                .into_any(),
            ),
            (ProbeState::Finished, Some(report)) => report.verdict.as_ref().map(|v| {
                let fix = v.remediation.first().cloned();
                view! {
                    <div class="connect-result form-error" role="alert">
                        <h2>{format!("Not connected: {}", v.title)}</h2>
                        <p>{v.detail.clone()}</p>
                        {fix.map(|f| view! { <p><strong>"What to do: "</strong>{f}</p> })}
                    </div>
                }
                .into_any()
            }),
            _ => Some(
                view! {
                    <p class="connect-result form-error" role="alert">
                        "The connection test did not finish (the server restarted). Connect again."
                    </p>
                }
                .into_any(),
            ),
        }
    })
}

/// The connection test to show: the one Connect just started, else the one named in the URL.
fn probe_shown(query: Memo<ParamsMap>, connect: ServerAction<ConnectInbox>) -> Memo<Option<i32>> {
    let from_url = Memo::new(move |_| query.with(|q| q.get("probe").and_then(|p| p.parse().ok())));
    Memo::new(move |_| match connect.value().get() {
        Some(Ok(id)) => Some(id),
        _ => from_url.get(),
    })
}

/// The first step: the address, posted as a query (works without JavaScript).
#[component]
fn EmailStep() -> impl IntoView {
    view! {
        <form method="get" action="/inboxes/connect" class="email-step">
            <TextField id="email" name="email" label="Email address" kind="email"
                value="" error=Signal::derive(|| None::<String>)
                autocomplete="email" required=true/>
            <button type="submit" class="primary">"Continue"</button>
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
            <SubmitButton pending class="primary">"Connect"</SubmitButton>
        </ActionForm>
    }
}

/// The domain's settings, shown as values: the user cannot change them.
#[component]
fn ManagedSettings(settings: DomainSettingsForm) -> impl IntoView {
    let security = |s: &str| {
        domain::Security::parse(s).map_or_else(|_| s.to_string(), |s| s.label().to_string())
    };
    let rows = vec![
        ("IMAP server", settings.imap_host.clone()),
        ("IMAP port", settings.imap_port.clone()),
        ("IMAP security", security(&settings.imap_security)),
        ("SMTP server", settings.smtp_host.clone()),
        ("SMTP port", settings.smtp_port.clone()),
        ("SMTP security", security(&settings.smtp_security)),
    ];
    view! {
        <LockedValues reason="Set by your administrator" rows/>
        <p class="field-hint">"These settings apply to every inbox of this domain; only your sign-in is asked for."</p>
    }
}
