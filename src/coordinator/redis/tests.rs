//! The lock and quota scripts against a real `redis-server` (started per test on a
//! free port, stopped by pid): expiry, fencing, renewal loss, burst and no burst,
//! all-or-nothing across quotas, the gate, and Redis' clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::redis::aio::ConnectionManager;
use tallyfy_groups_sandbox::redis_server::{RedisServer, Reply};

use super::quota::{self, Quota};
use super::{Shared, lock};
use crate::coordinator::{Coordinator, Kind};

pub(super) async fn connect(
    server: &RedisServer,
    ttl: Duration,
    quotas: &[(u32, Duration)],
) -> Coordinator {
    Coordinator::redis(server.url())
        .lock_ttl(ttl)
        .quotas(quotas)
        .connect()
        .await
        .expect("connects to the test's redis-server")
}

pub(super) fn shared(coordinator: &Coordinator) -> Arc<Shared> {
    match &*coordinator.kind {
        Kind::Redis(redis) => redis.shared.clone(),
        Kind::InProcess(_) => unreachable!(),
    }
}

async fn conn(server: &RedisServer) -> ConnectionManager {
    let client = ::redis::Client::open(server.url()).unwrap();
    ConnectionManager::new(client).await.unwrap()
}

/// Redis' clock in microseconds.
pub(super) fn redis_now_us(server: &RedisServer) -> i64 {
    match server.command(&["TIME"]) {
        Reply::Array(parts) => match (&parts[0], &parts[1]) {
            (Reply::Text(s), Reply::Text(us)) => {
                s.parse::<i64>().unwrap() * 1_000_000 + us.parse::<i64>().unwrap()
            }
            other => panic!("TIME answered {other:?}"),
        },
        other => panic!("TIME answered {other:?}"),
    }
}

fn get(server: &RedisServer, key: &str) -> Reply {
    server.command(&["GET", key])
}

// Proves fencing: once holder A's lock expired and B took it, A's renewal and release
// (the scripts, with A's token) change nothing, and B's release works.
#[tokio::test]
async fn an_expired_holder_cannot_renew_or_release_anothers_lock() {
    let server = RedisServer::start();
    let mut c = conn(&server).await;
    let key = "t:lock:org:g";
    let set = |token: &'static str| {
        let mut cmd = ::redis::cmd("SET");
        cmd.arg(key).arg(token).arg("NX").arg("PX").arg(50);
        cmd
    };
    let a: Option<String> = set("A").query_async(&mut c).await.unwrap();
    assert!(a.is_some());
    // Taken while held: refused.
    let b: Option<String> = set("B").query_async(&mut c).await.unwrap();
    assert!(b.is_none());
    // A's lock expires (Redis' TTL), then B takes it.
    while get(&server, key) != Reply::Nil {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _: Option<String> = ::redis::cmd("SET")
        .arg(key)
        .arg("B")
        .arg("PX")
        .arg(60_000)
        .query_async(&mut c)
        .await
        .unwrap();
    let (renew, release) = lock::scripts();
    let renewed: i64 = renew
        .key(key)
        .arg("A")
        .arg(60_000)
        .invoke_async(&mut c)
        .await
        .unwrap();
    let released: i64 = release
        .key(key)
        .arg("A")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!((renewed, released), (0, 0));
    assert_eq!(get(&server, key), Reply::Text("B".into()));
    let released: i64 = release
        .key(key)
        .arg("B")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(released, 1);
    assert_eq!(get(&server, key), Reply::Nil);
}

