//! [`SandboxBuilder`]: seed data, the accepted token, latency and the
//! deterministic fault injection (429s and 503s) of a sandbox.

use std::fmt;
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
    pub(crate) limit: Option<SandboxLimit>,
}

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
            limit: None,
        }
    }
}

impl fmt::Debug for SandboxBuilder {
    // The token is a secret: show only whether one is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("seed", &self.seed)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("latency", &self.latency)
            .field("rate_limit_every", &self.rate_limit_every)
            .field("rate_limit_first", &self.rate_limit_first)
            .field("retry_after_secs", &self.retry_after_secs)
            .field("fail_first", &self.fail_first)
            .field("fail_ppm", &self.fail_ppm)
            .field("limit", &self.limit)
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

    /// Enforces a real rate limit on every request (after the injected faults,
    /// before authentication); see [`SandboxLimit`]. `None` (the default): no limit.
    pub fn limit(mut self, limit: Option<SandboxLimit>) -> Self {
        self.limit = limit;
        self
    }

    /// Binds `127.0.0.1` on a free port and starts serving.
    ///
    /// # Panics
    /// If the port cannot be bound or the server thread cannot be started;
    /// see [`try_start`](Self::try_start).
    pub async fn start(self) -> Sandbox {
        self.try_start()
            .await
            .expect("failed to start the Tallyfy Groups sandbox")
    }

    /// Like [`start`](Self::start), but returns the I/O error instead of panicking.
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
