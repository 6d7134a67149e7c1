//! The alternative-client benchmark: `tallyfy-groups` against the Rust client that
//! openapi-generator (7.26.0, `-g rust`, reqwest library) generates from the same
//! `spec/tallyfy-groups.yaml` — what a user would pick instead. Run it through
//! `scripts/bench/alternative.sh`, which generates that client and builds this driver.
//!
//! 1. Decoding: every response sample in `spec/samples` into both clients' types;
//!    a sample one of them rejects, or reads differently, is reported.
//! 2. Per-request throughput: a get and a one-page list (100 groups), ours and the
//!    generated client's interleaved request by request, against the fixed-body
//!    server and the sandbox; median per request (wall-clock and client-thread CPU
//!    time) and the ratio ours / generated.
//! 3. Listing all of 10,000 groups from the sandbox (zero latency and 20 ms per
//!    response): the generated client looping over pages by hand (`per_page=100`,
//!    as its users must), against our `items()` stream, sequential and with
//!    `concurrency(8)`; all three must yield the same ids in the same order.
//!
//! `--bench` runs the full version; without it, a quick smoke version.

#[path = "../../common/mod.rs"]
#[allow(dead_code)]
mod common;
mod listing;
mod requests;
mod samples;

use std::path::PathBuf;
use std::process::ExitCode;

use openapi_client::apis::configuration::Configuration;
use tallyfy_groups::Client;

/// How much one run measures.
pub struct Plan {
    pub gets: usize,
    pub lists: usize,
    pub listing_groups: usize,
    pub listing_rounds: usize,
    pub latencies_ms: [u64; 2],
}

const FULL: Plan = Plan {
    gets: 10_000,
    lists: 2_000,
    listing_groups: 10_000,
    listing_rounds: 3,
    latencies_ms: [0, 20],
};

const SMOKE: Plan = Plan {
    gets: 20,
    lists: 10,
    listing_groups: 500,
    listing_rounds: 1,
    latencies_ms: [0, 2],
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = if args.iter().any(|a| a == "--bench") {
        FULL
    } else {
        println!("smoke run (no --bench): small sizes, figures not meaningful");
        SMOKE
    };
    let samples_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/samples"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    println!("# alternative-client benchmark: tallyfy-groups vs openapi-generator 7.26.0 (rust)");
    println!("machine: {}", common::machine());
    println!("\n## 1. decoding spec/samples");
    let decoded_all = samples::check(&samples_dir);
    println!("\n## 2. per-request throughput");
    runtime.block_on(requests::run(&plan));
    println!("\n## 3. listing all groups");
    let same = runtime.block_on(listing::run(&plan));
    println!(
        "\nsummary: generated client decodes every sample ours does: {}; listings identical: {}",
        yes(decoded_all),
        yes(same)
    );
    if same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}

/// Our client with every default (retries on, timeouts, body limit).
pub fn our_client(base_url: &str, org_id: &str) -> Client {
    Client::builder()
        .token(common::TOKEN)
        .org_id(org_id)
        .base_url(base_url)
        .build()
        .expect("our client builds")
}

/// The generated client's configuration, set up the way its README suggests, plus
/// the headers the API documents: the bearer token and user agent in the
/// configuration, `Accept` as a default header of the reqwest client (the generated
/// code sends none), `X-Tallyfy-Client` as the operation parameter on every call.
pub fn generated_config(base_url: &str) -> Configuration {
    use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    Configuration {
        base_path: base_url.to_owned(),
        user_agent: Some(common::USER_AGENT.to_owned()),
        client: reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("a reqwest client"),
        bearer_access_token: Some(common::TOKEN.to_owned()),
        ..Configuration::default()
    }
}

/// The `X-Tallyfy-Client` value sent by the generated client.
pub const TALLYFY_CLIENT: Option<&str> = Some("APIClient");
