//! `check::fix`, which `check --fix` and `--diff` run, on files that once went wrong (issue
//! 14). Each file in `tests/fix_runs/` is fixed with the safe fixes, then with the unsafe
//! ones too; what that does is an insta snapshot. On each, and on the examples and rule
//! fixtures: no MF001-MF004 finding appears, fixing again changes nothing, and the file
//! written with lone CRs for line breaks (as YAML 1.2, the language server and the checker
//! read them) checks and fixes exactly as with LFs.

mod cases;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mailflow::check::{check, fix, Checked, Fixed, Selection, Syntax};
use mailflow::fixes::unified_diff;

fn runs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fix_runs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "mailflow"));
    files.sort();
    files
}

/// The examples and the rule fixtures of both syntaxes.
fn examples_and_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for fixtures in ["tests/fixtures", "tests/fixtures_dsl"] {
        for dir in std::fs::read_dir(root.join(fixtures)).unwrap() {
            files.extend(std::fs::read_dir(dir.unwrap().path()).unwrap().map(|e| e.unwrap().path()));
        }
    }
    files.extend(std::fs::read_dir(root.parent().unwrap().join("examples")).unwrap().map(|e| e.unwrap().path()));
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "mailflow"));
    files.sort();
    files
}

/// The MF001-MF004 findings of a check, counted by code and message.
fn broken(checked: &Checked) -> BTreeMap<(String, String), usize> {
    let mut found = BTreeMap::new();
    for d in checked.diagnostics.iter().filter(|d| ["MF001", "MF002", "MF003", "MF004"].contains(&d.code())) {
        *found.entry((d.code().to_owned(), d.message.clone())).or_default() += 1;
    }
    found
}

/// What `check --fix` promises of a run on `text`: no MF001-MF004 finding that `text` did
/// not have, and a second run changes nothing.
fn assert_run_keeps_its_promises(text: &str, syntax: Syntax, unsafe_fixes: bool, context: &str) -> Fixed {
    let everything = Selection::default();
    let before = broken(&check(text, syntax, &everything));
    let fixed = fix(text, syntax, &everything, unsafe_fixes);
    for (finding, count) in broken(&fixed.checked) {
        assert!(
            count <= before.get(&finding).copied().unwrap_or(0),
            "{context}: fixing added {finding:?}:\n{}",
            fixed.text
        );
    }
    let again = fix(&fixed.text, syntax, &everything, unsafe_fixes);
    assert_eq!(again.text, fixed.text, "{context}: a second run changed the text");
    assert_eq!(again.applied, 0, "{context}: a second run applied fixes");
    fixed
}

/// Each finding as a person reads it: code, line:column of both ends, message.
fn findings(text: &str, checked: &Checked) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = (checked.lines.position(text, d.span.start), checked.lines.position(text, d.span.end));
            format!("{}:{}-{}:{} {} {}", start.line, start.column, end.line, end.column, d.code(), d.message)
        })
        .collect()
}

fn render(path: &Path, text: &str, syntax: Syntax) -> String {
    let mut out = String::new();
    for unsafe_fixes in [false, true] {
        let context = format!("{} (unsafe fixes: {unsafe_fixes})", path.display());
        let fixed = assert_run_keeps_its_promises(text, syntax, unsafe_fixes, &context);
        let codes: Vec<&str> = fixed.checked.diagnostics.iter().map(|d| d.code()).collect();
        writeln!(out, "{}", if unsafe_fixes { "with unsafe fixes:" } else { "safe fixes:" }).unwrap();
        writeln!(out, "  applied {}, rolled back: {}", fixed.applied, fixed.rolled_back).unwrap();
        for title in &fixed.withheld {
            writeln!(out, "  withheld: {title}").unwrap();
        }
        writeln!(out, "  left: {}", codes.join(" ")).unwrap();
        let diff = unified_diff("file", text, &fixed.text);
        out.extend(diff.lines().map(|line| format!("    {line}\n")));
    }
    out
}

#[test]
fn fix_runs() {
    for path in runs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let syntax = Syntax::of_path(&path);
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        insta::assert_snapshot!(name, render(&path, &text, syntax));
    }
}