// Proves two coordinators (as two processes would) take turns on one group: the
// second's work starts only after the first's ended, and a different group does not
// wait. Order of events, no timing.
#[tokio::test]
async fn two_coordinators_take_turns_on_a_group() {
    let server = RedisServer::start();
    let (one, two) = (
        connect(&server, Duration::from_secs(5), &[]).await,
        connect(&server, Duration::from_secs(5), &[]).await,
    );
    let org: Arc<str> = Arc::from("org");
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = |e: &'static str| events.lock().unwrap().push(e);
    let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let first = one.serialized(&org, "g", |_| async {
        log("first start");
        held_tx.send(()).unwrap();
        go_rx.await.unwrap();
        log("first end");
    });
    let second = async {
        held_rx.await.unwrap();
        // Another group is free meanwhile.
        two.serialized(&org, "other", |_| async { log("other group") })
            .await
            .unwrap();
        let waiting = two.serialized(&org, "g", |_| async { log("second start") });
        let mut waiting = Box::pin(waiting);
        // Polled while the first holds it: it cannot have started.
        assert!(
            tokio::time::timeout(Duration::from_millis(100), &mut waiting)
                .await
                .is_err()
        );
        log("second still waiting");
        go_tx.send(()).unwrap();
        waiting.await.unwrap();
    };
    let (first, ()) = tokio::join!(first, second);
    first.unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            "first start",
            "other group",
            "second still waiting",
            "first end",
            "second start"
        ]
    );
    assert_eq!(
        server.command(&["KEYS", "*"]),
        Reply::Array(vec![]),
        "locks are released"
    );
}

