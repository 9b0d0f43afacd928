//! The baseline for `scripts/bench.sh`: a bare axum handler returning a small HTML page, served
//! the same way as the app, so the benchmark shows what the app costs on top of axum itself.

use axum::response::Html;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".to_string());
    let app = axum::Router::new().route(
        "/",
        get(|| async { Html("<!DOCTYPE html><html><body><h1>ok</h1></body></html>") }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
