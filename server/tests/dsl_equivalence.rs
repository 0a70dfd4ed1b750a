//! The DSL twins of the rule fixtures. Every file `tests/fixtures_dsl/<CODE>/<stem>.mailflow`
//! says in the mail-flow DSL what `tests/fixtures/<CODE>/<stem>.mailflow.yaml` says in YAML,
//! and must get the same codes on the same objects. As there, `triggers*` files must report
//! their folder's code and `clean*` files must not; the full output is an insta snapshot.

mod common;

use mailflow::check::{check, Checked, Selection, Syntax};
use std::path::Path;

/// Each diagnostic's code and the object it lies in: the rule or connector whose span holds
/// it, or the file. Sorted, since the two syntaxes order their objects' lines differently.
/// A syntax error region counts without its object: YAML blanks a broken line, which then
/// lies outside every object or at the end of the one before it, while the DSL keeps the
/// broken item around it.
fn subjects(checked: &Checked) -> Vec<(&'static str, String)> {
    let mut subjects: Vec<(&'static str, String)> = checked
        .diagnostics
        .iter()
        .map(|diagnostic| {
            if diagnostic.code() == "MF001" {
                return (diagnostic.code(), "a broken region".to_owned());
            }
            let rule = checked.flow.rules.iter().find(|r| r.span.contains(diagnostic.span));
            let connector = checked.flow.connectors.iter().find(|c| c.span.contains(diagnostic.span));
            let object = match (rule, connector) {
                (Some(rule), _) => format!("rule `{}`", rule.name()),
                (None, Some(connector)) => format!("connector `{}`", connector.name()),
                (None, None) => "file".to_owned(),
            };
            (diagnostic.code(), object)
        })
        .collect();
    subjects.sort();
    subjects
}

#[test]
fn dsl_fixtures_match_their_yaml_twins() {
    // Collected, so that one run lists every pair that differs.
    let mut differences = Vec::new();
    insta::glob!("fixtures_dsl/*/*.mailflow", |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let code = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let twin = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{code}/{stem}.mailflow.yaml"));
        let yaml = std::fs::read_to_string(&twin).unwrap_or_else(|_| panic!("{} has no YAML twin", path.display()));
        let selection = Selection::default();
        let (dsl, yaml) = (check(&text, Syntax::Dsl, &selection), check(&yaml, Syntax::Yaml, &selection));
        let (output, codes) = common::render(&text, Syntax::Dsl);
        if subjects(&dsl) != subjects(&yaml) {
            differences.push(format!(
                "{code}/{stem}:\n  DSL:  {:?}\n  YAML: {:?}\n{output}",
                subjects(&dsl),
                subjects(&yaml)
            ));
        }
        common::expect_code(path, &codes, &output);
        insta::assert_snapshot!(output);
    });
    assert!(differences.is_empty(), "DSL fixtures that differ from their YAML twins:\n{}", differences.join("\n"));
}

/// Every code has a DSL fixture that triggers it.
#[test]
fn every_code_has_a_dsl_trigger() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_dsl");
    // Header rules (MF5xx) read a message's headers, not a file: their fixtures are in tests/headers/.
    let missing: Vec<&str> = mailflow::rules::ALL
        .iter()
        .filter(|rule| !matches!(rule.check, mailflow::rules::Check::Headers))
        .map(|rule| rule.code)
        .filter(|code| !common::file_names(&root.join(code)).iter().any(|name| name.starts_with("triggers")))
        .collect();
    assert!(missing.is_empty(), "codes without a DSL trigger: {missing:?}");
}
