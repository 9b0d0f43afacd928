//! The add/edit form of the right-hand panel. The same form posts without JavaScript; with it,
//! every field is checked as it is typed, by the parsers the server uses.

use domain::{DomainSettingsForm, Field, FieldErrors, FieldWarning, MailDomain};
use leptos::form::ActionForm;
use leptos::prelude::*;

use super::connection_test::{fault_message, ProbeProgress, ProbeResult, TestConnection};
use super::server_fields::{ServerFieldset, IMAP, SMTP};
use super::sign_in_fields::SignInFieldset;
use crate::api::domains::{CreateDomain, UpdateDomain};
use crate::api::probes::StartProbe;
use crate::components::{Checkbox, ErrorSummary, SubmitButton, TextField};
use crate::error::AppError;
use services::views::DomainView;

pub enum FormMode {
    Create(ServerAction<CreateDomain>),
    Edit(ServerAction<UpdateDomain>, Box<DomainView>),
}

fn check_domain(v: &str) -> Option<String> {
    MailDomain::parse(v).err().map(|e| e.to_string())
}

/// What the last submission said: field errors, a conflict, or another error.
#[derive(Clone, Default)]
struct Outcome {
    errors: FieldErrors,
    values: Option<DomainSettingsForm>,
    conflict: Option<(Vec<domain::FieldChange>, i32)>,
    unverified: bool,
    /// The version the refused form was editing (kept across the round trip).
    edited_version: Option<i32>,
    general: Option<String>,
}

fn outcome(err: Option<AppError>) -> Outcome {
    match err {
        None => Outcome::default(),
        Some(AppError::InvalidSettings {
            errors,
            values,
            edited_version,
        }) => Outcome {
            errors: errors.get().unwrap_or_default(),
            values: values.get(),
            edited_version,
            ..Outcome::default()
        },
        Some(AppError::Unverified {
            values,
            edited_version,
        }) => Outcome {
            values: values.get(),
            unverified: true,
            edited_version,
            ..Outcome::default()
        },
        Some(AppError::Invalid { field: Some(_), .. }) => Outcome::default(),
        Some(AppError::Conflict {
            changes,
            current_version,
            values,
        }) => Outcome {
            values: values.get(),
            conflict: Some((changes.get().unwrap_or_default(), current_version)),
            ..Outcome::default()
        },
        Some(other) => Outcome {
            general: Some(other.to_string()),
            ..Outcome::default()
        },
    }
}

/// What the form shows of the last submission: field errors, the conflict, the general error,
/// the refused values, whether it was unverified, and the version being edited.
type Submitted = (
    FieldErrors,
    Option<(Vec<domain::FieldChange>, i32)>,
    Option<String>,
    Option<DomainSettingsForm>,
    bool,
    Option<i32>,
);

#[component]
pub fn DomainForm(
    mode: FormMode,
    start: ServerAction<StartProbe>,
    progress: ProbeProgress,
    /// The values a connection test named in the URL tested (shown instead of the stored ones).
    tested: Option<DomainSettingsForm>,
    /// The redirect URI to register with an OAuth provider (unknown without a public URL).
    redirect_uri: Option<String>,
    /// For a saved domain: how many inboxes the change affects, and "Try on a sample".
    #[prop(optional)]
    impact: Option<ViewFn>,
) -> impl IntoView {
    let (last_error, stored, submit_label) = mode_parts(&mode, start);
    let result = submitted(last_error);
    // Values shown in the inputs: what was typed when the server refused it, else what is stored.
    let initial = result
        .get_untracked()
        .3
        .or(tested)
        .or_else(|| stored.as_ref().map(|d| d.settings.to_form()))
        .unwrap_or_default();
    let form = RwSignal::new(initial.clone());
    let err = move |f: Field| field_error(result, progress, f);
    let saved = stored.as_ref().map(|d| (d.id, d.version));
    let has_secret = stored.as_ref().is_some_and(|d| d.has_client_secret);
    let version =
        Signal::derive(move || result.with(|r| r.5).or(stored.as_ref().map(|d| d.version)));
    let fields = view! {
        <DomainFields result initial form err impact start progress has_secret redirect_uri/>
    };

    match mode {
        FormMode::Create(action) => view! {
            <ActionForm action=action>
                {fields}
                <SubmitButton pending=action.pending() class="primary">{submit_label}</SubmitButton>
            </ActionForm>
            <ProbeResult progress saved/>
        }
        .into_any(),
        FormMode::Edit(action, d) => {
            let (id, stored_version) = (d.id, d.version);
            view! {
            <ActionForm action=action>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" prop:value=move || version.get().unwrap_or(stored_version)
                    value=version.get_untracked().unwrap_or(stored_version)/>
                {fields}
                <SubmitButton pending=action.pending() class="primary">{submit_label}</SubmitButton>
            </ActionForm>
            <ProbeResult progress saved/>
            }
            .into_any()
        }
    }
}

/// The error of the last save or connection test, the stored domain (when editing) and the
/// submit button's label.
fn mode_parts(
    mode: &FormMode,
    start: ServerAction<StartProbe>,
) -> (
    Signal<Option<AppError>>,
    Option<Box<DomainView>>,
    &'static str,
) {
    match mode {
        FormMode::Create(a) => {
            let a = *a;
            (
                Signal::derive(move || {
                    a.value()
                        .get()
                        .and_then(Result::err)
                        .or_else(|| start.value().get().and_then(Result::err))
                }),
                None,
                "Add IMAP settings",
            )
        }
        FormMode::Edit(a, d) => {
            let a = *a;
            (
                Signal::derive(move || {
                    a.value()
                        .get()
                        .and_then(Result::err)
                        .or_else(|| start.value().get().and_then(Result::err))
                }),
                Some(d.clone()),
                "Update",
            )
        }
    }
}

