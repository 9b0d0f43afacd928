//! A connection test's report: the five steps in seed order, each with its outcome and time,
//! the verdict with the seed's remediation, and what the servers showed (TLS facts, greeting).

use leptos::form::ActionForm;
use leptos::prelude::*;
use probe::{Outcome, StepName, StepReport, TlsFacts};

use crate::api::probes::PinCertificate;
use crate::components::SubmitButton;
use services::views::{ProbeState, ProbeView};

fn step_label(name: StepName) -> &'static str {
    name.label()
}

#[component]
pub fn ProbeReportView(view: ProbeView, saved: Option<(i32, i32)>) -> impl IntoView {
    let running = view.state == ProbeState::Running;
    let steps = step_items(&view, saved);
    let summary = summary(&view);
    let tested = tested_settings(&view);
    view! {
        <section class="probe-report" aria-labelledby="probe-title" aria-busy=running.to_string()>
            <h3 id="probe-title">"Connection test"</h3>
            <p class="field-hint">{format!("{tested} · started {} by {}", view.started_at, view.actor_email)}</p>
            <ol class="steps" aria-live="polite">{steps}</ol>
            {summary}
        </section>
    }
}

/// One list item per step, in seed order, with its outcome (and details once it has one).
fn step_items(view: &ProbeView, saved: Option<(i32, i32)>) -> impl IntoView {
    let running = view.state == ProbeState::Running;
    // While running, the first step without a result is the one in progress.
    let current = StepName::ALL
        .into_iter()
        .find(|n| !view.steps.iter().any(|s| s.name == *n));
    StepName::ALL
        .into_iter()
        .map(|name| {
            let step = view.steps.iter().find(|s| s.name == name).cloned();
            let (class, status) = step_status(step.as_ref(), running, current == Some(name));
            view! {
                <li class=format!("step {class}")>
                    <span class="step-icon" aria-hidden="true"></span>
                    <span class="step-name">{step_label(name)}</span>
                    <span class="step-status">{status}</span>
                    {step.map(|s| view! { <StepDetails step=s saved probe_id=view.id/> })}
                </li>
            }
            .into_any()
        })
        .collect_view()
}

/// A step's class and status text.
fn step_status(step: Option<&StepReport>, running: bool, current: bool) -> (&'static str, String) {
    match (step, running && current) {
        (Some(s), _) => match s.outcome {
            Outcome::Passed => ("passed", format!("Passed in {} ms", s.elapsed_ms)),
            Outcome::Failed => ("failed", format!("Failed after {} ms", s.elapsed_ms)),
            Outcome::Skipped => ("skipped", "Skipped".to_string()),
        },
        (None, true) => ("running", "Running…".to_string()),
        (None, false) if running => ("waiting", "Waiting".to_string()),
        (None, false) => ("skipped", "Not run".to_string()),
    }
}

/// The verdict, or what the test is doing.
fn summary(view: &ProbeView) -> AnyView {
    match (&view.state, &view.report) {
        (ProbeState::Running, _) => view! { <p role="status">"Testing the connection…"</p> }.into_any(),
        (ProbeState::Interrupted, _) => view! {
            <p class="form-error" role="alert">"This connection test was interrupted (the server restarted). Run it again."</p>
        }.into_any(),
        (ProbeState::Finished, Some(report)) => match &report.verdict {
            None => view! {
                <p class="verdict ok" role="status">{format!("Connection test passed: all five steps succeeded in {} ms. These settings can be saved.", report.total_ms)}</p>
            }.into_any(),
            Some(v) => {
                let field = v.field.map(|f| format!("Check: {}", field_label(f)));
                view! {
                    <div class="verdict failed" role="alert">
                        <p><strong>{v.title.clone()}</strong></p>
                        <p>{v.detail.clone()}</p>
                        {field.map(|f| view! { <p>{f}</p> })}
                        <ul>{v.remediation.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                    </div>
                }.into_any()
            }
        },
        (ProbeState::Finished, None) => ().into_any(),
    }
}

/// The settings tested, in one line.
fn tested_settings(view: &ProbeView) -> String {
    let s = &view.settings;
    format!(
        "IMAP {}:{} {} · SMTP {}:{} {}",
        s.imap_host,
        s.imap_port,
        s.imap_security.label(),
        s.smtp_host,
        s.smtp_port,
        s.smtp_security.label()
    )
}

fn field_label(f: probe::Field) -> &'static str {
    match f {
        probe::Field::ImapHost => "IMAP server",
        probe::Field::ImapPort => "IMAP port",
        probe::Field::ImapSecurity => "IMAP security",
        probe::Field::SmtpHost => "SMTP server",
        probe::Field::SmtpPort => "SMTP port",
        probe::Field::SmtpSecurity => "SMTP security",
        probe::Field::AllowNonSecureCertificate => "Allow non-secure certificate",
        probe::Field::PinnedCertificate => "the pinned certificate",
        probe::Field::Username => "the username",
        probe::Field::Password => "the password",
        probe::Field::TestRecipient => "the test email address",
    }
}

