//! What the HTML shell sets as it renders: the page's Content-Security-Policy with this
//! response's nonce, and the stylesheet's hashed address.

use http::header::CONTENT_SECURITY_POLICY;
use http::HeaderValue;

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
pub fn stylesheet_href(options: &leptos::config::LeptosOptions) -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
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
                    (file == "css").then(|| format!(".{}", hash.trim()))
                })
            })
            .unwrap_or_default();
        format!(
            "/{}/{}{hash}.css",
            options.site_pkg_dir, options.output_name
        )
    })
}
