//! YAML that tree-sitter-yaml 0.7.2 could not take, and what reading it costs now: blocks
//! nested deeper than its scanner's buffer holds (the process aborted), rows past 32,767 (the
//! scanner kept them in 16 bits), and a syntax error early in a large file (recovery parsed
//! prefixes of the file from the start, round after round).

mod cases;

use std::fmt::Write;
use std::process::Command;

use mailflow::check::{check, check_incremental, Checked, Reuse, Selection, Syntax};
use mailflow::syntax::TextPoint;
use mailflow::text::LineIndex;
use proptest::prelude::*;
use serde_json::Value;

/// `count` rules, each with `gap` blank lines between its keys and a `comments` block of
/// `log` lines: a valid file of any length that checks clean.
fn rules(count: usize, gap: usize, log: usize) -> String {
    let mut text =
        String::from("mailflow: 1\norganization:\n  name: Contoso\n  domains: [contoso.com]\ntransportRules:\n");
    let gap = "\n".repeat(gap);
    for i in 0..count {
        write!(
            text,
            "  - name: Rule {i}\n    priority: {i}\n{gap}    conditions:\n      senderDomainIs: [dept{i}.contoso.com]\n\
             {gap}    actions:\n      other: {{ApplyHtmlDisclaimerText: \"<p>Department {i}</p>\"}}\n"
        )
        .unwrap();
        if log > 0 {
            text.push_str("    comments: |\n");
            for line in 0..log {
                writeln!(text, "      {line}").unwrap();
            }
        }
    }
    text
}

/// Each finding as `line CODE message`, lines counted from 1.
fn findings(checked: &Checked, text: &str) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {} {}", checked.lines.position(text, d.span.start).line, d.code(), d.message))
        .collect()
}

fn check_yaml(text: &str) -> Checked {
    check(text, Syntax::Yaml, &Selection::default())
}

#[test]
fn blocks_nested_past_the_limit_are_a_syntax_error_and_the_other_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    // 253 compact lists on one line (532 bytes in the report), and 300 mappings each
    // indented one more (tree-sitter-yaml's issue 48): both aborted the process.
    std::fs::write(dir.path().join("dashes.mailflow.yaml"), format!("connectors:\n{}x\n", "- ".repeat(253))).unwrap();
    let stairs: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    std::fs::write(dir.path().join("stairs.mailflow.yaml"), stairs).unwrap();
    std::fs::write(dir.path().join("fine.mailflow.yaml"), rules(3, 0, 0)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "errors found, no abort: {output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 3, "{report:#}");
    let too_deep: Vec<(&str, &Value)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MF001")
        .map(|d| (d["file"].as_str().unwrap(), &d["range"]["start"]))
        .collect();
    assert_eq!(too_deep.len(), 2, "{report:#}");
    let message = "syntax error: lists and mappings nest more than 64 deep here (the limit); this line and the lines \
                   nested under it are not read";
    for diagnostic in report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "MF001") {
        assert_eq!(diagnostic["message"], message);
    }
    let place = |name: &str| too_deep.iter().find(|(file, _)| file.ends_with(name)).unwrap().1.clone();
    assert_eq!(place("dashes.mailflow.yaml"), serde_json::json!({"line": 2, "column": 1}));
    assert_eq!(place("stairs.mailflow.yaml"), serde_json::json!({"line": 65, "column": 65}));
    assert!(!report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["file"].as_str().unwrap().ends_with("fine.mailflow.yaml")));
}

/// Inserts `insert` at byte `at` of `text` as an editor would, checks the new version
/// reusing `reuse` as the language server does, and checks that it found what a fresh check
/// finds and read the same values.
fn type_into(text: &mut String, reuse: &mut Reuse, at: usize, insert: &str) -> Vec<String> {
    let (start, old_end, new_end) = TextPoint::replace_in(text, at..at, insert);
    reuse.edit(start, old_end, new_end);
    let (checked, next) = check_incremental(text, Syntax::Yaml, &Selection::default(), Some(reuse));
    *reuse = next;
    let fresh = check_yaml(text);
    assert_eq!(checked.yaml(), fresh.yaml(), "after editing to:\n{text}");
    let found = findings(&checked, text);
    assert_eq!(found, findings(&fresh, text), "after editing to:\n{text}");
    found
}

