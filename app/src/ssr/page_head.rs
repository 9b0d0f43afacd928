//! What the HTML shell sets as it renders: the page's Content-Security-Policy with this
//! response's nonce, the stylesheet's hashed address and the script that hydrates the page.

use std::sync::OnceLock;

use http::header::CONTENT_SECURITY_POLICY;
use http::HeaderValue;
use leptos::config::LeptosOptions;

/// Called while the HTML shell renders: sets the page's policy with this response's nonce.
pub fn set_page_csp() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&web::page_csp(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The stylesheet's address, with the content hash cargo-leptos put in its name when it hashes
/// the site's files. Worked out once: leptos_meta's `HashedStylesheet` reads the hash file from
/// disk on every page view.
pub fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        format!(
            "/{}/{}.css",
            options.site_pkg_dir,
            hashed_name(options, "css")
        )
    })
}

/// The script that loads the app's JavaScript and wasm and hydrates the page, once the browser is
/// first idle (at most 2 s after the load). Nothing of the app's code is fetched before the first
/// paint: with leptos' `HydrationScripts` and its preload hints, about 300 KB of wasm came in
/// beside the stylesheet, and Lighthouse's simulated slow mobile network put the largest paint
/// behind them (3.9-4.1 s). The page works without the script: links and forms are plain HTML.
pub fn hydration_script(options: &LeptosOptions) -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let pkg = &options.site_pkg_dir;
        let js = format!("/{pkg}/{}.js", hashed_name(options, "js"));
        let wasm = format!("/{pkg}/{}.wasm", hashed_name(options, "wasm"));
        format!(
            "const hydrate = () => import({js:?}).then((m) => m.default({{ module_or_path: {wasm:?} }}).then(() => m.hydrate()));\n\
             if ('requestIdleCallback' in window) requestIdleCallback(hydrate, {{ timeout: 2000 }}); else setTimeout(hydrate, 0);"
        )
    })
}

/// `output_name.HASH` for one kind of the site's files (`css`, `js`, `wasm`), as cargo-leptos
/// lists them in the hash file beside the server binary; the bare name without one.
fn hashed_name(options: &LeptosOptions, kind: &str) -> String {
    let hash = options
        .hash_files
        .then(|| {
            let exe = std::env::current_exe().ok()?;
            std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
        })
        .flatten()
        .and_then(|hashes| {
            hashes.lines().find_map(|line| {
                let (file, hash) = line.trim().split_once(':')?;
                (file == kind).then(|| format!(".{}", hash.trim()))
            })
        })
        .unwrap_or_default();
    format!("{}{hash}", options.output_name)
}
