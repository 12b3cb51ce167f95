//! The session: the tokens a login produced, their expiry, and the summary shown to apps.

use super::clock::{access_token_expiry, clock_offset_ms, unverified_jwt_times};
use crate::core::json::{self, Object, Value};
use crate::core::oauth::TokenResponse;
use crate::core::oidc::IdTokenClaims;
use crate::core::secret::{AccessToken, ChannelKey, IdToken, RefreshToken};

/// How many earlier refresh-token generations a session remembers (see [`Session::lineage`]).
pub const LINEAGE_LEN: usize = 64;

/// An access token closer than this to its expiry is treated as expired, so a request does not
/// leave with a token that dies in flight.
pub const EXPIRY_MARGIN_MS: u64 = 5_000;

/// A logged-in session as stored (sessionStorage or memory). Holds tokens: no `Debug`.
pub struct Session {
    /// The bearer access token.
    pub access_token: AccessToken,
    /// When the access token expires, in ms since the epoch (browser clock); `None` when the
    /// server did not say.
    pub expires_at: Option<u64>,
    /// The granted scope.
    pub scope: Option<String>,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<RefreshToken>,
    /// The ID token, when one was issued.
    pub id_token: Option<IdToken>,
    /// When the tokens were received, in ms since the epoch (browser clock).
    pub issued_at: u64,
    /// The claims of the ID token, verified when the session was made (OIDC Core §3.1.3.7).
    /// They are not verified again when the session is read back: the session lives in this
    /// origin's own storage, and whoever could forge it there could read the tokens anyway.
    pub id_token_claims: Option<IdTokenClaims>,
    /// The server's clock minus the browser's at `issued_at`, in ms (see [`crate::core::clock_offset_ms`]).
    pub clock_offset_ms: Option<i64>,
    /// How many times this session was refreshed (by this tab or a sibling).
    pub refresh_count: u32,
    /// When it was last refreshed, in ms since the epoch (browser clock).
    pub last_refresh_at: Option<u64>,
    /// The family ids ([`crate::core::family_id`]) of the refresh tokens this session's
    /// refresh token replaced, newest first, at most [`LINEAGE_LEN`]. A sibling tab still
    /// holding one of them adopts this session instead of presenting a revoked token.
    pub lineage: Vec<String>,
    /// The tab-channel keys of the lineage's families ([`ChannelKey`]), in the same order:
    /// `lineage_keys[i]` is the key of `lineage[i]`. They let this tab open a message of a
    /// sibling still holding a replaced token, and seal its answer. (A record from before keys
    /// were kept has fewer than `lineage`: the families without one cannot be reached.)
    pub lineage_keys: Vec<ChannelKey>,
}

/// The largest stored session read back, in bytes (64 KiB).
const MAX_STORED_LEN: usize = 64 * 1024;

