//! Login throttling that holds: one counter per account whatever the spelling, parallel
//! guesses counted one by one, bounded storage, the owner never locked out for long from a
//! network they use, limits shared through the database, and the setup token throttled.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use storage::test_support::{backends, expire_login_locks, throttle_keys};
use support::{strict_throttle, TestApp, ADMIN, ORIGIN, PASSWORD};

/// An app behind a trusted proxy, so each test request can come from the client address it
/// names in X-Forwarded-For.
async fn behind_proxy(db: storage::test_support::TestDb) -> TestApp {
    TestApp::with_state(db, |state| {
        state.services.throttle = strict_throttle();
        state.proxy.trusted_proxies = vec!["192.0.2.7/32".parse().expect("cidr")];
    })
    .await
}

fn login_from(client: &str, email: &str, password: &str) -> Request<Body> {
    let body =
        serde_urlencoded::to_string([("email", email), ("password", password)]).expect("form");
    Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .header("x-forwarded-for", client)
        .body(Body::from(body))
        .expect("request")
}

#[tokio::test]
async fn every_spelling_of_an_address_shares_one_counter_and_logs_in() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        app.setup_admin().await;
        let shouting = app
            .send(login_from("198.51.100.1", "ADMIN@EXAMPLE.ORG", PASSWORD))
            .await;
        assert_eq!(
            shouting.status,
            StatusCode::OK,
            "any letter case logs in: {}",
            shouting.body
        );

        for spelling in [
            "ADMIN@EXAMPLE.ORG",
            "admin@example.org.",
            " Admin@Example.Org ",
        ] {
            let failed = app
                .send(login_from("198.51.100.2", spelling, "wrong password!"))
                .await;
            assert_eq!(
                failed.status,
                StatusCode::UNAUTHORIZED,
                "{spelling}: {}",
                failed.body
            );
        }
        let locked = app.send(login_from("198.51.100.2", ADMIN, PASSWORD)).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_parallel_burst_gets_no_more_tries_than_a_sequence() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        app.setup_admin().await;
        let burst = (0..20).map(|_| app.send(login_from("198.51.100.3", ADMIN, "wrong password!")));
        let replies = futures::future::join_all(burst).await;
        let checked = replies
            .iter()
            .filter(|r| r.status == StatusCode::UNAUTHORIZED)
            .count();
        let throttled = replies
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .count();
        // 3 tries per account: exactly 3 password checks, whatever the interleaving.
        assert_eq!((checked, throttled), (3, 17), "{}", app.db.backend);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_owner_is_not_locked_out_from_a_known_network_and_locks_are_short() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        app.setup_admin().await;
        let office = "198.51.100.10";
        assert_eq!(
            app.send(login_from(office, ADMIN, PASSWORD)).await.status,
            StatusCode::OK
        );

        // An attacker elsewhere locks the account.
        for _ in 0..3 {
            app.send(login_from("203.0.113.66", ADMIN, "guess guess guess"))
                .await;
        }
        let attacker = app.send(login_from("203.0.113.66", ADMIN, PASSWORD)).await;
        assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS);
        let stranger = app.send(login_from("203.0.113.77", ADMIN, PASSWORD)).await;
        assert_eq!(
            stranger.status,
            StatusCode::TOO_MANY_REQUESTS,
            "unknown networks wait"
        );

        // The owner, from the network they logged in from before, gets in.
        let owner = app.send(login_from(office, ADMIN, PASSWORD)).await;
        assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);

        // Once the (short) lock has passed, the right password works from anywhere.
        expire_login_locks(&app.state.services.db).await;
        let later = app.send(login_from("203.0.113.77", ADMIN, PASSWORD)).await;
        assert_eq!(later.status, StatusCode::OK, "{}", later.body);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_network_limit_dominates_across_accounts() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        app.setup_admin().await;
        let sprayer = "203.0.113.5";
        for i in 0..6 {
            let guess = app
                .send(login_from(
                    sprayer,
                    &format!("victim{i}@example.org"),
                    "password123456",
                ))
                .await;
            assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "{i}");
        }
        let next = app.send(login_from(sprayer, ADMIN, PASSWORD)).await;
        assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS, "{}", next.body);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn logging_into_ones_own_account_between_guesses_does_not_reset_the_network_limit() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        let admin = app.setup_admin().await;
        app.user_session(&admin, "mallory@example.org", "user", false)
            .await;
        let insider = "198.51.100.99";
        for i in 0..6 {
            let guess = app
                .send(login_from(
                    insider,
                    &format!("victim{i}@example.org"),
                    "guess guess guess",
                ))
                .await;
            assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "guess {i}");
            let own = app
                .send(login_from(
                    insider,
                    "mallory@example.org",
                    support::PASSWORD,
                ))
                .await;
            let expected = if i < 5 {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            assert_eq!(
                own.status, expected,
                "own login after guess {i}: {}",
                own.body
            );
        }
        let next = app
            .send(login_from(insider, "victim9@example.org", "guess"))
            .await;
        assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS, "{}", next.body);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_successful_login_after_a_network_lock_leaves_the_network_unlocked() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        app.setup_admin().await;
        let office = "198.51.100.120";
        for i in 0..6 {
            let typo = app
                .send(login_from(
                    office,
                    &format!("colleague{i}@example.org"),
                    "typo typo typo",
                ))
                .await;
            assert_eq!(typo.status, StatusCode::UNAUTHORIZED);
        }
        expire_login_locks(&app.state.services.db).await;
        // This attempt is the 7th on the network's counter and locks it while it runs ...
        assert_eq!(
            app.send(login_from(office, ADMIN, PASSWORD)).await.status,
            StatusCode::OK
        );
        // ... and, having succeeded, takes that lock back with its count.
        let next = app.send(login_from(office, ADMIN, PASSWORD)).await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn throttle_storage_stays_bounded_whatever_is_sent() {
    for db in backends().await {
        // A small table limit, so the test reaches it: beyond it new networks share a counter.
        let app = TestApp::with_state(db, |state| {
            state.services.throttle = strict_throttle();
            state.services.throttle.max_rows = 20;
            state.proxy.trusted_proxies = vec!["192.0.2.7/32".parse().expect("cidr")];
        })
        .await;
        app.setup_admin().await;
        let long = format!("{}@{}.example", "x".repeat(60), "y".repeat(60));
        let huge = "z".repeat(100_000);
        for client in 0..40 {
            let ip = format!("203.0.113.{client}");
            for attempt in 0..10 {
                let typed = match attempt % 3 {
                    0 => format!("bogus{client}-{attempt}@example.org"),
                    1 => long.clone(),
                    _ => huge.clone(),
                };
                app.send(login_from(&ip, &typed, "wrong password!")).await;
            }
        }
        let keys = throttle_keys(&app.state.services.db).await;
        let networks = keys.iter().filter(|k| k.starts_with("net:")).count();
        assert!(networks <= 21, "{networks} network rows: {keys:?}");
        assert!(keys.iter().any(|k| k == "net:overflow"), "{keys:?}");
        // Addresses without an account fall into at most 65,536 buckets.
        assert!(keys
            .iter()
            .filter_map(|k| k.strip_prefix("unknown:"))
            .all(|bucket| bucket.len() == 4));
        let longest = keys.iter().map(String::len).max().unwrap_or(0);
        assert!(longest <= 64, "keys are bounded in length: {longest}");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn limits_hold_across_server_processes_sharing_the_database() {
    for db in backends().await {
        let first = behind_proxy(db).await;
        first.setup_admin().await;
        // A second app (another process) on the same database.
        let second = TestApp::with_state(
            storage::test_support::TestDb::sharing(&first.db).await,
            |state| {
                state.services.throttle = strict_throttle();
                state.proxy.trusted_proxies = vec!["192.0.2.7/32".parse().expect("cidr")];
            },
        )
        .await;
        for app in [&first, &second, &first] {
            let failed = app
                .send(login_from("198.51.100.50", ADMIN, "wrong password!"))
                .await;
            assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
        }
        let locked = second
            .send(login_from("198.51.100.50", ADMIN, PASSWORD))
            .await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        first.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_setup_token_form_is_throttled() {
    for db in backends().await {
        let app = behind_proxy(db).await;
        for _ in 0..6 {
            let wrong = app
                .call(
                    "setup_first_admin",
                    None,
                    &[("token", "guess"), ("email", ADMIN), ("password", PASSWORD)],
                )
                .await;
            assert_eq!(
                wrong.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                wrong.body
            );
        }
        let locked = app
            .call(
                "setup_first_admin",
                None,
                &[
                    ("token", support::SETUP_TOKEN),
                    ("email", ADMIN),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        app.db.cleanup().await;
    }
}
