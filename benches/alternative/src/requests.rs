//! Per-request throughput: a get and a one-page list of 100 groups, ours and the
//! generated client's interleaved request by request (alternating which goes first),
//! each timed on its own in wall-clock time and in CPU time of this thread (the
//! runtime is current-thread, so that is the whole client). Against the fixed-body
//! server (nearly all the time is the client's) and the sandbox.

use std::hint::black_box;
use std::time::{Duration, Instant};

use openapi_client::apis::configuration::Configuration;
use openapi_client::apis::groups_api;
use tallyfy_groups::Client;
use tallyfy_groups_sandbox::Sandbox;

use crate::common::{self, ThreadCpu, median, p10_p90, us};
use crate::{Plan, TALLYFY_CLIENT, generated_config, our_client};

#[derive(Clone, Copy, Debug)]
enum Op {
    Get,
    List,
}

pub async fn run(plan: &Plan) {
    let sandbox = Sandbox::builder().seed(100).start().await;
    let bodies = common::fetch_bodies(sandbox.base_url(), sandbox.org_id(), 100).await;
    let fixed = common::fixed_server::start_fixed_server(&bodies.get, &bodies.list);
    for (server, base_url) in [
        ("fixed-body server", fixed.as_str()),
        ("sandbox, zero latency", sandbox.base_url()),
    ] {
        println!("### {server}");
        for op in [Op::Get, Op::List] {
            let n = match op {
                Op::Get => plan.gets,
                Op::List => plan.lists,
            };
            compare(base_url, sandbox.org_id(), &bodies.group_id, op, n).await;
        }
    }
    println!(
        "{} gets / {} lists per side and server, alternating request by request; medians of \
         single requests; ours/generated > 1 means ours is faster",
        plan.gets, plan.lists
    );
}

async fn ours_once(client: &Client, op: Op, id: &str) -> usize {
    match op {
        Op::Get => client
            .groups()
            .get(id)
            .send()
            .await
            .expect("our get")
            .members
            .len(),
        Op::List => {
            let page = client.groups().list().page_size(100).send().await;
            page.expect("our list").items().len()
        }
    }
}

async fn generated_once(config: &Configuration, org_id: &str, op: Op, id: &str) -> usize {
    match op {
        Op::Get => groups_api::get_group(config, org_id, id, TALLYFY_CLIENT, None)
            .await
            .expect("generated get")
            .data
            .members
            .map_or(0, |m| m.len()),
        Op::List => groups_api::list_groups(
            config,
            org_id,
            TALLYFY_CLIENT,
            None,
            Some(100),
            Some(1),
            None,
            None,
            None,
        )
        .await
        .expect("generated list")
        .data
        .len(),
    }
}

async fn compare(base_url: &str, org_id: &str, id: &str, op: Op, n: usize) {
    let ours = our_client(base_url, org_id);
    let config = generated_config(base_url);
    assert_eq!(
        ours_once(&ours, op, id).await,
        generated_once(&config, org_id, op, id).await,
        "both clients read the same"
    );
    for _ in 0..n.min(200) {
        black_box(ours_once(&ours, op, id).await);
        black_box(generated_once(&config, org_id, op, id).await);
    }
    let clock = ThreadCpu::open();
    let cpu_now = || clock.as_ref().and_then(ThreadCpu::now);
    let mut wall: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut cpu: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for i in 0..n {
        for side in [i % 2, (i + 1) % 2] {
            let (cpu_start, started) = (cpu_now(), Instant::now());
            if side == 0 {
                black_box(ours_once(&ours, op, id).await);
            } else {
                black_box(generated_once(&config, org_id, op, id).await);
            }
            wall[side].push(started.elapsed());
            if let (Some(a), Some(b)) = (cpu_start, cpu_now()) {
                cpu[side].push(b.saturating_sub(a));
            }
        }
    }
    let name = format!("{op:?}").to_lowercase();
    report(&format!("{name} wall"), wall);
    if cpu.iter().all(|side| side.len() == n) {
        report(&format!("{name} cpu"), cpu);
    }
}

fn report(label: &str, [mut ours, mut generated]: [Vec<Duration>; 2]) {
    let (o, g) = (median(&mut ours), median(&mut generated));
    let ((o10, o90), (g10, g90)) = (p10_p90(&mut ours), p10_p90(&mut generated));
    println!(
        "{label:<9} ours {:>6.1} µs (p10–p90 {:.1}–{:.1}), generated {:>6.1} µs (p10–p90 \
         {:.1}–{:.1}), ours/generated throughput {:.3}",
        us(o),
        us(o10),
        us(o90),
        us(g),
        us(g10),
        us(g90),
        g.as_secs_f64() / o.as_secs_f64()
    );
}
