//! The layout rules of `src/core/`, checked on the source text (`src/core/mod.rs` states them):
//!
//! - no import cycle between core modules: each `use` of a core item is an edge from the
//!   importing file to the file that defines the item, and the graph has no loop;
//! - no module outside `client/` imports from `client/`;
//! - the core never names a browser crate (web_sys, js_sys, wasm_bindgen, gloo);
//! - `src/api/` holds conversion only: it never builds a core request or reads a response.
//!
//! Test code (`#[cfg(test)]` modules, `tests/` folders, `testing/`) is left out: tests may
//! reach anywhere.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap();
            if name != "tests" && name != "testing" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_str().unwrap();
            if name != "tests.rs" && name != "testing.rs" && !name.ends_with("_tests.rs") {
                out.push(path);
            }
        }
    }
}

/// The production code of a file: everything before its first `#[cfg(test)]` (by our
/// convention only test modules follow it), without comments.
fn production(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            // `#[cfg(test)] mod tests;` declares a test file: skip the declaration only.
            match lines.next() {
                Some(next) if next.trim_end().ends_with(';') => continue,
                _ => break,
            }
        }
        // Doc links are not imports.
        if !line.trim_start().starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `src/core/a/b.rs` -> `a/b`, `src/core/a/mod.rs` -> `a`.
fn module_name(core: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(core).unwrap().with_extension("");
    let name = rel.to_str().unwrap().replace('\\', "/");
    name.strip_suffix("/mod").unwrap_or(&name).to_string()
}

fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Items a file defines at top level (`pub fn x`, `pub struct X`, and the secret newtypes
/// made by `secret_type!`).
fn definitions(text: &str) -> Vec<String> {
    let mut defs = Vec::new();
    for line in text.lines() {
        let mut words = identifiers(line).peekable();
        if line.starts_with("pub ") || line.starts_with("pub(crate) ") {
            let kinds = ["fn", "struct", "enum", "const", "trait", "type", "static"];
            while let Some(w) = words.next() {
                if kinds.contains(&w) {
                    if let Some(name) = words.next() {
                        defs.push(name.to_string());
                    }
                    break;
                }
            }
        }
    }
    // secret_type!(/// doc\n Name, ...)
    let mut rest = text;
    while let Some(i) = rest.find("secret_type!(") {
        rest = &rest[i + 13..];
        if let Some(name) = rest
            .lines()
            .map(str::trim)
            .find(|l| !l.starts_with("///") && !l.is_empty())
            .and_then(|l| identifiers(l).next())
        {
            defs.push(name.to_string());
        }
    }
    defs
}

/// Paths into the core a file names: `use crate::core::...;`, `use super::...;` and inline
/// `crate::core::x::Y` paths, each as its text.
fn core_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    loop {
        let next = [rest.find("crate::core::"), rest.find("super::")];
        let Some(start) = next.into_iter().flatten().min() else {
            break;
        };
        let tail = &rest[start..];
        let end = if text_is_use_tree(tail) {
            tail.find(';').unwrap_or(tail.len())
        } else {
            tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len())
        };
        paths.push(tail[..end].to_string());
        rest = &tail[end.max(1)..];
    }
    paths
}

fn text_is_use_tree(tail: &str) -> bool {
    let head: String = tail
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    tail[head.len()..].starts_with('{')
}

struct Core {
    root: PathBuf,
    /// module name -> production text
    modules: BTreeMap<String, String>,
    /// item name -> modules defining it
    defined_in: BTreeMap<String, Vec<String>>,
}

fn load() -> Core {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut modules = BTreeMap::new();
    let mut defined_in: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let name = module_name(&root, &file);
        let text = production(&fs::read_to_string(&file).unwrap());
        for def in definitions(&text) {
            defined_in.entry(def).or_default().push(name.clone());
        }
        modules.insert(name, text);
    }
    Core {
        root,
        modules,
        defined_in,
    }
}

impl Core {
    /// The modules `module` imports items from.
    fn imports(&self, module: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let folder = module.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
        for path in core_paths(&self.modules[module]) {
            let stage_hint = if let Some(p) = path.strip_prefix("crate::core::") {
                p.split("::").next().unwrap_or("").to_string()
            } else {
                folder.to_string()
            };
            for ident in identifiers(&path) {
                let Some(candidates) = self.defined_in.get(ident) else {
                    continue;
                };
                let target = if candidates.len() == 1 {
                    &candidates[0]
                } else {
                    match candidates
                        .iter()
                        .find(|c| c.starts_with(&stage_hint) && !stage_hint.is_empty())
                    {
                        Some(c) => c,
                        None => continue,
                    }
                };
                if target != module {
                    out.insert(target.clone());
                }
            }
        }
        out
    }
}

#[test]
fn the_core_modules_import_each_other_without_cycles() {
    let core = load();
    assert!(core.modules.len() > 20, "read {:?}", core.root);
    let graph: BTreeMap<String, BTreeSet<String>> = core
        .modules
        .keys()
        .map(|m| (m.clone(), core.imports(m)))
        .collect();
    // Depth-first search, reporting the first loop met with its whole path.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.to_string());
            panic!("import cycle: {}", cycle.join(" -> "));
        }
        stack.push(m.to_string());
        for next in &graph[m] {
            visit(next, graph, stack, done);
        }
        stack.pop();
        done.insert(m.to_string());
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    // The graph is not empty: the check saw the imports it claims to check.
    assert!(
        graph["client"].contains("oauth/config"),
        "{:?}",
        graph["client"]
    );
}

#[test]
fn nothing_below_the_client_imports_from_it() {
    let core = load();
    for module in core.modules.keys() {
        if module == "client" || module.starts_with("client/") || module == "mod" {
            continue;
        }
        for target in core.imports(module) {
            assert!(
                !(target == "client" || target.starts_with("client/")),
                "{module} imports from {target}"
            );
        }
    }
}

#[test]
fn the_core_names_no_browser_crate() {
    let core = load();
    for (module, text) in &core.modules {
        for word in ["web_sys", "js_sys", "wasm_bindgen", "gloo"] {
            assert!(!text.contains(word), "src/core/{module} names {word}");
        }
    }
}

#[test]
fn the_js_face_only_converts() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    rust_files(&api, &mut files);
    assert!(files.len() >= 3, "read {api:?}");
    // Each of these is a decision or a browser call that belongs to core/ or browser/.
    let elsewhere = [
        (
            "Url::parse",
            "URL handling is the core's or browser::location's",
        ),
        ("_request(", "requests are built in core/"),
        ("process_", "responses are read in core/"),
        ("replace_url", "the address bar is browser::location's"),
        ("current_url", "the address bar is browser::location's"),
        ("after_unauthorized", "the 401 loop is Client::call_api's"),
        ("MemoryStore", "the storage choice is browser::storage's"),
        ("SessionStore", "the storage choice is browser::storage's"),
        ("Reflect::set", "results are Serialize view types"),
    ];
    for file in files {
        let text = production(&fs::read_to_string(&file).unwrap());
        for (word, why) in elsewhere {
            // to_js_error builds the Error object itself: the one Reflect::set allowed.
            if word == "Reflect::set" && file.ends_with("convert.rs") {
                continue;
            }
            assert!(!text.contains(word), "{file:?} uses {word}: {why}");
        }
    }
}
