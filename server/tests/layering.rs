//! The layering ARCHITECTURE.md promises, read off the source: each module names (through
//! `crate::…` paths) only modules of its own layer or of the layers below it, and only the
//! front doors know the crates of their trade (LSP types, terminals, exit codes).
//!
//! Test code (`#[cfg(test)]` modules, `tests.rs` files) may reach anywhere: a test of the
//! syntax layer may well check a whole file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of the crate with its layer, lowest first.
const LAYERS: &[(&str, u8)] = &[
    ("text", 0),
    // Running two parts of one check at once.
    ("side_by_side", 0),
    ("syntax", 1),
    ("model", 2),
    ("analysis", 3),
    // Edit primitives: the editors of both syntaxes and applying fixes.
    ("fixes", 4),
    // The rules, their findings and the recipes several rules' fixes share.
    ("rules", 5),
    ("diagnostic", 5),
    ("check", 6),
    ("suppression", 6),
    ("trace", 6),
    ("headers", 6),
    ("ide", 7),
    ("format", 7),
    ("convert", 7),
    ("discover", 7),
    ("tenant", 7),
    ("cli", 8),
    ("lsp", 8),
];

/// Crates only one front door may name, with that door.
const FRONT_DOOR_CRATES: &[(&str, &str)] = &[
    ("tower_lsp_server", "lsp"),
    ("tokio", "lsp"),
    ("tower", "lsp"),
    ("annotate_snippets", "cli"),
    ("clap", "cli"),
    ("std::process::exit", "cli"),
    ("ExitCode", "cli"),
];

fn layer(module: &str) -> u8 {
    LAYERS.iter().find(|(name, _)| *name == module).unwrap_or_else(|| panic!("module `{module}` has no layer")).1
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module a file belongs to (its first component under `src/`); `None` for the crate
/// root, the binary and test files.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?.trim_end_matches(".rs").to_owned();
    let is_test = relative.components().any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs");
    (!matches!(first.as_str(), "lib" | "main") && !is_test).then_some(first)
}

/// The text outside `#[cfg(test)]` items: the crate keeps its tests at the end of a file.
fn production_code(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// The top-level modules `code` names through `crate::…`, with the line of each.
fn named_modules(code: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("");
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((name, number + 1));
            }
        }
    }
    found
}

/// Every edge that goes up a layer, as `file:line: from -> to`.
fn upward_edges(src: &Path, layers: impl Fn(&str) -> u8) -> Vec<String> {
    let mut files = Vec::new();
    source_files(src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(src, file) else { continue };
        let text = fs::read_to_string(file).unwrap();
        for (target, line) in named_modules(production_code(&text)) {
            if layers(&target) > layers(&module) {
                wrong.push(format!("{}:{line}: {module} -> {target}", file.display()));
            }
        }
    }
    wrong
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_names_only_its_own_layer_and_those_below() {
    let wrong = upward_edges(&src(), layer);
    assert!(wrong.is_empty(), "edges up the layers:\n{}", wrong.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let mut modules = BTreeSet::new();
    let mut files = Vec::new();
    source_files(&src(), &mut files);
    for file in &files {
        modules.extend(module_of(&src(), file));
    }
    for module in modules {
        layer(&module);
    }
}

#[test]
fn only_the_front_doors_know_their_crates() {
    let src = src();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else { continue };
        let text = fs::read_to_string(file).unwrap();
        for (number, line) in production_code(&text).lines().enumerate() {
            for (name, door) in FRONT_DOOR_CRATES {
                let named = line
                    .split("//")
                    .next()
                    .unwrap_or("")
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != ':')
                    .any(|word| word == *name || word.starts_with(&format!("{name}::")));
                if named && module != *door {
                    wrong.push(format!("{}:{}: {module} names {name}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "front-door crates outside their door:\n{}", wrong.join("\n"));
}

/// The check above must catch an upward edge: a model that named the rules would be one.
#[test]
fn an_upward_edge_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir(src.join("model")).unwrap();
    fs::write(src.join("model/lower.rs"), "use crate::rules::mf002;\nuse crate::text::Span;\n").unwrap();
    fs::write(src.join("rules.rs"), "use crate::model::MailFlow;\n#[cfg(test)]\nmod tests { use crate::cli; }\n")
        .unwrap();
    let wrong = upward_edges(src, layer);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(wrong[0].ends_with("model/lower.rs:1: model -> rules"), "{wrong:?}");
}
