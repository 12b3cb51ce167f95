//! The value type: [`Value`], [`Number`] (a validated lexeme, no float) and [`Object`] (members
//! in document order, last value wins).

use core::fmt;

/// A JSON value (RFC 8259 §3).
///
/// Equality is structural: numbers compare by lexeme (`1.0 != 1`), objects by members in
/// order. `Debug` never prints string contents (a value can hold tokens): strings show as
/// `"…"`.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(Number),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Object),
}

impl Value {
    /// The member `key` when this is an object that has it; `None` otherwise.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, when this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The exact non-negative integer, when this is a number that is one
    /// (see [`Number::as_u64`]).
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The exact integer, when this is a number that is one (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The elements, when this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object, when this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, moved out (no copy of a token), when this is one.
    pub fn into_string(self) -> Option<String> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, moved out, when this is an array.
    pub fn into_array(self) -> Option<Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object, moved out, when this is one.
    pub fn into_object(self) -> Option<Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(true) => f.write_str("true"),
            Value::Bool(false) => f.write_str("false"),
            Value::Number(n) => f.write_str(n.as_str()),
            // Never the contents: a string can be a token.
            Value::String(_) => f.write_str("\"…\""),
            Value::Array(items) => f.debug_list().entries(items).finish(),
            Value::Object(o) => fmt::Debug::fmt(o, f),
        }
    }
}

/// A JSON number, kept as its validated lexeme (RFC 8259 §6 grammar): no float is ever made.
///
/// Only the reader and the integer conversions (`From<u64>`, `From<i64>`) make one, so the
/// lexeme is always valid JSON and is written back byte for byte.
#[derive(Clone, PartialEq, Eq)]
pub struct Number(Box<str>);

impl Number {
    /// Wraps a lexeme the reader has validated.
    pub(super) fn from_lexeme(lexeme: &str) -> Number {
        Number(lexeme.into())
    }

    /// The number as written in the document, e.g. `"1.5e3"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value when the number is an exact integer in `0..=u64::MAX`, written with digits
    /// only: `3600` gives `Some(3600)`; `3600.0`, `3.6e3`, `-1`, `-0` and
    /// `18446744073709551616` give `None`.
    pub fn as_u64(&self) -> Option<u64> {
        digits_to_u64(self.0.as_bytes())
    }

    /// The value when the number is an exact integer in `i64::MIN..=i64::MAX`, written with an
    /// optional minus and digits only: `-5` gives `Some(-5)`; `-0` (serde_json reads it as the
    /// float `-0.0`, `JSON.parse` as negative zero), `1.0` and `1e3` give `None`.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0.as_bytes() {
            [b'-', b'0'] => None,
            [b'-', digits @ ..] => {
                let magnitude = digits_to_u64(digits)?;
                if magnitude <= 1 << 63 {
                    Some(0i64.wrapping_sub_unsigned(magnitude))
                } else {
                    None
                }
            }
            digits => i64::try_from(digits_to_u64(digits)?).ok(),
        }
    }

    /// The value times 10^`decimals`, truncated toward zero, for a number that is not
    /// negative, computed exactly on the decimal digits (fraction and exponent allowed; no
    /// float). `None` for a negative number (even `-0`) or a result above `u64::MAX`.
    ///
    /// For a NumericDate (RFC 7519 §2, seconds, a fraction allowed) in milliseconds:
    /// `scaled_u64(3)`; `"1700000000.25"` gives `1700000000250`, `"1e300"` gives `None`,
    /// `"1e-400"` gives `0`.
    pub fn scaled_u64(&self, decimals: u32) -> Option<u64> {
        let text = self.0.as_bytes();
        if text.first() == Some(&b'-') {
            return None;
        }
        // `int[.frac][e±exp]`; the lexeme is valid, so the parts are digits.
        let mantissa_end = text
            .iter()
            .position(|b| b | 0x20 == b'e')
            .unwrap_or(text.len());
        let (mantissa, exponent) = text.split_at_checked(mantissa_end).unwrap_or((text, &[]));
        // value * 10^decimals = digits(int ++ frac) * 10^shift, each fraction digit one less.
        let mut shift =
            parse_exponent(exponent.get(1..).unwrap_or(&[])).saturating_add(i64::from(decimals));
        let mut digits: u64 = 0;
        let mut in_fraction = false;
        for &b in mantissa {
            if b == b'.' {
                in_fraction = true;
            } else {
                digits += 1;
                if in_fraction {
                    shift -= 1;
                }
            }
        }
        // A negative shift drops the last -shift digits: truncation toward zero.
        let mut keep = digits.saturating_sub(if shift < 0 { shift.unsigned_abs() } else { 0 });
        let mut n: u64 = 0;
        for &b in mantissa {
            if b == b'.' {
                continue;
            }
            if keep == 0 {
                break;
            }
            keep -= 1;
            n = n
                .checked_mul(10)?
                .checked_add(u64::from(b.wrapping_sub(b'0')))?;
        }
        if n == 0 {
            return Some(0);
        }
        for _ in 0..shift {
            // At most 20 rounds before this fails or the loop ends.
            n = n.checked_mul(10)?;
        }
        Some(n)
    }
}

