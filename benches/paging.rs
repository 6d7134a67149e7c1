//! The paging benchmark (`cargo bench -p tallyfy-groups --bench paging`), a plain main
//! that prints a report; owns nothing but its measurements.
//!
//! 1. Throughput: 10,000 groups at `per_page=100` from the sandbox on 127.0.0.1 with
//!    20 ms latency per response, streamed sequentially and with `concurrency(8)`,
//!    alternating, several rounds; reports both and their ratio (target ≥ 6×), and
//!    exits non-zero if the two streams' items differ in any way or order.
//! 2. Memory: streaming 100,000 groups versus 1,000 (target: within 10 MiB). Each run
//!    is a child process (this binary, re-run with `--child`) that only runs the
//!    client, the sandbox staying in this process; the child reports its peak live
//!    heap bytes, counted by a global allocator, and its VmHWM from /proc/self/status.
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a quick smoke version.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use tallyfy_groups::{Client, RetryPolicy};
use tallyfy_groups_sandbox::Sandbox;

/// A global allocator that counts live heap bytes and remembers the peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

/// What one benchmark run uses.
struct Plan {
    throughput_groups: usize,
    latency: Duration,
    rounds: usize,
    memory_sizes: [usize; 2],
}

const FULL: Plan = Plan {
    throughput_groups: 10_000,
    latency: Duration::from_millis(20),
    rounds: 3,
    memory_sizes: [1_000, 100_000],
};

