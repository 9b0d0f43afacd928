//! Internationalised names: UTS #46 "to ASCII" on the way in, punycode back to Unicode for display.
//!
//! The server uses the `idna` crate. The browser uses its own URL parser, which implements the
//! same WHATWG "domain to ASCII", so the Unicode tables (about 70 KB) stay out of the wasm bundle.
//! In the browser a name is only checked as the user types; the server checks it again on save.

/// The ASCII (punycode) form of a name that contains non-ASCII letters; `None` if it is not valid.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn to_ascii(name: &str) -> Option<String> {
    idna::domain_to_ascii(name).ok()
}

#[cfg(target_arch = "wasm32")]
pub(super) fn to_ascii(name: &str) -> Option<String> {
    let url = web_sys::Url::new(&format!("http://{name}/")).ok()?;
    Some(url.hostname())
}

/// Whether every "xn--" label of an ASCII name decodes to a valid Unicode label.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn labels_decode(ascii: &str) -> bool {
    idna::domain_to_unicode(ascii).1.is_ok()
}

#[cfg(target_arch = "wasm32")]
pub(super) fn labels_decode(ascii: &str) -> bool {
    ascii
        .split('.')
        .all(|label| match label.strip_prefix("xn--") {
            Some(code) => idna::punycode::decode_to_string(code).is_some_and(|s| !s.is_empty()),
            None => true,
        })
}

/// The name in Unicode for display.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn to_unicode(ascii: &str) -> String {
    idna::domain_to_unicode(ascii).0
}

#[cfg(target_arch = "wasm32")]
pub(super) fn to_unicode(ascii: &str) -> String {
    let labels: Vec<String> = ascii
        .split('.')
        .map(|label| {
            label
                .strip_prefix("xn--")
                .and_then(idna::punycode::decode_to_string)
                .unwrap_or_else(|| label.to_string())
        })
        .collect();
    labels.join(".")
}
