//! Pages render with an empty reactive owner around them. leptos_integration_utils 0.8.9 adds
//! the wasm chunks' preload links after a page's render outside the page's own owner, to the
//! head of whatever page's owner is current on the thread: other pages' heads collected them
//! (hundreds under load, kept with the page) while their own page had none. With this owner
//! current, that code finds no manifest and adds nothing; each group of screens adds its own
//! preloads while it renders, inside its page (`app::pages::chunks`).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;

pub async fn with_empty_owner(request: Request, next: Next) -> Response {
    let owner = Owner::new_root(None);
    owner
        .with(|| ScopedFuture::new_untracked(next.run(request)))
        .await
}
