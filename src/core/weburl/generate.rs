//! Generated URL texts for the differential tests: test code only, with no dependency, so that
//! three users can include it by path: `tests.rs` (against the `url` crate, natively),
//! `tests/web_url.rs` (against the browser's own `URL`, in Chromium and Firefox) and the fuzz
//! target's seed corpus.
//!
//! Each text is assembled from parts chosen for their edges: schemes in mixed case and wrong
//! ones, separators with too few or too many slashes, credentials, hosts (names with upper
//! case, trailing dots and empty labels; IPv4 canonical and not; IPv6 in every form; `xn--`
//! labels valid and not; percent-encoded and non-ASCII), ports (default, explicit, leading
//! zeros, huge), paths with dot segments in every encoded form, percent escapes valid and
//! invalid, and queries and fragments drawing on every ASCII byte.

#![allow(dead_code)]

/// A tiny deterministic PRNG (xorshift64*): reproducible runs, no dependency.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The non-ASCII characters an `xn--` label may encode (`parse::is_idn_char`, which
/// `tests.rs` checks equal to this list).
pub const IDN_RANGES: &[(u32, u32)] = &[
    (0xE0, 0xF6),
    (0xF8, 0xFF),
    (0x3B1, 0x3C1),
    (0x3C3, 0x3C9),
    (0x430, 0x45F),
    (0x3041, 0x3096),
    (0x30A1, 0x30FA),
    (0x30FC, 0x30FC),
    (0x4E00, 0x9FA5),
    (0xAC00, 0xD7A3),
];

