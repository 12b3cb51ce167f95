//! Reading the options objects an app passes (the configuration, `login()` and `logout()`
//! options...), as JSON values, with exact keys: an unknown key is refused with a message
//! naming it and the key that was probably meant (`scope` → `scopes`), a wrong type with one
//! naming the key and the type expected. `null` counts as not given.
//!
//! One table-driven reader serves every options object: a table of names and, beside it, a
//! table of [`Spec`]s (what each setting holds and the rule it is read with); [`read`] checks
//! the whole object in table order, in one loop, and hands back the values as [`Fields`],
//! taken in the same order by infallible accessors. The typed structs are then built without
//! an error path per field (which cost kilobytes of drop code in the `.wasm`).

use crate::core::error::ConfigError;
use crate::core::json::{Object, Value};
use crate::core::sanitize::sanitize;

/// What one setting holds, and the rule it is read with (checked as it is read, in table
/// order). A reason is the whole message after the setting's name, e.g. `must be ...`.
#[derive(Debug, Clone, Copy)]
pub enum Spec {
    /// A string.
    Str,
    /// A string; an empty one counts as not given.
    Text,
    /// A string that must be given (else the reason).
    Required(&'static str),
    /// A string that must be given and not blank (else the reason).
    Filled(&'static str),
    /// A string that must be one of the choices (else the reason); read as the index of the
    /// one given ([`Fields::choice`]).
    OneOf(&'static [&'static str], &'static str),
    /// `true` or `false`.
    Flag,
    /// A whole number, 0 or more.
    Whole,
    /// A whole number between the two bounds (inclusive), else the reason.
    Range(u64, u64, &'static str),
    /// An array of strings.
    Strings,
    /// An object of string values (name → value, in order).
    StringMap,
    /// Nothing JSON can carry (a function, which `JSON.stringify` leaves out): any value but
    /// `null` is refused with the reason. Read as not given.
    Refused(&'static str),
}

/// One setting as read.
enum Slot {
    Absent,
    Str(String),
    Number(u64),
    Strings(Vec<String>),
    Map(Vec<(String, String)>),
}

/// The values of an options object that [`read`] accepted, taken in table order: each
/// accessor takes the next setting (`None`, `false` or empty when it was not given).
pub struct Fields {
    slots: std::vec::IntoIter<Slot>,
}

/// An `invalid_config` error about `field`, with a fixed reason; out of line, as every
/// error path.
#[cold]
#[inline(never)]
pub fn refuse(field: &'static str, reason: &'static str) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// The object `value` as the options object `what` with the settings `names`: anything that
/// is not an object, and any key not in `names`, is refused.
fn object_of<'a>(
    value: &'a Value,
    what: &'static str,
    names: &'static [&'static str],
) -> Result<&'a Object, ConfigError> {
    let Some(object) = value.as_object() else {
        return Err(not_an_object(value, what));
    };
    match object.iter().find(|(k, _)| !names.contains(&k.as_str())) {
        Some((key, _)) => Err(unknown_key(what, key, names)),
        None => Ok(object),
    }
}

#[cold]
#[inline(never)]
fn not_an_object(value: &Value, what: &'static str) -> ConfigError {
    let mut reason = String::from("must be an object");
    if let Value::String(_) | Value::Array(_) = value {
        reason.push_str(" of named settings");
    }
    invalid(what, reason)
}

#[cold]
#[inline(never)]
fn unknown_key(what: &'static str, key: &str, names: &'static [&'static str]) -> ConfigError {
    let mut reason = String::from("has no setting \"");
    reason.push_str(&sanitize(key, 40));
    reason.push('"');
    if let Some(close) = closest(key, names) {
        reason.push_str(" (did you mean \"");
        reason.push_str(close);
        reason.push_str("\"?)");
    }
    invalid(what, reason)
}

/// Reads `value` as the options object `what`, whose settings are `names` with the specs
/// `specs` (the same length, in the same order): refuses anything that is not an object, any
/// key not in `names`, then checks each setting in order, and gives the values back.
pub fn read(
    value: &Value,
    what: &'static str,
    names: &'static [&'static str],
    specs: &'static [Spec],
) -> Result<Fields, ConfigError> {
    debug_assert_eq!(names.len(), specs.len(), "{what}: one spec per name");
    let object = object_of(value, what, names)?;
    let mut slots = Vec::with_capacity(names.len());
    for (name, spec) in names.iter().zip(specs) {
        let given = match object.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        };
        slots.push(match (given, *spec) {
            (None, Spec::Required(reason) | Spec::Filled(reason)) => {
                return Err(refuse(name, reason))
            }
            (None, _) => Slot::Absent,
            (Some(v), spec) => read_one(name, spec, v)?,
        });
    }
    Ok(Fields {
        slots: slots.into_iter(),
    })
}

