//! The signed-in user's profile: API tokens for scripts (create, shown once, revoke).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::api::tokens::{
    issued_api_token, list_api_tokens, ApiTokenView, CreateApiToken, RevokeApiToken,
};
use crate::components::{CopyButton, ErrorSummary, Refusal, TextField};

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
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || tokens.get().map(|result| match result {
                Err(error) => view! { <Refusal error/> }.into_any(),
                Ok(list) => view! {
                    <section class="list">
                        <h1>"API tokens"</h1>
                        <p class="lead">
                            "Scripts call the JSON API under "<code>"/api/v1"</code>" as you, with a token sent as "
                            <code>"Authorization: Bearer …"</code>". A token can do what your role allows, or only read. "
                            <a href="/api/v1/docs">"API reference"</a>
                        </p>
                        <NewSecret secret=new_secret/>
                        <ErrorSummary message=general_error/>
                        <TokenTable list revoke/>
                    </section>
                    <aside class="panel" aria-labelledby="new-token-title">
                        <h2 id="new-token-title">"Create API token"</h2>
                        <ActionForm action=create>
                            <TextField id="token-name" name="name" label="Name" value=""
                                error=field_error("name") autocomplete="off" required=true
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
                            <button type="submit" class="primary">"Create token"</button>
                        </ActionForm>
                    </aside>
                }.into_any(),
            })}
        </Suspense>
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

#[component]
fn TokenTable(list: Vec<ApiTokenView>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No API tokens yet."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|t| {
            let active = t.status == "Active";
            let label = format!("Revoke {}", t.name);
            let id = t.id;
            view! {
                <tr>
                    <th scope="row" class="wrap">{t.name.clone()}" "<span class="muted">{format!("#{id}")}</span></th>
                    <td>{t.scope.label()}</td>
                    <td>{t.created_at}</td>
                    <td>{t.expires_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.last_used_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.status}</td>
                    <td class="actions">
                        {active.then(|| view! {
                            <ActionForm action=revoke attr:class="inline">
                                <input type="hidden" name="id" value=id/>
                                <button type="submit" aria-label=label>"Revoke"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table aria-label="API tokens">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Scope"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
