//! The crate's structure, read from its source: the top-level modules of `chat-engine/src`
//! and the `crate::` paths each one uses form a graph with no cycle, and the domain modules
//! never use one another (what more than one needs lives in a shared layer below them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The domain modules: siblings above the shared layers.
const DOMAINS: &[&str] = &[
    "accounts",
    "admin",
    "audit",
    "channels",
    "delivery",
    "invites",
    "members",
    "messages",
    "notifications",
    "presence",
    "reactions",
    "relationships",
    "roles",
    "search",
    "servers",
    "threads",
    "transfer",
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules each top-level module of `src` uses through `crate::` paths.
fn module_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut files = vec![src.to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue; // the crate root declares and re-exports everything
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let used = graph.entry(module.clone()).or_default();
        used.extend(crate_paths(&source).into_iter().filter(|m| *m != module));
    }
    graph
}

/// The first segments of every `crate::` path in Rust source, groups included
/// (`use crate::{a, b::c}` uses `a` and `b`); comments, macros and root items are skipped.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut modules = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            modules.extend(group_heads(&group[..end]));
        } else {
            modules.extend(head(rest));
        }
    }
    modules
}

/// The module a path starts with: a lowercase identifier not followed by `!`.
fn head(path: &str) -> Option<String> {
    let name: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let is_module = name.starts_with(|c: char| c.is_lowercase() || c == '_');
    let is_macro = path[name.len()..].starts_with('!');
    (is_module && !is_macro && name != "self").then_some(name)
}

/// The heads of the top-level items of a `{a, b::{c, d}}` group's inside.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.extend(head(group[start..i].trim()));
                start = i + 1;
            }
            _ => {}
        }
    }
    heads.extend(head(group[start..].trim()));
    heads
}

/// Where the group that starts just after a `{` ends.
fn matching_brace(group: &str) -> usize {
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    group.len()
}

/// A cycle of the graph, if it has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit<'a>(
        graph: &'a Graph,
        node: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[at..].iter().map(|n| (*n).to_owned()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(graph, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

fn engine_graph() -> Graph {
    module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = engine_graph();
    assert!(graph.len() > 20, "read the modules: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn domain_modules_never_use_one_another() {
    let graph = engine_graph();
    for domain in DOMAINS {
        let used = graph
            .get(*domain)
            .unwrap_or_else(|| panic!("no module {domain}"));
        let siblings: Vec<_> = used
            .iter()
            .filter(|m| DOMAINS.contains(&m.as_str()))
            .collect();
        assert!(
            siblings.is_empty(),
            "{domain} uses the domains {siblings:?}"
        );
    }
}

#[test]
fn storage_knows_nothing_above_it() {
    let graph = engine_graph();
    let below = [
        "broker", "envelope", "error", "id", "limits", "model", "tls",
    ];
    let store = &graph["store"];
    assert!(
        store.iter().all(|m| below.contains(&m.as_str())),
        "store uses {store:?}"
    );
}

#[test]
fn the_reader_sees_groups_and_finds_cycles() {
    let source = "use crate::{a, b::{c, d}};\nuse crate::e::F;\n// crate::commented\n\
                  let x = crate::f::g(); crate::store_tests!(); $crate::h::i; crate::Root;";
    let heads: Vec<_> = crate_paths(source).into_iter().collect();
    assert_eq!(heads, ["a", "b", "e", "f"]);

    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}