/// A decimal `u64` as `str::parse::<u64>` reads it (an optional `+`, then digits only, no
/// overflow), without the generic `from_str_radix` inlined at each call site.
#[inline(never)]
pub fn parse_u64(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    digits_to_u64(bytes.strip_prefix(b"+").unwrap_or(bytes))
}

/// Digits only (no sign, fraction or exponent) to a `u64`, `None` on anything else or overflow.
fn digits_to_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    accumulate(0, digits)
}

/// `n` followed by more decimal digits, `None` on overflow (leading zeros are fine).
fn accumulate(mut n: u64, digits: &[u8]) -> Option<u64> {
    for d in digits {
        n = n
            .checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))?;
    }
    Some(n)
}

/// The exponent `[+-]digits`, saturating far beyond any meaningful scale.
fn parse_exponent(text: &[u8]) -> i64 {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        rest => (false, rest),
    };
    let mut n: i64 = 0;
    for d in digits {
        n = n
            .saturating_mul(10)
            .saturating_add(i64::from(d.wrapping_sub(b'0')))
            .min(1 << 40);
    }
    if negative {
        -n
    } else {
        n
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Self {
        let mut text = String::new();
        push_u64(&mut text, n);
        Number(text.into())
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Self {
        let mut text = String::new();
        if n < 0 {
            text.push('-');
        }
        push_u64(&mut text, n.unsigned_abs());
        Number(text.into())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON object: its members in document order, each name once.
///
/// [`Object::insert`] (and so the reader) gives a name that appears twice the last value, at
/// the position of its first occurrence, like `JSON.parse`. Lookups are linear: objects of
/// the protocol have a handful of members.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Object {
    members: Vec<(String, Value)>,
}

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object {
            members: Vec::new(),
        }
    }

    /// The object the reader found: `members` in document order, names possibly repeated.
    /// Each name is kept at its first position with its last value. Positions are sorted by
    /// name, so even a hostile body of 30,000 names costs O(n log n), not quadratic; one path
    /// for every size keeps the code small.
    pub(super) fn from_members(mut members: Vec<(String, Value)>) -> Object {
        if members.len() < 2 {
            return Object { members };
        }
        let mut order: Vec<usize> = (0..members.len()).collect();
        sort_by_name(&mut order, &members);
        let mut removed = Vec::new();
        removed.resize(members.len(), false);
        // Each run of one name, in document order: the first position takes the last value;
        // the later positions go.
        let mut start = 0;
        while start < order.len() {
            let at = |slot: usize| order.get(slot).copied().unwrap_or(usize::MAX);
            let mut end = start + 1;
            while end < order.len() && name(&members, at(end)) == name(&members, at(start)) {
                end += 1;
            }
            let (first, last) = (at(start), at(end - 1));
            if first != last {
                let value = match members.get_mut(last) {
                    Some(member) => core::mem::replace(&mut member.1, Value::Null),
                    None => Value::Null,
                };
                if let Some(member) = members.get_mut(first) {
                    member.1 = value;
                }
                for &position in order.get(start + 1..end).unwrap_or(&[]) {
                    if let Some(flag) = removed.get_mut(position) {
                        *flag = true;
                    }
                }
            }
            start = end;
        }
        let mut position = 0;
        members.retain(|_| {
            let keep = removed.get(position) == Some(&false);
            position += 1;
            keep
        });
        Object { members }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there is no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value of member `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Member `key` as a string, borrowed: `Ok(None)` when absent or `null`, `Err(())` when of
    /// another type. One out-of-line reader shared by every document reader (a closure per
    /// call site would be inlined at each).
    #[inline(never)]
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&str>, ()> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(()),
        }
    }

    /// The value of member `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets member `key`: a new name goes last; an existing one gets the new value in place
    /// and the old value is returned.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.get_mut(&key) {
            Some(slot) => Some(core::mem::replace(slot, value)),
            None => {
                self.members.push((key, value));
                None
            }
        }
    }

    /// [`Object::insert`] with a borrowed name: one out-of-line call per member for the
    /// writers that build an object member by member (event payloads, messages).
    #[inline(never)]
    pub fn set(&mut self, key: &str, value: Value) {
        self.insert(key.into(), value);
    }

    /// Removes member `key`, keeping the others in order, and returns its value (moved out:
    /// no copy of a token).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let index = self.members.iter().position(|(k, _)| k == key)?;
        Some(self.members.remove(index).1)
    }

    /// The members in order.
    pub fn iter(&self) -> core::slice::Iter<'_, (String, Value)> {
        self.members.iter()
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = &'a (String, Value);
    type IntoIter = core::slice::Iter<'a, (String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Member names are the document's structure, not secrets; values are redacted by
        // `Value`'s own Debug.
        f.debug_map()
            .entries(self.members.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

fn name(members: &[(String, Value)], position: usize) -> Option<&str> {
    members.get(position).map(|(k, _)| k.as_str())
}

/// Sorts member positions by (name, position): a heapsort, small, non-recursive and
/// O(n log n) whatever the input (the standard sorts would add kilobytes to the `.wasm`).
fn sort_by_name(order: &mut [usize], members: &[(String, Value)]) {
    let n = order.len();
    for root in (0..n / 2).rev() {
        sift_down(order, members, root, n);
    }
    for end in (1..n).rev() {
        swap(order, 0, end);
        sift_down(order, members, 0, end);
    }
}

/// Whether the entry at slot `a` of `order` sorts before the one at slot `b`: by name, then
/// by position (written out: a tuple comparison of `Option`s adds generic code).
fn before(order: &[usize], members: &[(String, Value)], a: usize, b: usize) -> bool {
    let position = |slot: usize| order.get(slot).copied().unwrap_or(usize::MAX);
    let (pa, pb) = (position(a), position(b));
    let (na, nb) = (
        name(members, pa).unwrap_or(""),
        name(members, pb).unwrap_or(""),
    );
    na < nb || (na == nb && pa < pb)
}

fn sift_down(order: &mut [usize], members: &[(String, Value)], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && before(order, members, child, child + 1) {
            child += 1;
        }
        if !before(order, members, root, child) {
            return;
        }
        swap(order, root, child);
        root = child;
    }
}

