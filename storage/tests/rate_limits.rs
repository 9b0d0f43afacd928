//! The connection tests' per-minute allowance holds across server processes: two connection
//! pools (as two processes have) racing for one key get exactly the limit between them.

use chrono::Duration;
use storage::test_support::TestDb;

const LIMIT: usize = 5;

async fn parallel_requests_on_two_pools_get_the_limit(t: &TestDb) {
    let other = TestDb::sharing(t).await;
    let key = "connection-tests:user:1";
    let attempts = (0..16).map(|i| {
        let db = if i % 2 == 0 { &t.db } else { &other.db };
        storage::take_rate_slot(db, key, LIMIT, Duration::seconds(60))
    });
    let results = futures::future::join_all(attempts).await;
    let granted = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let refused: Vec<u64> = results
        .iter()
        .filter_map(|r| match r {
            Ok(Err(wait)) => Some(*wait),
            _ => None,
        })
        .collect();
    assert_eq!(granted, LIMIT, "[{}] {results:?}", t.backend);
    assert_eq!(refused.len(), 16 - LIMIT, "[{}] {results:?}", t.backend);
    assert!(
        refused.iter().all(|wait| (55..=60).contains(wait)),
        "[{}] wait for the oldest start to leave the window: {refused:?}",
        t.backend
    );
    // Another key has its own allowance.
    let fresh = storage::take_rate_slot(
        &other.db,
        "connection-tests:user:2",
        LIMIT,
        Duration::seconds(60),
    )
    .await
    .expect("take");
    assert_eq!(fresh, Ok(()));
    other.cleanup().await;
}

async fn the_window_slides(t: &TestDb) {
    let key = "connection-tests:user:3";
    let window = Duration::milliseconds(1_500);
    for _ in 0..2 {
        let taken = storage::take_rate_slot(&t.db, key, 2, window)
            .await
            .expect("take");
        assert_eq!(taken, Ok(()));
    }
    let refused = storage::take_rate_slot(&t.db, key, 2, window)
        .await
        .expect("take");
    assert_eq!(refused, Err(2), "rounded up to whole seconds");
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    let again = storage::take_rate_slot(&t.db, key, 2, window)
        .await
        .expect("take");
    assert_eq!(
        again,
        Ok(()),
        "[{}] the old starts left the window",
        t.backend
    );
    // Rows of keys unused for longer than any window go.
    assert_eq!(
        storage::purge_rate_limits(&t.db, Duration::hours(1))
            .await
            .expect("purge"),
        0
    );
    assert_eq!(
        storage::purge_rate_limits(&t.db, Duration::zero())
            .await
            .expect("purge"),
        1
    );
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let t = storage::test_support::sqlite().await;
                    super::$name(&t).await;
                    t.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(t) = storage::test_support::postgres().await else { return };
                    super::$name(&t).await;
                    t.cleanup().await;
                }
            )*
        }
    };
}

on_both!(
    parallel_requests_on_two_pools_get_the_limit,
    the_window_slides
);
