//! The authorization matrix: every registered server function, called as each kind of caller,
//! gives the expected answer. The rows are checked against the functions the server registers,
//! so a new server function without a row fails this suite. Then every state-changing request
//! from another origin is refused.

mod support;

use std::collections::BTreeSet;

use app::ssr::ThrottlePolicy;
use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use storage::test_support::backends;
use support::{domain_form, TestApp, ADMIN, ORIGIN, PASSWORD};

/// Who calls, in the order of the columns below.
const CALLERS: [&str; 5] = [
    "anonymous",
    "user",
    "user with account access",
    "auditor",
    "super admin",
];

const OK: u16 = 200;
const UNAUTH: u16 = 401;
const FORBID: u16 = 403;
const MISSING: u16 = 404;
const INVALID: u16 = 422;

struct Row {
    function: &'static str,
    form: &'static [(&'static str, &'static str)],
    /// The status each caller gets, in `CALLERS` order.
    expect: [u16; 5],
}

const NO_SUCH: &str = "999999";

const BAD_SETTINGS: &[(&str, &str)] = &[
    ("settings[domain]", "not a domain"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "0"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
];

const ROWS: &[Row] = &[
    Row {
        function: "current_user",
        form: &[],
        expect: [OK; 5],
    },
    Row {
        function: "setup_open",
        form: &[],
        expect: [OK; 5],
    },
    // Open to everyone; wrong credentials are refused the same way for every caller.
    Row {
        function: "login",
        form: &[
            ("email", "nobody@example.org"),
            ("password", "wrong password!"),
        ],
        expect: [UNAUTH; 5],
    },
    // Setup is done: refused for everyone.
    Row {
        function: "setup_first_admin",
        form: &[
            ("token", "x"),
            ("email", "x@example.org"),
            ("password", PASSWORD),
        ],
        expect: [FORBID; 5],
    },
    Row {
        function: "list_users",
        form: &[],
        expect: [UNAUTH, FORBID, FORBID, FORBID, OK],
    },
    Row {
        function: "create_user",
        form: &[
            ("email", "not an address"),
            ("password", PASSWORD),
            ("role", "user"),
        ],
        expect: [UNAUTH, FORBID, FORBID, FORBID, INVALID],
    },
    Row {
        function: "update_user",
        form: &[("id", NO_SUCH), ("role", "user")],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    Row {
        function: "reset_password",
        form: &[("id", NO_SUCH), ("password", PASSWORD)],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    Row {
        function: "list_domains",
        form: &[],
        expect: [UNAUTH, FORBID, OK, FORBID, OK],
    },
    Row {
        function: "domain_detail",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "create_domain",
        form: BAD_SETTINGS,
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "update_domain",
        form: UPDATE_MISSING,
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "delete_domain",
        form: &[("id", NO_SUCH), ("version", "1")],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "start_probe",
        form: BAD_PROBE,
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "probe_progress",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "pin_certificate",
        form: &[
            ("id", NO_SUCH),
            ("version", "1"),
            ("probe_id", NO_SUCH),
            ("leg", "imap"),
        ],
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    // Last: it ends the caller's session.
    Row {
        function: "logout",
        form: &[],
        expect: [OK; 5],
    },
];

const UPDATE_MISSING: &[(&str, &str)] = &[
    ("id", NO_SUCH),
    ("version", "1"),
    ("settings[domain]", "missing.example.org"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "993"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
    ("save_anyway", "on"),
];

const BAD_PROBE: &[(&str, &str)] = &[
    ("settings[domain]", "not a domain"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "993"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
    ("probe_email", "probe@example.org"),
    ("probe_password", "secret"),
];

fn registered_functions() -> BTreeSet<String> {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect()
}

/// Sessions for every caller of `CALLERS` (anonymous has none).
async fn callers(app: &TestApp) -> Vec<Option<String>> {
    let admin = app.setup_admin().await;
    vec![
        None,
        Some(
            app.user_session(&admin, "user@example.org", "user", false)
                .await,
        ),
        Some(
            app.user_session(&admin, "access@example.org", "user", true)
                .await,
        ),
        Some(
            app.user_session(&admin, "auditor@example.org", "auditor", false)
                .await,
        ),
        Some(admin),
    ]
}

#[tokio::test]
async fn every_server_function_answers_every_caller_as_the_matrix_says() {
    let rows: BTreeSet<String> = ROWS.iter().map(|r| r.function.to_string()).collect();
    let registered = registered_functions();
    let missing: Vec<_> = registered.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "server functions without a row in the matrix: {missing:?}"
    );
    let stale: Vec<_> = rows.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for functions that do not exist: {stale:?}"
    );

    for db in backends().await {
        let backend = db.backend;
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let sessions = callers(&app).await;
        let mut failures = Vec::new();
        for row in ROWS {
            for (caller, session) in CALLERS.iter().zip(&sessions) {
                let expected = row.expect[CALLERS.iter().position(|c| c == caller).unwrap_or(0)];
                let reply = app.call(row.function, session.as_deref(), row.form).await;
                if reply.status.as_u16() != expected {
                    failures.push(format!(
                        "{} as {caller}: expected {expected}, got {} {}",
                        row.function, reply.status, reply.body
                    ));
                }
                // Refusals say why, and never which records exist.
                if expected == FORBID && row.function != "setup_first_admin" {
                    assert!(
                        reply.body.contains("Forbidden"),
                        "{}: {}",
                        row.function,
                        reply.body
                    );
                }
            }
        }
        assert!(failures.is_empty(), "{backend}:\n{}", failures.join("\n"));
        println!(
            "{backend}: authorization matrix {} functions x {} callers = {} calls",
            ROWS.len(),
            CALLERS.len(),
            ROWS.len() * CALLERS.len()
        );
        app.db.cleanup().await;
    }
}

fn post(
    function: &str,
    session: Option<&str>,
    form: &[(&str, &str)],
    origin: Option<(&str, &str)>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/{function}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some((name, value)) = origin {
        request = request.header(name, value);
    }
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
    }
    let body = serde_urlencoded::to_string(form).expect("form");
    request.body(Body::from(body)).expect("request")
}

#[tokio::test]
async fn requests_from_another_origin_are_refused_for_every_function() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let hostile: [(&str, &str); 5] = [
            ("origin", "http://evil.example"),
            // Same site, another port or subdomain: still another origin.
            ("origin", "http://app.test:8080"),
            ("origin", "http://other.app.test"),
            ("origin", "null"),
            ("referer", "http://evil.example/page"),
        ];
        let mut refused = 0;
        for function in registered_functions() {
            let form: &[(&str, &str)] = ROWS
                .iter()
                .find(|r| r.function == function)
                .map_or(&[], |r| r.form);
            for origin in hostile {
                let reply = app
                    .send(post(&function, Some(&admin), form, Some(origin)))
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{function} from {origin:?}: {}",
                    reply.body
                );
                assert!(reply.body.contains("another site"), "{}", reply.body);
                refused += 1;
            }
            // A session cookie with neither Origin nor Referer is refused too.
            let bare = app.send(post(&function, Some(&admin), form, None)).await;
            assert_eq!(
                bare.status,
                StatusCode::FORBIDDEN,
                "{function} without origin"
            );
            refused += 1;
        }
        println!(
            "{}: {refused} cross-origin requests refused",
            app.db.backend
        );

        // Nothing changed: the domain posted cross-origin does not exist.
        let form = domain_form("csrf.example.org", "993");
        let forged = app
            .send(post(
                "create_domain",
                Some(&admin),
                &form,
                Some(("origin", "http://evil.example")),
            ))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let list = app.call("list_domains", Some(&admin), &[]).await;
        assert!(!list.body.contains("csrf.example.org"), "{}", list.body);

        // Login CSRF: a cross-site login form is refused and signs nobody in.
        let login = [("email", ADMIN), ("password", PASSWORD)];
        let forged = app
            .send(post(
                "login",
                None,
                &login,
                Some(("origin", "http://evil.example")),
            ))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.session().is_none());

        // The app's own origin works, by Origin or (when a browser omits it) by Referer.
        let own = app
            .send(post(
                "create_domain",
                Some(&admin),
                &form,
                Some(("referer", &format!("{ORIGIN}/domains/new"))),
            ))
            .await;
        assert!(own.status.is_success(), "{}", own.body);
        app.db.cleanup().await;
    }
}