impl Session {
    /// The record as stored: a JSON object with camelCase keys; absent values are left out.
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
    }

    /// The record as a JSON object (stored, or carried to a sibling tab).
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        put_str(&mut o, "accessToken", Some(self.access_token.secret()));
        put_u64(&mut o, "expiresAt", self.expires_at);
        put_str(&mut o, "scope", self.scope.as_deref());
        put_str(
            &mut o,
            "refreshToken",
            self.refresh_token.as_ref().map(|t| t.secret()),
        );
        put_str(
            &mut o,
            "idToken",
            self.id_token.as_ref().map(|t| t.secret()),
        );
        put_u64(&mut o, "issuedAt", Some(self.issued_at));
        if let Some(claims) = &self.id_token_claims {
            put(&mut o, "idTokenClaims", claims.to_json().into());
        }
        if let Some(offset) = self.clock_offset_ms {
            put(&mut o, "clockOffsetMs", offset.into());
        }
        put_u64(&mut o, "refreshCount", Some(u64::from(self.refresh_count)));
        put_u64(&mut o, "lastRefreshAt", self.last_refresh_at);
        if !self.lineage.is_empty() {
            let families = self.lineage.iter().map(|f| f.as_str().into()).collect();
            put(&mut o, "lineage", Value::Array(families));
        }
        if !self.lineage_keys.is_empty() {
            // A loop: this collect was an instantiation of its own.
            let mut keys = Vec::with_capacity(self.lineage_keys.len());
            for key in &self.lineage_keys {
                keys.push(Value::from(key.secret()));
            }
            put(&mut o, "lineageKeys", Value::Array(keys));
        }
        o.into()
    }

    /// Reads a stored record back; `None` for anything that is not one.
    pub fn from_json(text: &str) -> Option<Session> {
        Session::from_value(
            json::parse_limited(text, MAX_STORED_LEN)
                .ok()?
                .into_object()?,
        )
    }

    /// Reads a record from its JSON object (stored, or carried by a sibling tab's message).
    pub fn from_value(mut o: Object) -> Option<Session> {
        // What can still make it no record comes first, while no token is held.
        let lineage = strings(&o, "lineage")?;
        let mut lineage_keys = Vec::new();
        // At most one key per family; a loop, not a collect (an instantiation of its own).
        for key in strings(&o, "lineageKeys")?.into_iter().take(lineage.len()) {
            lineage_keys.push(ChannelKey::new(key));
        }
        let refresh_count = u32::try_from(number(&o, "refreshCount").unwrap_or(0)).ok()?;
        let issued_at = number(&o, "issuedAt")?;
        let id_token_claims = match take_string(&mut o, "idTokenClaims") {
            Some(text) => Some(IdTokenClaims::from_stored_json(text)?),
            None => None,
        };
        let access_token = AccessToken::new(take_string(&mut o, "accessToken")?);
        Some(Session {
            access_token,
            expires_at: number(&o, "expiresAt"),
            scope: take_string(&mut o, "scope"),
            refresh_token: take_string(&mut o, "refreshToken").map(RefreshToken::new),
            id_token: take_string(&mut o, "idToken").map(IdToken::new),
            issued_at,
            id_token_claims,
            clock_offset_ms: o.get("clockOffsetMs").and_then(Value::as_i64),
            refresh_count,
            last_refresh_at: number(&o, "lastRefreshAt"),
            lineage,
            lineage_keys,
        })
    }

    /// Makes a session from a validated token response received at `now_ms`. `scope` falls
    /// back to the requested scopes when the server omits it (RFC 6749 §5.1).
    ///
    /// The expiry and clock offset follow [`crate::core::access_token_expiry`]: `expires_in` counted from `now_ms`,
    /// or a JWT access token's `exp` translated by the offset from `Date` or `iat`.
    pub fn from_token_response(response: TokenResponse, now_ms: u64, requested: &[String]) -> Self {
        let at_times = unverified_jwt_times(response.access_token.secret());
        let id_times = response
            .id_token
            .as_ref()
            .and_then(|t| unverified_jwt_times(t.secret()));
        let offset = clock_offset_ms(
            response.server_date_ms,
            at_times.as_ref(),
            id_times.as_ref(),
            now_ms,
        );
        Session {
            access_token: response.access_token,
            expires_at: access_token_expiry(
                now_ms,
                response.expires_in,
                at_times.and_then(|t| t.exp),
                offset,
            ),
            scope: response
                .scope
                .or_else(|| (!requested.is_empty()).then(|| requested.join(" "))),
            refresh_token: response.refresh_token,
            id_token: response.id_token,
            issued_at: now_ms,
            id_token_claims: None,
            clock_offset_ms: offset,
            refresh_count: 0,
            last_refresh_at: None,
            lineage: Vec::new(),
            lineage_keys: Vec::new(),
        }
    }

    /// The session after a successful refresh (RFC 6749 §6) received at `now_ms`, given the
    /// family id and the channel key of the refresh token that was presented. Rotation
    /// bookkeeping: a new refresh token replaces the old one (whose family id and key join the
    /// lineage); when the response has none, the old one is kept (RFC 6749 §6: the server MAY
    /// issue a new one). An omitted scope or ID token is kept too (RFC 6749 §5.1; OIDC Core
    /// §12.2).
    pub fn refreshed(
        self,
        response: TokenResponse,
        now_ms: u64,
        old_family: &str,
        old_key: ChannelKey,
    ) -> Self {
        let Session {
            refresh_token: old_rt,
            id_token: old_id,
            id_token_claims: old_claims,
            scope: old_scope,
            refresh_count,
            mut lineage,
            mut lineage_keys,
            ..
        } = self;
        let mut next = Session::from_token_response(response, now_ms, &[]);
        let rotated = match (&next.refresh_token, &old_rt) {
            (Some(new), Some(old)) => new != old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if rotated {
            push_lineage(&mut lineage, &mut lineage_keys, old_family, old_key);
        }
        next.refresh_token = next.refresh_token.or(old_rt);
        next.id_token = next.id_token.or(old_id);
        // The claims verified at login, until the caller replaces them with those of a
        // refreshed ID token it verified (OIDC Core §12.2; see `Client::refresh`).
        next.id_token_claims = old_claims;
        next.scope = next.scope.or(old_scope);
        next.refresh_count = refresh_count.saturating_add(1);
        next.last_refresh_at = Some(now_ms);
        next.lineage = lineage;
        next.lineage_keys = lineage_keys;
        next
    }

    /// Makes this session, from a new authorization (a silent renewal), the next generation of
    /// `older`, whose family is `old_family` with the channel key `old_key`: `older`'s lineage,
    /// with `old_family` in front. A sibling tab still holding `older` then adopts this session
    /// when it is shared, and ends with it at logout, as after a rotation. Nothing changes when
    /// the family stayed the same.
    pub fn descends_from(
        &mut self,
        older: &Session,
        own_family: &str,
        old_family: &str,
        old_key: ChannelKey,
    ) {
        if own_family == old_family {
            return;
        }
        self.lineage = older.lineage.clone();
        self.lineage_keys = older.lineage_keys.clone();
        push_lineage(
            &mut self.lineage,
            &mut self.lineage_keys,
            old_family,
            old_key,
        );
    }

    /// Whether the access token is still usable at `now_ms` (with [`EXPIRY_MARGIN_MS`]).
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        self.expires_at
            .is_none_or(|at| now_ms.saturating_add(EXPIRY_MARGIN_MS) < at)
    }

    /// The non-secret view of the session given to apps.
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            expires_at: self.expires_at,
            scope: self.scope.clone(),
            has_refresh_token: self.refresh_token.is_some(),
            has_id_token: self.id_token.is_some(),
            return_to: None,
            refresh_count: self.refresh_count,
            last_refresh_at: self.last_refresh_at,
            clock_offset_ms: self.clock_offset_ms,
        }
    }
}