const SMOKE: Plan = Plan {
    throughput_groups: 500,
    latency: Duration::from_millis(2),
    rounds: 1,
    memory_sizes: [100, 1_000],
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let plan = if args.iter().any(|a| a == "--bench") {
        FULL
    } else {
        SMOKE
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let ok = runtime.block_on(parent(&plan));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn bench_client(base_url: &str, org_id: &str) -> Client {
    Client::builder()
        .token("bench-token")
        .org_id(org_id)
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the bench client builds")
}

/// Streams the whole listing; returns its ids and how long it took.
async fn stream_ids(client: &Client, concurrency: usize) -> (Vec<String>, Duration) {
    let started = Instant::now();
    let ids = client
        .groups()
        .list()
        .page_size(100)
        .into_paginator()
        .concurrency(concurrency)
        .items()
        .map_ok(|group| group.id)
        .try_collect::<Vec<_>>()
        .await
        .expect("the listing streams");
    (ids, started.elapsed())
}

async fn parent(plan: &Plan) -> bool {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<_> = load.split_whitespace().take(3).collect();
    println!("# paging benchmark");
    println!(
        "machine: {cpus} CPUs, {cpu}; load average {}",
        load.join(" ")
    );

    let n = plan.throughput_groups;
    let latency = plan.latency;
    println!("\n## throughput: {n} groups, per_page=100, sandbox latency {latency:?} per response");
    let sandbox = Sandbox::builder().seed(n).latency(latency).start().await;
    let client = bench_client(sandbox.base_url(), sandbox.org_id());
    let mut sequential = Vec::new();
    let mut concurrent = Vec::new();
    let mut same_order = true;
    for round in 1..=plan.rounds {
        let (seq_ids, seq_time) = stream_ids(&client, 1).await;
        let (con_ids, con_time) = stream_ids(&client, 8).await;
        let ok = seq_ids.len() == n && seq_ids == con_ids && distinct(&seq_ids);
        same_order &= ok;
        println!(
            "round {round}: sequential {:>8.1} ms, concurrency(8) {:>7.1} ms, ratio {:>4.1}x, \
             items {} / {}, identical order: {}",
            ms(seq_time),
            ms(con_time),
            seq_time.as_secs_f64() / con_time.as_secs_f64(),
            seq_ids.len(),
            con_ids.len(),
            if ok { "yes" } else { "NO" }
        );
        sequential.push(seq_time);
        concurrent.push(con_time);
    }
    let (seq, con) = (median(&mut sequential), median(&mut concurrent));
    let ratio = seq.as_secs_f64() / con.as_secs_f64();
    println!(
        "median: sequential {:.1} ms, concurrency(8) {:.1} ms, ratio {ratio:.1}x (target >= 6x: {})",
        ms(seq),
        ms(con),
        verdict(ratio >= 6.0)
    );
    println!("requests served: {}", sandbox.request_count());
    drop(sandbox);

    // The cost of a page without the injected latency: what concurrency cannot hide.
    let sandbox = Sandbox::builder().seed(n).start().await;
    let client = bench_client(sandbox.base_url(), sandbox.org_id());
    let (_, baseline) = stream_ids(&client, 1).await;
    let pages = n.div_ceil(100) as f64;
    println!(
        "without latency: sequential {:.1} ms, {:.2} ms per page of client and sandbox work",
        ms(baseline),
        ms(baseline) / pages
    );
    drop(sandbox);

    let [small, large] = plan.memory_sizes;
    println!("\n## memory: streaming {large} groups versus {small} (per_page=100, no latency)");
    println!("measured in child processes running only the client; the sandbox is in the parent");
    let mut within = true;
    for concurrency in [1, 8] {
        let mut peaks = Vec::new();
        for size in [small, large] {
            let sandbox = Sandbox::builder().seed(size).start().await;
            let report = run_child(sandbox.base_url(), sandbox.org_id(), size, concurrency);
            drop(sandbox);
            match report {
                Some(r) => {
                    println!(
                        "concurrency({concurrency}) {size:>7} groups: peak live heap {:>6.2} MiB, \
                         VmHWM {:>6.2} MiB, items {}, in order: {}",
                        r.peak_heap as f64 / MIB,
                        r.vmhwm_kib as f64 / 1024.0,
                        r.items,
                        if r.in_order { "yes" } else { "NO" }
                    );
                    same_order &= r.in_order && r.items == size;
                    peaks.push(r);
                }
                None => return false,
            }
        }
        let heap_diff = peaks[1].peak_heap.abs_diff(peaks[0].peak_heap) as f64 / MIB;
        let hwm_diff = peaks[1].vmhwm_kib.abs_diff(peaks[0].vmhwm_kib) as f64 / 1024.0;
        let ok = heap_diff <= 10.0 && hwm_diff <= 10.0;
        within &= ok;
        println!(
            "concurrency({concurrency}) difference: peak live heap {heap_diff:.2} MiB, VmHWM \
             {hwm_diff:.2} MiB (target within 10 MiB: {})",
            verdict(ok)
        );
    }
    println!(
        "\nsummary: identical order {}, ratio {ratio:.1}x, memory within 10 MiB {}",
        verdict(same_order),
        verdict(within)
    );
    same_order
}

struct ChildReport {
    peak_heap: usize,
    vmhwm_kib: u64,
    items: usize,
    in_order: bool,
}

fn run_child(base_url: &str, org_id: &str, size: usize, concurrency: usize) -> Option<ChildReport> {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let output = Command::new(exe)
        .args([
            "--child",
            base_url,
            org_id,
            &size.to_string(),
            &concurrency.to_string(),
        ])
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        eprintln!(
            "child failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let field = |name: &str| {
        stdout
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some(ChildReport {
        peak_heap: field("peak_heap")? as usize,
        vmhwm_kib: field("vmhwm_kib")?,
        items: field("items")? as usize,
        in_order: field("in_order")? == 1,
    })
}

/// The child: streams `size` groups and prints its peak memory. Keeps no items: each
/// is checked against the seeded order (`Group 0001`, `Group 0002`, …) and dropped.
fn child(args: &[String]) -> ExitCode {
    let [base_url, org_id, size, concurrency] = args else {
        eprintln!("usage: --child BASE_URL ORG_ID SIZE CONCURRENCY");
        return ExitCode::FAILURE;
    };
    let size: usize = size.parse().expect("a size");
    let concurrency: usize = concurrency.parse().expect("a concurrency");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let (items, in_order) = runtime.block_on(async {
        let client = bench_client(base_url, org_id);
        let mut stream = client
            .groups()
            .list()
            .page_size(100)
            .into_paginator()
            .concurrency(concurrency)
            .items();
        let (mut items, mut in_order) = (0usize, true);
        while let Some(group) = stream.try_next().await.expect("the listing streams") {
            items += 1;
            in_order &= group.name == format!("Group {items:04}");
        }
        (items, in_order)
    });
    println!(
        "peak_heap={} vmhwm_kib={} items={items} in_order={}",
        PEAK.load(Ordering::Relaxed),
        vmhwm_kib(),
        u8::from(in_order && items == size)
    );
    ExitCode::SUCCESS
}

fn vmhwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn distinct(ids: &[String]) -> bool {
    let set: std::collections::HashSet<_> = ids.iter().collect();
    set.len() == ids.len()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
