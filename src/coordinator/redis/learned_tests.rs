//! The shared learned windows against a real `redis-server` (one per test): a window
//! one coordinator learned holds another's leave (two coordinators stand for two
//! processes), a refusal takes nothing, windows expire, learned again the longer is
//! kept and the expiry moves on, at most `MAX_WINDOWS` are kept, and the keys hold
//! only numbers.

use std::time::Duration;

use tallyfy_groups_sandbox::redis_server::{RedisServer, Reply};
use tokio::time::Instant;

use super::learned::{self, MAX_WINDOWS};
use super::quota;
use super::tests::{connect, redis_now_us, shared};
use crate::coordinator::Refused;

const HASH: &str = "tallyfy-groups:learned:org";
const SENT: &str = "tallyfy-groups:sent:org";

fn texts(reply: Reply) -> Vec<String> {
    match reply {
        Reply::Array(items) => (items.into_iter())
            .map(|item| match item {
                Reply::Text(text) => text,
                other => panic!("{other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

/// The hash's fields, `(n, length_us, expires_us)` each, sorted by `n`.
fn windows(server: &RedisServer) -> Vec<(u64, i64, i64)> {
    let flat = texts(server.command(&["HGETALL", HASH]));
    let mut windows: Vec<_> = (flat.chunks(2))
        .map(|pair| {
            let (length, expires) = pair[1].split_once(':').unwrap();
            (
                pair[0].parse().unwrap(),
                length.parse().unwrap(),
                expires.parse().unwrap(),
            )
        })
        .collect();
    windows.sort();
    windows
}

// Proves the write-back: a window of 3 per 2 s that coordinator one learned holds
// coordinator two (another process on the same Redis): the sends of both count
// together, the fourth is refused until the first is 2 s old (plus the 100 ms
// margin), and `leave` itself honours it (refused past a deadline). The refusal took
// nothing. Another organisation is not held. The keys are the learned hash and the
// send times, holding numbers only (no token, no personal data), kept an hour.
#[tokio::test]
async fn a_window_one_process_learned_holds_another() {
    let server = RedisServer::start();
    let one = connect(&server, Duration::from_secs(5), &[]).await;
    let two = connect(&server, Duration::from_secs(5), &[]).await;
    let (s1, s2) = (shared(&one), shared(&two));
    let stored = learned::learned(&s1, "org", 3, Duration::from_secs(2)).await;
    assert_eq!(stored.unwrap(), Duration::from_secs(2));
    for s in [&s1, &s2, &s1] {
        assert_eq!(quota::take(s, &[], "org").await.unwrap(), None);
    }
    let wait = quota::take(&s2, &[], "org").await.unwrap().expect("held");
    assert!(
        wait > Duration::from_millis(1900) && wait <= Duration::from_millis(2100),
        "{wait:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    match two.leave("org", Some(deadline)).await {
        Err(Refused::Overdue { resume_at }) => assert!(resume_at > deadline),
        other => panic!("leave was not held: {other:?}"),
    }
    assert_eq!(server.command(&["ZCARD", SENT]), Reply::Int(3), "no take");
    assert_eq!(quota::take(&s2, &[], "other").await.unwrap(), None);

    let keys = texts(server.command(&["KEYS", "*"]));
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [HASH, "tallyfy-groups:sent:org"],
        "no key for an organisation without a window"
    );
    let [(3, 2_000_000, expires)] = windows(&server)[..] else {
        panic!("{:?}", windows(&server))
    };
    let hour = 3_600_000_000;
    let now = redis_now_us(&server);
    assert!(expires > now + hour - 5_000_000 && expires <= now + hour);
    let numbers = |text: &str| text.chars().all(|c| c.is_ascii_digit() || c == ':');
    let mut values = texts(server.command(&["HGETALL", HASH]));
    values.extend(texts(server.command(&["ZRANGE", SENT, "0", "-1"])));
    assert!(values.iter().all(|v| numbers(v)), "{values:?}");
}

// Proves expiry: a window kept 300 ms holds sends while kept; once Redis removed the
// hash (its PEXPIRE), the next take is given. A field whose expiry passed while
// another window keeps the hash alive is not honoured, and the next learning drops it.
#[tokio::test]
async fn a_learned_window_expires() {
    let server = RedisServer::start();
    let s = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let short = Duration::from_millis(300);
    learned::learn_for(&s, "org", 1, Duration::from_secs(60), short)
        .await
        .unwrap();
    assert_eq!(quota::take(&s, &[], "org").await.unwrap(), None);
    assert!(quota::take(&s, &[], "org").await.unwrap().is_some());
    for _ in 0..100 {
        if server.command(&["EXISTS", HASH]) == Reply::Int(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.command(&["EXISTS", HASH]), Reply::Int(0));
    assert_eq!(quota::take(&s, &[], "org").await.unwrap(), None);

    learned::learn_for(&s, "org", 1, Duration::from_secs(60), short)
        .await
        .unwrap();
    learned::learned(&s, "org", 50, Duration::from_secs(60))
        .await
        .unwrap();
    let one_expires = windows(&server)[0].2;
    while redis_now_us(&server) <= one_expires {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..3 {
        assert_eq!(quota::take(&s, &[], "org").await.unwrap(), None);
    }
    learned::learned(&s, "org", 50, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(windows(&server).len(), 1, "{:?}", windows(&server));
    assert_eq!(windows(&server)[0].0, 50);
}

// Proves learning again: the same `n` learned longer replaces the length (and is
// honoured: the fourth waits over 4 s), learned shorter keeps the longer, and each
// time the expiry moves on; a fifth `n` makes room by dropping the window expiring
// first, keeping `MAX_WINDOWS`.
#[tokio::test]
async fn learned_again_the_longer_is_kept_and_the_expiry_moves_on() {
    let server = RedisServer::start();
    let s = shared(&connect(&server, Duration::from_secs(5), &[]).await);
    let secs = Duration::from_secs;
    assert_eq!(
        learned::learned(&s, "org", 3, secs(2)).await.unwrap(),
        secs(2)
    );
    let first = windows(&server)[0];
    assert_eq!(
        learned::learned(&s, "org", 3, secs(4)).await.unwrap(),
        secs(4)
    );
    let longer = windows(&server)[0];
    assert_eq!(
        learned::learned(&s, "org", 3, secs(1)).await.unwrap(),
        secs(4)
    );
    let shorter = windows(&server)[0];
    assert_eq!((longer.1, shorter.1), (4_000_000, 4_000_000));
    assert!(
        first.2 < longer.2 && longer.2 < shorter.2,
        "expiry moves on"
    );
    for _ in 0..3 {
        assert_eq!(quota::take(&s, &[], "org").await.unwrap(), None);
    }
    let wait = quota::take(&s, &[], "org").await.unwrap().expect("held");
    assert!(
        wait > secs(4) && wait <= Duration::from_millis(4200),
        "{wait:?}"
    );

    for n in 10..10 + u64::from(MAX_WINDOWS) {
        learned::learned(&s, "org", n, secs(5)).await.unwrap();
    }
    let kept: Vec<u64> = windows(&server).iter().map(|w| w.0).collect();
    assert_eq!(kept, [10, 11, 12, 13], "3 expired first and made room");
}
