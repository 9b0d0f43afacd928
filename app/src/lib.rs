//! The web application: pages, components and server functions.
//! Built twice: with `ssr` into the server binary, with `hydrate` into the browser bundle.
// Leptos views are deeply nested types; the report view needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use components::Header;
use pages::*;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::set_page_csp();
    #[cfg(feature = "ssr")]
    let (stylesheet, hydration) = (
        ssr::stylesheet_href(&options),
        ssr::hydration_script(&options),
    );
    #[cfg(not(feature = "ssr"))]
    let (stylesheet, hydration) = ("", "");
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <link id="leptos" rel="stylesheet" href=stylesheet/>
                <script type="module" nonce=nonce>{hydration}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every route renders fully on the server before the first byte is sent (SsrMode::Async), so
    // refusals carry their HTTP status and the pages work without JavaScript.
    // While the router fetches the next screen's code and data, the current screen stays and a
    // bar says the page is loading (no blank screen between the two).
    let (is_routing, set_is_routing) = signal(false);
    view! {
        <Title text="Mail domain settings"/>
        <Router set_is_routing>
            <div class="route-progress" role="progressbar" aria-label="Loading the page"
                hidden=move || !is_routing.get()></div>
            <Header/>
            <main aria-busy=move || is_routing.get().then_some("true")>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/domains"/> } ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/inboxes") view={Lazy::<InboxesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/history") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/history/verify") view={Lazy::<VerifyHistoryRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/history/events/:id") view={Lazy::<HistoryEventRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/inboxes/connect") view={Lazy::<ConnectInboxRoute>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/domains") view={Lazy::<DomainsRoute>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view=NoPanel ssr=SsrMode::Async/>
                        <Route path=path!("new") view={Lazy::<NewDomainRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!(":id") view={Lazy::<EditDomainRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!(":id/delete") view={Lazy::<DeleteDomainRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!(":id/ips") view={Lazy::<ConnectionIpsRoute>::new()} ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}
