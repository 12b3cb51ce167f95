//! Reading the options objects an app passes (the configuration, `login()` and `logout()`
//! options...), as JSON values, with exact keys: an unknown key is refused with a message
//! naming it and the key that was probably meant (`scope` → `scopes`), a wrong type with one
//! naming the key and the type expected. `null` counts as not given.

use crate::core::error::ConfigError;
use crate::core::json::{Object, Value};
use crate::core::sanitize::sanitize;

/// An options object being read: `what` names it in messages (e.g. `"the configuration"`),
/// `known` lists every key it may have.
pub struct Options<'a> {
    object: &'a Object,
    known: &'static [&'static str],
}

fn invalid(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { field, reason }
}

impl<'a> Options<'a> {
    /// Reads `value` as the options object `what` with the keys `known`: refuses anything
    /// that is not an object, and any key not in `known`.
    pub fn new(
        value: &'a Value,
        what: &'static str,
        known: &'static [&'static str],
    ) -> Result<Options<'a>, ConfigError> {
        let Some(object) = value.as_object() else {
            let mut reason = String::from("must be an object");
            if let Value::String(_) | Value::Array(_) = value {
                reason.push_str(" of named settings");
            }
            return Err(invalid(what, reason));
        };
        if let Some((key, _)) = object.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            let mut reason = String::from("has no setting \"");
            reason.push_str(&sanitize(key, 40));
            reason.push('"');
            if let Some(close) = closest(key, known) {
                reason.push_str(" (did you mean \"");
                reason.push_str(close);
                reason.push_str("\"?)");
            }
            return Err(invalid(what, reason));
        }
        Ok(Options { object, known })
    }

    fn get(&self, key: &'static str) -> Option<&'a Value> {
        debug_assert!(self.known.contains(&key), "{key} is not a known key");
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn wrong_type(&self, key: &'static str, expected: &str) -> ConfigError {
        let mut reason = String::from("must be ");
        reason.push_str(expected);
        invalid(key, reason)
    }

    /// The string `key`, when given.
    #[inline(never)]
    pub fn string(&self, key: &'static str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong_type(key, "a string")),
        }
    }

    /// The boolean `key`, `false` when not given.
    #[inline(never)]
    pub fn flag(&self, key: &'static str) -> Result<bool, ConfigError> {
        Ok(self.boolean(key)?.unwrap_or(false))
    }

    /// The boolean `key`, when given (for a default of `true`).
    pub fn boolean(&self, key: &'static str) -> Result<Option<bool>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong_type(key, "true or false")),
        }
    }

    /// The whole, non-negative number `key`, when given.
    #[inline(never)]
    pub fn whole_number(&self, key: &'static str) -> Result<Option<u64>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(key, "a whole number, 0 or more")),
        }
    }

    /// The list of strings `key`, empty when not given.
    #[inline(never)]
    pub fn strings(&self, key: &'static str) -> Result<Vec<String>, ConfigError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong_type(key, "an array of strings")),
            Some(_) => Err(self.wrong_type(key, "an array of strings, e.g. [\"openid\"]")),
        }
    }

    /// The object of string values `key` (name → value, in order), empty when not given.
    #[inline(never)]
    pub fn string_map(&self, key: &'static str) -> Result<Vec<(String, String)>, ConfigError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Object(members)) => members
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong_type(key, "an object of string values")),
            Some(_) => Err(self.wrong_type(key, "an object of string values")),
        }
    }
}

/// The known key closest to `key` (case-insensitive edit distance at most 2, or the same
/// letters in another case), for "did you mean".
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance on ASCII-lowercased bytes (keys are short: a row of at most ~30).
fn distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a.len().abs_diff(b.len()) > 2 || a.len() > 64 {
        return 3;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(!ca.eq_ignore_ascii_case(cb));
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    const KNOWN: &[&str] = &["scopes", "redirectUri", "refreshLeadSeconds", "returnTo"];

    fn options(text: &str) -> Result<(), ConfigError> {
        let v = parse(text).unwrap();
        Options::new(&v, "config", KNOWN).map(|_| ())
    }

    fn reason(e: ConfigError) -> String {
        match e {
            ConfigError::Invalid { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_the_likely_one() {
        for (typo, meant) in [
            ("scope", "scopes"),
            ("redirectURI", "redirectUri"),
            ("refreshLeadSecond", "refreshLeadSeconds"),
            ("returnto", "returnTo"),
        ] {
            let text = format!("{{\"{typo}\": 1}}");
            let r = reason(options(&text).unwrap_err());
            assert!(r.contains(typo) && r.contains(meant), "{typo}: {r}");
        }
        let r = reason(options(r#"{"somethingElse": 1}"#).unwrap_err());
        assert!(
            r.contains("somethingElse") && !r.contains("did you mean"),
            "{r}"
        );
        assert!(options(r#"{"scopes": []}"#).is_ok());
    }

    #[test]
    fn types_are_named() {
        let v = parse(r#"{"scopes": "openid", "refreshLeadSeconds": 5.5, "returnTo": 3}"#).unwrap();
        let o = Options::new(&v, "config", KNOWN).unwrap();
        assert!(reason(o.strings("scopes").unwrap_err()).contains("array of strings"));
        assert!(reason(o.whole_number("refreshLeadSeconds").unwrap_err()).contains("whole"));
        assert!(reason(o.string("returnTo").unwrap_err()).contains("a string"));
        let v = parse(r#"{"scopes": null}"#).unwrap();
        let o = Options::new(&v, "config", KNOWN).unwrap();
        assert!(o.strings("scopes").unwrap().is_empty(), "null is not given");
        assert!(reason(options("[]").unwrap_err()).contains("object"));
    }
}
