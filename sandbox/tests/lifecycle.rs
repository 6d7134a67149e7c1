//! Starting and stopping: free ports, shutdown on drop, runtimes.

mod common;

use std::time::{Duration, Instant};

use common::{TOKEN, http, send};
use tallyfy_groups_sandbox::Sandbox;

/// Proves dropping the sandbox closes its port before `drop` returns: a new
/// client then fails to connect, and the client that used the sandbox before
/// (with a pooled keep-alive connection) gets an error too; and drop is
/// quick despite that idle connection.
#[tokio::test]
async fn drop_closes_the_port() {
    let used = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let url = sandbox.groups_url();
    assert_eq!(send(used.get(&url)).await.status, 200);
    let started = Instant::now();
    drop(sandbox);
    // An idle keep-alive connection does not hold the shutdown up (loose bound).
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let error = http()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect_err("nothing listens any more");
    assert!(error.is_connect(), "{error:?}");
    assert!(used.get(&url).bearer_auth(TOKEN).send().await.is_err());
}

/// Proves `shutdown()` stops the sandbox like drop does.
#[tokio::test]
async fn shutdown_is_drop() {
    let sandbox = Sandbox::start_seeded(0).await;
    let url = sandbox.groups_url();
    sandbox.shutdown();
    let error = http()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}

/// Proves drop does not wait for a slow in-flight request (the grace period
/// is short), and that request then fails instead of hanging. Timing is loose.
#[tokio::test]
async fn drop_does_not_wait_for_slow_requests() {
    let sandbox = Sandbox::builder()
        .latency(Duration::from_secs(30))
        .start()
        .await;
    let url = sandbox.groups_url();
    let in_flight = tokio::spawn(async move { http().get(url).bearer_auth(TOKEN).send().await });
    // Let the request reach the sandbox.
    let waited = Instant::now();
    while sandbox.request_count() == 0 && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sandbox.request_count(), 1);
    let started = Instant::now();
    drop(sandbox);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let outcome = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the in-flight request ends")
        .expect("the task does not panic");
    assert!(outcome.is_err(), "{outcome:?}");
}

/// Proves the sandbox works from a multi-thread runtime and can be dropped
/// there, and that two sandboxes get different ports and separate state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_sandboxes_on_a_multi_thread_runtime() {
    let http = http();
    let a = Sandbox::start_seeded(3).await;
    let b = Sandbox::start_seeded(5).await;
    assert_ne!(a.addr().port(), b.addr().port());
    assert_eq!(
        send(http.get(a.groups_url())).await.body["meta"]["pagination"]["total"],
        3
    );
    assert_eq!(
        send(http.get(b.groups_url())).await.body["meta"]["pagination"]["total"],
        5
    );
    assert_eq!((a.request_count(), b.request_count()), (1, 1));
    drop(a);
    assert_eq!(send(http.get(b.groups_url())).await.status, 200);
}

/// Proves a sandbox can start and serve with no Tokio runtime of the
/// caller's running the server (it has its own thread), e.g. from a
/// blocking test that drives only its client on a runtime.
#[test]
fn serves_independently_of_the_callers_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(Sandbox::start_seeded(2));
    // The caller's runtime is idle now; the sandbox still answers.
    let answer = runtime.block_on(async { send(http().get(sandbox.groups_url())).await });
    assert_eq!(answer.status, 200);
    drop(runtime);
    drop(sandbox);
}

/// Proves `shutdown_grace` lets a request that the sandbox is already
/// handling finish: the request is counted (it is inside the sandbox,
/// waiting out the latency) before the drop starts, and it still gets its
/// 200 — the path the server binary takes on SIGINT/SIGTERM.
#[tokio::test]
async fn shutdown_grace_lets_in_flight_requests_finish() {
    let sandbox = Sandbox::builder()
        .seed(1)
        .latency(Duration::from_millis(300))
        .shutdown_grace(Duration::from_secs(20))
        .start()
        .await;
    let url = sandbox.groups_url();
    let in_flight = tokio::spawn(async move { send(http().get(url)).await });
    let mut polls = 0;
    while sandbox.request_count() == 0 && polls < 1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        polls += 1;
    }
    assert_eq!(
        sandbox.request_count(),
        1,
        "the request reached the sandbox"
    );
    tokio::task::spawn_blocking(move || drop(sandbox))
        .await
        .unwrap();
    let answer = in_flight.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.raw);
}
