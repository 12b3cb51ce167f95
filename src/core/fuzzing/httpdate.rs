//! The check behind the `httpdate` fuzz target: `parse_http_date` and `parse_retry_after`,
//! against a date formatter of its own.

use super::input::FuzzBytes;
use crate::core::httpdate::{parse_http_date, parse_retry_after};

/// The last second an HTTP date may name: 9999-12-31 23:59:59 (four-digit years).
const LAST_MS: u64 = 253_402_300_799_000;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// The civil date of a day count since 1970-01-01: (year, month 1-12, day 1-31), by
/// counting years and months (slow but plainly right, unlike the parser's closed form).
fn civil(mut days: u64) -> (u64, usize, u64) {
    let leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut year = 1970;
    // Whole 400-year cycles first (146 097 days each), so a loop stays short.
    year += days / 146_097 * 400;
    days %= 146_097;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let lengths = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    (year, month + 1, days + 1)
}

/// `ms` (whole seconds) as an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
fn format(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let (y, m, d) = civil(days);
    let t = secs % 86_400;
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[m - 1],
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// HTTP dates on arbitrary input (first byte even: the rest as text; odd: eight bytes as a
/// time, formatted by the check):
///
/// - a date that parses is a whole second from 1970 to 9999 whose civil date and time are
///   the text's own fields (so an impossible date like 31 Feb is refused, not moved to
///   March), with `:60` a leap second counted as the next one;
/// - every IMF-fixdate the check writes parses back to its time;
/// - `Retry-After` is its digits when it is digits, else the date's distance from now in
///   whole seconds rounded up, never negative.
pub fn check_http_date(data: &[u8]) {
    let mut input = FuzzBytes::new(data);
    if input.byte() % 2 == 1 {
        let ms = input.u64() % (LAST_MS / 1000 + 1) * 1000;
        let text = format(ms);
        assert!(
            parse_http_date(&text) == Some(ms),
            "an IMF-fixdate does not parse back"
        );
        let now = ms.saturating_sub(1_500);
        let wait = if ms >= 1_500 {
            2
        } else {
            1 - u64::from(ms == 0)
        };
        assert!(
            parse_retry_after(&text, now) == Some(wait)
                && parse_retry_after(&text, ms + 1) == Some(0),
            "Retry-After as a date is not its distance"
        );
        return;
    }
    let text = input.rest_text();
    let now = 1_800_000_000_000;
    let parsed = parse_http_date(&text);
    if let Some(ms) = parsed {
        assert!(
            ms % 1000 == 0 && ms <= LAST_MS + 1000,
            "a date out of range"
        );
        let fields: Vec<&str> = text.trim().split_ascii_whitespace().collect();
        assert!(
            fields.len() == 6 && fields[5] == "GMT",
            "accepted a date of other fields"
        );
        let number = |t: &str| {
            assert!(
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()),
                "accepted a number that is not digits: {t:?}"
            );
            t.parse::<u64>().expect("digits")
        };
        let hms: Vec<u64> = fields[4].split(':').map(number).collect();
        let (day, year) = (number(fields[1]), number(fields[3]));
        let leap_second = hms[2] == 60;
        let at = if leap_second { ms - 1000 } else { ms };
        let secs = at / 1000;
        let (y, m, d) = civil(secs / 86_400);
        let t = secs % 86_400;
        assert!(
            (y, MONTHS[m - 1], d) == (year, fields[2], day),
            "the date is not the text's (an impossible date moved?)"
        );
        assert!(
            [t / 3600, t / 60 % 60, t % 60 + u64::from(leap_second)] == hms[..],
            "the time of day is not the text's"
        );
    }
    let trimmed = text.trim();
    let expected = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        trimmed.parse::<u64>().ok()
    } else {
        parse_http_date(trimmed).map(|at| at.saturating_sub(now).div_ceil(1000))
    };
    assert!(
        parse_retry_after(&text, now) == expected,
        "Retry-After is neither its delay nor its date"
    );
}