/// Issue 14, item 7: the fix of the signature rule changes no other rule, whatever it shares
/// with it through an anchor, an alias or a merge.
#[test]
fn a_fix_changes_no_other_rule_through_an_anchor() {
    let signature_rule = "Identify messages to send to Exclaimer Cloud";
    let shares = |p: &PathBuf| {
        let name = p.file_name().unwrap().to_str().unwrap();
        name.starts_with("shared-") || name.starts_with("alias-")
    };
    for path in runs().into_iter().filter(shares) {
        let text = std::fs::read_to_string(&path).unwrap();
        // The other rules' settings, values without their spans (a fix moves those).
        let others = |checked: &Checked| -> Vec<String> {
            let rules = checked.flow.rules.iter().filter(|r| r.name() != signature_rule);
            let value = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            rules
                .map(|r| {
                    let stop = value(r.stop_processing.as_ref().map(|s| s.value.to_string()));
                    let mode = value(r.mode.as_ref().map(|m| format!("{:?}", m.value)));
                    let enabled = value(r.enabled.as_ref().map(|e| e.value.to_string()));
                    format!("{}: stop {stop}, mode {mode}, enabled {enabled}", r.name())
                })
                .collect()
        };
        let before = check(&text, Syntax::Yaml, &Selection::default());
        let fixed = fix(&text, Syntax::Yaml, &Selection::default(), true);
        assert_eq!(others(&before), others(&fixed.checked), "{}:\n{}", path.display(), fixed.text);
        // Where a fix was applied, the signature rule itself now stops processing.
        if fixed.applied > 0 {
            let rule = fixed.checked.flow.rules.iter().find(|r| r.name() == signature_rule).unwrap();
            assert_eq!(rule.stop_processing.as_ref().map(|s| s.value), Some(true), "{}", path.display());
        }
    }
}

/// Issue 14, item 8: a fix whose subject shares its name with another object is not offered.
#[test]
fn no_fix_for_a_subject_whose_name_is_not_unique() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fix_runs/two-connectors-one-name.mailflow.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let checked = check(&text, Syntax::Yaml, &Selection::default());
    let mf201 = checked.diagnostics.iter().find(|d| d.code() == "MF201").expect("MF201 is reported");
    assert!(mf201.fix.is_none(), "{:?}", mf201.fix);
    // Named apart, the same connector gets its fix.
    let second = text.rfind("  - name: Mimecast Outbound Connector\n").unwrap();
    let apart = format!(
        "{}  - name: Mimecast Outbound Connector 2\n{}",
        &text[..second],
        &text[second..].split_once('\n').unwrap().1
    );
    let checked = check(&apart, Syntax::Yaml, &Selection::default());
    assert!(checked.diagnostics.iter().any(|d| d.code() == "MF201" && d.fix.is_some()));
}

/// Issue 14, item 6: a file whose lines end with lone CRs is read, positioned and fixed as
/// the same file with LFs (CR and LF are both one byte, so every span is the same).
#[test]
fn lone_cr_files_check_and_fix_as_their_lf_twins() {
    for path in examples_and_fixtures().into_iter().chain(runs()) {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains('\r') {
            continue;
        }
        let syntax = Syntax::of_path(&path);
        let cr = text.replace('\n', "\r");
        let (lf_checked, cr_checked) =
            (check(&text, syntax, &Selection::default()), check(&cr, syntax, &Selection::default()));
        assert_eq!(findings(&text, &lf_checked), findings(&cr, &cr_checked), "{}", path.display());
        if lf_checked.diagnostics.iter().all(|d| d.fix.is_none()) {
            continue;
        }
        let context = format!("{} with CRs", path.display());
        let lf_fixed = fix(&text, syntax, &Selection::default(), true);
        let cr_fixed = assert_run_keeps_its_promises(&cr, syntax, true, &context);
        assert_eq!(cr_fixed.text, lf_fixed.text.replace('\n', "\r"), "{context}");
    }
}

/// The language server keeps open documents in a rope (ropey, with `cr_lines`): its lines
/// are the checker's, whatever mix of LF, CRLF and lone CR the text has.
#[test]
fn the_servers_rope_and_the_checker_count_the_same_lines() {
    use proptest::prelude::*;
    let pieces = prop::collection::vec(prop::sample::select(&["a", "é", " ", "\n", "\r", "\r\n", "𝄞"][..]), 0..40);
    proptest!(ProptestConfig::with_cases(crate::cases::cases(256)), |(pieces in pieces)| {
        let text: String = pieces.concat();
        let rope = ropey::Rope::from_str(&text);
        let lines = mailflow::text::LineIndex::new(&text);
        prop_assert_eq!(rope.len_lines(), lines.line_count(), "{:?}", text);
        for line in 0..lines.line_count() {
            prop_assert_eq!(rope.line_to_byte(line), lines.line_start(line), "{:?} line {}", text, line);
        }
    });
}

/// The CI twin of the `fixes` fuzz target (`fuzz/fuzz_targets/fixes.rs`): examples and
/// rule fixtures of both syntaxes, cut and mutated as a fuzzer would, fixed with the safe
/// fixes and then with every fix: no MF001-MF004 finding appears, and fixing again
/// changes nothing; a text with LFs only checks and fixes as its lone-CR twin.
mod mutated {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{select, Index};
    use std::sync::OnceLock;

