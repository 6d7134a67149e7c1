//! Shared by the `overhead` and `decode` benchmarks (and the alternative-client driver
//! in `benches/alternative/`): the minimal hand-written structs a user of plain
//! `reqwest` + `serde_json` would decode into, the bodies taken from the sandbox,
//! a thread CPU clock, statistics and the machine description. Not a bench target itself.

pub mod fixed_server;

use std::time::Duration;

use serde::Deserialize;

/// `{"data": {...}}` of a get, decoded the way a hand-written client would.
#[derive(Debug, Deserialize)]
pub struct RawGroupEnvelope {
    pub data: RawGroup,
}

/// The fields a user needs, timestamps kept as text, member ids as integers.
#[derive(Debug, Deserialize)]
pub struct RawGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub logo: Option<String>,
    #[serde(default)]
    pub members: Vec<i64>,
    #[serde(default)]
    pub guests: Vec<String>,
    pub created_at: Option<String>,
    pub last_updated: Option<String>,
}

/// One list page, decoded the way a hand-written client would.
#[derive(Debug, Deserialize)]
pub struct RawList {
    pub data: Vec<RawGroup>,
    pub meta: RawMeta,
}

/// `meta` of a list page.
#[derive(Debug, Deserialize)]
pub struct RawMeta {
    pub pagination: RawPagination,
}

/// The pagination numbers a hand-written loop reads.
#[derive(Debug, Deserialize)]
pub struct RawPagination {
    pub total: u64,
    pub current_page: u64,
    pub total_pages: u64,
}

/// The token every benchmark sends (the sandbox accepts any bearer token).
pub const TOKEN: &str = "bench-token";
/// The `User-Agent` our client sends by default, copied by the hand-written client.
pub const USER_AGENT: &str = concat!("tallyfy-groups/", env!("CARGO_PKG_VERSION"));

/// A hand-written `reqwest` client sending the four headers our client sends.
pub fn raw_http_client() -> reqwest::Client {
    raw_http_client_builder().build().expect("a reqwest client")
}

/// The hand-written client's builder: the same four headers as ours, nothing else.
///
/// With the crate's default TLS feature, reqwest is built without a crypto provider
/// (the crate hands its own client one, and installs nothing process-wide), so a
/// plain `reqwest::Client` needs a process default: this benchmark program installs
/// ring's, as an application would.
pub fn raw_http_client_builder() -> reqwest::ClientBuilder {
    use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = HeaderMap::new();
    let mut auth = HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("a header value");
    auth.set_sensitive(true);
    headers.insert(AUTHORIZATION, auth);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert("x-tallyfy-client", HeaderValue::from_static("APIClient"));
    reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(USER_AGENT)
}

/// Real response bodies from a sandbox seeded with `seed` groups: one group (the
/// first) and the first page of `per_page` groups, plus that group's id.
pub struct Bodies {
    pub group_id: String,
    pub get: Vec<u8>,
    pub list: Vec<u8>,
}

/// Fetches [`Bodies`] from `base_url`/`org_id` with plain reqwest.
pub async fn fetch_bodies(base_url: &str, org_id: &str, per_page: u32) -> Bodies {
    let http = raw_http_client();
    let groups = format!("{base_url}/organizations/{org_id}/groups");
    let list = http
        .get(&groups)
        .query(&[("per_page", per_page.to_string()), ("page", "1".into())])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the sandbox lists")
        .bytes()
        .await
        .expect("a list body")
        .to_vec();
    let page: RawList = serde_json::from_slice(&list).expect("a list page");
    let group_id = page.data.first().expect("a seeded group").id.clone();
    let get = http
        .get(format!("{groups}/{group_id}"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the sandbox gets")
        .bytes()
        .await
        .expect("a group body")
        .to_vec();
    Bodies {
        group_id,
        get,
        list,
    }
}

/// The CPU time of the calling thread: `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`
/// (exact, unlike `/proc/thread-self/schedstat`, which only moves at scheduler ticks).
pub struct ThreadCpu;

impl ThreadCpu {
    /// The clock, if this platform has it.
    pub fn open() -> Option<ThreadCpu> {
        ThreadCpu.now().map(|_| ThreadCpu)
    }

    /// This thread's CPU time so far.
    #[cfg(target_os = "linux")]
    pub fn now(&self) -> Option<Duration> {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a valid, writable `timespec` of the platform's own
        // layout (libc's type, so 32-bit targets get theirs).
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
        let secs = u64::try_from(time.tv_sec).ok()?;
        let nanos = u32::try_from(time.tv_nsec).ok()?;
        (rc == 0).then(|| Duration::new(secs, nanos))
    }

    /// This thread's CPU time so far (not available here).
    #[cfg(not(target_os = "linux"))]
    pub fn now(&self) -> Option<Duration> {
        None
    }
}

/// The median of `samples` (sorted in place).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The 10th and 90th percentiles of `samples` (sorted in place).
pub fn p10_p90(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.1), at(0.9))
}

/// Microseconds, for printing.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `met` or `MISSED`.
pub fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// CPUs, CPU model and memory, from /proc.
pub fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "{cpus} CPUs, {model}, {:.1} GiB RAM",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}
