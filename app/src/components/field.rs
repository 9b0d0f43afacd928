use leptos::prelude::*;

/// The message under an input: an error (linked to the input by `aria-describedby`) or a hint.
#[component]
pub fn FieldMessage(
    #[prop(into)] id: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into, default = None)] hint: Option<String>,
) -> impl IntoView {
    view! {
        <p id=format!("{id}-error") class="field-error" role="alert" hidden=move || error.get().is_none()>
            {move || error.get().unwrap_or_default()}
        </p>
        {hint.map(|h| view! { <p id=format!("{id}-hint") class="field-hint">{h}</p> })}
    }
}

/// A labelled text input. `check` runs on every keystroke in the browser (the same parser the
/// server uses), so the admin sees the server's message before submitting.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    /// The server's verdict on the last submission.
    #[prop(into)]
    error: Signal<Option<String>>,
    #[prop(optional)] check: Option<fn(&str) -> Option<String>>,
    #[prop(optional, into)] on_value: Option<Callback<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    // None until the admin edits the field; then the browser-side check replaces the server's.
    let live: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    let shown = Signal::derive(move || live.get().unwrap_or_else(|| error.get()));
    let described = {
        let id = id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = vec![format!("{id}-error")];
            if has_hint {
                ids.push(format!("{id}-hint"));
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:invalid=move || shown.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                value=value
                required=required
                autocomplete=autocomplete
                inputmode=inputmode
                aria-invalid=move || shown.get().is_some().to_string()
                aria-describedby=described
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    if let Some(check) = check {
                        live.set(Some(check(&text)));
                    }
                    if let Some(cb) = on_value {
                        cb.run(text);
                    }
                }
            />
            <FieldMessage id=id error=shown hint=hint/>
        </div>
    }
}

#[component]
pub fn Checkbox(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    checked: bool,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] on_value: Option<Callback<bool>>,
    /// The server's verdict on the last submission, if it is about this checkbox.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    view! {
        <div class="field checkbox" class:invalid=move || error.get().is_some()>
            <input
                id=id.clone()
                name=name
                type="checkbox"
                value="on"
                checked=checked
                aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                on:change=move |ev| {
                    if let Some(cb) = on_value {
                        cb.run(event_target_checked(&ev));
                    }
                }
            />
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p id=hint_id class="field-hint">{h}</p> })}
            <p id=error_id class="field-error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// A form-level error message (not tied to one input).
#[component]
pub fn ErrorSummary(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="form-error" role="alert">{move || message.get().unwrap_or_default()}</p>
        </Show>
    }
}
