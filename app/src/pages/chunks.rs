//! The screens come in six wasm chunks, one per part of the product (sign-in, the domain list,
//! the domain panels, people, inboxes, history): `cargo leptos build --split` moves each group's
//! `#[lazy]` function out of the main bundle, and the browser fetches a group when one of its
//! routes is first shown (hydration waits for the page's own group). Nothing is preloaded:
//! the app's code is fetched once the browser is idle, after the first paint
//! (`ssr::hydration_script`).
//!
//! A group, not a screen, is the unit: wasm-split makes one more chunk for each set of splits
//! that share code, so fourteen splits made 217 files and 65–95 preloads per page.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::*;

/// A lazily loaded group of screens, and a route type for each screen in it.
macro_rules! lazy_group {
    ($group:ident, $preload:ident, $screen:ident { $($route:ident => $page:ident,)+ }) => {
        // Variants are named after their routes, so they share the suffix.
        #[allow(clippy::enum_variant_names)]
        #[derive(Clone, Copy)]
        enum $screen {
            $($route,)+
        }

        #[lazy]
        fn $group(screen: $screen) -> AnyView {
            crate::components::mark_hydrated();
            match screen {
                $($screen::$route => view! { <$page/> }.into_any(),)+
            }
        }

        $(
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $group($screen::$route).await
                }

                // Hydration needs the chunk loaded before it walks the page (`#[lazy]` names
                // the loader `__preload_` and the function's name).
                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )+
    };
}

lazy_group!(entry_screens, __preload_entry_screens, EntryScreen {
    LoginRoute => LoginPage,
    SetupRoute => SetupPage,
});

lazy_group!(domain_list, __preload_domain_list, DomainListScreen {
    DomainsRoute => DomainsPage,
});

lazy_group!(domain_panels, __preload_domain_panels, DomainPanel {
    NewDomainRoute => NewDomainPanel,
    EditDomainRoute => EditDomainPanel,
    DeleteDomainRoute => DeleteDomainPanel,
    ConnectionIpsRoute => ConnectionIpsPanel,
});

lazy_group!(people_screens, __preload_people_screens, PeopleScreen {
    UsersRoute => UsersPage,
    ProfileRoute => ProfilePage,
});

lazy_group!(inbox_screens, __preload_inbox_screens, InboxScreen {
    InboxesRoute => InboxesPage,
    ConnectInboxRoute => ConnectInboxPage,
});

lazy_group!(history_screens, __preload_history_screens, HistoryScreen {
    HistoryRoute => HistoryPage,
    VerifyHistoryRoute => VerifyHistoryPage,
    HistoryEventRoute => HistoryEventPage,
});
