//! The authorization matrix: every registered server function, called as each kind of caller,
//! gives the expected answer. The rows are checked against the functions the server registers,
//! so a new server function without a row fails this suite.

mod support;

use std::collections::BTreeSet;

use services::ThrottlePolicy;
use storage::test_support::backends;
use support::matrix::{registered_functions, CALLERS, FORBID, ROWS};
use support::TestApp;

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
