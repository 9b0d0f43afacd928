//! What the server sends over the wire: compressed pages and assets (br or gzip, as the client
//! accepts), site files named by content hash kept for a year, and the others revalidated.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use leptos::config::LeptosOptions;
use storage::test_support::sqlite;
use support::TestApp;

fn get(path: &str, headers: &[(header::HeaderName, &str)]) -> Request<Body> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn pages_and_assets_are_compressed_and_assets_revalidate() {
    let site = std::env::temp_dir().join(format!("site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).expect("site");
    // A compressible stand-in for the wasm (the real one is built after the Rust tests).
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8 / 8).collect();
    std::fs::write(site.join("pkg/mailsettings.wasm"), &wasm).expect("wasm");
    let hashed = "mailsettings.WQ3kZ2h0X-1_abcdefghij.wasm";
    std::fs::write(site.join("pkg").join(hashed), &wasm).expect("hashed wasm");
    let app = TestApp::with_state(sqlite().await, |state| {
        state.leptos_options = LeptosOptions::builder()
            .output_name("mailsettings")
            .site_root(site.display().to_string())
            .build();
    })
    .await;

    let plain = app.send(get("/login", &[])).await;
    let br = app
        .send(get("/login", &[(header::ACCEPT_ENCODING, "br, gzip")]))
        .await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.headers.get(header::CONTENT_ENCODING), None);
    assert_eq!(br.headers[header::CONTENT_ENCODING], "br");

    let asset = "/pkg/mailsettings.wasm";
    let gz = app
        .send(get(asset, &[(header::ACCEPT_ENCODING, "gzip")]))
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gz.headers[header::CACHE_CONTROL], "no-cache");
    let modified = gz.headers[header::LAST_MODIFIED]
        .to_str()
        .expect("date")
        .to_owned();
    let again = app
        .send(get(asset, &[(header::IF_MODIFIED_SINCE, &modified)]))
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    // Named by content hash, a file is kept for a year without asking again.
    let named = app.send(get(&format!("/pkg/{hashed}"), &[])).await;
    assert_eq!(named.status, StatusCode::OK);
    assert_eq!(
        named.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    // Downloads stay as they are (the streamed exports are not compressed on the fly).
    let admin = app.setup_admin().await;
    let export = app
        .send(get(
            "/history/export.csv",
            &[
                (header::ACCEPT_ENCODING, "br, gzip"),
                (header::COOKIE, &format!("mailsettings_session={admin}")),
            ],
        ))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers.get(header::CONTENT_ENCODING), None);
    assert!(export.body.contains(",user_created,"), "{}", export.body);
    let _ = std::fs::remove_dir_all(&site);
    app.db.cleanup().await;
}
