//! The CI twin of the `convert_round_trip` fuzz target: the repository's mail-flow files
//! of both syntaxes (examples, rule fixtures, the real-world corpus), spliced line by line
//! with one another as a fuzzer would, converted to the other syntax and back twice. What it
//! holds is in `fuzz/properties/convert_round_trip.rs`, which the target compiles too: the
//! converted text reads without errors as the same model with the same codes on each object,
//! and converting back and again reproduces the first conversion.

mod cases;

#[path = "../../fuzz/properties/convert_round_trip.rs"]
mod property;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mailflow::check::Syntax;
use proptest::prelude::*;
use proptest::sample::Index;

/// Every mail-flow file of the repository with its syntax and text.
fn files() -> &'static [(PathBuf, Syntax, String)] {
    static FILES: OnceLock<Vec<(PathBuf, Syntax, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        let mut folders: Vec<PathBuf> =
            ["../examples", "tests/fixtures", "tests/fixtures_dsl", "tests/real_world"].map(|f| root.join(f)).into();
        while let Some(folder) = folders.pop() {
            for path in std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()) {
                if path.is_dir() {
                    folders.push(path);
                } else if path.to_string_lossy().contains(".mailflow") {
                    paths.push(path);
                }
            }
        }
        paths.sort();
        assert!(paths.len() >= 100, "the repository's files were not found");
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                (path.clone(), Syntax::of_path(&path), text)
            })
            .collect()
    })
}

/// One splice: the lines `at..at + cut` of the text are replaced by `take` lines of a file of
/// the same syntax from its line `from` (a line dropped, moved, doubled, or brought from
/// another file).
#[derive(Clone, Debug)]
struct Splice {
    at: Index,
    cut: usize,
    file: Index,
    from: Index,
    take: usize,
}

fn splice() -> impl Strategy<Value = Splice> {
    (any::<Index>(), 0..3usize, any::<Index>(), any::<Index>(), 0..4usize)
        .prop_map(|(at, cut, file, from, take)| Splice { at, cut, file, from, take })
}

fn apply(text: &str, syntax: Syntax, splice: &Splice) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let donors: Vec<&str> = files().iter().filter(|(_, s, _)| *s == syntax).map(|(_, _, t)| t.as_str()).collect();
    let donor: Vec<&str> = donors[splice.file.index(donors.len())].split_inclusive('\n').collect();
    let from = splice.from.index(donor.len().max(1)).min(donor.len());
    let brought = &donor[from..(from + splice.take).min(donor.len())];
    let at = splice.at.index(lines.len() + 1);
    let cut = splice.cut.min(lines.len() - at);
    lines.splice(at..at + cut, brought.iter().copied());
    lines.concat()
}

/// Each file as it is: those that convert hold the properties.
#[test]
fn every_file_converts_there_and_back_twice() {
    let mut converted = 0;
    let mut failed = Vec::new();
    for (path, syntax, text) in files() {
        match std::panic::catch_unwind(|| property::holds(text, *syntax)) {
            Ok(true) => converted += 1,
            Ok(false) => {}
            Err(_) => failed.push(path.display().to_string()),
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(converted >= 50, "only {converted} files reached the conversions");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(64), ..ProptestConfig::default() })]
    #[test]
    fn spliced_files_convert_there_and_back_twice(choice in any::<Index>(), splices in prop::collection::vec(splice(), 1..4)) {
        let (path, syntax, original) = &files()[choice.index(files().len())];
        let text = splices.iter().fold(original.clone(), |text, splice| apply(&text, *syntax, splice));
        let holds = std::panic::catch_unwind(|| property::holds(&text, *syntax));
        prop_assert!(holds.is_ok(), "{} after {:?}:\n{}", path.display(), splices, text);
    }
}

