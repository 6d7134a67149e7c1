//! How long a server asks a client to wait, as it wrote it: `Retry-After` as
//! delta-seconds (decimals accepted) or an HTTP date. The crate's one parser of it,
//! used by the pacer, the retry loop and [`ApiError::retry_after`](crate::ApiError).
//! Pure (the caller passes the wall-clock time) and total; it caps nothing: the one
//! cap on waiting is [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// What a header said about how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Not sent.
    Absent,
    /// Sent but unusable: negative, not a number or a date.
    Unusable,
    /// A wait from now; zero for a date in the past.
    After(Duration),
}

impl Wait {
    /// The wait, if one was given.
    pub(crate) fn duration(self) -> Option<Duration> {
        match self {
            Wait::After(wait) => Some(wait),
            Wait::Absent | Wait::Unusable => None,
        }
    }
}

/// The `Retry-After` of `headers`; `now` is asked only for a date.
pub(crate) fn read(headers: &HeaderMap, now: impl Fn() -> SystemTime) -> Wait {
    match headers.get(RETRY_AFTER).map(|v| v.to_str().map(str::trim)) {
        None => Wait::Absent,
        Some(Err(_)) => Wait::Unusable,
        Some(Ok(value)) => parse(value, &now),
    }
}

/// Delta-seconds (decimals accepted, overflow saturating) or an HTTP date.
pub(crate) fn parse(value: &str, now: &impl Fn() -> SystemTime) -> Wait {
    if let Some(seconds) = seconds(value) {
        return seconds.map_or(Wait::Unusable, Wait::After);
    }
    match httpdate::parse_http_date(value) {
        Ok(when) => Wait::After(until(when, now())),
        Err(_) => Wait::Unusable,
    }
}

/// `None`: not a number at all. `Some(None)`: a number, but negative or not finite.
/// `Some(Some(d))`: a delay (a huge one saturates at `Duration::MAX`).
pub(crate) fn seconds(value: &str) -> Option<Option<Duration>> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only overflow can fail, and an overflow is a huge value.
        let secs = digits.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Some(Duration::from_secs(secs)));
    }
    let number = value.parse::<f64>().ok()?;
    if !number.is_finite() || number < 0.0 || value.starts_with('-') {
        return Some(None);
    }
    Some(Some(
        Duration::try_from_secs_f64(number).unwrap_or(Duration::MAX),
    ))
}

/// The time from `now` until `when`, zero if it has passed.
pub(crate) fn until(when: SystemTime, now: SystemTime) -> Duration {
    when.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn wait(value: &str) -> Wait {
        parse(value, &now)
    }

    // Proves both standard forms are read exactly, a past date is zero, a fraction
    // is kept (so `ApiError::retry_after` and the pacer agree on "1.5").
    #[test]
    fn seconds_and_dates() {
        assert_eq!(wait("7"), Wait::After(Duration::from_secs(7)));
        assert_eq!(wait("1.5"), Wait::After(Duration::from_millis(1500)));
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(42));
        assert_eq!(wait(&date), Wait::After(Duration::from_secs(42)));
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(42));
        assert_eq!(wait(&past), Wait::After(Duration::ZERO));
        assert_eq!(read(&HeaderMap::new(), now), Wait::Absent);
    }

    // Proves hostile values never panic: negative and garbage are unusable, huge ones
    // are kept uncapped (the caller caps), saturating instead of overflowing.
    #[test]
    fn hostile_values() {
        for garbage in ["-5", "-0.5", "soon", "", "NaN", "inf", "1e999x", "0x10"] {
            assert_eq!(wait(garbage), Wait::Unusable, "{garbage:?}");
        }
        assert_eq!(wait("3600"), Wait::After(Duration::from_secs(3600)));
        assert_eq!(
            wait("99999999999999999999999999"),
            Wait::After(Duration::from_secs(u64::MAX))
        );
        assert_eq!(wait("1e300"), Wait::After(Duration::MAX));
    }
}