#[component]
fn StepDetails(step: StepReport, saved: Option<(i32, i32)>, probe_id: i32) -> impl IntoView {
    let leg = match step.name {
        StepName::ImapConnect => Some("imap"),
        StepName::SmtpConnect => Some("smtp"),
        _ => None,
    };
    let e = step.evidence;
    let has_evidence = e.greeting.is_some() || e.failing_line.is_some() || !e.notes.is_empty();
    let source = step.source.clone().filter(|_| leg.is_some());
    view! {
        {source.map(|ip| view! { <p class="field-hint">{format!("Connected from {ip}")}</p> })}
        {step.failure.map(|f| view! { <p class="step-detail">{f.detail}</p> })}
        {step.tls.map(|tls| view! { <TlsSummary tls leg saved probe_id/> })}
        {has_evidence.then(|| view! {
            <details>
                <summary>"Server evidence"</summary>
                <dl class="facts">
                    {e.greeting.map(|g| view! { <dt>"Greeting"</dt><dd><code>{g}</code></dd> })}
                    {e.failing_line.map(|l| view! { <dt>"Failing response"</dt><dd><code>{l}</code></dd> })}
                    {(!e.notes.is_empty()).then(|| view! { <dt>"Notes"</dt><dd>{e.notes.join(" · ")}</dd> })}
                </dl>
            </details>
        })}
    }
}

#[component]
fn TlsSummary(
    tls: TlsFacts,
    leg: Option<&'static str>,
    saved: Option<(i32, i32)>,
    probe_id: i32,
) -> impl IntoView {
    let pin = ServerAction::<PinCertificate>::new();
    let can_pin = tls.sha256_fingerprint.is_some() && saved.is_some() && leg.is_some();
    let fact = |label: &'static str, value: Option<String>| {
        value.map(|v| view! { <dt>{label}</dt><dd>{v}</dd> })
    };
    view! {
        <dl class="facts">
            {fact("TLS", tls.version.map(|v| match tls.cipher { Some(c) => format!("{v}, {c}"), None => v }))}
            {fact("Subject", tls.subject)}
            {fact("Names (SAN)", (!tls.sans.is_empty()).then(|| tls.sans.join(", ")))}
            {fact("Issuer", tls.issuer)}
            {fact("Expires", tls.not_after)}
            {fact("SHA-256", tls.sha256_fingerprint.clone())}
            {fact("Accepted despite", tls.accepted_despite)}
        </dl>
        {(!tls.warnings.is_empty()).then(|| view! {
            <ul class="tls-warnings">{tls.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
        })}
        {can_pin.then(|| {
            let (id, version) = saved.unwrap_or_default();
            view! {
                <ActionForm action=pin attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="version" value=version/>
                    <input type="hidden" name="probe_id" value=probe_id/>
                    <input type="hidden" name="leg" value=leg.unwrap_or_default()/>
                    <SubmitButton pending=pin.pending()>{format!("Pin this {} certificate", leg.unwrap_or_default().to_uppercase())}</SubmitButton>
                </ActionForm>
                {move || pin.value().get().and_then(Result::err).map(|e| view! {
                    <p class="form-error" role="alert">{e.to_string()}</p>
                })}
            }
        })}
    }
}