/// Punycode (RFC 3492 §6.3) of `label`, for generating `xn--` labels.
pub fn punycode(label: &[char]) -> String {
    let mut out: String = label.iter().filter(|c| c.is_ascii()).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let mut n = 0x80u32;
    let mut delta = 0u32;
    let mut bias = 72u32;
    let mut h = basic;
    let total = label.len() as u32;
    while h < total {
        let m = label
            .iter()
            .map(|&c| c as u32)
            .filter(|&c| c >= n)
            .min()
            .unwrap();
        delta += (m - n) * (h + 1);
        n = m;
        for &c in label {
            let c = c as u32;
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = 36;
                loop {
                    let t = if k <= bias {
                        1
                    } else if k >= bias + 26 {
                        26
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (36 - t)));
                    q = (q - t) / (36 - t);
                    k += 36;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

fn digit(d: u32) -> char {
    if d < 26 {
        (b'a' + d as u8) as char
    } else {
        (b'0' + (d - 26) as u8) as char
    }
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > 455 {
        delta /= 35;
        k += 36;
    }
    k + (36 * delta) / (delta + 38)
}

const SCHEMES: &[&str] = &[
    "https",
    "http",
    "HTTPS",
    "HTTP",
    "HtTpS",
    "hTTp",
    "ftp",
    "ws",
    "wss",
    "file",
    "javascript",
    "data",
    "mailto",
    "htt",
    "httpss",
    "h-ttp",
    "",
];
const SEPARATORS: &[&str] = &[
    ":", "", ":/", ":///", ":////", ":\\\\", ":/\\", "//", ":\\/", "://", "://",
];
const USERINFO: &[&str] = &[
    "user:pw@",
    "@",
    "user@",
    ":@",
    "a@b@",
    "api.example@",
    "u%40:p@",
    "us er@",
];
const LABELS: &[&str] = &[
    "a",
    "example",
    "EXAMPLE",
    "Api",
    "api",
    "www",
    "x-y",
    "-x",
    "x-",
    "a--b",
    "xn--",
    "xn--a",
    "xn--zz",
    "xn--abc-",
    "xn---abc",
    "XN--BCHER-KVA",
    "xn--bcher-kva",
    "localhost",
    "LocalHost",
    "0x",
    "0x7f",
    "0X",
    "0xg",
    "1",
    "123",
    "0",
    "00",
    "08",
    "0177",
    "4294967295",
    "a_b",
    "a b",
    "é",
    "münchen",
    "%41",
    "%2e",
    "a%2eb",
    "*",
    "a!b",
    "a$b",
    "a'b",
    "a+b",
    "a,b",
    "a;b",
    "a=b",
    "a~b",
    "a(b)",
    "\u{0}",
    "\u{7f}",
    "ﬀ",
    "ß",
    "A\u{30a}",
    "\u{ff21}",
    "\u{3002}",
    "\u{2028}",
    "[",
    "]",
    "^",
    "|",
    "<",
    ">",
    "{",
    "}",
    "`",
    "\"",
];
const IPV4: &[&str] = &[
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "1.2.3.4",
    "192.168.0.1",
    "127.1",
    "0x7f.1",
    "0x7F.0.0.1",
    "0177.0.0.1",
    "127.0.0.1.",
    "1.2.3",
    "256.1.1.1",
    "1.2.3.256",
    "1.2.3.4.5",
    "01.2.3.4",
    "1.2.3.04",
    "4294967295",
    "4294967296",
    "0x100000000",
    "1..2.3",
    ".1.2.3.4",
    "1.2.3.4..",
    "999999999999",
    "0x",
    "1.0x",
    "1.2.3.0x4",
    "127.0.0.01",
    "00.0.0.0",
];
const IPV6_PIECES: &[&str] = &[
    "0", "1", "ffff", "FFFF", "abcd", "0000", "00000", "12345", "fffff", "db8", "2001", "g",
];
const PORTS: &[&str] = &[
    ":",
    ":80",
    ":443",
    ":0",
    ":1",
    ":8080",
    ":08080",
    ":0080",
    ":00443",
    ":65535",
    ":65536",
    ":99999999999999999999",
    ":8a",
    ":-1",
    ":+1",
    ": 80",
    ":80:80",
    ":٣",
];
const SEGMENTS: &[&str] = &[
    "",
    ".",
    "..",
    "%2e",
    "%2E",
    ".%2e",
    ".%2E",
    "%2e.",
    "%2E.",
    "%2e%2e",
    "%2E%2e",
    "%2e%2E",
    "%2E%2E",
    "...",
    ". .",
    "%2e%2e%2e",
    "%2f",
    "%2F",
    "..%2f",
    "%5c",
    "%5C",
    "a",
    "v2",
    "v2evil",
    "users",
    "me",
    "%zz",
    "%",
    "%4",
    "%41",
    "%C3%A9",
    "%c3%a9",
    "é",
    "\u{2028}",
    "😀",
    "\u{fffd}",
    "a b",
    "a\"b",
    "a<b>",
    "a`b",
    "a{b}",
    "a'b",
    "a[b]",
    "a;b=c",
    "@",
    "a@b",
    ":",
    "a:b",
    "~",
    "!$&()*+,=",
    "\u{0}",
    "\u{1}",
    "\u{1f}",
    "\u{7f}",
    "\u{80}",
    "?",
    "#",
];
/// Path segments every parser repairs or reads differently.
const HOSTILE_SEGMENTS: &[&str] = &[
    "c:", "Z:", "\t", "\n", "\r", "\\", "..\\", "a\\b", "a^b", "a|b", "^", "|",
];

/// Builds generated URL texts.
pub struct Gen {
    /// The source of randomness.
    pub rng: Rng,
}

impl Gen {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Gen {
        Gen { rng: Rng(seed | 1) }
    }

    /// One generated text: mostly well-formed http(s) URLs with hostile parts, sometimes
    /// broken in one place or another.
    pub fn url(&mut self) -> String {
        let mut out = String::new();
        if self.rng.chance(3) {
            out.push_str(
                self.rng
                    .pick(&[" ", "\u{0}", "\u{1f}", "\t", "\n", "\u{a0}", "\u{feff}"]),
            );
        }
        if self.rng.chance(92) {
            out.push_str(self.rng.pick(&SCHEMES[..6]));
            out.push_str("://");
        } else {
            out.push_str(self.rng.pick(SCHEMES));
            out.push_str(self.rng.pick(SEPARATORS));
        }
        if self.rng.chance(4) {
            out.push_str(self.rng.pick(USERINFO));
        }
        self.host(&mut out);
        if self.rng.chance(25) {
            out.push_str(self.rng.pick(PORTS));
        }
        if self.rng.chance(85) {
            self.path(&mut out);
        }
        if self.rng.chance(40) {
            out.push('?');
            self.text(&mut out);
        }
        if self.rng.chance(25) {
            out.push('#');
            self.text(&mut out);
        }
        if self.rng.chance(3) {
            out.push_str(
                self.rng
                    .pick(&[" ", "\u{0}", "\u{1f}", "\t", "\r\n", "\u{3000}"]),
            );
        }
        out
    }

    /// A host: a name, an IPv4 or IPv6 address, or something that fails as one.
    pub fn host(&mut self, out: &mut String) {
        match self.rng.below(40) {
            0..=23 => self.name(out),
            24..=25 => out.push_str(self.rng.pick(&IPV4[..7])),
            26..=28 => out.push_str(self.rng.pick(IPV4)),
            29..=33 => self.ipv6(out),
            34..=37 => self.idn(out),
            38 => {}
            _ => {
                // A name of random bytes.
                for _ in 0..1 + self.rng.below(6) {
                    out.push(self.ascii());
                }
            }
        }
    }

    fn name(&mut self, out: &mut String) {
        if self.rng.chance(5) {
            out.push('.');
        }
        let labels = 1 + self.rng.below(4);
        for i in 0..labels {
            if i > 0 {
                out.push('.');
                if self.rng.chance(3) {
                    out.push('.');
                }
            }
            if self.rng.chance(85) {
                // A plain label of letters, digits and hyphens, in either case.
                const LDH: &[u8] =
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
                for _ in 0..1 + self.rng.below(8) {
                    out.push(LDH[self.rng.below(LDH.len())] as char);
                }
            } else {
                out.push_str(self.rng.pick(LABELS));
            }
        }
        if self.rng.chance(10) {
            out.push('.');
        }
    }

    fn idn(&mut self, out: &mut String) {
        let mut label: Vec<char> = Vec::new();
        if self.rng.chance(50) {
            label.push('a');
        }
        for _ in 0..1 + self.rng.below(4) {
            let c = if self.rng.chance(85) {
                let (lo, hi) = IDN_RANGES[self.rng.below(IDN_RANGES.len())];
                lo + self.rng.below((hi - lo + 1) as usize) as u32
            } else {
                // Outside the list: upper case, marks, joiners, symbols, right-to-left,
                // unassigned.
                *[
                    0xC0u32, 0xDF, 0x3C2, 0x301, 0x200D, 0x200C, 0x2603, 0x5D0, 0x627, 0x10FFFF,
                    0xE000, 0x1F600, 0xFFFD, 0x130, 0x3099, 0x1100,
                ]
                .get(self.rng.below(16))
                .unwrap()
            };
            if let Some(c) = char::from_u32(c) {
                label.push(c);
            }
        }
        if self.rng.chance(30) {
            label.push('-');
            label.push('z');
        }
        let encoded = punycode(&label);
        out.push_str(if self.rng.chance(10) { "XN--" } else { "xn--" });
        if self.rng.chance(10) {
            // Damage it.
            let mut e: Vec<char> = encoded.chars().collect();
            let i = self.rng.below(e.len() + 1);
            if i < e.len() && self.rng.chance(50) {
                e.remove(i);
            } else {
                e.insert(i, *['9', 'z', '-', 'A'].get(self.rng.below(4)).unwrap());
            }
            out.extend(e);
        } else {
            out.push_str(&encoded);
        }
        if self.rng.chance(60) {
            out.push_str(
                self.rng
                    .pick(&[".example", ".com", ".EXAMPLE.", ".xn--p1ai"]),
            );
        }
    }

    fn ipv6(&mut self, out: &mut String) {
        if self.rng.chance(60) {
            self.valid_ipv6(out);
            return;
        }
        if self.rng.chance(97) {
            out.push('[');
        }
        let count = self.rng.below(9);
        let compress_at = if self.rng.chance(70) {
            Some(self.rng.below(count + 1))
        } else {
            None
        };
        let ipv4_tail = self.rng.chance(15);
        let mut first = true;
        for i in 0..=count {
            if compress_at == Some(i) {
                out.push_str("::");
                first = true;
                if self.rng.chance(3) {
                    out.push(':');
                }
            }
            if i == count {
                break;
            }
            if !first {
                out.push(':');
            }
            first = false;
            if self.rng.chance(40) {
                out.push('0');
            } else {
                out.push_str(self.rng.pick(IPV6_PIECES));
            }
        }
        if ipv4_tail {
            if !first {
                out.push(':');
            }
            out.push_str(self.rng.pick(&[
                "1.2.3.4",
                "127.0.0.1",
                "01.2.3.4",
                "1.2.3",
                "256.0.0.1",
                "0.0.0.0",
            ]));
        }
        if self.rng.chance(3) {
            out.push_str(self.rng.pick(&["%25eth0", "%eth0", "]", ".", "x"]));
        }
        if self.rng.chance(97) {
            out.push(']');
        }
    }

    /// A valid IPv6 address in brackets, written any way the grammar allows.
    fn valid_ipv6(&mut self, out: &mut String) {
        let v4 = self.rng.chance(15);
        let count = if v4 { 6 } else { 8 };
        let mut pieces: Vec<String> = (0..count)
            .map(|_| match self.rng.below(4) {
                0 | 1 => "0".to_string(),
                2 => self
                    .rng
                    .pick(&["1", "ffff", "FFFF", "abcd", "0000", "db8", "2001", "0a0"])
                    .to_string(),
                _ => {
                    let v = self.rng.next() as u16;
                    let hex = ["{:x}", "{:X}", "{:04x}"];
                    match self.rng.below(hex.len()) {
                        0 => format!("{v:x}"),
                        1 => format!("{v:X}"),
                        _ => format!("{v:04x}"),
                    }
                }
            })
            .collect();
        // Compress a run of zero pieces (any run, not only the longest) sometimes.
        let compress = if self.rng.chance(60) {
            let start = self.rng.below(count + 1);
            let len = self.rng.below(count - start + 1);
            if pieces[start..start + len]
                .iter()
                .all(|p| p.trim_start_matches('0').is_empty())
                && len > 0
            {
                Some((start, len))
            } else {
                None
            }
        } else {
            None
        };
        out.push('[');
        match compress {
            Some((start, len)) => {
                out.push_str(&pieces[..start].join(":"));
                out.push_str("::");
                pieces.drain(..start + len);
                out.push_str(&pieces.join(":"));
                if v4 && !pieces.is_empty() {
                    out.push(':');
                }
            }
            None => {
                out.push_str(&pieces.join(":"));
                if v4 {
                    out.push(':');
                }
            }
        }
        if v4 {
            out.push_str(self.rng.pick(&[
                "1.2.3.4",
                "127.0.0.1",
                "0.0.0.0",
                "255.255.255.255",
                "10.0.0.1",
            ]));
        }
        out.push(']');
    }

    fn path(&mut self, out: &mut String) {
        for _ in 0..1 + self.rng.below(5) {
            out.push('/');
            if self.rng.chance(4) {
                out.push_str(self.rng.pick(HOSTILE_SEGMENTS));
            } else if self.rng.chance(75) {
                out.push_str(self.rng.pick(SEGMENTS));
            } else {
                self.text(out);
            }
        }
        if self.rng.chance(20) {
            out.push('/');
        }
    }

    /// A run of characters from every ASCII byte, escapes and non-ASCII.
    pub fn text(&mut self, out: &mut String) {
        for _ in 0..self.rng.below(8) {
            match self.rng.below(10) {
                0..=5 => out.push(self.ascii()),
                6 => out.push_str(
                    self.rng
                        .pick(&["%20", "%zz", "%", "%2", "%C3%A9", "%2e", "%00", "%FF", "+"]),
                ),
                7 => out.push_str(
                    self.rng
                        .pick(&["é", "\u{2028}", "😀", "\u{fffd}", "\u{a0}", "ü"]),
                ),
                8 => out.push_str(self.rng.pick(&["=", "&", "a=b", "&&", "=&="])),
                _ => out.push_str(self.rng.pick(&["a", "xyz", "Z9"])),
            }
        }
    }

    /// Any ASCII character; printable ones most of the time.
    fn ascii(&mut self) -> char {
        if self.rng.chance(90) {
            (0x20 + self.rng.below(0x5f) as u8) as char
        } else {
            (self.rng.below(0x80) as u8) as char
        }
    }
}
