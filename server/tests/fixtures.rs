//! Data-driven rule tests. Every folder under `tests/fixtures/` is named after a code and
//! holds YAML files: those named `triggers*` must produce that code, those named `clean*`
//! must not. The full output of each file is an insta snapshot.

use mailflow::check::{check_yaml, Selection};
use std::fmt::Write;
use std::path::Path;

/// The diagnostics of `text`, one per line: `line:col-line:col CODE message`, then related places.
fn render(text: &str) -> (String, Vec<&'static str>) {
    let checked = check_yaml(text, &Selection::default());
    let mut out = String::new();
    let mut codes = Vec::new();
    for diagnostic in &checked.diagnostics {
        let start = checked.lines.position(text, diagnostic.span.start);
        let end = checked.lines.position(text, diagnostic.span.end);
        writeln!(
            out,
            "{}:{}-{}:{} {} {}",
            start.line,
            start.column,
            end.line,
            end.column,
            diagnostic.code(),
            diagnostic.message
        )
        .unwrap();
        for related in &diagnostic.related {
            let at = checked.lines.position(text, related.span.start);
            writeln!(out, "    related {}:{} {}", at.line, at.column, related.message).unwrap();
        }
        if let Some(fix) = &diagnostic.fix {
            writeln!(out, "    fix ({}) {}", if fix.safe { "safe" } else { "unsafe" }, fix.title).unwrap();
        }
        codes.push(diagnostic.code());
    }
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    (out, codes)
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*/*.yaml", |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let (output, codes) = render(&text);
        let code = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let stem = path.file_name().unwrap().to_str().unwrap();
        if stem.starts_with("triggers") {
            assert!(codes.contains(&code), "{} should report {code}:\n{output}", path.display());
        } else if stem.starts_with("clean") {
            assert!(!codes.contains(&code), "{} should not report {code}:\n{output}", path.display());
        } else {
            panic!("fixture names start with `triggers` or `clean`: {}", path.display());
        }
        insta::assert_snapshot!(output);
    });
}

/// Every code has a fixture that triggers it and one that does not.
#[test]
fn every_code_has_both_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut missing = Vec::new();
    for rule in mailflow::rules::ALL {
        let dir = root.join(rule.code);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
            })
            .unwrap_or_default();
        for prefix in ["triggers", "clean"] {
            if !names.iter().any(|name| name.starts_with(prefix)) {
                missing.push(format!("{}/{prefix}*.yaml", rule.code));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:?}");
}