impl SessionSummary {
    /// The object apps get (TypeScript `SessionSummary`).
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        let or_null = |v: Option<u64>| v.map_or(Value::Null, Value::from);
        put(&mut o, "expiresAt", or_null(self.expires_at));
        put(
            &mut o,
            "scope",
            self.scope.as_deref().map_or(Value::Null, Value::from),
        );
        put(&mut o, "hasRefreshToken", self.has_refresh_token.into());
        put(&mut o, "hasIdToken", self.has_id_token.into());
        put_str(&mut o, "returnTo", self.return_to.as_deref());
        put(&mut o, "refreshCount", u64::from(self.refresh_count).into());
        put(&mut o, "lastRefreshAt", or_null(self.last_refresh_at));
        put(
            &mut o,
            "clockOffsetMs",
            self.clock_offset_ms.map_or(Value::Null, Value::from),
        );
        o.into()
    }
}

/// Sets member `key` of an object being built.
#[inline(never)]
fn put(o: &mut Object, key: &str, value: Value) {
    o.insert(key.to_string(), value);
}

/// Sets the string member `key`, when there is a text.
#[inline(never)]
fn put_str(o: &mut Object, key: &str, text: Option<&str>) {
    if let Some(text) = text {
        put(o, key, text.into());
    }
}

/// Sets the number member `key`, when there is a number.
#[inline(never)]
fn put_u64(o: &mut Object, key: &str, n: Option<u64>) {
    if let Some(n) = n {
        put(o, key, n.into());
    }
}

