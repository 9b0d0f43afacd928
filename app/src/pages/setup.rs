use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{setup_open, SetupFirstAdmin};
use crate::components::{ErrorSummary, SubmitButton, TextField};
use crate::error::AppError;

/// The first super admin is created here, with the one-time token the server printed.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    let open = Resource::new(|| (), |_| setup_open());
    let setup = ServerAction::<SetupFirstAdmin>::new();
    let error = move || setup.value().get().and_then(Result::err);
    let field_error =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.message_for(name)));
    let general = Signal::derive(move || {
        error()
            .filter(|e| !matches!(e, AppError::Invalid { field: Some(_), .. }))
            .map(|e| e.to_string())
    });
    view! {
        <Title text="Set up · Mail domain settings"/>
        <section class="card narrow">
            <h1>"Create the first super admin"</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let token = token.clone();
                    open.get().map(move |open| match open {
                    Ok(false) => view! {
                        <p>"Setup is already complete. "<a href="/login">"Log in"</a></p>
                    }.into_any(),
                    _ => view! {
                        <p>"This account can manage every domain and every user."</p>
                        <ErrorSummary message=general/>
                        <ActionForm action=setup>
                            <TextField id="setup-token" name="token" label="Setup token"
                                value=token.clone() error=field_error("token")
                                hint="Printed by the server at its first start." required=true/>
                            <TextField id="setup-email" name="email" label="Email" kind="email"
                                value="" error=field_error("email") autocomplete="username" required=true/>
                            <TextField id="setup-password" name="password" label="Password" kind="password"
                                value="" error=field_error("password") autocomplete="new-password"
                                hint="At least 12 characters." required=true/>
                            <SubmitButton pending=setup.pending() class="primary">"Create super admin"</SubmitButton>
                        </ActionForm>
                    }.into_any(),
                })}}
            </Suspense>
        </section>
    }
}
