use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[server]
pub async fn add_one(count: i32) -> Result<i32, ServerFnError> {
    Ok(count + 1)
}

#[component]
fn HomePage() -> impl IntoView {
    let count = RwSignal::new(0);
    let add = ServerAction::<AddOne>::new();
    Effect::new(move |_| {
        if let Some(Ok(n)) = add.value().get() {
            count.set(n);
        }
    });
    view! {
        <h1>"Welcome to Leptos!"</h1>
        <button on:click=move |_| {
            add.dispatch(AddOne { count: count.get() });
        }>"Click Me: " {count}</button>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/minimal.css"/>
        <Title text="Welcome to Leptos"/>
        <Router>
            <main>
                <Routes fallback=|| "Page not found.">
                    <Route path=path!("") view=HomePage/>
                </Routes>
            </main>
        </Router>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
