//! Tests of the JSON layer: the grammar, limits, duplicates, numbers and writing one by one;
//! then the differential run against serde_json on generated and mutated documents; then the
//! checked-in fuzz corpus through the differential check (`core::fuzzing` replays it through
//! the fuzz check).

use crate::core::json::{
    self, parse, parse_bytes, parse_limited, write_string, ErrorKind, Number, Object, ObjectWriter,
    Value, DEFAULT_MAX_LEN, MAX_DEPTH,
};

#[path = "differential.rs"]
mod differential;

use differential::Outcome;

fn kind(text: &str) -> Option<ErrorKind> {
    parse(text).err().map(|e| e.kind())
}

fn num(lexeme: &str) -> Number {
    match parse(lexeme) {
        Ok(Value::Number(n)) => n,
        _ => panic!("not a number: {lexeme}"),
    }
}

// ---- the grammar -------------------------------------------------------------------------

#[test]
fn reads_rfc8259_documents_and_writes_them_compact() {
    let cases = [
        ("null", "null"),
        (" true ", "true"),
        ("\t\r\nfalse\n", "false"),
        ("0", "0"),
        ("-0", "-0"),
        ("1.5e-7", "1.5e-7"),
        ("1E+3", "1E+3"),
        ("\"\"", "\"\""),
        ("[]", "[]"),
        ("{}", "{}"),
        ("[ 1 , [ ] , { } , \"x\" ]", "[1,[],{},\"x\"]"),
        (
            "{ \"a\" : [ true , null ] , \"b\" : { \"c\" : -12 } }",
            "{\"a\":[true,null],\"b\":{\"c\":-12}}",
        ),
        // Escapes, written back minimal.
        (r#""\"\\\/\b\f\n\r\t""#, r#""\"\\/\b\f\n\r\t""#),
        (r#""\u0041\u00e9\u20AC""#, "\"Aé€\""),
        (r#""\u0000\u001f\u007f""#, "\"\\u0000\\u001f\u{7f}\""),
        (r#""\ud83d\ude00""#, "\"😀\""),
        (r#""\uD83D\uDE00""#, "\"😀\""),
        ("\"😀 é\"", "\"😀 é\""),
        // U+2028/U+2029 are fine raw in JSON and always escaped when written.
        ("\"\u{2028}\u{2029}\"", r#""\u2028\u2029""#),
        (r#""\u2028""#, r#""\u2028""#),
    ];
    for (input, written) in cases {
        let value = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e:?}"));
        assert_eq!(value.to_json(), written, "{input:?}");
        // serde_json reads both the input and our output to the same value.
        let theirs: serde_json::Value = serde_json::from_str(input).unwrap();
        assert!(differential::same(&value, &theirs), "{input:?}");
        let back: serde_json::Value = serde_json::from_str(written).unwrap();
        assert_eq!(back, theirs, "{input:?}");
    }
}

#[test]
fn refuses_what_json_parse_refuses() {
    let cases: &[&str] = &[
        "",
        " ",
        "nul",
        "tru",
        "truex",
        "True",
        "NaN",
        "Infinity",
        "-Infinity",
        "undefined",
        "'a'",
        "+1",
        "01",
        "-01",
        "00",
        "1.",
        ".1",
        "-",
        "-.1",
        "1e",
        "1e+",
        "1.e3",
        "0x10",
        "1 2",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[",
        "]",
        "{,}",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":}",
        "{a:1}",
        "{'a':1}",
        "{\"a\":1",
        "{1:1}",
        "// c\n1",
        "/* c */ 1",
        "1 // c",
        "\"abc",
        "\"\t\"",
        "\"\n\"",
        "\"\u{1}\"",
        "\"\u{1f}\"",
        r#""\x41""#,
        r#""\'""#,
        r#""\u12""#,
        r#""\u12G4""#,
        r#""\U0041""#,
        // Lone and broken surrogates.
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800x""#,
        r#""\ud800\n""#,
        r#""\ud800\u0041""#,
        r#""\ud800\ud800""#,
        r#""\ude00\ud83d""#,
        // Not whitespace in JSON: byte order mark, no-break space, form feed, vertical tab.
        "\u{feff}1",
        "\u{a0}1",
        "\u{c}1",
        "\u{b}1",
        "1\u{0}",
        "[1]]",
        "{}{}",
    ];
    for input in cases {
        assert_eq!(kind(input), Some(ErrorKind::Syntax), "{input:?}");
        assert!(
            serde_json::from_str::<serde_json::Value>(input).is_err(),
            "serde_json accepts {input:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_a_syntax_error_at_its_offset() {
    for (bytes, at) in [
        (&b"\"\xff\""[..], 1),
        (b"[\"a\xc3\"]", 3),
        (b"\"\xed\xa0\x80\"", 1),
        (b"\xef\xbb\xbf1", 0),
    ] {
        let e = parse_bytes(bytes, 100).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ErrorKind::Syntax, at), "{bytes:?}");
    }
    assert_eq!(
        parse_bytes(b"[\"\xc3\xa9\"]", 100).unwrap().to_json(),
        "[\"é\"]"
    );
}

#[test]
fn errors_point_at_the_offending_byte() {
    for (input, at) in [
        ("[1,]", 3),
        ("{\"a\":x}", 5),
        ("[1 2]", 3),
        ("1 2", 2),
        ("01", 1),
        ("1.", 2),
        ("\"ab", 3),
        ("\"a\u{1}\"", 2),
        ("{\"a\":1,}", 7),
        (r#""\ud800x""#, 7),
        (r#""\ud800\u0041""#, 12),
    ] {
        let e = parse(input).unwrap_err();
        assert_eq!(e.offset(), at, "{input:?}");
        assert!(e.offset() <= input.len());
    }
}

#[test]
fn errors_carry_no_input() {
    let secret = "eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN";
    for doc in [
        format!("{{\"access_token\":\"{secret}\",}}"),
        format!("{{\"access_token\":\"{secret}"),
        format!("{}{secret}\"{}", "[".repeat(70), "]".repeat(70)),
    ] {
        let e = parse(&doc).unwrap_err();
        for text in [format!("{e:?}"), format!("{e}"), e.code().into()] {
            assert!(!text.contains("SECRET"), "{text}");
        }
    }
    let e = parse_limited(secret, 4).unwrap_err();
    assert!(!format!("{e:?}").contains("SECRET"));
    assert_eq!(e.code(), "json_too_large");
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(parse("[").unwrap_err().code(), "json_syntax");
    assert_eq!(parse(&"[".repeat(65)).unwrap_err().code(), "json_too_deep");
    assert_eq!(parse_limited("[]", 1).unwrap_err().code(), "json_too_large");
}

#[test]
fn debug_shows_the_shape_never_the_strings() {
    let v = parse(
        r#"{"access_token":"SECRET-AT","expires_in":3600,"ok":true,"scopes":["SECRET-S",null]}"#,
    )
    .unwrap();
    let text = format!("{v:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert_eq!(
        text,
        r#"{"access_token": "…", "expires_in": 3600, "ok": true, "scopes": ["…", null]}"#
    );
}

// ---- limits ------------------------------------------------------------------------------

fn nested(depth: usize, open: &str, close: &str) -> String {
    format!("{}1{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn nesting_deeper_than_64_is_refused() {
    assert_eq!(MAX_DEPTH, 64);
    for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("[{\"a\":", "}]")] {
        // `[{"a":` opens two levels per repetition.
        let per = if open.len() > 5 { 2 } else { 1 };
        let ok = nested(MAX_DEPTH / per, open, close);
        let value = parse(&ok).unwrap();
        assert_eq!(json::fuzzing::depth(&value), MAX_DEPTH);
        let deep = if per == 2 {
            format!("[{}]", nested(MAX_DEPTH / 2, open, close))
        } else {
            nested(MAX_DEPTH + 1, open, close)
        };
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooDeep, "{open}");
        // Deliberate difference: serde_json reads up to 127 levels.
        assert!(serde_json::from_str::<serde_json::Value>(&deep).is_ok());
    }
    // The depth error comes at the 65th opening bracket, whatever follows.
    assert_eq!(parse(&"[".repeat(100_000)).unwrap_err().offset(), MAX_DEPTH);
    // serde_json's own limit, which the differential check relies on.
    assert!(serde_json::from_str::<serde_json::Value>(&nested(127, "[", "]")).is_ok());
    assert!(serde_json::from_str::<serde_json::Value>(&nested(128, "[", "]")).is_err());
}

#[test]
fn documents_over_the_limit_are_refused_before_parsing() {
    assert_eq!(DEFAULT_MAX_LEN, 256 * 1024);
    let fits = format!("\"{}\"", "a".repeat(DEFAULT_MAX_LEN - 2));
    assert_eq!(
        parse(&fits).unwrap().as_str().map(str::len),
        Some(DEFAULT_MAX_LEN - 2)
    );
    let over = format!("\"{}\"", "a".repeat(DEFAULT_MAX_LEN - 1));
    let e = parse(&over).unwrap_err();
    assert_eq!(
        (e.kind(), e.offset()),
        (ErrorKind::TooLarge, DEFAULT_MAX_LEN)
    );
    // Before parsing: even garbage is "too large", not "syntax".
    assert_eq!(
        parse_limited("{{{{{", 4).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    assert_eq!(parse_limited("[1]", 3).unwrap().to_json(), "[1]");
    // parse_bytes checks the length before UTF-8.
    assert_eq!(
        parse_bytes(&[0xff; 10], 9).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    assert_eq!(
        parse_bytes(&[0xff; 10], 10).unwrap_err().kind(),
        ErrorKind::Syntax
    );
    // Whitespace counts too: the limit is on bytes received.
    assert_eq!(
        parse_limited(" 1 ", 2).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
}

// ---- duplicates --------------------------------------------------------------------------

#[test]
fn duplicate_names_last_value_wins_at_the_first_position_like_json_parse() {
    let v = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    let names: Vec<&str> = v
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(v.get("a").and_then(Value::as_u64), Some(3));
    assert_eq!(v.to_json(), r#"{"a":3,"b":2}"#);
    // The same name written with escapes is the same name.
    let v = parse(r#"{"alg":"RS256","\u0061lg":"none"}"#).unwrap();
    assert_eq!(v.get("alg").and_then(Value::as_str), Some("none"));
    assert_eq!(v.as_object().unwrap().len(), 1);
    // A repeated object replaces, it does not merge.
    let v = parse(r#"{"k":{"x":1},"k":{"y":2}}"#).unwrap();
    assert_eq!(v.to_json(), r#"{"k":{"y":2}}"#);
    // Any type may replace any other; nested objects dedupe too.
    let v = parse(r#"{"e":"x","e":null,"n":{"a":1,"a":[1]}}"#).unwrap();
    assert_eq!(v.to_json(), r#"{"e":null,"n":{"a":[1]}}"#);
    // serde_json's map agrees on every value.
    for doc in [
        r#"{"a":1,"b":2,"a":3}"#,
        r#"{"alg":"RS256","\u0061lg":"none"}"#,
        r#"{"k":{"x":1},"k":{"y":2}}"#,
    ] {
        let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert!(differential::same(&parse(doc).unwrap(), &theirs), "{doc}");
    }
}

#[test]
fn large_objects_dedupe_like_small_ones() {
    // The reader sorts positions by name; at any size the result is JSON.parse's.
    for n in [2usize, 3, 16, 17, 40, 1000] {
        let mut doc = String::from("{");
        let mut expected_order = Vec::new();
        for i in 0..n {
            let name = radix36((i as u64 * 7919) % (n as u64 / 3 + 1));
            if !expected_order.contains(&name) {
                expected_order.push(name.clone());
            }
            if i > 0 {
                doc.push(',');
            }
            write_string(&mut doc, &name);
            doc.push(':');
            doc.push_str(&i.to_string());
        }
        doc.push('}');
        let v = parse(&doc).unwrap();
        let o = v.as_object().unwrap();
        let names: Vec<&str> = o.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, expected_order, "{n}");
        for (name, value) in o {
            // The last position that has this name.
            let last = (0..n)
                .rev()
                .find(|i| radix36((*i as u64 * 7919) % (n as u64 / 3 + 1)) == *name)
                .unwrap();
            assert_eq!(value.as_u64(), Some(last as u64), "{n} {name}");
        }
        let theirs: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert!(differential::same(&v, &theirs));
    }
}

#[test]
fn many_distinct_names_stay_fast_enough_under_the_size_limit() {
    // A hostile body of 30,000 distinct names: deduplication sorts, it is not quadratic.
    // Not a timed assertion: the cost is printed for the notes.
    let mut doc = String::from("{");
    let mut i = 0u64;
    while doc.len() < DEFAULT_MAX_LEN - 20 {
        if i > 0 {
            doc.push(',');
        }
        write_string(&mut doc, &radix36(i));
        doc.push_str(":0");
        i += 1;
    }
    doc.push('}');
    let start = std::time::Instant::now();
    let v = parse(&doc).unwrap();
    eprintln!(
        "{} distinct members in {} bytes: parsed in {:?}",
        i,
        doc.len(),
        start.elapsed()
    );
    assert_eq!(v.as_object().unwrap().len() as u64, i);
}

fn radix36(mut n: u64) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    String::from_utf8(s).unwrap()
}

// ---- numbers -----------------------------------------------------------------------------

#[test]
fn only_exact_integers_convert() {
    // lexeme, as_u64, as_i64
    let cases: &[(&str, Option<u64>, Option<i64>)] = &[
        ("0", Some(0), Some(0)),
        ("3600", Some(3600), Some(3600)),
        ("-1", None, Some(-1)),
        ("-0", None, None),
        ("1.0", None, None),
        ("0.0", None, None),
        ("-0.0", None, None),
        ("1e3", None, None),
        ("1E3", None, None),
        ("1e0", None, None),
        ("0.5", None, None),
        ("9223372036854775807", Some(i64::MAX as u64), Some(i64::MAX)),
        ("9223372036854775808", Some(1 << 63), None),
        ("-9223372036854775808", None, Some(i64::MIN)),
        ("-9223372036854775809", None, None),
        ("18446744073709551615", Some(u64::MAX), None),
        ("18446744073709551616", None, None),
        ("1e300", None, None),
        ("1e400", None, None),
        ("100000000000000000000000000000", None, None),
    ];
    for &(lexeme, u, i) in cases {
        let n = num(lexeme);
        assert_eq!(n.as_str(), lexeme);
        assert_eq!((n.as_u64(), n.as_i64()), (u, i), "{lexeme}");
        let v = Value::Number(n);
        assert_eq!((v.as_u64(), v.as_i64()), (u, i), "{lexeme}");
    }
    // Not a number at all is not an integer either; absent is told apart by `get`.
    let doc = parse(r#"{"s":"3600","b":true,"n":null,"f":3600.0}"#).unwrap();
    for key in ["s", "b", "n", "f"] {
        assert!(doc.get(key).is_some() && doc.get(key).and_then(Value::as_u64).is_none());
    }
    assert!(doc.get("missing").is_none());
}

#[test]
fn scaled_reads_decimals_exactly_for_numeric_dates() {
    let cases: &[(&str, u32, Option<u64>)] = &[
        ("1700000000", 3, Some(1_700_000_000_000)),
        ("1700000000.25", 3, Some(1_700_000_000_250)),
        ("1700000000.2509", 3, Some(1_700_000_000_250)),
        ("1700000000.9999", 0, Some(1_700_000_000)),
        ("1.7e9", 3, Some(1_700_000_000_000)),
        ("17E+8", 0, Some(1_700_000_000)),
        ("1.5", 0, Some(1)),
        ("0.999", 0, Some(0)),
        ("0", 3, Some(0)),
        ("0.0", 3, Some(0)),
        ("0e999999999999999999999", 3, Some(0)),
        ("1e-400", 3, Some(0)),
        ("123456e-3", 3, Some(123_456)),
        ("123456e-5", 3, Some(1_234)),
        ("5e-3", 3, Some(5)),
        ("18446744073709551615", 0, Some(u64::MAX)),
        ("18446744073709551615", 1, None),
        ("18446744073709551616", 0, None),
        ("1844674407370955161.5", 1, Some(u64::MAX)),
        ("1e19", 0, Some(10_000_000_000_000_000_000)),
        ("1e20", 0, None),
        ("1e300", 3, None),
        ("1e999999999999999999999", 0, None),
        ("-1", 0, None),
        ("-0", 0, None),
        ("-0.0", 3, None),
        ("0.000000000000000000000000001e30", 0, Some(1000)),
        ("10000000000000000000000000000e-28", 0, Some(1)),
    ];
    for &(lexeme, decimals, want) in cases {
        assert_eq!(
            num(lexeme).scaled_u64(decimals),
            want,
            "{lexeme} x 10^{decimals}"
        );
    }
}

#[test]
fn integers_are_written_exactly() {
    for n in [
        0u64,
        1,
        9,
        10,
        99,
        100,
        3600,
        1 << 53,
        (1 << 53) + 1,
        u64::MAX,
    ] {
        let v = Value::from(n);
        assert_eq!(v.to_json(), n.to_string());
        assert_eq!(parse(&v.to_json()).unwrap().as_u64(), Some(n));
    }
    for n in [0i64, -1, -10, i64::MIN, i64::MAX, -(1 << 53) - 1] {
        let v = Value::from(n);
        assert_eq!(v.to_json(), n.to_string());
        assert_eq!(v.as_i64(), Some(n));
    }
}

// ---- writing -----------------------------------------------------------------------------

#[test]
fn strings_are_escaped_for_json_parse_and_serde_json() {
    let mut all = String::new();
    for c in (0u32..0x80).chain([0x2028, 0x2029, 0xfeff, 0xffff, 0x1f600]) {
        all.push(char::from_u32(c).unwrap());
    }
    let mut out = String::new();
    write_string(&mut out, &all);
    assert!(out.starts_with("\"\\u0000\\u0001"), "{out}");
    assert!(out.contains("\\b\\t\\n\\u000b\\f\\r\\u000e"), "{out}");
    assert!(out.contains("\\u001f !\\\"#"), "{out}");
    assert!(out.contains("[\\\\]"), "{out}");
    assert!(out.contains("\u{7f}\\u2028\\u2029\u{feff}"), "{out}");
    // No raw control character, U+2028 or U+2029 is left.
    assert!(!out
        .chars()
        .any(|c| c < ' ' || c == '\u{2028}' || c == '\u{2029}'));
    assert_eq!(parse(&out).unwrap().as_str(), Some(all.as_str()));
    assert_eq!(serde_json::from_str::<String>(&out).unwrap(), all);
    // Only U+2028/U+2029 among characters sharing their bytes (A8/A9 continuations, E2 80 leads).
    let near = "\u{e8}\u{e9}\u{1028}\u{2027}\u{202a}\u{e028}\u{2028}\u{2029}\u{20a8}x";
    let mut written = String::new();
    write_string(&mut written, near);
    assert_eq!(
        written,
        "\"\u{e8}\u{e9}\u{1028}\u{2027}\u{202a}\u{e028}\\u2028\\u2029\u{20a8}x\""
    );
    // serde_json's own writer and ours agree except for U+2028/U+2029, which it leaves raw.
    let theirs = serde_json::to_string(&all).unwrap();
    assert_eq!(
        out,
        theirs
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    );
}

#[test]
fn the_object_writer_writes_what_parses_back() {
    let mut out = String::from("prefix:");
    let mut w = ObjectWriter::new(&mut out);
    w.string("accessToken", "A\"T\u{2028}")
        .u64("expiresAt", u64::MAX)
        .i64("offset", i64::MIN)
        .bool("a", true)
        .bool("b", false)
        .null("n")
        .value("scopes", &parse(r#"["openid",{"x":[]}]"#).unwrap());
    w.finish();
    assert_eq!(
        out,
        r#"prefix:{"accessToken":"A\"T\u2028","expiresAt":18446744073709551615,"offset":-9223372036854775808,"a":true,"b":false,"n":null,"scopes":["openid",{"x":[]}]}"#
    );
    let v = parse(&out["prefix:".len()..]).unwrap();
    assert_eq!(
        v.get("accessToken").and_then(Value::as_str),
        Some("A\"T\u{2028}")
    );
    assert_eq!(v.get("offset").and_then(Value::as_i64), Some(i64::MIN));
    let mut empty = String::new();
    ObjectWriter::new(&mut empty).finish();
    assert_eq!(empty, "{}");
}

#[test]
fn the_object_api_keeps_document_order() {
    let mut o = Object::new();
    assert!(o.is_empty());
    assert_eq!(o.insert("b".into(), 1u64.into()), None);
    assert_eq!(o.insert("a".into(), "x".into()), None);
    assert_eq!(o.insert("b".into(), true.into()), Some(Value::from(1u64)));
    assert_eq!(o.len(), 2);
    if let Some(v) = o.get_mut("a") {
        *v = Value::Null;
    }
    let v = Value::from(o.clone());
    assert_eq!(v.to_json(), r#"{"b":true,"a":null}"#);
    assert_eq!(o.remove("b"), Some(Value::Bool(true)));
    assert_eq!(o.remove("b"), None);
    o.insert(
        "c".into(),
        Value::from(vec![Value::from(-1i64), "s".into()]),
    );
    let names: Vec<String> = o.clone().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!((&o).into_iter().count(), 2);
    let c = o.get("c").and_then(Value::as_array).unwrap();
    assert_eq!(c.get(1).and_then(Value::as_str), Some("s"));
    let token = parse(r#"{"t":"AT"}"#)
        .unwrap()
        .into_object()
        .unwrap()
        .remove("t");
    assert_eq!(token.and_then(Value::into_string).as_deref(), Some("AT"));
    assert!(Value::Null.is_null() && Value::Null.get("x").is_none());
    assert_eq!(Value::from(String::from("s")).into_array(), None);
    assert_eq!(Value::Bool(false).as_bool(), Some(false));
    assert_eq!(Value::Bool(false).as_number(), None);
}

// ---- discipline of the non-test code ------------------------------------------------------

#[test]
#[cfg(not(target_arch = "wasm32"))] // reads the source files
fn the_code_has_no_float_no_format_no_serde_and_no_unwrap() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/core/json/");
    for file in ["mod.rs", "read.rs", "value.rs", "write.rs", "fuzzing.rs"] {
        let text = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for banned in [
            "f32",
            "f64",
            "format!",
            "{:?}",
            "serde",
            "to_string()",
            "println!",
        ] {
            assert!(!code.contains(banned), "{file} uses {banned}");
        }
        // The fuzz checks may panic: that is their job.
        if file != "fuzzing.rs" {
            for banned in [".unwrap()", ".expect(", "panic!", "unreachable!", "assert"] {
                assert!(!code.contains(banned), "{file} uses {banned}");
            }
        }
    }
}

// ---- differential testing against serde_json ----------------------------------------------

/// A tiny deterministic PRNG (xorshift64*): reproducible runs, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Numbers chosen for their edges: signs, zero, fractions, exponents, 2^53, the ends of i64
/// and u64, beyond f64, below the smallest subnormal.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.0",
    "-0.0",
    "1.0",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    "1E-0",
    "0e0",
    "1.5e-7",
    "3600",
    "86399",
    "1700000000",
    "1700000000.5",
    "9007199254740992",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    "1e400",
    "1e-400",
    "5e-324",
    "2.2250738585072014e-308",
    "0.1",
    "0.30000000000000004",
    "100e-2",
    "1e19",
    "1e20",
    "-1e19",
];

/// Names from a small pool, so that objects often repeat one.
const NAMES: &[&str] = &[
    "a", "b", "iss", "exp", "", "é", "\u{2028}", "a\u{0}", "😀", "\"", "A",
];

/// Characters for strings, each chosen to be written in several ways.
const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\u{0}',
    '\u{8}',
    '\t',
    '\n',
    '\u{c}',
    '\r',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    'é',
    '€',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{ffff}',
    '😀',
    '\u{10ffff}',
    '\u{d7ff}',
    '\u{e000}',
];

struct Gen<'a> {
    rng: &'a mut Rng,
}

impl Gen<'_> {
    fn ws(&mut self, out: &mut String) {
        if self.rng.chance(20) {
            for _ in 0..=self.rng.below(2) {
                out.push(*self.rng.pick(&[' ', '\t', '\n', '\r']));
            }
        }
    }

    /// Writes `c` into a JSON string literal in one of its valid spellings.
    fn char_into(&mut self, c: char, out: &mut String) {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\u{8}' => Some("\\b"),
            '\t' => Some("\\t"),
            '\n' => Some("\\n"),
            '\u{c}' => Some("\\f"),
            '\r' => Some("\\r"),
            '/' if self.rng.chance(50) => Some("\\/"),
            _ => None,
        };
        let must_escape = c < ' ' || c == '"' || c == '\\';
        match (short, self.rng.below(3)) {
            (Some(s), 0 | 1) => out.push_str(s),
            (_, 0) if !must_escape => out.push(c),
            (_, 1) if !must_escape => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let hex = format!("{:04x}", unit);
                    out.push_str("\\u");
                    out.push_str(&if self.rng.chance(50) {
                        hex.to_uppercase()
                    } else {
                        hex
                    });
                }
            }
        }
    }

    /// A string literal and the string it stands for.
    fn string(&mut self, pool: Option<&[&str]>) -> (String, String) {
        let value: String = match pool {
            Some(names) => (*self.rng.pick(names)).into(),
            None => (0..self.rng.below(8))
                .map(|_| *self.rng.pick(CHARS))
                .collect(),
        };
        let mut text = String::from("\"");
        for c in value.chars() {
            self.char_into(c, &mut text);
        }
        text.push('"');
        (text, value)
    }

    fn number(&mut self) -> String {
        if self.rng.chance(60) {
            return (*self.rng.pick(NUMBERS)).into();
        }
        let mut s = String::new();
        if self.rng.chance(30) {
            s.push('-');
        }
        let digits = 1 + self.rng.below(25);
        if digits == 1 || self.rng.chance(10) {
            s.push(char::from(b'0' + self.rng.below(10) as u8));
        } else {
            s.push(char::from(b'1' + self.rng.below(9) as u8));
            for _ in 1..digits {
                s.push(char::from(b'0' + self.rng.below(10) as u8));
            }
        }
        if self.rng.chance(30) {
            s.push('.');
            for _ in 0..=self.rng.below(20) {
                s.push(char::from(b'0' + self.rng.below(10) as u8));
            }
        }
        if self.rng.chance(25) {
            s.push(*self.rng.pick(&['e', 'E']));
            let sign: &&str = self.rng.pick(&["", "+", "-"]);
            s.push_str(sign);
            for _ in 0..=self.rng.below(4) {
                s.push(char::from(b'0' + self.rng.below(10) as u8));
            }
        }
        s
    }

    /// A valid document of random shape and the value we must read from it (built from the
    /// generator's own members, with last-wins at the first position worked out here).
    fn value(&mut self, budget: usize, out: &mut String) -> Value {
        self.ws(out);
        let container = budget > 0 && self.rng.chance(45);
        let value = if container && self.rng.chance(50) {
            out.push('[');
            let mut items = Vec::new();
            for i in 0..self.rng.below(5) {
                if i > 0 {
                    self.ws(out);
                    out.push(',');
                }
                items.push(self.value(budget - 1, out));
            }
            self.ws(out);
            out.push(']');
            Value::Array(items)
        } else if container {
            out.push('{');
            let mut members: Vec<(String, Value)> = Vec::new();
            // Sometimes many members, most of them repeated names.
            let count = if self.rng.chance(4) {
                17 + self.rng.below(40)
            } else {
                self.rng.below(6)
            };
            for i in 0..count {
                if i > 0 {
                    out.push(',');
                }
                self.ws(out);
                let (text, name) = self.string(Some(NAMES));
                out.push_str(&text);
                self.ws(out);
                out.push(':');
                let v = self.value(budget - 1, out);
                members.push((name, v));
                self.ws(out);
            }
            out.push('}');
            // JSON.parse: names in order of first appearance, each with its last value.
            let mut expected = Object::new();
            for (name, _) in &members {
                if expected.get(name).is_none() {
                    let last = members.iter().rev().find(|(n, _)| n == name).unwrap();
                    expected.insert(name.clone(), last.1.clone());
                }
            }
            Value::Object(expected)
        } else {
            match self.rng.below(6) {
                0 => {
                    out.push_str("null");
                    Value::Null
                }
                1 => {
                    let b = self.rng.chance(50);
                    out.push_str(if b { "true" } else { "false" });
                    Value::Bool(b)
                }
                2 | 3 => {
                    let n = self.number();
                    out.push_str(&n);
                    Value::Number(Number::from_lexeme(&n))
                }
                _ => {
                    let (text, value) = self.string(None);
                    out.push_str(&text);
                    Value::String(value)
                }
            }
        };
        self.ws(out);
        value
    }

    /// A document: mostly small and shallow, sometimes wrapped in a deep chain of arrays and
    /// objects around the limit.
    fn document(&mut self) -> (String, Value) {
        let mut out = String::new();
        let mut inner = String::new();
        let budget = 1 + self.rng.below(5);
        let mut value = self.value(budget, &mut inner);
        if self.rng.chance(3) {
            let wraps = 55 + self.rng.below(80);
            let arrays: Vec<bool> = (0..wraps).map(|_| self.rng.chance(50)).collect();
            let mut close = String::new();
            for &array in &arrays {
                out.push_str(if array { "[" } else { "{\"w\":" });
            }
            // The last opened is the innermost.
            for &array in arrays.iter().rev() {
                close.push(if array { ']' } else { '}' });
                value = if array {
                    Value::Array(vec![value])
                } else {
                    let mut o = Object::new();
                    o.insert("w".into(), value);
                    Value::Object(o)
                };
            }
            out.push_str(&inner);
            out.push_str(&close);
        } else {
            out = inner;
        }
        (out, value)
    }
}

/// Bytes a mutation likes to insert: the grammar's punctuation, escapes' letters, and bytes
/// that are not UTF-8 or not allowed raw.
const JUNK: &[u8] =
    b"\"\\,:[]{}0123456789-+.eEtfnu \t\n\r\x00\x01\x1f\x7f\x80\xbf\xc3\xed\xf0\xff/*'";

fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let mut bytes = doc.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] = *rng.pick(JUNK),
            2 if at < bytes.len() => bytes[at] = rng.next() as u8,
            3 if at < bytes.len() => {
                bytes.remove(at);
            }
            4 => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                let chunk = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, chunk);
            }
            _ => bytes.insert(at, *rng.pick(JUNK)),
        }
    }
    bytes
}

#[derive(Default, Debug)]
struct Tally {
    inputs: u64,
    both_accept: u64,
    both_reject: u64,
    ours_too_deep: u64,
    ours_too_large: u64,
    theirs_out_of_range: u64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        self.inputs += 1;
        *match outcome {
            Outcome::BothAccept => &mut self.both_accept,
            Outcome::BothReject => &mut self.both_reject,
            Outcome::OursTooDeep => &mut self.ours_too_deep,
            Outcome::OursTooLarge => &mut self.ours_too_large,
            Outcome::TheirsOutOfRange => &mut self.theirs_out_of_range,
        } += 1;
    }
}

fn differential(documents: u64, seed: u64) -> Tally {
    let mut rng = Rng(seed | 1);
    let mut tally = Tally::default();
    let run = |tally: &mut Tally, bytes: &[u8]| match differential::check(bytes) {
        Ok(outcome) => tally.add(outcome),
        Err(why) => panic!("{why} (seed {seed}): {:?}", String::from_utf8_lossy(bytes)),
    };
    for _ in 0..documents {
        let (text, expected) = Gen { rng: &mut rng }.document();
        // The generated document is valid: we read exactly the generator's value, or refuse
        // it as too deep.
        match parse(&text) {
            Ok(v) => assert!(v == expected, "seed {seed}: {text:?}"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TooDeep, "seed {seed}: {text:?}");
                // The text nests too deep (the value may not: duplicates replace members).
                assert!(
                    differential::nesting(text.as_bytes()) > MAX_DEPTH,
                    "{text:?}"
                );
            }
        }
        run(&mut tally, text.as_bytes());
        json::fuzzing::json(text.as_bytes());
        let mutated = mutate(&mut rng, text.as_bytes());
        run(&mut tally, &mutated);
        json::fuzzing::json(&mutated);
    }
    tally
}

fn seed() -> u64 {
    std::env::var("PIXIE_JSON_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_f1a5)
}

/// 10,000 generated documents and 10,000 mutations of them (20,000 inputs);
/// `PIXIE_JSON_DOCS=n` changes the count, `PIXIE_JSON_SEED=n` the seed.
#[test]
fn differential_against_serde_json() {
    let documents = std::env::var("PIXIE_JSON_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tally = differential(documents, seed());
    eprintln!("{tally:?}");
    assert_eq!(tally.inputs, 2 * documents);
    // The generator reaches every case it is meant to.
    assert!(tally.both_accept > 0 && tally.both_reject > 0);
    assert!(tally.ours_too_deep > 0 && tally.theirs_out_of_range > 0);
}

/// The long run: 500,000 documents and 500,000 mutations (1,000,000 inputs).
/// `cargo test --release --lib json::tests::differential_million -- --ignored --nocapture`
#[test]
#[ignore]
fn differential_million() {
    let start = std::time::Instant::now();
    let tally = differential(500_000, seed());
    eprintln!("{tally:?} in {:?}", start.elapsed());
    assert_eq!(tally.inputs, 1_000_000);
}

/// Our too-large refusal against serde_json, which has no limit (too slow to generate often).
#[test]
fn differential_size_limit() {
    let big = format!("[{}1]", "1,".repeat(DEFAULT_MAX_LEN / 2));
    assert_eq!(
        differential::check(big.as_bytes()),
        Ok(Outcome::OursTooLarge)
    );
}

// ---- the fuzz corpus, replayed on stable ---------------------------------------------------

/// Every file of `fuzz/corpus/json/` through the differential check (`core::fuzzing` runs
/// each through the fuzz target's own check): `npm test` needs no nightly.
#[test]
#[cfg(not(target_arch = "wasm32"))] // reads fuzz/corpus/
fn fuzz_corpus_passes_the_differential_check() {
    for (path, data) in crate::core::fuzzing::corpus("json") {
        if let Err(why) = differential::check(&data) {
            panic!("{}: {why}", path.display());
        }
    }
}

#[test]
fn parse_u64_reads_what_str_parse_reads() {
    for text in [
        "",
        "+",
        "-",
        "0",
        "+0",
        "-0",
        "+5",
        "++5",
        "5+",
        "007",
        " 5",
        "5 ",
        "1.0",
        "1e3",
        "٣",
        "18446744073709551615",
        "+18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        "3600",
    ] {
        assert_eq!(
            crate::core::json::parse_u64(text),
            text.parse::<u64>().ok(),
            "{text:?}"
        );
    }
}
