//! Prometheus metrics (`/metrics`, OpenMetrics text): HTTP requests by route and status,
//! connection tests by verdict category, and, read from the database when scraped, the
//! revalidation queue and the inboxes by status (so every server process reports the same).

use std::sync::LazyLock;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use app::ssr::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route's pattern (`/api/v1/domains/{id}`), not the path, so ids do not explode it.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CategoryLabels {
    /// `passed`, or the failed test's category (`imap_settings_incorrect` …).
    category: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    connection_tests: Family<CategoryLabels, Counter>,
    queue_items: Family<StateLabels, Gauge>,
    unfinished_jobs: Gauge,
    oldest_job_age: Gauge<f64, std::sync::atomic::AtomicU64>,
    inboxes: Family<StateLabels, Gauge>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let requests = Family::<HttpLabels, Counter>::default();
    registry.register("http_requests", "HTTP requests answered", requests.clone());
    let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
        Histogram::new(exponential_buckets(0.0005, 2.0, 16))
    });
    registry.register(
        "http_request_duration_seconds",
        "Time to answer an HTTP request (to its headers)",
        durations.clone(),
    );
    let connection_tests = Family::<CategoryLabels, Counter>::default();
    registry.register(
        "connection_tests",
        "Connection tests finished, by verdict category",
        connection_tests.clone(),
    );
    let queue_items = Family::<StateLabels, Gauge>::default();
    registry.register(
        "revalidation_queue_items",
        "Inbox checks of unfinished revalidations, waiting (pending) or held by a worker (claimed)",
        queue_items.clone(),
    );
    let unfinished_jobs = Gauge::default();
    registry.register(
        "revalidation_jobs_unfinished",
        "Revalidations not finished",
        unfinished_jobs.clone(),
    );
    let oldest_job_age = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    registry.register(
        "revalidation_oldest_job_age_seconds",
        "Age of the oldest unfinished revalidation",
        oldest_job_age.clone(),
    );
    let inboxes = Family::<StateLabels, Gauge>::default();
    registry.register("inboxes", "Inboxes by status", inboxes.clone());
    Metrics {
        registry,
        requests,
        durations,
        connection_tests,
        queue_items,
        unfinished_jobs,
        oldest_job_age,
        inboxes,
    }
});

/// Counts a finished connection test under its verdict category.
pub fn count_connection_test(category: Option<&str>) {
    let category = category.unwrap_or("passed").to_owned();
    METRICS
        .connection_tests
        .get_or_create(&CategoryLabels { category })
        .inc();
}

/// Layer: counts and times every request by its route pattern and status.
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let labels = HttpLabels {
        method,
        route: route.clone(),
        status: response.status().as_u16(),
    };
    METRICS.requests.get_or_create(&labels).inc();
    METRICS
        .durations
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, headers: http::HeaderMap) -> Response {
    if let Some(expected) = &state.metrics_token {
        if !bearer_matches(&headers, expected) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "/metrics needs the scrape token (MAILSETTINGS_METRICS_TOKEN) as a bearer token\n",
            )
                .into_response();
        }
    }
    match (
        storage::queue_stats(&state.services.db).await,
        storage::inbox_status_counts(&state.services.db).await,
    ) {
        (Ok(queue), Ok(inboxes)) => {
            let m = &*METRICS;
            let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            m.queue_items
                .get_or_create(&StateLabels {
                    state: "pending".into(),
                })
                .set(gauge(queue.pending));
            m.queue_items
                .get_or_create(&StateLabels {
                    state: "claimed".into(),
                })
                .set(gauge(queue.claimed));
            m.unfinished_jobs.set(gauge(queue.unfinished_jobs));
            m.oldest_job_age.set(queue.oldest_unfinished_secs);
            m.inboxes.clear();
            for (state, n) in inboxes {
                m.inboxes
                    .get_or_create(&StateLabels { state })
                    .set(gauge(n));
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "metrics: could not read the queue or the inboxes");
        }
    }
    let mut text = String::new();
    if let Err(e) = encode(&mut text, &METRICS.registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Whether the request carries `Authorization: Bearer <expected>`. The digests are compared, so
/// the comparison's time says nothing about the token.
fn bearer_matches(headers: &http::HeaderMap, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(expected.as_bytes())
}
