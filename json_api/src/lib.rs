//! The versioned JSON API under `/api/v1`, for scripts: each request carries an API token
//! (`Authorization: Bearer …`), each handler authorizes, parses, calls the same service the pages
//! call and maps its error to one JSON shape. The OpenAPI 3.1 document is generated from the
//! handlers as they are registered in the router, so it lists exactly the routes served.

mod caller;
mod connection_ips;
mod connection_tests;
mod docs;
mod domains;
mod error;
mod extract;
mod history;
mod inboxes;
mod page;
mod tokens;

use axum::Router;
use services::Services;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use error::ApiError;

/// Where the API is mounted; its version is part of the path.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mail domain settings API",
        version = "1",
        description = "Manage mail domains' IMAP/SMTP settings from scripts. Create a token under \
                       API tokens on your profile and send it as `Authorization: Bearer <token>`. \
                       Errors are `{\"error\": {\"code\", \"message\", …}}`; lists are paginated \
                       with `limit` and `cursor` (pass `next_cursor` on)."
    ),
    modifiers(&DocumentDetails),
    tags(
        (name = "domains", description = "Domain IMAP settings"),
        (name = "connection tests", description = "Live tests of IMAP and SMTP settings"),
        (name = "inboxes", description = "Inboxes, their status, and revalidations"),
        (name = "history", description = "The hash-chained change history"),
        (name = "tokens", description = "Any user's API tokens, for super admins"),
        (name = "reference", description = "This document")
    )
)]
struct ApiDoc;

/// The token scheme; and no license or contact entries (utoipa fills them from Cargo metadata
/// this crate does not have, which made the document invalid).
struct DocumentDetails;

impl Modify for DocumentDetails {
    fn modify(&self, doc: &mut Document) {
        doc.info.license = None;
        doc.info.contact = None;
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API token from your profile. Read-only tokens get 403 on changes.",
            ))
            .build();
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// Every API route (under [`BASE`]) and the OpenAPI document describing exactly them.
pub fn api() -> (Router<Services>, Document) {
    let versioned = OpenApiRouter::new()
        .merge(domains::routes())
        .merge(connection_ips::routes())
        .merge(connection_tests::routes())
        .merge(history::routes())
        .merge(inboxes::routes())
        .merge(tokens::routes())
        .merge(docs::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(BASE, versioned)
        .split_for_parts()
}

/// The API for the server to merge into its router: the routes, their document at
/// `/api/v1/openapi.json`, its browsable page at `/api/v1/docs`, and JSON 404s for the rest.
pub fn router() -> Router<Services> {
    let (routes, document) = api();
    docs::serve(routes, document)
}