/// What apps see of a session: never a token or the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// Access-token expiry in ms since the epoch (compare with `Date.now()`), or null.
    pub expires_at: Option<u64>,
    /// The granted scope, space-separated, or null.
    pub scope: Option<String>,
    /// Whether a refresh token is held.
    pub has_refresh_token: bool,
    /// Whether an ID token is held.
    pub has_id_token: bool,
    /// After a callback: the `returnTo` path given to `login()`, already restored in the
    /// address bar.
    pub return_to: Option<String>,
    /// How many times the session was refreshed.
    pub refresh_count: u32,
    /// When it was last refreshed (ms since the epoch, browser clock), or null.
    pub last_refresh_at: Option<u64>,
    /// The server's clock minus the browser's, in ms, as last measured, or null.
    pub clock_offset_ms: Option<i64>,
}

/// The string member `key`, moved out (no copy of a token), when it is one.
fn take_string(o: &mut Object, key: &str) -> Option<String> {
    match o.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The whole number member `key`, when it is one.
fn number(o: &Object, key: &str) -> Option<u64> {
    o.get(key).and_then(Value::as_u64)
}

/// The array member `key`: its strings (`None` when it holds anything else), or none when it
/// is not an array.
fn strings(o: &Object, key: &str) -> Option<Vec<String>> {
    match o.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>(),
        _ => Some(Vec::new()),
    }
}