/// One setting that was given (not `null`).
fn read_one(name: &'static str, spec: Spec, value: &Value) -> Result<Slot, ConfigError> {
    let wrong = match (spec, value) {
        (Spec::Filled(reason), Value::String(s)) if s.trim().is_empty() => {
            return Err(refuse(name, reason))
        }
        (Spec::Text, Value::String(s)) if s.is_empty() => return Ok(Slot::Absent),
        (Spec::Str | Spec::Text | Spec::Required(_) | Spec::Filled(_), Value::String(s)) => {
            return Ok(Slot::Str(s.clone()))
        }
        (Spec::OneOf(choices, reason), Value::String(s)) => {
            return match choices.iter().position(|c| c == s) {
                Some(i) => Ok(Slot::Number(i as u64)),
                None => Err(refuse(name, reason)),
            }
        }
        (Spec::Str | Spec::Text | Spec::Required(_) | Spec::Filled(_) | Spec::OneOf(..), _) => {
            "must be a string"
        }
        (Spec::Flag, Value::Bool(b)) => return Ok(Slot::Number(u64::from(*b))),
        (Spec::Flag, _) => "must be true or false",
        (Spec::Whole | Spec::Range(..), v) => match (spec, v.as_u64()) {
            (Spec::Range(min, max, reason), Some(n)) if n < min || n > max => {
                return Err(refuse(name, reason))
            }
            (_, Some(n)) => return Ok(Slot::Number(n)),
            (_, None) => "must be a whole number, 0 or more",
        },
        (Spec::Strings, Value::Array(items)) => {
            match items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
            {
                Some(list) => return Ok(Slot::Strings(list)),
                None => "must be an array of strings",
            }
        }
        (Spec::Strings, _) => "must be an array of strings, e.g. [\"openid\"]",
        (Spec::StringMap, Value::Object(members)) => {
            // A loop, not a collect into Option<Vec<_>>: that is a generic instantiation of
            // its own in the .wasm.
            let mut map = Vec::with_capacity(members.len());
            for (k, v) in members {
                match v.as_str() {
                    Some(s) => map.push((k.clone(), s.to_string())),
                    None => return Err(refuse(name, "must be an object of string values")),
                }
            }
            return Ok(Slot::Map(map));
        }
        (Spec::StringMap, _) => "must be an object of string values",
        (Spec::Refused(reason), _) => reason,
    };
    Err(refuse(name, wrong))
}

impl Fields {
    #[inline(never)]
    fn next(&mut self) -> Slot {
        self.slots.next().unwrap_or(Slot::Absent)
    }

