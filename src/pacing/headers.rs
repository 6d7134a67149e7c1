//! Reads a response's rate-limit signals: `Retry-After` (delta-seconds or an HTTP date)
//! and `X-RateLimit-Limit` / `-Remaining` / `-Reset` (also without the `X-`), where
//! `Reset` may be seconds-until or a Unix time. Pure — the caller passes the wall-clock
//! time — and total: a hostile value becomes [`Wait::Unusable`] or is capped at
//! [`MAX_PAUSE`], never a panic. It decides nothing about pacing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};

/// The longest single pause the pacer takes on a server's word: 120 s, as Tallyfy's
/// newest SDK (a per-minute window can ask for up to 60 s). A longer `Retry-After` or
/// `Reset` is cut to this; the request after it asks the server again.
pub const MAX_PAUSE: Duration = Duration::from_secs(120);

/// A `Reset` at or above this many seconds is a Unix time (2001-09-09), not a delay:
/// no window is 31 years long.
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;

/// What a header said about how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Not sent.
    Absent,
    /// Sent but unusable: negative, not a number or a date.
    Unusable,
    /// A wait from now, already capped at [`MAX_PAUSE`]; zero for a date in the past.
    After(Duration),
}

/// The rate-limit signals of one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Signals {
    pub retry_after: Wait,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Time from now until the quota resets, capped at [`MAX_PAUSE`].
    pub reset: Option<Duration>,
}

impl Signals {
    /// Reads the signals of `headers`; `now` gives the wall-clock time (asked only
    /// for a date or a Unix time).
    pub(crate) fn read(headers: &HeaderMap, now: impl Fn() -> SystemTime) -> Signals {
        let retry_after = match text(headers, &RETRY_AFTER) {
            None => Wait::Absent,
            Some(value) => parse_wait(value, &now),
        };
        let count = |names: &Names| first(headers, names).and_then(|v| v.parse::<u64>().ok());
        let reset = first(headers, &RESET).and_then(|v| parse_reset(v, &now));
        Signals {
            retry_after,
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

/// Delta-seconds (decimals accepted, overflow capped) or an HTTP date.
fn parse_wait(value: &str, now: &impl Fn() -> SystemTime) -> Wait {
    if let Some(seconds) = parse_seconds(value) {
        return seconds.map_or(Wait::Unusable, Wait::After);
    }
    match httpdate::parse_http_date(value) {
        Ok(when) => Wait::After(until(when, now())),
        Err(_) => Wait::Unusable,
    }
}

/// `None`: not a number at all. `Some(None)`: a number, but negative or not finite.
/// `Some(Some(d))`: a delay, capped at [`MAX_PAUSE`].
fn parse_seconds(value: &str) -> Option<Option<Duration>> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only overflow can fail, and an overflow is a huge value.
        let secs = digits.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Some(Duration::from_secs(secs).min(MAX_PAUSE)));
    }
    let number = value.parse::<f64>().ok()?;
    if !number.is_finite() || number < 0.0 || value.starts_with('-') {
        return Some(None);
    }
    Some(Some(Duration::from_secs_f64(
        number.min(MAX_PAUSE.as_secs_f64()),
    )))
}

/// Seconds-until, a Unix time, or an HTTP date; `None` for anything else.
fn parse_reset(value: &str, now: &impl Fn() -> SystemTime) -> Option<Duration> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        if secs >= UNIX_TIME_THRESHOLD {
            let when = UNIX_EPOCH.checked_add(Duration::from_secs(secs));
            return Some(when.map_or(MAX_PAUSE, |when| until(when, now())));
        }
        return Some(Duration::from_secs(secs).min(MAX_PAUSE));
    }
    match parse_seconds(value) {
        Some(wait) => wait,
        None => httpdate::parse_http_date(value)
            .ok()
            .map(|when| until(when, now())),
    }
}

fn until(when: SystemTime, now: SystemTime) -> Duration {
    when.duration_since(now)
        .unwrap_or(Duration::ZERO)
        .min(MAX_PAUSE)
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
        Signals::read(&headers, now)
    }

    fn retry_after(value: &str) -> Wait {
        read(&[("retry-after", value)]).retry_after
    }

    // Proves both standard forms of Retry-After are read exactly, a past date is zero,
    // and a fractional value is accepted.
    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(retry_after("7"), Wait::After(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 "), Wait::After(Duration::ZERO));
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(42));
        assert_eq!(retry_after(&date), Wait::After(Duration::from_secs(42)));
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(42));
        assert_eq!(retry_after(&past), Wait::After(Duration::ZERO));
        assert_eq!(retry_after("1.5"), Wait::After(Duration::from_millis(1500)));
        assert_eq!(read(&[]).retry_after, Wait::Absent);
    }

    // Proves hostile Retry-After values never panic: negative and garbage are
    // unusable (the pacer then backs off), huge ones are capped at MAX_PAUSE.
    #[test]
    fn retry_after_hostile_values() {
        for garbage in ["-5", "-0.5", "soon", "", "NaN", "inf", "1e999x", "0x10"] {
            assert_eq!(retry_after(garbage), Wait::Unusable, "{garbage:?}");
        }
        for huge in [
            "3600",
            "99999999999999999999999999",
            "1e300",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(retry_after(huge), Wait::After(MAX_PAUSE), "{huge:?}");
        }
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
        assert_eq!(far.reset, Some(MAX_PAUSE));
        let garbage = read(&[
            ("x-ratelimit-reset", "later"),
            ("x-ratelimit-remaining", "-1"),
        ]);
        assert_eq!((garbage.reset, garbage.remaining), (None, None));
    }
}
