//! Clock drift: the browser's clock may be minutes off, so expiry is worked out from the
//! server's view of time.
//!
//! At each token response the library records the offset between the server's clock and the
//! browser's: from the response's `Date` header (RFC 9110 §6.6.1) when the browser lets us
//! read it, else from the `iat` claim (RFC 7519 §4.1.6) of the access token or the ID token
//! when they are JWTs. A relative lifetime (`expires_in`, RFC 6749 §5.1) is counted from the
//! moment the browser received it, which no clock offset can distort; an absolute one (a JWT
//! access token's `exp`) is translated into browser time with the offset. Both are kept, the
//! earlier one wins.

use crate::core::b64::decode_url;
use crate::core::json::{self, Object};
use crate::core::oidc::{numeric_date_ms, MAX_JWS_PART_LEN};

/// The time claims of a JWT, in seconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwtTimes {
    /// `iat`, when present.
    pub iat: Option<u64>,
    /// `exp`, when present.
    pub exp: Option<u64>,
}

/// Reads `iat` and `exp` from a compact JWS's payload (RFC 7515 §7.1), WITHOUT verifying
/// anything: the values only estimate the server's clock and the token's lifetime, which the
/// token endpoint told us over TLS anyway. Never use this to trust a token. `None` when the
/// token is not a JWT (opaque tokens, such as Genesys Cloud's, are normal).
pub fn unverified_jwt_times(token: &str) -> Option<JwtTimes> {
    let json = unverified_jwt_payload(token)?;
    // A time claim that is not a valid NumericDate (RFC 7519 §2) is treated as absent.
    let claim = |name: &str| {
        numeric_date_ms(&json, name)
            .ok()
            .flatten()
            .map(|ms| ms / 1000)
    };
    Some(JwtTimes {
        iat: claim("iat"),
        exp: claim("exp"),
    })
}

/// The payload of a compact JWS (RFC 7515 §7.1: three dot-separated base64url parts, the
/// second a JSON object of at most [`MAX_JWS_PART_LEN`] bytes), WITHOUT verifying anything;
/// `None` for anything else. For times that schedule, never for trust.
pub fn unverified_jwt_payload(token: &str) -> Option<Object> {
    let (_header, rest) = token.split_once('.')?;
    let (payload, signature) = rest.split_once('.')?;
    if signature.contains('.') {
        return None;
    }
    json::parse_bytes_object(&decode_url(payload)?, MAX_JWS_PART_LEN)
}

/// The server's clock minus the browser's, in milliseconds, at the moment `browser_now_ms`
/// the response arrived: from the `Date` header when readable, else the access token's `iat`,
/// else the ID token's `iat`. `None` when nothing tells.
///
/// Both sources have a one-second resolution and are stamped before the response travels, so
/// the estimate errs towards the server's clock being slightly behind, which errs towards
/// refreshing early.
pub fn clock_offset_ms(
    server_date_ms: Option<u64>,
    access_token: Option<&JwtTimes>,
    id_token: Option<&JwtTimes>,
    browser_now_ms: u64,
) -> Option<i64> {
    let server_now = server_date_ms
        .or_else(|| {
            access_token
                .and_then(|t| t.iat)
                .map(|s| s.saturating_mul(1000))
        })
        .or_else(|| id_token.and_then(|t| t.iat).map(|s| s.saturating_mul(1000)))?;
    // server_now - browser_now_ms, saturating at the ends of i64 (no 128-bit arithmetic).
    Some(match server_now.checked_sub(browser_now_ms) {
        Some(ahead) => i64::try_from(ahead).unwrap_or(i64::MAX),
        None => 0i64
            .checked_sub_unsigned(browser_now_ms - server_now)
            .unwrap_or(i64::MIN),
    })
}

/// Converts a server-clock instant into browser-clock milliseconds.
pub fn to_browser_ms(server_ms: u64, offset_ms: Option<i64>) -> u64 {
    // server_ms - offset, saturating at 0 and u64::MAX.
    let offset = offset_ms.unwrap_or(0);
    if offset >= 0 {
        server_ms.saturating_sub(offset.unsigned_abs())
    } else {
        server_ms.saturating_add(offset.unsigned_abs())
    }
}

