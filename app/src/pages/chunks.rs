//! The screens come in six wasm chunks, one per part of the product (sign-in, the domain list,
//! the domain panels, people, inboxes, history): `cargo leptos build --split` moves each group's
//! `#[lazy]` function out of the main bundle, and the browser fetches a group when one of its
//! routes is first shown (the server preloads the chunks of the page it renders; hydration
//! waits for them).
//!
//! The preload links are put in the page's head here, as each group renders, rather than by
//! leptos_integration_utils 0.8.9: it adds them after the render, outside the request's reactive
//! owner, so they went to whichever page's head was current on that thread (under load, one
//! page collected hundreds from the others, and the next got none). The server renders pages
//! with an empty owner around them (`server::render_owner`), which turns that path off.
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
                    #[cfg(feature = "ssr")]
                    preload_group(stringify!($group));
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

/// Adds the group's wasm chunks (and the loader that fetches them) to the page's head as
/// preloads, each file once per page.
#[cfg(feature = "ssr")]
fn preload_group(group: &str) {
    use leptos_meta::Link;
    let (Some(manifest), Some(memo)) = (
        use_context::<leptos::WasmSplitManifest>(),
        use_context::<crate::ssr::RequestMemo>(),
    ) else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, chunks, loader) = &*manifest;
    let prefix = format!("{group}_");
    let files = chunks
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .flat_map(|(_, files)| files.iter().map(|file| format!("{pkg}/{file}.wasm")));
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    for href in files.filter(|href| memo.first_preload(href)) {
        // `to_html` on a leptos_meta tag registers it with this page's head.
        _ = view! {
            <Link rel="preload" href=href as_="fetch" type_="application/wasm" crossorigin=nonce.clone()
                fetchpriority="low"/>
        }
        .to_html();
    }
    let loader = format!("{pkg}/{loader}");
    if memo.first_preload(&loader) {
        _ = view! { <Link rel="modulepreload" href=loader crossorigin=nonce fetchpriority="low"/> }
            .to_html();
    }
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