/// The language server checks every version of an open document reusing the last one's
/// trees: typing `- ` 253 times on one line must not abort it either.
#[test]
fn typing_blocks_past_the_limit_into_an_open_document() {
    let mut text = rules(3, 0, 0) + "connectors:\n";
    let (_, mut reuse) = check_incremental(&text, Syntax::Yaml, &Selection::default(), None);
    let mut found = Vec::new();
    for _ in 0..253 {
        let end = text.len();
        found = type_into(&mut text, &mut reuse, end, "- ");
    }
    assert!(
        found.iter().any(|f| f.contains("MF001 syntax error: lists and mappings nest more than 64 deep")),
        "{found:#?}"
    );
}

/// tree-sitter-yaml 0.7.2 kept rows in 16 bits: from row 32,768 on, a valid file was full of
/// errors, and one of 40,000 lines took minutes.
#[test]
fn rows_past_32767_read_as_any_other() {
    let text = rules(300, 32, 66);
    assert!(text.lines().count() > 40_000);
    let checked = check_yaml(&text);
    assert_eq!(findings(&checked, &text), Vec::<String>::new());
    assert_eq!(checked.flow.rules.len(), 300);
    assert_eq!(checked.flow.rules[299].name.as_ref().map(|name| name.value.as_str()), Some("Rule 299"));

    let blank = rules(2, 0, 0).replacen("mailflow: 1\n", &format!("mailflow: 1\n{}", "\n".repeat(32_767)), 1);
    let checked = check_yaml(&blank);
    assert_eq!(findings(&checked, &blank), Vec::<String>::new());
    assert_eq!(checked.flow.rules.len(), 2);
}

/// A tab in the indentation of rule 150 of 300: tree-sitter wraps everything before it in one
/// error region, and the prefix of the file through the tab's line is the first that does not
/// parse. Blamed on that line, recovery reads every other rule.
#[test]
fn a_tab_in_the_indentation_of_rule_150_is_blamed_on_its_line() {
    let text = rules(300, 0, 0).replacen("\n    priority: 150\n", "\n\t  priority: 150\n", 1);
    let tab_line = text[..text.find('\t').unwrap()].matches('\n').count() + 1;
    let checked = check_yaml(&text);
    let found = findings(&checked, &text);
    assert_eq!(
        found.iter().filter(|f| f.contains(" MF001 ")).collect::<Vec<_>>(),
        [&format!("{tab_line} MF001 syntax error: a tab in the indentation: YAML indents with spaces only")],
    );
    assert!(!found.iter().any(|f| f.contains("`mailflow`")), "{found:#?}");
    assert_eq!(checked.flow.rules.len(), 300);
}

#[test]
fn a_half_typed_key_is_blamed_on_its_line() {
    let text = rules(300, 0, 0).replacen("    priority: 150\n", "    priority: 150\n    condit\n", 1);
    let line = text[..text.find("condit\n").unwrap()].matches('\n').count() + 1;
    let found = findings(&check_yaml(&text), &text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with(&format!("{line} MF001 syntax error: this line is not valid YAML here (`condit`)")));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(64), ..ProptestConfig::default() })]
    /// Recovery blanks lines in the text tree-sitter reads and tells the tree; the tree it
    /// leaves for the next version is told they changed back. Whatever breaks the lines
    /// (tabs, half keys, open quotes and brackets, deep nesting), checking each version
    /// reusing the last equals checking it afresh.
    #[test]
    fn recovering_incrementally_equals_recovering_afresh(
        edits in prop::collection::vec((0..150usize, prop_oneof![
            Just("\t".to_owned()),
            Just(" ".to_owned()),
            Just("condit\n".to_owned()),
            Just("  \"".to_owned()),
            Just("[".to_owned()),
            Just("\n".to_owned()),
            (60..80usize).prop_map(|depth| format!("{}x\n", "- ".repeat(depth))),
        ]), 1..6)
    ) {
        let mut text = rules(20, 0, 2);
        let (_, mut reuse) = check_incremental(&text, Syntax::Yaml, &Selection::default(), None);
        for (line, insert) in edits {
            let lines = LineIndex::new(&text);
            let at = lines.line_start(line.min(lines.line_count() - 1));
            type_into(&mut text, &mut reuse, at, &insert);
        }
    }
}
