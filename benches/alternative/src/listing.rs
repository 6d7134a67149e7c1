//! Listing every group of a seeded sandbox: the generated client looping over pages
//! by hand, as its users must (it has no paging helper), against our `items()`
//! stream, sequential and with `concurrency(8)`. Rounds rotate which goes first;
//! every listing must yield the same ids in the same order.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use openapi_client::apis::configuration::Configuration;
use openapi_client::apis::groups_api;
use tallyfy_groups::Client;
use tallyfy_groups_sandbox::Sandbox;

use crate::common::{median, ms};
use crate::{Plan, TALLYFY_CLIENT, generated_config, our_client};

const WAYS: [&str; 3] = [
    "generated, page loop",
    "ours, items()",
    "ours, concurrency(8)",
];

/// Returns whether every listing yielded the same ids in the same order.
pub async fn run(plan: &Plan) -> bool {
    let mut identical = true;
    for latency_ms in plan.latencies_ms {
        let latency = Duration::from_millis(latency_ms);
        let sandbox = Sandbox::builder()
            .seed(plan.listing_groups)
            .latency(latency)
            .start()
            .await;
        let org_id = sandbox.org_id();
        let ours = our_client(sandbox.base_url(), org_id);
        let config = generated_config(sandbox.base_url());
        println!(
            "### {} groups, per_page=100, sandbox latency {latency_ms} ms per response",
            plan.listing_groups
        );
        let mut times: [Vec<Duration>; 3] = Default::default();
        let mut reference: Option<Vec<String>> = None;
        for round in 0..plan.listing_rounds {
            for k in 0..WAYS.len() {
                let way = (round + k) % WAYS.len();
                let started = Instant::now();
                let ids = match way {
                    0 => generated_listing(&config, org_id).await,
                    1 => our_listing(&ours, 1).await,
                    _ => our_listing(&ours, 8).await,
                };
                times[way].push(started.elapsed());
                let reference = reference.get_or_insert_with(|| ids.clone());
                identical &= ids.len() == plan.listing_groups && ids == *reference;
            }
        }
        let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
        for (way, (median, times)) in WAYS.iter().zip(medians.iter().zip(&times)) {
            let (lo, hi) = (times.iter().min(), times.iter().max());
            println!(
                "{way:<22} median {:>8.1} ms (range {:.1}–{:.1}), {:>6.2}x the generated loop",
                ms(*median),
                lo.map_or(0.0, |t| ms(*t)),
                hi.map_or(0.0, |t| ms(*t)),
                medians[0].as_secs_f64() / median.as_secs_f64()
            );
        }
        println!(
            "{} rounds, rotating order; requests served: {}",
            plan.listing_rounds,
            sandbox.request_count()
        );
    }
    println!("all listings identical (same ids, same order): {identical}");
    identical
}

/// What a user of the generated client writes: request pages until the pagination
/// says the last one was reached (or, without it, a short page arrives).
async fn generated_listing(config: &Configuration, org_id: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let list = groups_api::list_groups(
            config,
            org_id,
            TALLYFY_CLIENT,
            None,
            Some(100),
            Some(page),
            None,
            None,
            None,
        )
        .await
        .expect("the generated client lists a page");
        let count = list.data.len();
        ids.extend(list.data.into_iter().map(|g| g.id));
        let more = match list.meta.and_then(|m| m.pagination) {
            Some(p) => match (p.current_page, p.total_pages) {
                (Some(current), Some(total)) => current < total,
                _ => count == 100,
            },
            None => count == 100,
        };
        if !more {
            return ids;
        }
        page += 1;
    }
}

async fn our_listing(client: &Client, concurrency: usize) -> Vec<String> {
    client
        .groups()
        .list()
        .page_size(100)
        .into_paginator()
        .concurrency(concurrency)
        .items()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .expect("our stream lists")
}
