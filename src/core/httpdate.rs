//! Parsing of HTTP dates (RFC 9110 §5.6.7, IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`),
//! for the `Date` header (clock drift) and `Retry-After`.

use crate::core::json::parse_u64;

/// Parses an IMF-fixdate into milliseconds since the Unix epoch. Every number is plain
/// digits (no sign), the year has at most four (so the arithmetic cannot overflow, and no date
/// lies beyond 9999), and the day exists in its month: `31 Feb` is refused, not moved to
/// March. The weekday is not checked (RFC 9110 §5.6.7 lets a recipient ignore it).
pub fn parse_http_date(text: &str) -> Option<u64> {
    let mut parts = text.trim().split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day = digits(parts.next()?, 2)?;
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as i64 + 1;
    let year = digits(parts.next()?, 4)?;
    let mut hms = parts.next()?.split(':').map(|p| digits(p, 2));
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || hms.next().is_some() {
        return None;
    }
    if !(1..=days_in_month(year, month)).contains(&day) || h > 23 || m > 59 || s > 60 || year < 1970
    {
        return None;
    }
    let days = days_from_civil(year as i64, month, day as i64);
    Some(((days as u64) * 86_400 + h * 3600 + m * 60 + s) * 1000)
}

/// The month names of IMF-fixdate, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A number of 1 to `max_len` ASCII digits (no sign, no space).
fn digits(text: &str, max_len: usize) -> Option<u64> {
    if text.is_empty() || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    parse_u64(text)
}

/// The number of days in `month` (1-12) of `year`, proleptic Gregorian.
fn days_in_month(year: u64, month: i64) -> u64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `Retry-After` (RFC 9110 §10.2.3): delta-seconds (digits only: `+5` and `-5` are
/// neither form), or an HTTP date taken relative to `now_ms`. Returns whole seconds to wait.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // delta-seconds = 1*DIGIT; beyond u64 is no wait we can honour, and no date either.
        return parse_u64(value);
    }
    parse_http_date(value).map(|at| at.saturating_sub(now_ms).div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_imf_fixdate() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Sat, 21 Nov 2026 09:31:25 GMT"),
            Some(1_795_253_485_000)
        );
        assert_eq!(
            parse_http_date("Sun, 29 Feb 2032 12:00:00 GMT"),
            Some(1_961_668_800_000)
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "yesterday",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    /// Found by the `httpdate` fuzz target: a year of 19 digits overflowed the day count (a
    /// panic with overflow checks, a wrapped, absurd server clock without), `31 Feb` was read
    /// as 3 March, and signs were taken for digits.
    #[test]
    fn refuses_years_beyond_9999_impossible_days_and_signs() {
        for bad in [
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov 100000000000000 08:49:37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sat, 31 Feb 2026 00:00:00 GMT",
            "Thu, 29 Feb 2029 00:00:00 GMT",
            "Mon, 31 Apr 2026 00:00:00 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov +1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 +8:49:37 GMT",
            "Sun, 006 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799_000)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400_000)
        );
        assert_eq!(parse_http_date("Thu, 1 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_retry_after("+5", 0), None);
        assert_eq!(parse_retry_after("99999999999999999999999", 0), None);
    }

    #[test]
    fn retry_after_both_forms() {
        assert_eq!(parse_retry_after("120", 0), Some(120));
        assert_eq!(parse_retry_after(" 7 ", 0), Some(7));
        let now = 784_111_777_000 - 30_500;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(31)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 60_000),
            Some(0)
        );
        assert_eq!(parse_retry_after("-5", 0), None);
        assert_eq!(parse_retry_after("soon", 0), None);
    }
}