fn submitted(last_error: Signal<Option<AppError>>) -> Memo<Submitted> {
    Memo::new(move |_| {
        let o = outcome(last_error.get());
        (
            o.errors.clone(),
            o.conflict.clone(),
            o.general.clone(),
            o.values.clone(),
            o.unverified,
            o.conflict.as_ref().map(|c| c.1).or(o.edited_version),
        )
    })
}

/// A field's message: the server's refusal of it, else the connection test's fault with it.
fn field_error(
    result: Memo<Submitted>,
    progress: ProbeProgress,
    f: Field,
) -> Signal<Option<String>> {
    let fault = fault_message(progress, f.name());
    Signal::derive(move || {
        result
            .with(|r| r.0.get(f).map(str::to_string))
            .or_else(|| fault.get())
    })
}

/// The form's fields and notices, between its hidden inputs and its submit button.
#[component]
fn DomainFields(
    result: Memo<Submitted>,
    initial: DomainSettingsForm,
    form: RwSignal<DomainSettingsForm>,
    err: impl Fn(Field) -> Signal<Option<String>> + Copy,
    impact: Option<ViewFn>,
    start: ServerAction<StartProbe>,
    progress: ProbeProgress,
    has_secret: bool,
    redirect_uri: Option<String>,
) -> impl IntoView {
    let unverified = Signal::derive(move || result.with(|r| r.4));
    let general = Signal::derive(move || result.with(|r| r.2.clone()));
    let warnings = Memo::new(move |_| {
        form.with(|f| f.parse().map(|s| domain::warnings(&s)).unwrap_or_default())
    });
    let set = move |apply: fn(&mut DomainSettingsForm, String)| {
        Callback::new(move |v: String| form.update(|f| apply(f, v)))
    };
    view! {
        <ErrorSummary message=general/>
        <ConflictNotice conflict=Signal::derive(move || result.with(|r| r.1.clone()))/>
        <TextField id="domain" name="settings[domain]" label=Field::Domain.label()
            value=initial.domain.clone() error=err(Field::Domain) check=check_domain required=true
            hint="The part after the @ of the addresses, e.g. example.com."
            on_value=set(|f, v| f.domain = v)/>
        <ServerFieldset leg=&IMAP initial=initial.clone() form err/>
        <ServerFieldset leg=&SMTP initial=initial.clone() form err/>
        <SignInFieldset initial=initial.clone() form err has_secret redirect_uri/>
        <Checkbox id="allow_non_secure_certificate" name="settings[allow_non_secure_certificate]"
            label=Field::AllowNonSecureCertificate.label() checked=initial.allow_non_secure_certificate
            hint="Only if your SSL certificate is not signed by a Certificate Authority."/>
        <Checkbox id="use_static_ips" name="settings[use_static_ips]"
            label=Field::UseStaticIps.label() checked=initial.use_static_ips error=err(Field::UseStaticIps)
            hint="Connect from fixed IP ranges that your firewall can allowlist."/>
        <WarningList warnings=Signal::derive(move || warnings.get())/>
        <p class="notice">"When you edit a domain's settings, you are editing the settings for all inboxes in this domain. If you enter incorrect settings, all inboxes in this domain will disconnect."</p>
        {impact.map(|v| v.run())}
        <TestConnection start progress/>
        <UnverifiedNotice unverified/>
    }
}

#[component]
fn UnverifiedNotice(unverified: Signal<bool>) -> impl IntoView {
    view! {
        <Show when=move || unverified.get()>
            <div class="conflict" role="alert">
                <p><strong>"These settings have not passed a connection test."</strong></p>
                <p>"When you edit a domain's settings, you are editing the settings for all inboxes in this domain. If you enter incorrect settings, all inboxes in this domain will disconnect. Test the connection first, or save anyway."</p>
                <button type="submit" name="save_anyway" value="on" class="danger">"Save anyway"</button>
            </div>
        </Show>
    }
}

#[component]
fn WarningList(warnings: Signal<Vec<FieldWarning>>) -> impl IntoView {
    view! {
        <Show when=move || !warnings.with(Vec::is_empty)>
            <div class="warnings" role="status">
                <p><strong>"Check before saving:"</strong></p>
                <ul>
                    {move || warnings.get().into_iter().map(|w| view! {
                        <li>{w.field.label()}": "{w.message}</li>
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

#[component]
fn ConflictNotice(conflict: Signal<Option<(Vec<domain::FieldChange>, i32)>>) -> impl IntoView {
    view! {
        <Show when=move || conflict.with(Option::is_some)>
            <div class="conflict" role="alert">
                <p><strong>"Someone else changed these settings while you were editing."</strong></p>
                <p>"Saved by the other admin:"</p>
                <ul>
                    {move || conflict.get().map(|(changes, _)| changes.into_iter().map(|c| view! {
                        <li>{c.field.label()}": "{c.before.unwrap_or_else(|| "—".into())}" → "{c.after.unwrap_or_else(|| "—".into())}</li>
                    }).collect_view())}
                </ul>
                <p>"Your values are kept below. Review them, then click Update to save them over the other admin's changes."</p>
            </div>
        </Show>
    }
}
