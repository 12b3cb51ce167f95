//! The writer: compact JSON (no whitespace) that `JSON.parse` and serde_json read back to the
//! same value.

use super::value::{push_u64, Object, Value};

impl Value {
    /// The value as compact JSON.
    pub fn to_json(&self) -> String {
        // Fewer reallocations for the usual small document.
        let mut out = String::with_capacity(128);
        self.write_to(&mut out);
        out
    }

    /// Appends the value as compact JSON to `out`. Numbers are written as read (or as the
    /// exact integer they were made from).
    pub fn write_to(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n.as_str()),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Value::Object(object) => write_object(out, object),
        }
    }
}

fn write_object(out: &mut String, object: &Object) {
    out.push('{');
    for (i, (key, value)) in object.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        value.write_to(out);
    }
    out.push('}');
}

/// Appends `s` as a JSON string, quoted: `"` and `\` escaped, control characters as `\n`,
/// `\t`, ... or `\u00XX`, and U+2028/U+2029 as `\u2028`/`\u2029` (raw, they end a line in
/// JavaScript before ES2019). Everything else is written as is (UTF-8).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let short = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            '\0'..='\u{1f}' => "",
            _ => continue,
        };
        if let Some(part) = s.get(run..i) {
            out.push_str(part);
        }
        run = i + c.len_utf8();
        if short.is_empty() {
            // Other control characters: \u00XX.
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let b = c as usize;
            out.push_str("\\u00");
            out.push(char::from(HEX[(b >> 4) & 0xf]));
            out.push(char::from(HEX[b & 0xf]));
        } else {
            out.push_str(short);
        }
    }
    if let Some(part) = s.get(run..) {
        out.push_str(part);
    }
    out.push('"');
}

/// Writes one JSON object member by member, straight into a `String`, without building a
/// [`Value`] (no copy of the tokens a stored session holds).
///
/// The caller gives each name once; the writer does not check.
///
/// ```
/// use pixie_auth::core::json::ObjectWriter;
/// let mut out = String::new();
/// let mut w = ObjectWriter::new(&mut out);
/// w.string("accessToken", "AT").u64("expiresAt", 1_800_000_000_000).bool("ok", true);
/// w.finish();
/// assert_eq!(out, r#"{"accessToken":"AT","expiresAt":1800000000000,"ok":true}"#);
/// ```
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Starts an object at the end of `out`.
    pub fn new(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// A string member.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        write_string(self.key(key), value);
        self
    }

    /// An integer member.
    pub fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        push_u64(self.key(key), value);
        self
    }

    /// A signed integer member.
    pub fn i64(&mut self, key: &str, value: i64) -> &mut Self {
        let out = self.key(key);
        if value < 0 {
            out.push('-');
        }
        push_u64(out, value.unsigned_abs());
        self
    }

    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A `null` member.
    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key).push_str("null");
        self
    }

    /// A member of any value.
    pub fn value(&mut self, key: &str, value: &Value) -> &mut Self {
        value.write_to(self.key(key));
        self
    }

    /// Closes the object.
    pub fn finish(self) {
        self.out.push('}');
    }
}
