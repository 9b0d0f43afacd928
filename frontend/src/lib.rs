//! Browser entry point: hydrates the server-rendered page.
// The release profile (LTO) computes the layout of the whole domain panel's view type here.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
