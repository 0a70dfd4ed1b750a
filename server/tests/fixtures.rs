//! Data-driven rule tests. Every folder under `tests/fixtures/` is named after a code and
//! holds YAML files: those named `triggers*` must produce that code, those named `clean*`
//! must not. The full output of each file is an insta snapshot, each finding's fix shown as
//! the unified diff it makes to the file (`common::render`).

mod common;

use mailflow::check::Syntax;
use std::path::Path;

#[test]
fn fixtures() {
    insta::glob!("fixtures/*/*.yaml", |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let (output, codes) = common::render(&text, Syntax::Yaml);
        common::expect_code(path, &codes, &output);
        insta::assert_snapshot!(output);
    });
}

/// Every code has a fixture that triggers it and one that does not.
#[test]
fn every_code_has_both_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut missing = Vec::new();
    // Header rules (MF5xx) read a message's headers, not a file: their fixtures are in tests/headers/.
    for rule in mailflow::rules::ALL.iter().filter(|r| !matches!(r.check, mailflow::rules::Check::Headers)) {
        let dir = root.join(rule.code);
        let names = common::file_names(&dir);
        for prefix in ["triggers", "clean"] {
            if !names.iter().any(|name| name.starts_with(prefix)) {
                missing.push(format!("{}/{prefix}*.yaml", rule.code));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:?}");
}
