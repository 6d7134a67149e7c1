//! The token never leaks: not in Debug or Display of the client, builder or errors,
//! not in any log line at any level, and never over plain http to another host.
//! Ids cannot escape their path segment.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use serde_json::json;
use tallyfy_groups::{Client, Error, RetryPolicy};

const QUERY_SECRET: &str = "query-value-7d41c9";

/// Every log line of this test binary, at every level, from every crate on the
/// client's side (the mock server's own request dumps are the server's business).
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let writer = move || Sink(sink.clone());
        use tracing_subscriber::util::SubscriberInitExt;
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace,httpmock=off"))
            .with_writer(writer)
            .with_ansi(false)
            .finish()
            .try_init()
            .expect("the only subscriber of this binary");
        buffer
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_token(text: &str, what: &str) {
    assert!(!text.contains(TOKEN), "{what} contains the token: {text}");
}

// Proves Debug of the builder, the client and the generated client hide the token.
#[test]
fn debug_output_hides_the_token() {
    let builder = Client::builder()
        .token(TOKEN)
        .org_id(ORG)
        .base_url("http://127.0.0.1:9");
    assert_no_token(&format!("{builder:?}"), "builder Debug");
    assert!(format!("{builder:?}").contains("redacted"));
    let client = builder.build().unwrap();
    assert_no_token(&format!("{client:?}"), "client Debug");
    assert_no_token(&format!("{client:#?}"), "client pretty Debug");
    assert_no_token(&format!("{:?}", client.raw()), "generated client Debug");
}

// Proves errors of every kind, in Display, Debug and alternate forms, hide the token.
#[tokio::test]
async fn error_text_hides_the_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(401)
                .json_body(json!({"error": "invalid_client"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200).body("{not json");
        })
        .await;
    let api = client_with(&server, RetryPolicy::none());
    let mut errors: Vec<Error> = vec![
        api.groups().get(GROUP_ID).send().await.unwrap_err(),
        api.groups().list().send().await.unwrap_err(),
        api.groups().list().page_size(0).send().await.unwrap_err(),
        Client::builder()
            .token(format!("{TOKEN}\nX"))
            .org_id(ORG)
            .build()
            .unwrap_err(),
        builder("http://example.com").build().unwrap_err(),
    ];
    let slow = MockServer::start_async().await;
    slow.mock_async(|when, then| {
        when.any_request();
        then.status(200).delay(Duration::from_secs(2));
    })
    .await;
    let timing_out = builder(slow.base_url())
        .request_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(timing_out.groups().get(GROUP_ID).send().await.unwrap_err());
    for error in &errors {
        for text in [
            format!("{error}"),
            format!("{error:?}"),
            format!("{error:#?}"),
            format!("{error:#}"),
        ] {
            assert_no_token(&text, "error text");
        }
    }
}

// Proves no log line at any level, from this crate or its HTTP stack, holds the
// token; and that this crate's request span carries no query value.
#[tokio::test]
async fn logs_at_every_level_hide_the_token() {
    let logs = captured().clone();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path()).is_true(first_n(1));
            then.status(503).header("x-request-id", "req-span-1");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200)
                .header("x-request-id", "req-span-2")
                .json_body(list_body(
                    vec![reference_group()],
                    json!({"total": 1, "total_pages": 1, "current_page": 1}),
                ));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(groups_path());
            then.status(422).json_body(
                json!({"message": "The given data was invalid.", "errors": {"name": ["taken"]}}),
            );
        })
        .await;
    let api = client_with(&server, immediate());
    api.groups().list().q(QUERY_SECRET).send().await.unwrap();
    api.groups()
        .create("n")
        .description("d")
        .send()
        .await
        .unwrap_err();

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(
        text.contains("tallyfy_groups.request"),
        "the span was logged: {text}"
    );
    assert!(text.contains("list_groups") && text.contains("/organizations/{org_id}/groups"));
    assert!(
        text.contains("attempt=2") && text.contains("req-span-2"),
        "{text}"
    );
    assert_no_token(&text, "logs");
    for line in text.lines().filter(|l| l.contains("tallyfy_groups")) {
        assert!(
            !line.contains(QUERY_SECRET),
            "span holds a query value: {line}"
        );
    }
}

// Proves the token is never sent over plain http to a non-loopback host unless the
// user opts in, and the refusal happens at build time, before any connection.
#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let build = |url: &str, allow: bool| builder(url).allow_insecure_http(allow).build();
    match build("http://api.example.com", false) {
        Err(Error::Config(message)) => {
            assert!(
                message.contains("http") && message.contains("api.example.com"),
                "{message}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(build("http://10.0.0.8:8080/api", false).is_err());
    assert!(build("ftp://api.example.com", false).is_err());
    assert!(build("http://127.0.0.1:8080", false).is_ok());
    assert!(build("http://localhost:8080", false).is_ok());
    assert!(build("http://[::1]:8080", false).is_ok());
    assert!(build("https://api.example.com", false).is_ok());
    assert!(build("http://api.example.com", true).is_ok());
}

// Proves hostile ids are percent-encoded into one path segment: what reaches the
// server is exactly organizations/<org>/groups/<one segment>.
#[tokio::test]
async fn ids_cannot_escape_their_path_segment() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    server
        .mock_async(move |when, then| {
            when.is_true(move |req| {
                record.lock().unwrap().push(req.uri().path().to_string());
                true
            });
            then.status(404)
                .json_body(json!({"error": true, "message": "Resource not found"}));
        })
        .await;
    let api = client_with(&server, RetryPolicy::none());
    let cases = [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("%2e%2e", "%252e%252e"),
        ("a?b=1", "a%3Fb=1"),
        ("a#frag", "a%23frag"),
    ];
    for (id, _) in cases {
        let err = api.groups().get(id).send().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    }
    api.groups_of("../other-org")
        .get("g")
        .send()
        .await
        .unwrap_err();
    let seen = seen.lock().unwrap().clone();
    for ((_, encoded), path) in cases.iter().zip(&seen) {
        assert_eq!(path, &format!("/organizations/{ORG}/groups/{encoded}"));
        assert_eq!(path.split('/').count(), 5, "{path}");
    }
    assert_eq!(
        seen.last().unwrap(),
        "/organizations/..%2Fother-org/groups/g"
    );
}
