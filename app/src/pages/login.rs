use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::components::{ErrorSummary, SubmitButton};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let message = Signal::derive(move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    // Set by logout when the server could not delete the session.
    let query = use_query_map();
    let browser_only = move || query.read().get("signed_out").as_deref() == Some("browser_only");
    view! {
        <Title text="Log in · Mail domain settings"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            {move || browser_only().then(|| view! {
                <div class="notice" role="status">
                    "You are signed out in this browser. The server could not end your session "
                    "(its database did not answer); the session ends by itself when it expires."
                </div>
            })}
            <ErrorSummary message/>
            <ActionForm action=login>
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" required/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <SubmitButton pending=login.pending() class="primary">"Log in"</SubmitButton>
            </ActionForm>
        </section>
    }
}
