//! Reads a response's rate-limit signals: `Retry-After` (through the crate's one
//! parser, `retry_after`) and `X-RateLimit-Limit` / `-Remaining` / `-Reset` (also
//! without the `X-`), where `Reset` may be seconds-until or a Unix time. Pure — the
//! caller passes the wall-clock time and the cap on waiting — and total: a hostile
//! value becomes [`Wait::Unusable`] or is capped, never a panic. It decides nothing
//! about pacing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName};

pub(crate) use crate::retry_after::Wait;
use crate::retry_after::{self, until};

/// A `Reset` at or above this many seconds is a Unix time (2001-09-09), not a delay:
/// no window is 31 years long.
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;

/// The rate-limit signals of one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Signals {
    /// `Retry-After`, capped.
    pub retry_after: Wait,
    /// `Retry-After` as asked, not capped (`None`: absent or unusable).
    pub asked: Option<Duration>,
    /// `Reset` as said, not capped.
    pub reset_said: Option<Duration>,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Time from now until the quota resets, capped.
    pub reset: Option<Duration>,
}

impl Signals {
    /// Reads the signals of `headers`, waits capped at `cap`; `now` gives the
    /// wall-clock time (asked only for a date or a Unix time).
    pub(crate) fn read(
        headers: &HeaderMap,
        now: impl Fn() -> SystemTime,
        cap: Duration,
    ) -> Signals {
        let asked = retry_after::read(headers, &now);
        let retry_after = match asked {
            Wait::After(wait) => Wait::After(wait.min(cap)),
            other => other,
        };
        let count = |names: &Names| first(headers, names).and_then(|v| v.parse::<u64>().ok());
        let reset_said = first(headers, &RESET).and_then(|v| parse_reset(v, &now));
        let reset = reset_said.map(|reset| reset.min(cap));
        Signals {
            retry_after,
            asked: asked.duration(),
            reset_said,
            limit: count(&LIMIT),
            remaining: count(&REMAINING),
            reset,
        }
    }
}

fn text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The common header name, then the IETF draft's. Parsed names, so a lookup does not
/// parse the name again on every response (BENCHMARKS.md, #17: ~2,400 instructions).
type Names = [HeaderName; 2];
const LIMIT: Names = [
    HeaderName::from_static("x-ratelimit-limit"),
    HeaderName::from_static("ratelimit-limit"),
];
const REMAINING: Names = [
    HeaderName::from_static("x-ratelimit-remaining"),
    HeaderName::from_static("ratelimit-remaining"),
];
const RESET: Names = [
    HeaderName::from_static("x-ratelimit-reset"),
    HeaderName::from_static("ratelimit-reset"),
];

fn first<'a>(headers: &'a HeaderMap, [common, draft]: &Names) -> Option<&'a str> {
    text(headers, common).or_else(|| text(headers, draft))
}

/// Seconds-until, a Unix time, or an HTTP date; `None` for anything else.
fn parse_reset(value: &str, now: &impl Fn() -> SystemTime) -> Option<Duration> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        if secs >= UNIX_TIME_THRESHOLD {
            let when = UNIX_EPOCH.checked_add(Duration::from_secs(secs));
            return Some(when.map_or(Duration::MAX, |when| until(when, now())));
        }
        return Some(Duration::from_secs(secs));
    }
    match retry_after::seconds(value) {
        Some(wait) => wait,
        None => httpdate::parse_http_date(value)
            .ok()
            .map(|when| until(when, now())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// A fixed wall-clock time, so dates are compared exactly.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn read(pairs: &[(&'static str, &str)]) -> Signals {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        Signals::read(&headers, now, CAP)
    }

    /// The cap the tests read with: the default `RetryPolicy::max_retry_after`.
    const CAP: Duration = Duration::from_secs(120);

    fn retry_after(value: &str) -> Wait {
        read(&[("retry-after", value)]).retry_after
    }

    // Proves the Retry-After the pacer reads is the shared parser's, capped at the
    // cap it is given (hostile values are the parser's own tests).
    #[test]
    fn retry_after_is_capped() {
        assert_eq!(retry_after("7"), Wait::After(Duration::from_secs(7)));
        assert_eq!(retry_after("1.5"), Wait::After(Duration::from_millis(1500)));
        assert_eq!(retry_after("soon"), Wait::Unusable);
        for huge in [
            "3600",
            "99999999999999999999999999",
            "1e300",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(retry_after(huge), Wait::After(CAP), "{huge:?}");
        }
        assert_eq!(read(&[]).retry_after, Wait::Absent);
        // As asked, for a wait past the cap (an hourly quota's).
        let hour = Duration::from_secs(3600);
        assert_eq!(read(&[("retry-after", "3600")]).asked, Some(hour));
        assert_eq!(read(&[("retry-after", "soon")]).asked, None);
    }

    // Proves Reset is read as seconds-until when small and as a Unix time when large,
    // both capped, and the X- and draft header names both work.
    #[test]
    fn reset_delta_or_unix_time() {
        let delta = read(&[
            ("x-ratelimit-limit", "60"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "6"),
        ]);
        assert_eq!(delta.limit, Some(60));
        assert_eq!(delta.remaining, Some(0));
        assert_eq!(delta.reset, Some(Duration::from_secs(6)));
        let epoch = 1_800_000_000 + 9;
        let unix = read(&[("ratelimit-reset", &epoch.to_string())]);
        assert_eq!(unix.reset, Some(Duration::from_secs(9)));
        let past = read(&[("x-ratelimit-reset", "1700000000")]);
        assert_eq!(past.reset, Some(Duration::ZERO));
        let far = read(&[("x-ratelimit-reset", "999999999999999999999")]);
        assert_eq!(far.reset, Some(CAP));
        let garbage = read(&[
            ("x-ratelimit-reset", "later"),
            ("x-ratelimit-remaining", "-1"),
        ]);
        assert_eq!((garbage.reset, garbage.remaining), (None, None));
    }
}
