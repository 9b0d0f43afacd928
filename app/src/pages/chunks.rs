//! Each screen is its own wasm chunk: `cargo leptos build --split` moves a lazy route's view
//! out of the main bundle, and the browser fetches it when the route is first shown (the
//! server preloads the chunks of the page it renders; hydration waits for them).

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::*;

/// A route type whose view, the page component, is loaded lazily.
macro_rules! lazy_page {
    ($($route:ident => $page:ident,)+) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )+};
}

lazy_page! {
    LoginRoute => LoginPage,
    SetupRoute => SetupPage,
    UsersRoute => UsersPage,
    ProfileRoute => ProfilePage,
    InboxesRoute => InboxesPage,
    ConnectInboxRoute => ConnectInboxPage,
    HistoryRoute => HistoryPage,
    VerifyHistoryRoute => VerifyHistoryPage,
    HistoryEventRoute => HistoryEventPage,
    DomainsRoute => DomainsPage,
    NewDomainRoute => NewDomainPanel,
    EditDomainRoute => EditDomainPanel,
    DeleteDomainRoute => DeleteDomainPanel,
    ConnectionIpsRoute => ConnectionIpsPanel,
}