// Proves a holder learns it lost its lock (the key vanished, as when it expires or
// Redis restarts) from its renewal, and that a lock kept alive by renewals outlives
// its TTL while held.
#[tokio::test]
async fn a_lost_lock_is_seen_as_lost() {
    let server = RedisServer::start();
    let coordinator = connect(&server, Duration::from_millis(90), &[]).await;
    let org: Arc<str> = Arc::from("org");
    coordinator
        .serialized(&org, "g", |held| async move {
            // Three TTLs: only renewals keep it.
            tokio::time::sleep(Duration::from_millis(270)).await;
            assert!(held.is_held(), "renewed while held");
            server.command(&["DEL", "tallyfy-groups:lock:org:g"]);
            while held.is_held() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap();
}

// Proves no burst: the second request right after the first waits one interval, and
// an idle spell (several intervals) owes no burst: again one, then a wait.
#[tokio::test]
async fn no_burst_even_after_idling() {
    let server = RedisServer::start();
    let c = connect(
        &server,
        Duration::from_secs(5),
        &[(10, Duration::from_secs(1))],
    )
    .await;
    let shared = shared(&c);
    let q = [Quota::new(10, Duration::from_secs(1), 1).unwrap()];
    assert_eq!(quota::take(&shared, &q, "org").await.unwrap(), None);
    let wait = quota::take(&shared, &q, "org")
        .await
        .unwrap()
        .expect("a wait");
    assert!(
        wait > Duration::from_millis(50) && wait <= Duration::from_millis(100),
        "{wait:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(quota::take(&shared, &q, "org").await.unwrap(), None);
    assert!(quota::take(&shared, &q, "org").await.unwrap().is_some());
}

// Proves a quota with a burst lets that many go at once, then one per interval.
#[tokio::test]
async fn a_burst_lets_that_many_go_at_once() {
    let server = RedisServer::start();
    let shared = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let q = [Quota::new(1, Duration::from_secs(60), 3).unwrap()];
    for _ in 0..3 {
        assert_eq!(quota::take(&shared, &q, "org").await.unwrap(), None);
    }
    let wait = quota::take(&shared, &q, "org")
        .await
        .unwrap()
        .expect("the fourth waits");
    assert!(wait > Duration::from_secs(50), "{wait:?}");
}

// Proves a longer quota is a budget, not a spacing (as in process): with 10 per second
// and 3 per minute, three requests go one spacing apart, not 20 s apart, and the
// fourth waits for the oldest of them to be a minute old; the budget's key holds
// only send times.
#[tokio::test]
async fn a_longer_quota_is_a_budget() {
    let server = RedisServer::start();
    let shared = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let q =
        quota::Quotas::new(&[(10, Duration::from_secs(1)), (3, Duration::from_secs(60))]).unwrap();
    for n in 0..3 {
        let mut tries = 0;
        while let Some(wait) = quota::take(&shared, &q.0, "org").await.unwrap() {
            assert!(
                wait <= Duration::from_millis(100),
                "request {n} waited {wait:?}"
            );
            tokio::time::sleep(wait).await;
            tries += 1;
            assert!(tries < 5, "request {n} never went");
        }
    }
    let wait = quota::take(&shared, &q.0, "org")
        .await
        .unwrap()
        .expect("the fourth waits for the budget");
    assert!(wait > Duration::from_secs(50), "{wait:?}");
    let key = "tallyfy-groups:budget:org:3/60000";
    assert_eq!(server.command(&["TYPE", key]), Reply::Text("zset".into()));
    match server.command(&["ZRANGE", key, "0", "-1"]) {
        Reply::Array(members) => assert_eq!(members.len(), 3, "{members:?}"),
        other => panic!("{other:?}"),
    }
}

// Proves two quotas are taken from together or not at all: a refusal by the tighter
// one leaves the other's state exactly as it was.
#[tokio::test]
async fn a_refusal_takes_nothing_from_any_quota() {
    let server = RedisServer::start();
    let shared = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let q = [
        Quota::new(100, Duration::from_secs(1), 1).unwrap(),
        Quota::new(1, Duration::from_secs(60), 1).unwrap(),
    ];
    assert_eq!(quota::take(&shared, &q, "org").await.unwrap(), None);
    let fast = "tallyfy-groups:quota:org:100/1000";
    let before = get(&server, fast);
    let wait = quota::take(&shared, &q, "org")
        .await
        .unwrap()
        .expect("refused by 1/60 s");
    assert!(
        wait > Duration::from_secs(50),
        "the longer wait wins: {wait:?}"
    );
    assert_eq!(
        get(&server, fast),
        before,
        "the refusal took nothing from 100/s"
    );
}

// Proves the scripts run on Redis' clock: the stored arrival time is Redis' TIME plus
// one interval and the gate Redis' TIME plus the pause (no argument carries this
// machine's time), and the gate holds every quota back for its remaining time.
#[tokio::test]
async fn times_are_redis_time() {
    let server = RedisServer::start();
    let shared = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let q = [Quota::new(1, Duration::from_secs(10), 1).unwrap()];
    let before = redis_now_us(&server);
    assert_eq!(quota::take(&shared, &q, "org").await.unwrap(), None);
    let after = redis_now_us(&server);
    let tat: i64 = match get(&server, "tallyfy-groups:quota:org:1/10000") {
        Reply::Text(s) => s.parse().unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(
        (before + 10_000_000..=after + 10_000_000).contains(&tat),
        "{before} {tat} {after}"
    );

    quota::pause(&shared, "org", Duration::from_secs(30))
        .await
        .unwrap();
    let gate: i64 = match get(&server, "tallyfy-groups:gate:org") {
        Reply::Text(s) => s.parse().unwrap(),
        other => panic!("{other:?}"),
    };
    let now = redis_now_us(&server);
    assert!(
        (now + 29_000_000..=now + 30_000_000).contains(&gate),
        "{now} {gate}"
    );
    // A shorter pause does not move the gate earlier.
    quota::pause(&shared, "org", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(
        get(&server, "tallyfy-groups:gate:org"),
        Reply::Text(gate.to_string())
    );
    let wait = quota::take(&shared, &[], "org")
        .await
        .unwrap()
        .expect("the gate holds");
    assert!(wait > Duration::from_secs(28), "{wait:?}");
}

// Proves both failure modes once the server is gone: failing closed runs no work and
// refuses the quota with `Unavailable`; `Unavailable::InProcess` runs the work under
// this process's own lock and gives leave.
#[tokio::test]
async fn a_stopped_server_fails_closed_or_falls_back() {
    use crate::coordinator::{CoordinatorErrorKind, Refused, Unavailable};
    let mut server = RedisServer::start();
    let closed = connect(
        &server,
        Duration::from_secs(5),
        &[(100, Duration::from_secs(1))],
    )
    .await;
    let open = Coordinator::redis(server.url())
        .on_unavailable(Unavailable::InProcess)
        .connect()
        .await
        .unwrap();
    server.stop();
    let org: Arc<str> = Arc::from("org");
    let ran = Arc::new(Mutex::new(false));
    let error = closed
        .serialized(&org, "g", |_| async { *ran.lock().unwrap() = true })
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CoordinatorErrorKind::Unavailable);
    assert!(!*ran.lock().unwrap(), "no work without the lock");
    assert!(matches!(
        closed.leave("org", None).await,
        Err(Refused::Failed(_))
    ));
    open.serialized(&org, "g", |held| async move { assert!(held.is_held()) })
        .await
        .unwrap();
    assert!(open.leave("org", None).await.is_ok());
}