    /// The next setting, a string ([`Spec::Str`]), when given.
    #[inline(never)]
    pub fn string(&mut self) -> Option<String> {
        match self.next() {
            Slot::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Passes over the next setting (a [`Spec::Refused`] one).
    pub fn skip(&mut self) {
        self.next();
    }

    /// The next setting, a number ([`Spec::Whole`], [`Spec::Range`]), when given.
    #[inline(never)]
    pub fn number(&mut self) -> Option<u64> {
        match self.next() {
            Slot::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The next setting, a boolean ([`Spec::Flag`]), when given.
    pub fn boolean(&mut self) -> Option<bool> {
        self.number().map(|n| n != 0)
    }

    /// The next setting, a boolean ([`Spec::Flag`]), `false` when not given.
    pub fn flag(&mut self) -> bool {
        self.number() == Some(1)
    }

    /// The next setting, a choice ([`Spec::OneOf`]): the index of the one given.
    pub fn choice(&mut self) -> Option<u64> {
        self.number()
    }

    /// The next setting, a list of strings ([`Spec::Strings`]), empty when not given.
    #[inline(never)]
    pub fn strings(&mut self) -> Vec<String> {
        match self.next() {
            Slot::Strings(list) => list,
            _ => Vec::new(),
        }
    }

    /// The next setting, an object of strings ([`Spec::StringMap`]), empty when not given.
    #[inline(never)]
    pub fn string_map(&mut self) -> Vec<(String, String)> {
        match self.next() {
            Slot::Map(map) => map,
            _ => Vec::new(),
        }
    }
}

fn invalid(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { field, reason }
}

/// The known key closest to `key` (case-insensitive edit distance at most 2, or the same
/// letters in another case), for "did you mean".
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    // The first of the nearest; a plain loop (the iterator chain cost 380 B of the .wasm).
    let mut best = None;
    let mut best_distance = 3;
    for k in known {
        let d = distance(key, k);
        if d < best_distance {
            best = Some(*k);
            best_distance = d;
        }
    }
    best
}

/// Levenshtein distance on ASCII-lowercased bytes (keys are short: one row on the stack; a
/// key of 32 bytes or more is never close).
fn distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut row = [0u8; 32];
    if a.len().abs_diff(b.len()) > 2 || b.len() >= row.len() {
        return 3;
    }
    for (j, slot) in row.iter_mut().enumerate() {
        *slot = j as u8;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = (i + 1) as u8;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + u8::from(!ca.eq_ignore_ascii_case(cb));
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    usize::from(row[b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    const KNOWN: &[&str] = &["scopes", "redirectUri", "refreshLeadSeconds", "returnTo"];

    const SPECS: &[Spec] = &[Spec::Strings, Spec::Str, Spec::Whole, Spec::Str];

    fn options(text: &str) -> Result<Fields, ConfigError> {
        read(&parse(text).unwrap(), "config", KNOWN, SPECS)
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
            let r = reason(options(&text).err().unwrap());
            assert!(r.contains(typo) && r.contains(meant), "{typo}: {r}");
        }
        let r = reason(options(r#"{"somethingElse": 1}"#).err().unwrap());
        assert!(
            r.contains("somethingElse") && !r.contains("did you mean"),
            "{r}"
        );
        assert!(options(r#"{"scopes": []}"#).is_ok());
    }

    #[test]
    fn every_key_is_short_enough_to_be_suggested() {
        use crate::core::{CONFIG_KEYS, GUEST_OPTION_KEYS, HOSTED_OPTION_KEYS, SHARE_OPTION_KEYS};
        for keys in [
            CONFIG_KEYS,
            GUEST_OPTION_KEYS,
            HOSTED_OPTION_KEYS,
            SHARE_OPTION_KEYS,
        ] {
            for key in keys {
                assert!(key.len() < 32, "{key}");
                let mut typo = key.to_string();
                typo.pop();
                assert_eq!(closest(&typo, keys), Some(*key), "{typo}");
                assert_eq!(closest(&key.to_uppercase(), keys), Some(*key));
            }
        }
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("scope", "scopes"), 1);
        assert_eq!(distance("", "ab"), 2);
    }

    #[test]
    fn types_are_named() {
        let why = |text: &str| reason(options(text).err().unwrap());
        assert_eq!(
            why(r#"{"scopes": "openid"}"#),
            "must be an array of strings, e.g. [\"openid\"]"
        );
        assert_eq!(
            why(r#"{"scopes": ["a", 1]}"#),
            "must be an array of strings"
        );
        assert_eq!(
            why(r#"{"refreshLeadSeconds": 5.5}"#),
            "must be a whole number, 0 or more"
        );
        assert_eq!(
            why(r#"{"refreshLeadSeconds": -1}"#),
            "must be a whole number, 0 or more"
        );
        assert_eq!(why(r#"{"returnTo": 3}"#), "must be a string");
        assert_eq!(why("[]"), "must be an object of named settings");
        assert_eq!(why("\"x\""), "must be an object of named settings");
        assert_eq!(why("3"), "must be an object");
        assert_eq!(why("null"), "must be an object");
        // In table order: the first setting that is wrong is named.
        let e = options(r#"{"returnTo": 3, "scopes": 1}"#).err().unwrap();
        assert!(
            matches!(
                e,
                ConfigError::Invalid {
                    field: "scopes",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn values_come_back_in_table_order_and_null_is_not_given() {
        let mut f = options(r#"{"returnTo": "/x", "scopes": ["a", "b"], "refreshLeadSeconds": 5}"#)
            .unwrap();
        assert_eq!(f.strings(), ["a", "b"]);
        assert_eq!(f.string(), None);
        assert_eq!(f.number(), Some(5));
        assert_eq!(f.string().as_deref(), Some("/x"));
        assert_eq!(f.string(), None, "past the end");
        let mut f = options(r#"{"scopes": null, "redirectUri": null}"#).unwrap();
        assert!(f.strings().is_empty());
        assert_eq!(f.string(), None);
        const MORE: &[&str] = &["flag", "map", "pick"];
        const MORE_SPECS: &[Spec] = &[
            Spec::Flag,
            Spec::StringMap,
            Spec::OneOf(&["a", "b"], "must be \"a\" or \"b\""),
        ];
        let read_more = |text: &str| read(&parse(text).unwrap(), "o", MORE, MORE_SPECS);
        let mut f =
            read_more(r#"{"flag": false, "map": {"k": "v", "l": "w"}, "pick": "b"}"#).unwrap();
        assert_eq!(f.boolean(), Some(false));
        assert_eq!(
            f.string_map(),
            [("k".into(), "v".into()), ("l".into(), "w".into())]
        );
        assert_eq!(f.choice(), Some(1));
        let mut f = read_more("{}").unwrap();
        assert_eq!(
            (f.boolean(), f.string_map(), f.choice()),
            (None, vec![], None)
        );
        let why = |text: &str| reason(read_more(text).err().unwrap());
        assert_eq!(why(r#"{"flag": 1}"#), "must be true or false");
        assert_eq!(
            why(r#"{"map": {"k": 1}}"#),
            "must be an object of string values"
        );
        assert_eq!(why(r#"{"map": []}"#), "must be an object of string values");
        assert_eq!(why(r#"{"pick": "c"}"#), "must be \"a\" or \"b\"");
        assert_eq!(why(r#"{"pick": 1}"#), "must be a string");
        const TEXT: &[Spec] = &[Spec::Text];
        let text = |t: &str| read(&parse(t).unwrap(), "o", &["t"], TEXT).map(|mut f| f.string());
        assert_eq!(text(r#"{"t": ""}"#).ok(), Some(None), "empty is not given");
        assert_eq!(text(r#"{"t": "x"}"#).ok(), Some(Some("x".into())));
        assert_eq!(reason(text(r#"{"t": 1}"#).unwrap_err()), "must be a string");
    }
}