fn swap(order: &mut [usize], a: usize, b: usize) {
    if let (Some(&x), Some(&y)) = (order.get(a), order.get(b)) {
        if let Some(slot) = order.get_mut(a) {
            *slot = y;
        }
        if let Some(slot) = order.get_mut(b) {
            *slot = x;
        }
    }
}

/// Appends the decimal digits of `n` (written by hand: no `Display`, no `core::fmt`).
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        start -= 1;
        if n == 0 {
            break;
        }
    }
    for d in digits.iter().skip(start) {
        out.push(char::from(*d));
    }
}

/// Test conveniences, as serde_json's `Value` offers them: `object["key"]` (`Null` when
/// absent) and comparison with a string.
#[cfg(test)]
mod test_support {
    use super::{Object, Value};

    static NULL: Value = Value::Null;

    impl core::ops::Index<&str> for Object {
        type Output = Value;
        fn index(&self, key: &str) -> &Value {
            self.get(key).unwrap_or(&NULL)
        }
    }

    impl core::ops::Index<&str> for Value {
        type Output = Value;
        fn index(&self, key: &str) -> &Value {
            self.get(key).unwrap_or(&NULL)
        }
    }

    impl PartialEq<&str> for Value {
        fn eq(&self, other: &&str) -> bool {
            self.as_str() == Some(*other)
        }
    }
}
