//! The design system's moving parts (style/README.md): a submit button that shows its wait, a
//! destructive action that asks first, a value the user cannot change, and a time as "ago".

use leptos::prelude::*;

/// A form's submit button: while its action runs it is marked busy (a spinner) and refuses a
/// second submission, so the click shows at once. `aria-disabled` rather than `disabled`: a
/// disabled button drops the keyboard focus to the top of the page.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let busy = move || pending.get().then_some("true");
    view! {
        <button type="submit" class=class aria-disabled=busy aria-busy=busy
            on:click=move |ev| if pending.get_untracked() { ev.prevent_default() }>
            {children()}
        </button>
    }
}

/// A destructive action behind a question: the first click opens it, the button inside acts.
/// A `<details>`, so it works without JavaScript too.
#[component]
pub fn Confirm(
    #[prop(into)] label: String,
    /// What the action applies to, for screen readers when the label alone is ambiguous
    /// ("Revoke" in a table of tokens).
    #[prop(optional, into)]
    of: Option<String>,
    #[prop(into)] question: String,
    children: Children,
) -> impl IntoView {
    view! {
        <details class="confirm">
            <summary class="button danger">
                {label}{of.map(|of| view! { <span class="visually-hidden">" "{of}</span> })}
            </summary>
            <div class="confirm-body">
                <p>{question}</p>
                {children()}
            </div>
        </details>
    }
}

/// Values set elsewhere, shown as values (not as inputs) with a lock and the reason.
#[component]
pub fn LockedValues(
    #[prop(into)] reason: String,
    rows: Vec<(&'static str, String)>,
) -> impl IntoView {
    let name = reason.clone();
    view! {
        <div class="locked" role="group" aria-label=name>
            <p class="locked-reason">
                <svg class="lock-icon" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 1 0-4 0z"/>
                </svg>
                {reason}
            </p>
            <dl>
                {rows.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
        </div>
    }
}

/// A UTC time (`utc` as shown without JavaScript, `iso` in RFC 3339): once JavaScript runs it
/// reads as how long ago it was; the exact UTC time is always its tooltip.
#[component]
pub fn TimeAgo(iso: String, utc: String) -> impl IntoView {
    let shown = RwSignal::new(utc.clone());
    #[cfg(feature = "hydrate")]
    {
        let iso = iso.clone();
        Effect::new(move |_| {
            let then = js_sys::Date::parse(&iso);
            if !then.is_nan() {
                shown.set(ago((js_sys::Date::now() - then) / 1000.0));
            }
        });
    }
    view! { <time datetime=iso title=utc>{move || shown.get()}</time> }
}

#[cfg(any(feature = "hydrate", test))]
fn ago(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..=44 => "just now".to_owned(),
        45..=5_399 => format!("{} min ago", (s + 30) / 60),
        5_400..=129_599 => format!("{} h ago", (s + 1_800) / 3_600),
        _ => format!("{} days ago", (s + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::ago;

    #[test]
    fn times_read_as_how_long_ago() {
        assert_eq!(ago(-5.0), "just now");
        assert_eq!(ago(44.0), "just now");
        assert_eq!(ago(45.0), "1 min ago");
        assert_eq!(ago(180.0), "3 min ago");
        assert_eq!(ago(5_399.0), "90 min ago");
        assert_eq!(ago(5_400.0), "2 h ago");
        assert_eq!(ago(129_599.0), "36 h ago");
        assert_eq!(ago(3.0 * 86_400.0), "3 days ago");
    }
}
