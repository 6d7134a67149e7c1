//! Contract test against Prism, a mock server generated from the spec by a third party.
//! Run by `scripts/contract/run.sh rust`, which starts Prism and sets `PRISM_URL`;
//! ignored in the plain test run because it needs that server.
//!
//! Static mode: every request this crate sends passes Prism's request validation (no
//! `sl-violations` header), and `Prefer: code=…` errors map to the right error kind.
//! Dynamic mode (`prism mock -d`): random responses with unknown fields still decode.

use futures::TryStreamExt;
use tallyfy_groups::{Capture, CapturedResponse, Client, Error, RetryPolicy, SortBy};

const ORG: &str = "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d";

fn prism_url() -> String {
    std::env::var("PRISM_URL").expect("PRISM_URL is set by scripts/contract/run.sh rust")
}

/// A client for Prism, and the record of every response it receives.
fn client(prefer: Option<&str>) -> (Client, Capture) {
    let capture = Capture::new();
    let mut builder = Client::builder()
        .token("contract-token")
        .org_id(ORG)
        .base_url(prism_url())
        .retry_policy(RetryPolicy::none())
        .capture(capture.clone());
    if let Some(prefer) = prefer {
        builder = builder.header("Prefer", prefer);
    }
    (builder.build().expect("client builds"), capture)
}

fn assert_no_violations(responses: &[CapturedResponse]) {
    for response in responses {
        if let Some(violations) = response.headers.get("sl-violations") {
            panic!(
                "Prism rejected our {} request ({}): {}",
                response.operation,
                response.status,
                violations.to_str().unwrap_or("<binary>")
            );
        }
    }
}

/// Calls all five operations, the membership helpers and a paged listing.
async fn every_operation(client: &Client) -> Result<usize, Error> {
    let groups = client.groups();
    let page = groups
        .list()
        .q("sales")
        .page_size(25)
        .page(1)
        .sort_by(SortBy::Name)
        .with_assets()
        .with_users()
        .send()
        .await?;
    let id = page
        .items()
        .first()
        .map(|g| g.id.clone())
        .unwrap_or_else(|| "53a4560dc877f9b4f709f97630efbb5a".into());
    groups.get(&id).send().await?;
    groups.get(&id).with_assets().send().await?;
    groups
        .create("Sales Team")
        .description("Handles all sales inquiries.")
        .members([1001, 1005])
        .guests(["client.a@example.com"])
        .send()
        .await?;
    groups
        .update(&id)
        .name("Sales")
        .description("Deals.")
        .members([1001])
        .guests(Vec::<String>::new())
        .send()
        .await?;
    // A static mock never shows a write, so the read that confirms a
    // read-modify-write cannot see it: every request is sent (and checked by Prism),
    // and the call ends in Unconfirmed, as it must where a write does not show.
    unconfirmed(
        groups
            .update(&id)
            .description("Only the description.")
            .send()
            .await,
    )?;
    unconfirmed(groups.add_members(&id, [2002]).await)?;
    groups.delete(&id).send().await?;
    for number in 1..=3 {
        groups
            .list()
            .page_size(10)
            .page(number)
            .sort_by(SortBy::CreatedAt)
            .send()
            .await?;
    }
    let items: Vec<_> = groups
        .list()
        .q("sales")
        .with_guests()
        .into_paginator()
        .max_items(500)
        .concurrency(2)
        .items()
        .try_collect()
        .await?;
    Ok(items.len())
}

/// `Ok` for a read-modify-write that a static mock cannot confirm; any other outcome
/// (an `Ok` included: the mock cannot have shown the change) is passed on as an error.
fn unconfirmed<T: std::fmt::Debug>(result: Result<T, Error>) -> Result<(), Error> {
    match result {
        Err(Error::Unconfirmed { .. }) => Ok(()),
        Err(other) => Err(other),
        Ok(value) => Err(Error::Config(format!(
            "a static mock confirmed a write: {value:?}"
        ))),
    }
}

// Proves every request the crate sends, for every operation, is valid per Prism's
// reading of the spec, and the spec's examples decode.
#[tokio::test]
#[ignore = "needs Prism: scripts/contract/run.sh rust"]
async fn static_requests_are_valid() {
    let (api, capture) = client(None);
    let result = every_operation(&api).await;
    let responses = capture.take();
    assert_no_violations(&responses);
    let listed = result.expect("every operation succeeds against the spec's examples");
    assert!(listed >= 1);
    assert!(responses.len() >= 14, "{} responses", responses.len());
}

// Proves Prism's error responses (the spec's error examples) map to the right kinds.
#[tokio::test]
#[ignore = "needs Prism: scripts/contract/run.sh rust"]
async fn static_prefer_codes_map_to_error_kinds() {
    for code in [401u16, 403, 404, 422, 429] {
        let prefer = format!("code={code}");
        let (api, capture) = client(Some(&prefer));
        let result = api
            .groups()
            .get("53a4560dc877f9b4f709f97630efbb5a")
            .send()
            .await;
        assert_no_violations(&capture.take());
        let err = result.expect_err("an error status");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code), "{err}");
        let details = err
            .api()
            .unwrap_or_else(|| panic!("{code} is an API error: {err:?}"));
        match code {
            401 => assert_eq!(details.message.as_deref(), Some("invalid_client")),
            403 => assert_eq!(details.code.as_deref(), Some("SEAT_POOL_EXHAUSTED")),
            404 => assert_eq!(details.code.as_deref(), Some("RESOURCE_NOT_FOUND")),
            422 => assert!(!details.field_errors.is_empty(), "{err}"),
            _ => {
                assert_eq!(details.code.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
                assert!(err.is_retryable());
            }
        }
    }
}

// Proves random responses full of unknown fields decode for every operation; a
// listing of random pages either ends or is stopped by a paging guard, never by a
// decode error.
#[tokio::test]
#[ignore = "needs Prism in dynamic mode: scripts/contract/run.sh rust"]
async fn dynamic_random_responses_decode() {
    let (api, capture) = client(None);
    let groups = api.groups();
    for round in 0..5 {
        let result = async {
            let page = groups.list().page_size(10).send().await?;
            let id = page
                .items()
                .first()
                .map(|g| g.id.clone())
                .unwrap_or_else(|| "g".into());
            groups.get(&id).with_assets().send().await?;
            groups
                .create("Sales Team")
                .description("d")
                .members([1])
                .send()
                .await?;
            groups
                .update(&id)
                .name("n")
                .description("d")
                .members([1])
                .guests(["a@x.io"])
                .send()
                .await?;
            groups.delete(&id).send().await?;
            Ok::<_, Error>(())
        }
        .await;
        assert_no_violations(&capture.take());
        if let Err(err) = result {
            panic!("round {round}: a random response did not decode: {err}");
        }
    }
    let listing = groups
        .list()
        .into_paginator()
        .max_items(300)
        .items()
        .try_collect::<Vec<_>>()
        .await;
    assert_no_violations(&capture.take());
    match listing {
        Ok(_) | Err(Error::Paging(_)) => {}
        Err(other) => panic!("a random listing failed with something other than a guard: {other}"),
    }
}
