//! Retry policy: which failures are retried and how long to back off. Owns the
//! decisions only (the one list of what is retried, which
//! [`Error::is_retryable`](crate::Error::is_retryable) also answers from, and the one
//! cap on waiting); `Retry-After` is read by `retry_after` and the loop that applies
//! the decisions lives in `request`.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::{Method, StatusCode};

/// The default cap on waiting: 120 s.
const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// When and how often a request is retried.
///
/// The default follows Tallyfy's own CLI: up to 4 retries; 429 is retried for
/// every method (the request was not processed); 502, 503, 504 and connection
/// failures only for GET, PUT and DELETE, so a POST that may have reached the
/// server is never sent twice. `Retry-After` (seconds or an HTTP date) is
/// honoured up to [`RetryPolicy::max_retry_after`], 120 s by default (as Tallyfy's
/// Python SDK 3.1.0: a per-minute window can ask for up to 60 s, and a shorter cap
/// sends the retry back into the same window); otherwise the delay grows
/// exponentially from 0.5 s to 8 s with jitter.
///
/// `max_retry_after` is the client's one cap on waiting on a server's word: it
/// bounds the retry after a 503's `Retry-After`, and, for the
/// [`RateLimiter`](crate::RateLimiter), the pause after a 429, the wait for a used-up
/// quota window to reset, and the doubling pause after 429s without a usable
/// `Retry-After`. A 429 whose `Retry-After` is past the cap (an hourly quota spent) is
/// not retried every cap: it is a long wait that holds the limiter's requests for all
/// it asks (a day at most), so calls fail at once with
/// [`Error::RateLimited`](crate::Error::RateLimited) naming when to resume, or wait
/// as told when their [throttle deadline](crate::ClientBuilder::throttle_deadline)
/// allows.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every failure is returned at once, a 429 included even while
    /// the client is paced (the pause it imposes still holds later requests).
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Sets how many times a request is retried after its first attempt.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first and the largest backoff delay.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max.max(initial);
        self
    }

    /// Sets the cap on waiting (default 120 s): see the type's documentation.
    pub fn with_max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Turns jitter on the backoff delays on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// How many retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The cap on waiting on a server's word.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff delays, one per retry, when the server gives no `Retry-After`.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let mut builder = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries as usize);
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// The wait before the next attempt: the server's `Retry-After` (capped), else `backoff`.
    pub(crate) fn delay(&self, retry_after: Option<Duration>, backoff: Duration) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => backoff,
        }
    }
}

/// Whether a response with this status to this method is retried: 429 for every
/// method (the request was not processed), 502/503/504 only where sending the request
/// twice does no harm.
pub(crate) fn retries_status(method: &Method, status: StatusCode) -> bool {
    match status {
        StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            is_idempotent(method)
        }
        _ => false,
    }
}

/// Whether a failure before any response is retried: a connection that could not be
/// made, for a method that may be sent twice. Timeouts are not retried.
pub(crate) fn retries_transport(method: &Method, error: &reqwest::Error) -> bool {
    error.is_connect() && is_idempotent(method)
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the default cap is 120 s: a 60 s or 120 s Retry-After (a per-minute
    // window) is honoured in full, a longer one is cut to 120 s, and backoff is used
    // without the header.
    #[test]
    fn delay_caps_retry_after() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_retry_after(), Duration::from_secs(120));
        for (asked, wait) in [(60, 60), (120, 120), (121, 120), (3600, 120)] {
            let delay = policy.delay(Some(Duration::from_secs(asked)), Duration::from_secs(1));
            assert_eq!(delay, Duration::from_secs(wait), "Retry-After: {asked}");
        }
        let custom = RetryPolicy::default().with_max_retry_after(Duration::from_secs(30));
        let capped = custom.delay(Some(Duration::from_secs(60)), Duration::from_secs(1));
        assert_eq!(capped, Duration::from_secs(30));
        assert_eq!(
            policy.delay(None, Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }

    // Proves the backoff yields exactly max_retries delays, growing and bounded.
    #[test]
    fn backoff_is_bounded_and_grows() {
        let policy = RetryPolicy::default().with_jitter(false);
        let delays: Vec<_> = policy.backoff().collect();
        assert_eq!(delays.len(), 4);
        assert_eq!(delays[0], Duration::from_millis(500));
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(8)));
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
    }

    // Proves POST is only retried on 429, never on gateway errors.
    #[test]
    fn post_is_retried_only_on_429() {
        assert!(retries_status(&Method::POST, StatusCode::TOO_MANY_REQUESTS));
        assert!(!retries_status(
            &Method::POST,
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(retries_status(&Method::PUT, StatusCode::BAD_GATEWAY));
        assert!(!retries_status(
            &Method::GET,
            StatusCode::INTERNAL_SERVER_ERROR
        ));
    }
}
