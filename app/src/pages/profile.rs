//! The signed-in user's profile: API tokens for scripts (create, shown once, revoke).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::token_table::TokenTable;
use crate::api::tokens::{
    issued_api_token, list_api_tokens, ApiTokenView, CreateApiToken, RevokeApiToken,
};
use crate::components::{Confirm, CopyButton, ErrorSummary, Refusal, SubmitButton, TextField};

/// Lifetimes offered for a new token, in days (`never`: no expiry).
const LIFETIMES: [(&str, &str); 5] = [
    ("30", "In 30 days"),
    ("7", "In 7 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("never", "Never"),
];

#[component]
pub fn ProfilePage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let location = use_location();
    let tokens = Resource::new(
        move || {
            (
                location.search.get(),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |_| list_api_tokens(),
    );
    // Without JavaScript the new secret comes back through a one-time cookie.
    let issued = Resource::new(|| (), |_| issued_api_token());
    let new_secret = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .map(|t| t.secret)
            .or_else(|| issued.get().and_then(Result::ok).flatten())
    });
    let create_err = move || create.value().get().and_then(Result::err);
    let field_error = move |name: &'static str| {
        Signal::derive(move || create_err().and_then(|e| e.message_for(name)))
    };
    let general_error = Signal::derive(move || {
        create_err().and_then(|e| e.general_message()).or_else(|| {
            revoke
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| e.to_string())
        })
    });
    view! {
        <Title text="API tokens · Mail domain settings"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || tokens.get().map(|result| match result {
                Err(error) => view! { <Refusal error/> }.into_any(),
                Ok(list) => view! {
                    <TokenList list new_secret general_error revoke/>
                    <CreateTokenPanel create name_error=field_error("name")/>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// The user's tokens, with the secret of one just created and Revoke on each.
#[component]
fn TokenList(
    list: Vec<ApiTokenView>,
    new_secret: Signal<Option<String>>,
    general_error: Signal<Option<String>>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    view! {
        <section class="list">
            <h1 id="api-tokens-title">"API tokens"</h1>
            <p class="lead">
                "Scripts call the JSON API under "<code>"/api/v1"</code>" as you, with a token sent as "
                <code>"Authorization: Bearer …"</code>". A token can do what your role allows, or only read. "
                <a href="/api/v1/docs">"API reference"</a>
            </p>
            <NewSecret secret=new_secret/>
            <ErrorSummary message=general_error/>
            <TokenTable list empty="No API tokens yet." labelled_by="api-tokens-title"
                revoke=Callback::new(move |(id, name): (i32, String)| view! {
                    <Confirm label="Revoke" of=name.clone()
                        question=format!("Revoke {name}? Scripts using it are refused from now on.")>
                        <ActionForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <SubmitButton pending=revoke.pending() class="danger">"Yes, revoke it"</SubmitButton>
                        </ActionForm>
                    </Confirm>
                }.into_any())/>
        </section>
    }
}

/// "Create API token": name, scope and lifetime.
#[component]
fn CreateTokenPanel(
    create: ServerAction<CreateApiToken>,
    name_error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <aside class="panel" aria-labelledby="new-token-title">
            <h2 id="new-token-title">"Create API token"</h2>
            <ActionForm action=create>
                <TextField id="token-name" name="name" label="Name" value=""
                    error=name_error autocomplete="off" required=true
                    hint="What uses it, e.g. the nightly export script."/>
                <div class="field">
                    <label for="token-scope">"Scope"</label>
                    <select id="token-scope" name="scope">
                        {domain::TokenScope::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="token-expiry">"Expires"</label>
                    <select id="token-expiry" name="expires_in_days">
                        {LIFETIMES.into_iter().map(|(value, label)| view! {
                            <option value=value>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <SubmitButton pending=create.pending() class="primary">"Create token"</SubmitButton>
            </ActionForm>
        </aside>
    }
}

/// The secret of the token just created: shown this once, with Copy.
#[component]
fn NewSecret(secret: Signal<Option<String>>) -> impl IntoView {
    move || {
        secret.get().map(|secret| {
            view! {
                <div class="notice" role="status">
                    <p><strong>"Copy your new token now: it will not be shown again."</strong></p>
                    <p><code class="secret" id="new-token-secret">{secret.clone()}</code></p>
                    <CopyButton label="Copy token" text=secret/>
                </div>
            }
        })
    }
}
