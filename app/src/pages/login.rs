use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::Login;
use crate::components::ErrorSummary;

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
    view! {
        <Title text="Log in · Mail domain settings"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
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
                <button type="submit" class="primary">"Log in"</button>
            </ActionForm>
        </section>
    }
}