/// When the access token expires, in browser-clock milliseconds: the earlier of `expires_in`
/// counted from `browser_now_ms` (immune to clock offsets) and a JWT `exp` translated with
/// `offset_ms`. `None` when neither is known.
pub fn access_token_expiry(
    browser_now_ms: u64,
    expires_in_s: Option<u64>,
    jwt_exp_s: Option<u64>,
    offset_ms: Option<i64>,
) -> Option<u64> {
    let relative = expires_in_s.map(|s| browser_now_ms.saturating_add(s.saturating_mul(1000)));
    let absolute = jwt_exp_s.map(|s| to_browser_ms(s.saturating_mul(1000), offset_ms));
    match (relative, absolute) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The saturating arithmetic gives what exact 128-bit arithmetic clamped gives.
    #[test]
    fn offsets_saturate_as_exact_arithmetic_clamped() {
        let values = [
            0,
            1,
            999,
            1 << 40,
            i64::MAX as u64,
            (i64::MAX as u64) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        let offsets = [
            0,
            1,
            -1,
            1 << 40,
            -(1 << 40),
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        for &a in &values {
            for &b in &values {
                let exact = (i128::from(a) - i128::from(b))
                    .clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                assert_eq!(
                    clock_offset_ms(Some(a), None, None, b),
                    Some(exact as i64),
                    "{a} {b}"
                );
            }
            for &o in &offsets {
                let exact = (i128::from(a) - i128::from(o)).clamp(0, i128::from(u64::MAX));
                assert_eq!(to_browser_ms(a, Some(o)), exact as u64, "{a} {o}");
                let exact = (i128::from(a) + i128::from(o)).clamp(0, i128::from(u64::MAX));
                assert_eq!(a.saturating_add_signed(o), exact as u64, "{a} {o}");
            }
        }
    }
    use crate::core::testing::jwt;

    #[test]
    fn reads_time_claims_only_from_jwts() {
        assert_eq!(
            unverified_jwt_times(&jwt(r#"{"iat":100,"exp":200,"sub":"x"}"#)),
            Some(JwtTimes {
                iat: Some(100),
                exp: Some(200)
            })
        );
        assert_eq!(
            unverified_jwt_times(&jwt(r#"{"iat":1.5e2}"#)),
            Some(JwtTimes {
                iat: Some(150),
                exp: None
            })
        );
        assert_eq!(
            unverified_jwt_times(&jwt(r#"{"iat":"100","exp":-5}"#)),
            Some(JwtTimes::default())
        );
        for opaque in ["", "abc", "a.b", "a.b.c.d", "x.!!!.y", &jwt("not json")] {
            assert_eq!(unverified_jwt_times(opaque), None, "{opaque}");
        }
    }

    #[test]
    fn offset_prefers_date_then_access_token_then_id_token() {
        let at = JwtTimes {
            iat: Some(1_000),
            exp: None,
        };
        let id = JwtTimes {
            iat: Some(2_000),
            exp: None,
        };
        assert_eq!(
            clock_offset_ms(Some(900_000), Some(&at), Some(&id), 1_000_000),
            Some(-100_000)
        );
        assert_eq!(
            clock_offset_ms(None, Some(&at), Some(&id), 400_000),
            Some(600_000)
        );
        assert_eq!(
            clock_offset_ms(None, Some(&JwtTimes::default()), Some(&id), 1_000_000),
            Some(1_000_000)
        );
        assert_eq!(clock_offset_ms(None, None, None, 5), None);
    }

    #[test]
    fn expiry_uses_the_earlier_of_relative_and_absolute() {
        // Browser 10 minutes fast: the JWT exp translates back by the offset.
        let offset = Some(-600_000);
        let now = 1_000_000_000 + 600_000;
        assert_eq!(
            access_token_expiry(now, None, Some(1_000_000 + 3_600), offset),
            Some(now + 3_600_000)
        );
        assert_eq!(
            access_token_expiry(now, Some(60), Some(1_000_000 + 3_600), offset),
            Some(now + 60_000)
        );
        assert_eq!(
            access_token_expiry(now, Some(60), None, None),
            Some(now + 60_000)
        );
        assert_eq!(access_token_expiry(now, None, None, offset), None);
        assert_eq!(to_browser_ms(5, Some(10)), 0);
        assert_eq!(to_browser_ms(u64::MAX, Some(-10)), u64::MAX);
    }
}
