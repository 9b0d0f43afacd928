//! Wiring: database, state, routes, listener.

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::{AppState, SetupGate};
use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use services::{ProbeRunner, Services, ThrottlePolicy};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;

use crate::cli::{DatabaseArgs, ServeArgs};
use crate::{first_admin, housekeeping, inbox_config, CommandError};

pub async fn run(database: &DatabaseArgs, args: ServeArgs) -> Result<(), CommandError> {
    let conf = get_configuration(None)?;
    let mut leptos_options = conf.leptos_options;
    leptos_options.hash_files |= hashed_site_files(&leptos_options);
    let addr = leptos_options.site_addr;
    let db = database.connect().await?;
    let setup = setup_gate(&db, &args, &addr).await?;
    let (services, worker) = services(db, database, &args).await?;
    let state = AppState {
        leptos_options,
        services,
        setup: Arc::new(setup),
        cookies: args.cookie_policy(),
        proxy: args.proxy_policy()?,
        mail_clients: Arc::new(web::MailClientLimiter::new(
            args.mail_clients_per_minute,
            args.mail_clients_per_minute,
            10_000,
        )),
        profile_signer: args.profile_signer()?,
        metrics_token: args.metrics_token.as_deref().map(Arc::from),
        domain_list: Arc::default(),
    };
    let worker_task = worker.spawn();
    housekeeping::spawn(&state.services, args.checkpoints.interval);
    serve(addr, router(state)).await?;
    // Requests are answered; now the inbox checks finish or go back to the queue.
    tracing::info!("shutting down: stopping the revalidation worker");
    worker.stop();
    if let Err(e) = worker_task.await {
        tracing::error!(error = %e, "the revalidation worker ended abnormally");
    }
    Ok(())
}

/// Open while no user exists: the first super admin is created with the printed token.
async fn setup_gate(
    db: &sea_orm::DatabaseConnection,
    args: &ServeArgs,
    addr: &SocketAddr,
) -> Result<SetupGate, CommandError> {
    let users = storage::count_users(db)
        .await
        .map_err(CommandError::storage("cannot read the users table"))?;
    if users > 0 {
        return Ok(SetupGate::new(None));
    }
    let token =
        first_admin::setup_token(args.setup_token.clone(), args.setup_token_file.as_deref())?;
    first_admin::print_setup_instructions(&addr.to_string(), &token);
    Ok(SetupGate::new(Some(token)))
}

/// The services both faces call, and the inbox worker (not started yet).
async fn services(
    db: sea_orm::DatabaseConnection,
    database: &DatabaseArgs,
    args: &ServeArgs,
) -> Result<(Services, Arc<inboxes::Worker>), CommandError> {
    let probe_config = args.probe.config()?;
    let budget = probe_config.overall_budget;
    let probes = Arc::new(
        ProbeRunner::new(probe_config).counting_with(crate::metrics::count_connection_test),
    );
    let vault = Arc::new(args.inboxes.vault(&db, &database.data_dir).await?);
    let audit_signer = Arc::new(args.audit_key.signer(&database.data_dir)?);
    tracing::info!(public_key = %audit_signer.public_key_hex(), "audit checkpoints signed with this key");
    let worker = inbox_config::worker(
        db.clone(),
        Arc::clone(&vault),
        Arc::clone(&probes),
        args.inboxes.worker_config(budget)?,
    );
    let services = Services {
        db,
        throttle: ThrottlePolicy::default(),
        probes,
        vault,
        worker: Arc::clone(&worker),
        samples: Arc::default(),
        source_tests: Arc::default(),
        audit_signer,
    };
    Ok((services, worker))
}

async fn serve(addr: SocketAddr, router: Router) -> Result<(), CommandError> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| CommandError::Listen { addr, source })?
        // A response goes out in several writes (a kept page's pieces, streamed downloads):
        // without this, each waits for the client's delayed ACK (40 ms).
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(CommandError::Serve)
}

/// cargo-leptos names the site's files by content hash and lists the hashes in a file beside the
/// server binary; the pages must then link those names. `LEPTOS_HASH_FILES` is set only when
/// cargo-leptos starts the server itself, so a binary started directly looks for the file.
fn hashed_site_files(options: &LeptosOptions) -> bool {
    std::env::var_os("LEPTOS_HASH_FILES").is_none()
        && std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
            .is_some_and(|file| file.is_file())
}

/// Every route of the app: health check, pages, server functions, static files. Requests pass
/// the layers from the bottom up: client info, security headers, the cross-origin check.
pub fn router(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state, map_response};
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // The site's own files, served directly so a repeat visit's conditional request gets 304.
    let pkg = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let pkg_route = format!("/{}", options.site_pkg_dir);
    // The pages and their server functions.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            || provide_context(app::ssr::RequestMemo::default()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));
    Router::new()
        .nest_service(&pkg_route, tower_http::services::ServeDir::new(pkg))
        .merge(plain_routes())
        // The JSON API for scripts (API tokens only, never the session cookie).
        .merge(json_api::router().with_state(state.services.clone()))
        // Thunderbird autoconfig and Outlook Autodiscover, rate-limited per client address.
        .merge(app::ssr::mail_client_routes(Arc::clone(
            &state.mail_clients,
        )))
        .merge(pages)
        // The domain list page and the settings panels, served again while nothing on them has changed.
        .layer(from_fn_with_state(
            crate::kept_pages::KeptPages::new(state.clone()),
            crate::kept_pages::kept_pages,
        ))
        .layer(map_response(app::ssr::error_status))
        .layer(from_fn_with_state(
            app::ssr::cross_site_refusal as fn() -> axum::response::Response,
            web::refuse_cross_origin,
        ))
        .layer(from_fn(web::security_headers))
        .layer(from_fn(web::static_cache_headers))
        .layer(from_fn_with_state(
            state.proxy.clone(),
            web::attach_client_info,
        ))
        .layer(TraceLayer::new_for_http())
        .route_layer(from_fn(crate::metrics::record_request))
        .layer(compression())
        .with_state(state)
}

/// Health checks, metrics and the downloads: plain axum handlers.
fn plain_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readiness))
        .route("/metrics", get(crate::metrics::metrics))
        .route(
            "/domains/{id}/connection-ips/{file}",
            get(app::ssr::export_connection_ips),
        )
        .route("/history/export.csv", get(app::ssr::export_history_csv))
        .route("/history/export.json", get(app::ssr::export_history_json))
        .route(
            "/inboxes/{id}/mail.mobileconfig",
            get(app::ssr::apple_profile),
        )
}

/// Brotli at level 4 compresses the 2.6 MB wasm about as well as gzip -9, in tens of
/// milliseconds; the default level (11) would take seconds per cold load. Downloads
/// (attachments) are left alone: the streamed history exports came out truncated (no final
/// block) when compressed on the fly.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(
            |_: http::StatusCode,
             _: http::Version,
             headers: &http::HeaderMap,
             _: &http::Extensions| {
                !headers.contains_key(http::header::CONTENT_DISPOSITION)
            },
        ))
}

/// Ready for traffic: the database answers and its schema is this build's (for load balancers;
/// `/healthz` only says the process is alive).
async fn readiness(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (http::StatusCode, String) {
    match storage::check_ready(&state.services.db).await {
        Ok(()) => (http::StatusCode::OK, "ready".to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                http::StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {e}"),
            )
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
