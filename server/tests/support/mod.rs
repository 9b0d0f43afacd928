//! Drives the real router (pages and server functions) in-process, as a browser or an API client
//! would, against a fresh SQLite or PostgreSQL database.
#![allow(dead_code)]

pub mod api;
pub mod matrix;

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::{AppState, SetupGate};
use axum::body::{to_bytes, Body};
use axum::extract::connect_info::MockConnectInfo;
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::config::LeptosOptions;
use services::{ProbeConfig, ProbeRunner, Services, ThrottlePolicy};
use storage::test_support::TestDb;
use tower::ServiceExt;
use web::{CookiePolicy, ProxyPolicy};

pub const SETUP_TOKEN: &str = "test-setup-token-0123456789";
pub const ADMIN: &str = "admin@example.org";
pub const PASSWORD: &str = "correct horse battery";
/// The origin the test app is served at (MAILSETTINGS_PUBLIC_URL); the client sends it.
pub const ORIGIN: &str = "http://app.test";
/// The key inbox passwords are encrypted with in tests.
pub const INBOX_KEY: &str = "5c6f1e0d2b3a49587766554433221100ffeeddccbbaa99887766554433221100";
/// The TCP peer of every request.
pub const PEER: [u8; 4] = [192, 0, 2, 7];

/// Low limits so tests reach them quickly: 3 failures per account, 6 per network.
pub fn strict_throttle() -> ThrottlePolicy {
    use chrono::Duration;
    let lock = |max_failures| storage::LockPolicy {
        max_failures,
        first_lockout: Duration::seconds(60),
        max_lockout: Duration::seconds(600),
        forget_after: Duration::hours(1),
    };
    ThrottlePolicy {
        account: lock(3),
        network: lock(6),
        known_network_for: Duration::days(30),
        max_rows: 100_000,
    }
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestDb,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The session token from Set-Cookie.
    pub fn session(&self) -> Option<String> {
        self.set_cookie()
            .and_then(|c| c.split(';').next().map(str::to_string))
            .and_then(|kv| kv.strip_prefix("mailsettings_session=").map(str::to_string))
            .filter(|v| !v.is_empty())
    }

    pub fn set_cookie(&self) -> Option<String> {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

impl TestApp {
    pub async fn new(db: TestDb, throttle: ThrottlePolicy) -> Self {
        let probes = ProbeConfig {
            per_minute: 2,
            step_timeout: std::time::Duration::from_secs(2),
            overall_budget: std::time::Duration::from_secs(5),
            ..ProbeConfig::default()
        };
        Self::with_probes(db, throttle, probes).await
    }

    pub async fn with_probes(db: TestDb, throttle: ThrottlePolicy, probes: ProbeConfig) -> Self {
        Self::with_state(db, |state| {
            state.services.throttle = throttle;
            state.services.probes = Arc::new(ProbeRunner::new(probes));
        })
        .await
    }

    /// The app with settings changed by `adjust` (proxies, cookies, limits …).
    pub async fn with_state(db: TestDb, adjust: impl FnOnce(&mut AppState)) -> Self {
        let vault = Arc::new(inboxes::Vault::from_hex(INBOX_KEY).expect("inbox key"));
        let services = Services {
            db: db.db.clone(),
            throttle: ThrottlePolicy::default(),
            probes: Arc::new(ProbeRunner::new(ProbeConfig::default())),
            worker: inboxes::Worker::new(
                db.db.clone(),
                Arc::clone(&vault),
                Arc::new(|_| probe::ProbeOptions::default()),
                inboxes::WorkerConfig::default(),
            ),
            vault,
            samples: Arc::default(),
            source_tests: Arc::default(),
            audit_signer: Arc::new(storage::AuditSigner::generate()),
        };
        let mut state = AppState {
            leptos_options: LeptosOptions::builder().output_name("mailsettings").build(),
            services,
            setup: Arc::new(SetupGate::new(Some(SETUP_TOKEN.to_string()))),
            cookies: CookiePolicy::default(),
            proxy: ProxyPolicy {
                public_origin: Some(ORIGIN.to_string()),
                ..ProxyPolicy::default()
            },
            mail_clients: Arc::default(),
            profile_signer: None,
            metrics_token: None,
            domain_list: Default::default(),
        };
        adjust(&mut state);
        // The worker checks with the (possibly adjusted) connection-test options.
        state.services.worker = server::inbox_config::worker(
            db.db.clone(),
            Arc::clone(&state.services.vault),
            Arc::clone(&state.services.probes),
            inboxes::WorkerConfig::default(),
        );
        let router = server::serve::router(state.clone())
            .layer(MockConnectInfo(SocketAddr::from((PEER, 50000))));
        Self { router, state, db }
    }

    /// Sends `request` through the router. A request that has not been answered in full after
    /// two minutes fails the test with its method and path (a hang would hold CI until its limit).
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let what = format!("{} {}", request.method(), request.uri());
        let answered = tokio::time::timeout(std::time::Duration::from_secs(120), async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("router is infallible");
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = to_bytes(response.into_body(), 4 * 1024 * 1024)
                .await
                .expect("body");
            (status, headers, bytes)
        })
        .await;
        let (status, headers, bytes) =
            answered.unwrap_or_else(|_| panic!("{what}: no full answer within 120 s"));
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A server-function call as the hydrated app (or a script) makes it.
    pub async fn call(
        &self,
        function: &str,
        session: Option<&str>,
        form: &[(&str, &str)],
    ) -> Reply {
        self.send(api_request(function, session, form, "application/json"))
            .await
    }

    pub async fn page(&self, path: &str, session: Option<&str>) -> Reply {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(token) = session {
            request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// The first super admin, created through the setup server function; returns its session.
    pub async fn setup_admin(&self) -> String {
        let reply = self
            .call(
                "setup_first_admin",
                None,
                &[
                    ("token", SETUP_TOKEN),
                    ("email", ADMIN),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert!(
            reply.status.is_success(),
            "setup: {} {}",
            reply.status,
            reply.body
        );
        reply.session().expect("setup signs the admin in")
    }

    /// Polls a connection test until it has ended; returns its view.
    pub async fn finished_probe(&self, session: &str, id: &str) -> serde_json::Value {
        for _ in 0..300 {
            let view = self
                .call("probe_progress", Some(session), &[("id", id)])
                .await
                .json();
            if view["state"] != "Running" {
                return view;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("probe {id} did not finish");
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.call("login", None, &[("email", email), ("password", password)])
            .await
    }

    /// Creates a user as the admin and returns that user's session.
    pub async fn user_session(&self, admin: &str, email: &str, role: &str, access: bool) -> String {
        let mut form = vec![("email", email), ("password", PASSWORD), ("role", role)];
        if access {
            form.push(("account_access", "on"));
        }
        let reply = self.call("create_user", Some(admin), &form).await;
        assert!(
            reply.status.is_success(),
            "create_user: {} {}",
            reply.status,
            reply.body
        );
        self.login(email, PASSWORD)
            .await
            .session()
            .expect("new user can log in")
    }
}

pub fn api_request(
    function: &str,
    session: Option<&str>,
    form: &[(&str, &str)],
    accept: &str,
) -> Request<Body> {
    let body = serde_urlencoded::to_string(form).expect("form");
    let mut request = Request::post(format!("/api/{function}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        .header(header::ORIGIN, ORIGIN);
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
    }
    request.body(Body::from(body)).expect("request")
}

/// The form fields of a domain, as the settings panel posts them after "Save anyway".
pub fn domain_form<'a>(domain: &'a str, imap_port: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut form = untested_form(domain, imap_port);
    form.push(("save_anyway", "on"));
    form
}

/// The form as posted by "Add IMAP settings" / "Update", before any connection test.
pub fn untested_form<'a>(domain: &'a str, imap_port: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("settings[domain]", domain),
        ("settings[imap_host]", "imap.example.org"),
        ("settings[imap_port]", imap_port),
        ("settings[imap_security]", "ssl"),
        ("settings[smtp_host]", "smtp.example.org"),
        ("settings[smtp_port]", "465"),
        ("settings[smtp_security]", "ssl"),
    ]
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Every event of `action` in the change history (up to 10,000), newest first.
pub async fn events_of(app: &TestApp, action: storage::AuditAction) -> Vec<storage::AuditEvent> {
    storage::history_page(
        &app.state.services.db,
        &storage::AuditFilter::default(),
        None,
        10_000,
    )
    .await
    .expect("history")
    .into_iter()
    .filter(|e| e.action == action)
    .collect()
}