    /// Pieces a mutation inserts: YAML and DSL punctuation, anchors, aliases and merges,
    /// line breaks of the three kinds, indentation, and words the formats know.
    const PIECES: &[&str] = &[
        "&a ",
        "*a",
        "<<: *a",
        "<<: &a {stopProcessingMoreRules: false}",
        "- ",
        ": ",
        "\n",
        "\r",
        "\r\n",
        "#",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "'",
        " ",
        "  ",
        "\t",
        "x",
        "é",
        ",",
        "stop processing",
        "priority 9",
        "rule \"R\" {",
        "transportRules:",
        "transportRule:",
        "stopProcessingMoreRules: true",
        "redirect to \"Mimecast\"",
        "name: Mimecast Outbound Connector",
        "priorty: 1",
    ];

    #[derive(Clone, Debug)]
    enum Mutation {
        DropLine(Index),
        DuplicateLine(Index),
        SwapLines(Index, Index),
        CutAt(Index),
        Insert(Index, &'static str),
        LineBreaks(&'static str),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            any::<Index>().prop_map(Mutation::DropLine),
            any::<Index>().prop_map(Mutation::DuplicateLine),
            (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
            any::<Index>().prop_map(Mutation::CutAt),
            (any::<Index>(), select(PIECES)).prop_map(|(at, piece)| Mutation::Insert(at, piece)),
            select(&["\r\n", "\r"][..]).prop_map(Mutation::LineBreaks),
        ]
    }

    fn apply(text: &str, mutation: &Mutation) -> String {
        let lines: Vec<&str> = mailflow::text::lines_with_breaks(text).collect();
        let boundary = |at: &Index| mailflow::text::floor_char_boundary(text, at.index(text.len() + 1));
        match mutation {
            _ if lines.is_empty() => text.to_owned(),
            Mutation::DropLine(at) => {
                let at = at.index(lines.len());
                lines.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, line)| *line).collect()
            }
            Mutation::DuplicateLine(at) => {
                let at = at.index(lines.len());
                let mut lines = lines.clone();
                lines.insert(at, lines[at]);
                lines.concat()
            }
            Mutation::SwapLines(a, b) => {
                let mut lines = lines.clone();
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                lines.concat()
            }
            Mutation::CutAt(at) => text[..boundary(at)].to_owned(),
            Mutation::Insert(at, piece) => {
                let at = boundary(at);
                format!("{}{piece}{}", &text[..at], &text[at..])
            }
            Mutation::LineBreaks(newline) => text.replace("\r\n", "\n").replace('\n', newline),
        }
    }

    fn inputs() -> &'static [(PathBuf, String)] {
        static INPUTS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
        INPUTS.get_or_init(|| {
            examples_and_fixtures()
                .into_iter()
                .map(|path| {
                    let text = std::fs::read_to_string(&path).unwrap();
                    (path, text)
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: crate::cases::cases(48), ..ProptestConfig::default() })]
        #[test]
        fn fixing_mutated_files_adds_no_broken_finding_and_settles(
            choice in any::<Index>(),
            mutations in prop::collection::vec(mutation(), 1..5),
        ) {
            let (path, original) = &inputs()[choice.index(inputs().len())];
            let syntax = Syntax::of_path(path);
            let text = mutations.iter().fold(original.clone(), |text, mutation| apply(&text, mutation));
            let context = format!("{} after {mutations:?}", path.display());
            let safe = assert_run_keeps_its_promises(&text, syntax, false, &format!("{context}, safe fixes"));
            let all = assert_run_keeps_its_promises(&safe.text, syntax, true, &format!("{context}, every fix"));
            // Nor do both runs together add a broken finding to the mutated text.
            let before = broken(&check(&text, syntax, &Selection::default()));
            for (finding, count) in broken(&all.checked) {
                prop_assert!(count <= before.get(&finding).copied().unwrap_or(0), "{}: added {:?}", context, finding);
            }
            if !text.contains('\r') {
                let cr = text.replace('\n', "\r");
                let everything = Selection::default();
                let (lf_checked, cr_checked) = (check(&text, syntax, &everything), check(&cr, syntax, &everything));
                prop_assert_eq!(findings(&text, &lf_checked), findings(&cr, &cr_checked), "{}", context);
                let cr_fixed = fix(&cr, syntax, &everything, true);
                prop_assert_eq!(cr_fixed.text, fix(&text, syntax, &everything, true).text.replace('\n', "\r"), "{}", context);
            }
        }
    }
}