/// Puts `family` (with its channel `key`) in front of a lineage, at most [`LINEAGE_LEN`]
/// long. A family already in the lineage (a server handing out an old token again) moves to
/// the front; the keys then no longer line up, and are dropped rather than mismatched (those
/// families are no longer reached).
fn push_lineage(
    lineage: &mut Vec<String>,
    keys: &mut Vec<ChannelKey>,
    family: &str,
    key: ChannelKey,
) {
    // Built anew with pushes: insert, remove and truncate were an instantiation each.
    let returning = lineage.iter().any(|f| f == family);
    let mut families = Vec::with_capacity(LINEAGE_LEN);
    families.push(family.to_string());
    for f in core::mem::take(lineage) {
        if f != family && families.len() < LINEAGE_LEN {
            families.push(f);
        }
    }
    *lineage = families;
    let old_keys = core::mem::replace(keys, Vec::with_capacity(LINEAGE_LEN));
    keys.push(key);
    if !returning {
        for k in old_keys {
            if keys.len() < LINEAGE_LEN {
                keys.push(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(expires_in: Option<u64>, scope: Option<&str>) -> TokenResponse {
        TokenResponse {
            access_token: AccessToken::new("at"),
            expires_in,
            scope: scope.map(str::to_string),
            refresh_token: Some(RefreshToken::new("rt")),
            id_token: None,
            server_date_ms: None,
        }
    }

    #[test]
    fn expiry_arithmetic() {
        let s = Session::from_token_response(response(Some(3600), None), 1_000_000, &[]);
        assert_eq!(s.expires_at, Some(1_000_000 + 3_600_000));
        assert!(s.is_fresh(1_000_000));
        assert!(s.is_fresh(1_000_000 + 3_600_000 - EXPIRY_MARGIN_MS - 1));
        assert!(!s.is_fresh(1_000_000 + 3_600_000 - EXPIRY_MARGIN_MS));
        assert!(!s.is_fresh(u64::MAX));
        let forever = Session::from_token_response(response(None, None), 0, &[]);
        assert!(forever.is_fresh(u64::MAX - 1));
        let huge = Session::from_token_response(response(Some(u64::MAX), None), 5, &[]);
        assert_eq!(huge.expires_at, Some(u64::MAX));
    }

    #[test]
    fn scope_falls_back_to_requested() {
        let req = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            Session::from_token_response(response(None, None), 0, &req)
                .scope
                .as_deref(),
            Some("a b")
        );
        assert_eq!(
            Session::from_token_response(response(None, Some("a")), 0, &req)
                .scope
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            Session::from_token_response(response(None, None), 0, &[]).scope,
            None
        );
    }

    #[test]
    fn summary_has_no_secrets() {
        let s = Session::from_token_response(response(Some(60), Some("x")), 0, &[]);
        let json = s.summary().to_value().to_json();
        assert_eq!(
            json,
            r#"{"expiresAt":60000,"scope":"x","hasRefreshToken":true,"hasIdToken":false,"refreshCount":0,"lastRefreshAt":null,"clockOffsetMs":null}"#
        );
    }

    #[test]
    fn rotation_keeps_the_replaced_familys_key_beside_its_id() {
        let key = |b: u8| ChannelKey::from_digest(&[b; 32]);
        let s = Session::from_token_response(response(Some(60), None), 7, &[]);
        let mut rotated = response(Some(60), None);
        rotated.refresh_token = Some(RefreshToken::new("rt-2"));
        let s = s.refreshed(rotated, 8, "fam-1", key(1));
        assert_eq!(s.lineage, ["fam-1"]);
        assert!(s.lineage_keys == [key(1)]);
        // Not rotated: nothing joins.
        let mut same = response(Some(60), None);
        same.refresh_token = None;
        let s = s.refreshed(same, 9, "fam-2", key(2));
        assert!(s.lineage == ["fam-1"] && s.lineage_keys == [key(1)]);
        // Stored and read back, keys and all; a record from before keys has none, and keys
        // beyond the lineage are not kept.
        let back = Session::from_json(&s.to_json()).unwrap();
        assert!(back.lineage == ["fam-1"] && back.lineage_keys == [key(1)]);
        let mut legacy = Session::from_json(&s.to_json()).unwrap();
        legacy.lineage_keys.clear();
        let legacy = Session::from_json(&legacy.to_json()).unwrap();
        assert!(legacy.lineage == ["fam-1"] && legacy.lineage_keys.is_empty());
        let mut extra = Session::from_json(&s.to_json()).unwrap();
        extra.lineage_keys.push(key(9));
        assert_eq!(
            Session::from_json(&extra.to_json())
                .unwrap()
                .lineage_keys
                .len(),
            1
        );
        let bad = s
            .to_json()
            .replace(&format!("[\"{}\"]", key(1).secret()), "[1]");
        assert!(Session::from_json(&bad).is_none(), "keys are strings");
        // A rotation on a record from before keys: the new key belongs to the new entry.
        let mut rotated = response(Some(60), None);
        rotated.refresh_token = Some(RefreshToken::new("rt-3"));
        let s = legacy.refreshed(rotated, 10, "fam-2", key(2));
        assert!(s.lineage == ["fam-2", "fam-1"] && s.lineage_keys == [key(2)]);
        // A family that comes back (a server handing out an old token again) moves to the
        // front, and the keys, which would no longer line up, are dropped.
        let mut again = response(Some(60), None);
        again.refresh_token = Some(RefreshToken::new("rt-4"));
        let s = s.refreshed(again, 11, "fam-1", key(1));
        assert!(s.lineage == ["fam-1", "fam-2"] && s.lineage_keys == [key(1)]);
    }

    #[test]
    fn the_lineage_is_capped_and_holds_each_family_once() {
        let key = |b: u8| ChannelKey::from_digest(&[b; 32]);
        let (mut lineage, mut keys) = (Vec::new(), Vec::new());
        for i in 0..LINEAGE_LEN + 5 {
            push_lineage(&mut lineage, &mut keys, &format!("f{i}"), key(i as u8));
        }
        assert_eq!(lineage.len(), LINEAGE_LEN);
        assert_eq!(keys.len(), LINEAGE_LEN);
        assert_eq!(lineage[0], format!("f{}", LINEAGE_LEN + 4));
        assert!(keys[0] == key((LINEAGE_LEN + 4) as u8) && keys[1] == key((LINEAGE_LEN + 3) as u8));
        assert_eq!(lineage[LINEAGE_LEN - 1], "f5");
        // A stored record that repeats a family: every copy goes when it comes back.
        let mut lineage = vec!["a".to_string(), "b".into(), "a".into()];
        let mut keys = vec![key(1), key(2), key(3)];
        push_lineage(&mut lineage, &mut keys, "a", key(4));
        assert_eq!(lineage, ["a", "b"]);
        assert!(keys == [key(4)]);
    }

    #[test]
    fn storage_round_trip() {
        let s = Session::from_token_response(response(Some(60), Some("x")), 7, &[]);
        let json = s.to_json();
        assert!(
            json.contains(r#""accessToken":"at""#),
            "tokens are plain strings"
        );
        let back = Session::from_json(&json).unwrap();
        assert_eq!(back.access_token.secret(), "at");
        assert_eq!(back.expires_at, Some(60_007));
        assert_eq!(back.refresh_token.unwrap().secret(), "rt");
    }
}
