use leptos::prelude::*;
use leptos_use::{use_clipboard, UseClipboardReturn};

/// A button that copies `text` to the clipboard and says "Copied" beside itself; shown only
/// where the browser allows copying (never without JavaScript).
#[component]
pub fn CopyButton(#[prop(into)] label: String, #[prop(into)] text: String) -> impl IntoView {
    let UseClipboardReturn {
        is_supported,
        copied,
        copy,
        ..
    } = use_clipboard();
    view! {
        <Show when=move || is_supported.get()>
            <button type="button" class="copy" on:click={
                let (copy, text) = (copy.clone(), text.clone());
                move |_| copy(&text)
            }>{label.clone()}</button>
            <span class="status copied" role="status">{move || copied.get().then_some("Copied")}</span>
        </Show>
    }
}
