//! "Test connection" in the domain panel: the test mailbox's credentials, the button, and the
//! probe's live progress. Without JavaScript the button posts the whole form to the probe,
//! which answers with the finished report; with it, the steps appear as they finish.

use std::time::Duration;

use leptos::prelude::*;

use super::probe_report::ProbeReportView;
use crate::api::probes::{probe_progress, StartProbe};
use crate::components::{ErrorSummary, TextField};
use crate::error::AppError;
use services::views::{ProbeState, ProbeView};

pub type ProbeProgress = Resource<Result<Option<ProbeView>, AppError>>;

/// The probe shown in the panel: the one just started, else the one named in the URL
/// (`?probe=ID`), polled while it runs.
pub fn use_probe_progress(
    start: ServerAction<StartProbe>,
    from_url: Memo<Option<i32>>,
) -> ProbeProgress {
    let probe_id = Memo::new(move |_| match start.value().get() {
        Some(Ok(id)) => Some(id),
        _ => from_url.get(),
    });
    poll_probe(probe_id)
}

/// The probe `probe_id` names, polled while it runs.
pub fn poll_probe(probe_id: Memo<Option<i32>>) -> ProbeProgress {
    let tick = RwSignal::new(0u32);
    let progress = Resource::new(
        move || (probe_id.get(), tick.get()),
        |(id, _)| async move {
            match id {
                Some(id) => probe_progress(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    Effect::new(move |_| {
        let running = progress
            .with(|p| matches!(p, Some(Ok(Some(view))) if view.state == ProbeState::Running));
        if running {
            set_timeout(move || tick.update(|t| *t += 1), Duration::from_millis(400));
        }
    });
    progress
}

/// The message to show under a form field the finished probe blames, keyed by the input's id.
pub fn fault_message(progress: ProbeProgress, input_id: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || {
        progress.with(|p| {
            let verdict = p
                .as_ref()?
                .as_ref()
                .ok()?
                .as_ref()?
                .report
                .as_ref()?
                .verdict
                .as_ref()?;
            let blamed = match verdict.field? {
                probe::Field::ImapHost | probe::Field::PinnedCertificate => "imap_host",
                probe::Field::ImapPort => "imap_port",
                probe::Field::ImapSecurity => "imap_security",
                probe::Field::SmtpHost => "smtp_host",
                probe::Field::SmtpPort => "smtp_port",
                probe::Field::SmtpSecurity => "smtp_security",
                probe::Field::AllowNonSecureCertificate => "allow_non_secure_certificate",
                probe::Field::Username => "probe_username",
                probe::Field::Password => "probe_password",
                probe::Field::TestRecipient => "probe_email",
            };
            (blamed == input_id)
                .then(|| format!("Connection test: {} — {}", verdict.title, verdict.detail))
        })
    })
}

/// The probe's report, shown below the form (it holds forms of its own, for pinning).
#[component]
pub fn ProbeResult(
    progress: ProbeProgress,
    /// The saved domain (id, version), for pinning a certificate the probe saw.
    saved: Option<(i32, i32)>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || progress.get().map(|p| match p {
                Ok(Some(view)) => view! { <ProbeReportView view saved/> }.into_any(),
                Ok(None) => ().into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The inputs of the form around the clicked button, for an action other than the form's own:
/// `None` when there is no form (the browser posts it), `Some(None)` when they do not parse.
pub fn inputs_of_form<A: leptos::form::FromFormData>(
    ev: &leptos::ev::MouseEvent,
) -> Option<Option<A>> {
    use leptos::wasm_bindgen::JsCast;
    let form = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlButtonElement>().ok())
        .and_then(|b| b.form())?;
    ev.prevent_default();
    Some(
        leptos::web_sys::FormData::new_with_form(&form)
            .ok()
            .and_then(|data| A::from_form_data(&data).ok()),
    )
}

/// The credentials and the button, inside the domain form (so they post its values).
#[component]
pub fn TestConnection(start: ServerAction<StartProbe>, progress: ProbeProgress) -> impl IntoView {
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let field_error = move |name: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.message_for(name)))
    };
    let general = Signal::derive(move || error.get().and_then(|e| e.general_message()));
    let pending = start.pending();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if pending.get_untracked() {
            ev.prevent_default(); // one test at a time (the button keeps the focus)
            return;
        }
        let Some(parsed) = inputs_of_form::<StartProbe>(&ev) else {
            return; // no form: let the browser post it
        };
        match parsed {
            Some(input) => {
                start.dispatch(input);
            }
            None => start.value().set(Some(Err(AppError::invalid(
                "probe_email",
                "Fill in the test mailbox's email address and password.",
            )))),
        }
    };
    view! {
        <fieldset class="test-connection">
            <legend>"Test connection"</legend>
            <p class="field-hint">"Checks these settings against the real servers: IMAP connect, IMAP login, SMTP connect, SMTP login, and a test email. The password is used for this test only and never stored."</p>
            <ErrorSummary message=general/>
            <TextField id="probe_email" name="probe_email" label="Test mailbox email" kind="email"
                value="" error=field_error("probe_email") autocomplete="off"/>
            <TextField id="probe_username" name="probe_username" label="Custom username (optional)"
                value="" error=field_error("probe_username") autocomplete="off"
                hint="Only if the server expects a login name other than the email address."/>
            <TextField id="probe_password" name="probe_password" label="Mailbox password" kind="password"
                value="" error=Signal::derive(move || field_error("probe_password").get().or_else(|| fault_message(progress, "probe_password").get()))
                autocomplete="off" hint="The password or an app-specific password."/>
            <button type="submit" formaction="/api/start_probe" formnovalidate=true
                aria-disabled=move || pending.get().then_some("true")
                aria-busy=move || pending.get().then_some("true") on:click=on_click>
                "Test connection"
            </button>
        </fieldset>
    }
}