/// Found by `every_file_converts_there_and_back_twice` on the MF014 fixtures (2026-12-06): an
/// empty object whose name line carries a suppression converts to `{} # …`, which `fmt` once
/// split into `{ # …` and a `}` line of its own.
#[test]
fn an_empty_object_with_an_ignore_comment_converts_as_fmt_lays_it_out() {
    let yaml = "mailflow: 1\ntransportRules:\n  - name: R  # mailflow: ignore[MF101]\n    priority: 0\n";
    let checked = mailflow::check::check(yaml, Syntax::Yaml, &Default::default());
    let dsl = mailflow::convert::convert(&checked, yaml, Syntax::Dsl).unwrap();
    assert_eq!(dsl, "mailflow 1\n\nrule \"R\" priority 0 {} # mailflow: ignore[MF101]\n");
    assert_eq!(mailflow::format::format_dsl(&dsl).ok().as_deref(), Some(dsl.as_str()));
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07): an unused suppression
/// above a rule, after a blank line, converts to YAML inside the node of the rule before it
/// (a list item's node runs on to the next item), where the property took it for that rule's.
#[test]
fn a_suppression_between_two_rules_is_neither_rules_after_converting() {
    let dsl = "mailflow 1\n\nrule \"A\" priority 2 {\n}\n\n# mailflow: ignore[MF013]\nrule \"B\" priority 0 {\n}\n";
    assert!(property::holds(dsl, Syntax::Dsl));
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07): a comment inside an
/// empty organization was written after `organization: {}`, where reading the YAML again
/// took it for a comment above the rules.
#[test]
fn a_comment_inside_an_empty_organization_stays_inside() {
    let dsl = "mailflow 1\n\norganization {\n  # kept inside\n}\n\nrule \"R\" priority 0 {\n  stop processing\n}\n";
    let yaml = holding_and_converted(dsl, Syntax::Dsl, Syntax::Yaml);
    assert!(yaml.contains("organization:\n  # kept inside\n  {}\n"), "{yaml}");
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07): comments between the
/// version's line and the first object, not directly above it, were taken for the file's
/// header block and printed above the version's line.
#[test]
fn comments_after_the_version_stay_after_it() {
    let yaml = "mailflow: 1\n\n# about what follows\n\norganization:\n  name: Contoso\n";
    let dsl = holding_and_converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(dsl.starts_with("mailflow 1\n\n# about what follows\n\norganization"), "{dsl}");
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07): a comment ending the
/// line of a rule's first action went, in YAML, to the end of `actions:` (the DSL's group
/// starts at its first statement, before the action's value), and one ending the same
/// action's line elsewhere in the group to the action's line.
#[test]
fn a_comment_ending_the_first_action_stays_with_it() {
    let dsl = "mailflow 1\n\nrule \"R\" priority 0 {\n  redirect to \"C\"  # why\n  remove header \"X-A\"\n}\n\nconnector \"C\" {\n  use transport-rule\n  smart-hosts \"h.example\"\n}\n";
    let yaml = holding_and_converted(dsl, Syntax::Dsl, Syntax::Yaml);
    assert!(yaml.contains("    actions:\n      redirectToConnector: C  # why\n"), "{yaml}");
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07), the other side of the
/// suppression between two rules: a comment at the end of a connector's body stays the
/// connector's in YAML, at its keys' indentation, though no key follows it there.
#[test]
fn a_suppression_at_the_end_of_an_object_stays_its_own_after_converting() {
    let dsl = "mailflow 1\n\nconnector \"C\" {\n  use transport-rule\n  smart-hosts \"h.example\"\n\n# mailflow: ignore[MF013]\n}\n\nrule \"R\" priority 0 {\n  redirect to \"C\"\n}\n";
    assert!(property::holds(dsl, Syntax::Dsl));
}

/// Found by `spliced_files_convert_there_and_back_twice` (2026-12-07): a comment above the
/// first key inside `onPremises` went, in the DSL, above `on-premises {` (the YAML value
/// starts at that key, after the comment; the DSL's block at its head).
#[test]
fn a_comment_inside_on_premises_stays_inside() {
    let yaml = "mailflow: 1\norganization:\n  onPremises:\n    # inside\n    relaysThrough: h.example\n";
    let dsl = holding_and_converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(dsl.contains("  on-premises {\n    # inside\n    relays-through"), "{dsl}");
    let dsl =
        "mailflow 1\n\norganization {\n  on-premises {\n# at the margin\n    relays-through \"h.example\"\n  }\n}\n";
    assert!(property::holds(dsl, Syntax::Dsl));
}

/// A comment above a DSL statement stays above that statement's key in YAML, inside its
/// group, even where the statement came first in its group and the YAML writes another key
/// first: it used to go above `actions:` (the DSL's group starts at its first statement),
/// come back above the first action in the DSL's order, and go inside `actions:` the next
/// time (found by the property, seed `55622c`).
#[test]
fn a_comment_above_a_dsl_statement_stays_with_it() {
    let dsl = "mailflow 1\nrule \"R\" priority 0 {\n  # about the redirect\n  redirect to \"c\"\n  \
               except header \"X-A\" contains \"true\"\n  set header \"X-A\" to \"true\"\n}\n";
    let yaml = holding_and_converted(dsl, Syntax::Dsl, Syntax::Yaml);
    assert!(yaml.contains("    actions:\n      setHeader:\n        name: X-A\n        value: \"true\"\n      # about the redirect\n      redirectToConnector: c\n"), "{yaml}");
    let back = holding_and_converted(&yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(back.contains("  # about the redirect\n  redirect to \"c\"\n"), "{back}");
    // A comment above a YAML group stays there when converted to YAML from YAML's own DSL
    // twin only as far as the DSL can say it: above the group's first statement.
    let yaml = "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 0\n    # about the exceptions\n    exceptions:\n      \
                senderDomainIs: [a.example]\n";
    let dsl = holding_and_converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(dsl.contains("  # about the exceptions\n  except sender domain is \"a.example\"\n"), "{dsl}");
}

/// `text` held to the property, and its first conversion.
fn holding_and_converted(text: &str, syntax: Syntax, to: Syntax) -> String {
    assert!(property::holds(text, syntax));
    let checked = mailflow::check::check(text, syntax, &Default::default());
    mailflow::convert::convert(&checked, text, to).unwrap()
}
