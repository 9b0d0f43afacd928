//! The OpenAPI document as JSON, and a browsable page rendered from it on the server.

use std::fmt::Write;
use std::sync::Arc;

use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Json, Router};
use services::{ServiceError, Services};
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;

pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(reference_page))
}

/// Gives the two document routes the finished document, and answers other paths under the API
/// with a JSON 404.
pub fn serve(routes: Router<Services>, document: Document) -> Router<Services> {
    routes
        .route(&format!("{}/{{*rest}}", crate::BASE), any(not_found))
        .layer(Extension(Arc::new(document)))
}

async fn not_found() -> ApiError {
    ApiError::Service(ServiceError::NotFound)
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.json", tag = "reference",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json(Extension(doc): Extension<Arc<Document>>) -> Response {
    Json(doc.as_ref()).into_response()
}

/// The API reference as a page: every route with its parameters, body and answers.
#[utoipa::path(get, path = "/docs", tag = "reference",
    responses((status = 200, description = "The API reference", content_type = "text/html")))]
async fn reference_page(Extension(doc): Extension<Arc<Document>>) -> Html<String> {
    Html(render(&doc))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn schema_name<T>(schema: &RefOr<T>) -> String {
    match schema {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or("").to_owned(),
        RefOr::T(_) => "inline".to_owned(),
    }
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

fn render(doc: &Document) -> String {
    let mut html = String::new();
    let title = escape(&doc.info.title);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>{}</p>\
         <p><a href=\"{base}/openapi.json\">OpenAPI 3.1 document (JSON)</a> · <a href=\"/profile\">Your API tokens</a></p>",
        escape(doc.info.description.as_deref().unwrap_or("")),
        base = crate::BASE,
    );
    for (path, item) in &doc.paths.paths {
        for (method, op) in operations(item) {
            render_operation(&mut html, method, path, op);
        }
    }
    html.push_str("</main></body></html>");
    html
}

fn operations(item: &utoipa::openapi::PathItem) -> Vec<(&'static str, &Operation)> {
    [
        (HttpMethod::Get, &item.get),
        (HttpMethod::Post, &item.post),
        (HttpMethod::Put, &item.put),
        (HttpMethod::Patch, &item.patch),
        (HttpMethod::Delete, &item.delete),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (method_name(&m), op)))
    .collect()
}

fn render_operation(html: &mut String, method: &str, path: &str, op: &Operation) {
    let _ = write!(
        html,
        "<section><h2><code>{method} {}</code></h2><p>{}</p>",
        escape(path),
        escape(op.summary.as_deref().unwrap_or("")),
    );
    if let Some(params) = &op.parameters {
        html.push_str("<h3>Parameters</h3><ul>");
        for p in params {
            let _ = write!(
                html,
                "<li><code>{}</code> (in {}{}) {}</li>",
                escape(&p.name),
                match p.parameter_in {
                    ParameterIn::Path => "path",
                    ParameterIn::Query => "query",
                    ParameterIn::Header => "header",
                    ParameterIn::Cookie => "cookie",
                },
                if matches!(p.required, utoipa::openapi::Required::True) {
                    ", required"
                } else {
                    ""
                },
                escape(p.description.as_deref().unwrap_or("")),
            );
        }
        html.push_str("</ul>");
    }
    if let Some(body) = &op.request_body {
        for (media, content) in &body.content {
            let _ = write!(
                html,
                "<h3>Request body</h3><p><code>{}</code>: {}</p>",
                escape(media),
                escape(&schema_name(&content.schema.clone().unwrap_or_default())),
            );
        }
    }
    html.push_str("<h3>Responses</h3><ul>");
    for (status, response) in &op.responses.responses {
        let description = match response {
            RefOr::T(r) => r.description.clone(),
            RefOr::Ref(r) => r.ref_location.clone(),
        };
        let _ = write!(
            html,
            "<li><code>{}</code> {}</li>",
            escape(status),
            escape(&description)
        );
    }
    html.push_str("</ul></section>");
}
