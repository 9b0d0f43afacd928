use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::auth::{current_user, Logout};
use crate::error::AppError;

/// The top bar: where you can go, who you are, and the way out.
#[component]
pub fn Header() -> impl IntoView {
    let location = use_location();
    // Refetched on every navigation, so logging in or out shows at once.
    let user = Resource::new(move || location.pathname.get(), |_| current_user());
    view! {
        <header class="top">
            <a class="brand" href="/domains">"Mail domain settings"</a>
            <Transition fallback=|| ()>
                {move || {
                    user.get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|u| {
                            let rights = u.rights();
                            let link = |href: &'static str, label: &'static str| {
                                // Plain links (the router still routes them), marked current
                                // as <A> would: rendering <A> components cost every page.
                                let current = move || {
                                    location
                                        .pathname
                                        .with(|p| {
                                            p.strip_prefix(href)
                                                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                                        })
                                        .then_some("page")
                                };
                                view! { <a href=href aria-current=current>{label}</a> }
                            };
                            view! {
                                <nav aria-label="Main">
                                    {rights.can_manage_domains().then(|| link("/domains", "Domain IMAP settings"))}
                                    {(rights.role != domain::Role::Auditor).then(|| link("/inboxes", "Your inboxes"))}
                                    {rights.can_view_audit().then(|| link("/history", "Change history"))}
                                    {rights.can_manage_users().then(|| link("/users", "Users"))}
                                </nav>
                                <div class="whoami">
                                    <span>{u.email.clone()}" · "{u.role.label()}</span>
                                    {link("/profile", "API tokens")}
                                    // A plain post, also with JavaScript: the server ends the
                                    // session and redirects to a fresh page, and the browser's
                                    // main module needs no form decoder.
                                    <form method="post" action=Logout::url()>
                                        <button type="submit" class="link-button">"Log out"</button>
                                    </form>
                                </div>
                            }
                        })
                }}
            </Transition>
        </header>
    }
}

/// What a page shows instead of its content when the server refused or failed.
#[component]
pub fn Refusal(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if !matches!(error, AppError::Unauthenticated) {
            response.set_status(error.status());
        }
    }
    match error {
        AppError::Unauthenticated => view! { <Redirect path="/login"/> }.into_any(),
        AppError::Forbidden(message) => view! {
            <section class="refusal">
                <h1>"Access denied"</h1>
                <p>{message}</p>
            </section>
        }
        .into_any(),
        AppError::NotFound => view! {
            <section class="refusal">
                <h1>"Not found"</h1>
                <p>{AppError::NotFound.to_string()}</p>
                <p><a href="/domains">"Back to the domain list"</a></p>
            </section>
        }
        .into_any(),
        other => view! {
            <section class="refusal">
                <h1>"Something went wrong"</h1>
                <p role="alert">{other.to_string()}</p>
            </section>
        }
        .into_any(),
    }
}

/// A side panel's title. The panel opens beside a long list, so the focus moves to its title (by
/// `autofocus` on a page load, by an effect after a navigation in the browser): the keyboard
/// goes on in the panel instead of through every row of the list.
#[component]
pub fn PanelTitle(children: Children) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! { <h2 id="panel-title" tabindex="-1" autofocus=true node_ref=heading>{children()}</h2> }
}

/// Marks the page interactive (`data-hydrated` on `<body>`, for browser tests and people
/// debugging) once the screen that calls it has hydrated: the screens' code arrives after the
/// app's own, so the app's hydration alone does not make a form work yet.
pub fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
