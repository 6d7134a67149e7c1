//! [`SandboxBuilder`]: seed data, the accepted token, latency, the
//! deterministic fault injection (429s and 503s), the port, the shutdown grace
//! and the state file of a sandbox.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::Sandbox;
use crate::limit::SandboxLimit;

/// Configures a [`Sandbox`]; made by [`Sandbox::builder`], finished by
/// [`start`](SandboxBuilder::start).
///
/// Faults are decided by the request's sequence number `n` (1 for the first
/// request the sandbox receives, counting every request, as
/// [`Sandbox::request_count`] does), so a given configuration fails the same
/// requests on every run. They are checked before authentication, in this
/// order: 503 ([`fail_first`](Self::fail_first),
/// [`fail_fraction`](Self::fail_fraction)), then 429
/// ([`rate_limit_first`](Self::rate_limit_first),
/// [`rate_limit_every`](Self::rate_limit_every)).
#[derive(Clone)]
pub struct SandboxBuilder {
    pub(crate) seed: usize,
    pub(crate) token: Option<String>,
    pub(crate) latency: Duration,
    pub(crate) rate_limit_every: Option<u64>,
    pub(crate) rate_limit_first: u64,
    pub(crate) retry_after_secs: u64,
    pub(crate) fail_first: u64,
    pub(crate) fail_ppm: u64,
    pub(crate) port: u16,
    pub(crate) grace: Duration,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) state_lock_wait: Duration,
    pub(crate) reset_state: bool,
    pub(crate) limit: Option<SandboxLimit>,
    pub(crate) on_request: Option<RequestHook>,
}

/// What an [`on_request`](SandboxBuilder::on_request) hook is told about a request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The request's sequence number, from 1, as [`Sandbox::request_count`] counts.
    pub n: u64,
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path, e.g. `/api/organizations/{org}/groups/{id}` (not decoded).
    pub path: String,
}

/// A boxed [`on_request`](SandboxBuilder::on_request) hook.
pub(crate) type RequestHook =
    Arc<dyn Fn(RequestInfo) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            seed: 0,
            token: None,
            latency: Duration::ZERO,
            rate_limit_every: None,
            rate_limit_first: 0,
            retry_after_secs: 1,
            fail_first: 0,
            fail_ppm: 0,
            port: 0,
            grace: Duration::from_millis(100),
            state_file: None,
            state_lock_wait: Duration::ZERO,
            reset_state: false,
            limit: None,
            on_request: None,
        }
    }
}

impl fmt::Debug for SandboxBuilder {
    // The token is a secret: show only whether one is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("seed", &self.seed)
            .field("token", &self.token.as_ref().map(|_| "** redacted **"))
            .field("latency", &self.latency)
            .field("rate_limit_every", &self.rate_limit_every)
            .field("rate_limit_first", &self.rate_limit_first)
            .field("retry_after_secs", &self.retry_after_secs)
            .field("fail_first", &self.fail_first)
            .field("fail_ppm", &self.fail_ppm)
            .field("port", &self.port)
            .field("grace", &self.grace)
            .field("state_file", &self.state_file)
            .field("state_lock_wait", &self.state_lock_wait)
            .field("reset_state", &self.reset_state)
            .field("limit", &self.limit)
            .field("on_request", &self.on_request.is_some())
            .finish()
    }
}

impl SandboxBuilder {
    /// Seeds `n` groups into the organisation [`SANDBOX_ORG_ID`](crate::SANDBOX_ORG_ID)
    /// (other organisations start empty). Group `i` (from 1) is named
    /// `Group {i:04}`; its description cycles through
    /// [`SEED_DESCRIPTIONS`](crate::SEED_DESCRIPTIONS); it has `i % 3` members
    /// (`1000 + 10 * i + k`); every fifth group has the guest
    /// `guest{i:04}@example.com`. Ids and timestamps are the same on every run;
    /// `created_at` follows seed order, `last_updated` does not.
    pub fn seed(mut self, n: usize) -> Self {
        self.seed = n;
        self
    }

    /// `Some(token)`: accept only `Authorization: Bearer <token>`.
    /// `None` (the default): accept any non-empty bearer token.
    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// Waits this long before handling each request (every response,
    /// errors included, is at least this late).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Answers 429 to every `n`-th request (`n`, `2n`, …). `0` turns it off.
    pub fn rate_limit_every(mut self, n: u64) -> Self {
        self.rate_limit_every = (n > 0).then_some(n);
        self
    }

    /// Answers 429 to the first `n` requests.
    pub fn rate_limit_first(mut self, n: u64) -> Self {
        self.rate_limit_first = n;
        self
    }

