//! Cross-site request forgery: every state-changing request from another origin is refused,
//! for every registered server function, and changes nothing.

mod support;

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use services::ThrottlePolicy;
use storage::test_support::backends;
use support::matrix::{form_for, registered_functions};
use support::{domain_form, TestApp, ADMIN, ORIGIN, PASSWORD};

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
            let form = form_for(&function);
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
