//! The structure rules of ARCHITECTURE.md, checked on the source: no import cycles between the
//! crate's layers or inside `domain`, `domain` imports nothing else of the crate, and vendors
//! are named only in their own folders and the two registries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's code without comments and unit tests (tests may import what the code may not;
/// a doc link is no import).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix` in `text`, e.g. `crate::` → `domain`, `backend`.
fn after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// `Some(cycle)` when the graph has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_layers_have_no_import_cycles() {
    let root = src();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources(&root) {
        let rel = path.strip_prefix(&root).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if matches!(module.as_str(), "main" | "lib") {
            continue;
        }
        let deps = after(&code(&path), "crate::");
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(deps.into_iter().filter(|d| *d != module));
    }
    assert!(graph.contains_key("domain") && graph.contains_key("app"));
    assert_eq!(find_cycle(&graph), None, "an import cycle between layers");
}

#[test]
fn domain_is_pure_and_acyclic() {
    let dir = src().join("domain");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources(&dir) {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = code(&path);
        let outside: Vec<String> = after(&text, "crate::")
            .into_iter()
            .filter(|m| m != "domain")
            .collect();
        assert!(
            outside.is_empty(),
            "domain/{module} imports {outside:?}: domain has no IO and no other layer"
        );
        let mut deps = after(&text, "super::");
        deps.extend(after(&text, "crate::domain::"));
        deps.remove(&module);
        if module != "mod" {
            graph.insert(module, deps);
        }
    }
    assert!(graph.len() > 10, "{graph:?}");
    assert_eq!(find_cycle(&graph), None, "an import cycle inside domain");
}

#[test]
fn vendors_are_named_only_in_their_folders_and_the_registries() {
    let root = src();
    let vendor_folders = [
        root.join("backend/intercom"),
        root.join("sim/intercom"),
        root.join("backend/zendesk"),
        root.join("sim/zendesk"),
    ];
    let registries = [root.join("backend/mod.rs"), root.join("sim/mod.rs")];
    let mut naming = Vec::new();
    for path in sources(&root) {
        if vendor_folders.iter().any(|f| path.starts_with(f)) || registries.contains(&path) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        if ["intercom", "zendesk"].iter().any(|v| text.contains(v)) {
            naming.push(path.strip_prefix(&root).unwrap().display().to_string());
        }
    }
    assert!(naming.is_empty(), "files naming a vendor: {naming:?}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let g = |edges: &[(&str, &str)]| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            m.entry((*a).into()).or_default().insert((*b).into());
            m.entry((*b).into()).or_default();
        }
        m
    };
    assert!(find_cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])).is_some());
    assert_eq!(find_cycle(&g(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
}