    /// The `Retry-After` of 429 answers, in seconds (default 1; 0 is allowed).
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = secs;
        self
    }

    /// Answers 503 to the first `n` requests.
    pub fn fail_first(mut self, n: u64) -> Self {
        self.fail_first = n;
        self
    }

    /// Answers 503 to this fraction of requests (clamped to `0.0..=1.0`,
    /// resolved to millionths), spread evenly and deterministically: request
    /// `n` fails when `floor(n * f)` exceeds `floor((n - 1) * f)`, so `0.25`
    /// fails requests 4, 8, 12, … and `1.0` fails all of them.
    pub fn fail_fraction(mut self, fraction: f64) -> Self {
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self.fail_ppm = (fraction * 1_000_000.0).round() as u64;
        self
    }

    /// Listens on `127.0.0.1:port`; `0` (the default) picks a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long in-flight requests may still finish once the sandbox is
    /// asked to stop (default 100 ms); connections still open then are cut.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Keeps the groups in `path`, so they outlast the sandbox.
    ///
    /// On start the sandbox takes an exclusive lock on `path` + `.lock`
    /// (held until it stops; another sandbox on the same file is refused, see
    /// [`state_lock_wait`](Self::state_lock_wait)), then loads `path`; if
    /// there is no such file it starts from [`seed`](Self::seed) and writes
    /// the file at once. A file that is not a valid state file is refused
    /// with an error naming it, and left as it is. Every change (create,
    /// update, delete) is saved before its answer is sent, atomically
    /// (temporary file, fsync, rename, directory fsync): a crash at any
    /// moment leaves the state before or after that change. A change that
    /// cannot be saved is undone and answered with a 500.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// How long [`start`](Self::start) waits for another process to release
    /// the state file's lock before it fails (default: it does not wait).
    /// The wait blocks the calling thread (it polls the lock every 25 ms).
    pub fn state_lock_wait(mut self, wait: Duration) -> Self {
        self.state_lock_wait = wait;
        self
    }

    /// With [`state_file`](Self::state_file): ignore what the file holds and
    /// start over from [`seed`](Self::seed), overwriting it (under the lock).
    pub fn reset_state(mut self, reset: bool) -> Self {
        self.reset_state = reset;
        self
    }

    /// Enforces a real rate limit on every request (after the injected faults,
    /// before authentication); see [`SandboxLimit`]. `None` (the default): no limit.
    pub fn limit(mut self, limit: Option<SandboxLimit>) -> Self {
        self.limit = limit;
        self
    }

    /// Awaits `hook(request)` before handling each request (after the
    /// [`latency`](Self::latency), before faults and authentication), so a
    /// test can see the order requests arrive in, or hold one back until
    /// others have arrived. The hook runs on the server's one thread: it must
    /// not block; await instead. Requests are handled concurrently, so a held
    /// request does not hold back the others.
    pub fn on_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(RequestInfo) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_request = Some(Arc::new(move |info| Box::pin(hook(info))));
        self
    }

    /// Binds `127.0.0.1` (on [`port`](Self::port), a free one by default)
    /// and starts serving.
    ///
    /// # Panics
    /// If the port cannot be bound, the state file cannot be used or the
    /// server thread cannot be started; see [`try_start`](Self::try_start).
    pub async fn start(self) -> Sandbox {
        self.try_start()
            .await
            .expect("failed to start the Tallyfy Groups sandbox")
    }

    /// Like [`start`](Self::start), but returns the error instead of
    /// panicking: the port cannot be bound, or the state file cannot be used
    /// (kind `WouldBlock`: another sandbox holds its lock; `InvalidData`: it
    /// is not a valid state file). The message names the file.
    pub async fn try_start(self) -> std::io::Result<Sandbox> {
        Sandbox::launch(self)
    }

    /// Whether request `n` (from 1) gets an injected 503.
    pub(crate) fn fails(&self, n: u64) -> bool {
        const PPM: u64 = 1_000_000;
        n <= self.fail_first
            || (self.fail_ppm > 0 && n * self.fail_ppm / PPM > (n - 1) * self.fail_ppm / PPM)
    }

    /// Whether request `n` (from 1) gets an injected 429.
    pub(crate) fn rate_limits(&self, n: u64) -> bool {
        n <= self.rate_limit_first
            || self
                .rate_limit_every
                .is_some_and(|every| n.is_multiple_of(every))
    }

    /// Whether the `Authorization` header value is accepted.
    pub(crate) fn accepts(&self, authorization: Option<&str>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        let Some((scheme, token)) = value.trim().split_once(' ') else {
            return false;
        };
        let token = token.trim();
        scheme.eq_ignore_ascii_case("bearer")
            && !token.is_empty()
            && self
                .token
                .as_deref()
                .is_none_or(|expected| expected == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_fail_evenly() {
        let b = SandboxBuilder::default().fail_fraction(0.25);
        let failed: Vec<u64> = (1..=12).filter(|&n| b.fails(n)).collect();
        assert_eq!(failed, [4, 8, 12]);
        let all = SandboxBuilder::default().fail_fraction(1.0);
        assert!((1..=50).all(|n| all.fails(n)));
        let none = SandboxBuilder::default().fail_fraction(0.0);
        assert!(!(1..=50).any(|n| none.fails(n)));
        let some = SandboxBuilder::default().fail_fraction(0.3);
        assert_eq!((1..=3000).filter(|&n| some.fails(n)).count(), 900);
        let first = SandboxBuilder::default().fail_first(2);
        assert_eq!((1..=5).filter(|&n| first.fails(n)).count(), 2);
    }

    #[test]
    fn bearer_parsing() {
        let any = SandboxBuilder::default();
        assert!(any.accepts(Some("Bearer abc")));
        assert!(any.accepts(Some("bearer abc")));
        assert!(!any.accepts(Some("Bearer ")));
        assert!(!any.accepts(Some("Basic abc")));
        assert!(!any.accepts(None));
        let fixed = SandboxBuilder::default().token(Some("s3cret".into()));
        assert!(fixed.accepts(Some("Bearer s3cret")));
        assert!(!fixed.accepts(Some("Bearer other")));
        assert!(!format!("{fixed:?}").contains("s3cret"));
    }
}
