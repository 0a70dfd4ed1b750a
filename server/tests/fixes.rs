//! Every fix, applied to every fixture and example where it is offered: the finding it
//! fixes is gone, no new schema error (MF0xx) appears, and every byte outside its edits is
//! unchanged. Applying all safe fixes is idempotent and adds no schema error.

mod cases;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mailflow::check::{Checked, Selection, Syntax};
use mailflow::diagnostic::{Diagnostic, Fix, Severity};
use mailflow::fixes::apply_fixes;

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for fixtures in ["tests/fixtures", "tests/fixtures_dsl"] {
        for dir in std::fs::read_dir(root.join(fixtures)).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                files.push(file.unwrap().path());
            }
        }
    }
    for file in std::fs::read_dir(root.parent().unwrap().join("examples")).unwrap() {
        files.push(file.unwrap().path());
    }
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "mailflow"));
    files.sort();
    files
}

/// Checks `text` in the syntax its file name says (`*.mailflow` is DSL).
fn check(text: &str, path: &Path) -> Checked {
    mailflow::check::check(text, Syntax::of_path(path), &Selection::default())
}

/// The schema errors of a check, as (code, message).
fn schema_errors(checked: &Checked) -> BTreeSet<(String, String)> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code().starts_with("MF0") && d.severity() == Severity::Error)
        .map(|d| (d.code().to_owned(), d.message.clone()))
        .collect()
}

/// The text outside the fix's edits is the same before and after, in the same order.
fn assert_only_edits_changed(before: &str, after: &str, fix: &Fix, context: &str) {
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| e.span.start);
    let mut shift: isize = 0;
    let mut previous_end = 0;
    for edit in &edits {
        let untouched = &before[previous_end..edit.span.start];
        let at = (previous_end as isize + shift) as usize;
        assert_eq!(&after[at..at + untouched.len()], untouched, "{context}: bytes before an edit changed");
        shift += edit.replacement.len() as isize - edit.span.len() as isize;
        previous_end = edit.span.end;
    }
    let tail = &before[previous_end..];
    assert!(after.ends_with(tail), "{context}: bytes after the last edit changed");
    assert_eq!(after.len() as isize, before.len() as isize + shift, "{context}: length");
}

fn same_finding(a: &Diagnostic, b: &Diagnostic) -> bool {
    a.code() == b.code() && a.subject == b.subject
}

#[test]
fn every_fix_removes_its_finding_and_only_edits_its_spans() {
    let mut fixed_codes = BTreeSet::new();
    for path in inputs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let before = check(&text, &path);
        for diagnostic in &before.diagnostics {
            let Some(fix) = &diagnostic.fix else { continue };
            let context = format!("{} {} `{}`", path.display(), diagnostic.code(), fix.title);
            let applied = apply_fixes(&text, [fix]);
            assert_eq!(applied.applied, [0], "{context}: the fix's own edits overlap");
            assert_only_edits_changed(&text, &applied.text, fix, &context);
            let after = check(&applied.text, &path);
            assert!(
                !after.diagnostics.iter().any(|d| same_finding(d, diagnostic) && d.message == diagnostic.message),
                "{context}: the finding is still there:\n{}",
                applied.text
            );
            let new_errors: Vec<_> = schema_errors(&after).difference(&schema_errors(&before)).cloned().collect();
            assert!(new_errors.is_empty(), "{context}: new schema errors {new_errors:?} in\n{}", applied.text);
            fixed_codes.insert(diagnostic.code());
        }
    }
    // Every rule that declares a fix has it exercised by some input.
    for rule in mailflow::rules::ALL.iter().filter(|r| r.fix.is_some()) {
        assert!(fixed_codes.contains(rule.code), "no fixture or example exercises the fix of {}", rule.code);
    }
}

/// Applies every safe fix in rounds, as `check --fix` does; returns the final text.
fn fix_all_safe(text: &str, path: &Path) -> String {
    let mut text = text.to_owned();
    for _ in 0..5 {
        let checked = check(&text, path);
        let safe: Vec<&Fix> = checked.diagnostics.iter().filter_map(|d| d.fix.as_ref()).filter(|f| f.safe).collect();
        if safe.is_empty() {
            break;
        }
        text = apply_fixes(&text, safe).text;
    }
    text
}

#[test]
fn safe_fixes_add_no_schema_error_and_a_second_run_changes_nothing() {
    for path in inputs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let before = check(&text, &path);
        let fixed = fix_all_safe(&text, &path);
        let after = check(&fixed, &path);
        let new_errors: Vec<_> = schema_errors(&after).difference(&schema_errors(&before)).cloned().collect();
        assert!(new_errors.is_empty(), "{}: safe fixes added {new_errors:?}:\n{fixed}", path.display());
        assert_eq!(fix_all_safe(&fixed, &path), fixed, "{}: a second run changed the text", path.display());
    }
}

mod mutated {
    //! The same property on files nobody wrote by hand: examples with random lines removed
    //! (keys, list items, whole rules' lines — often leaving broken or odd YAML or DSL).

    use super::*;
    use proptest::prelude::*;

    /// Each example with its path, which says its syntax.
    fn examples() -> Vec<(PathBuf, String)> {
        inputs()
            .into_iter()
            .filter(|p| p.parent().unwrap().ends_with("examples"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, text)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: crate::cases::cases(96), ..ProptestConfig::default() })]
        #[test]
        fn safe_fixes_on_mutated_examples(choice in any::<prop::sample::Index>(), removed in prop::collection::vec(0u8..8, 200)) {
            let examples = examples();
            let (path, original) = &examples[choice.index(examples.len())];
            // Drop about one line in eight: those where `removed` (cycled) holds a zero.
            let text: String = original
                .split_inclusive('\n')
                .enumerate()
                .filter(|(i, _)| removed[i % removed.len()] != 0)
                .map(|(_, line)| line)
                .collect();
            let before = check(&text, path);
            let fixed = fix_all_safe(&text, path);
            let after = check(&fixed, path);
            let new_errors: Vec<_> = schema_errors(&after).difference(&schema_errors(&before)).cloned().collect();
            prop_assert!(new_errors.is_empty(), "safe fixes added {:?}:\n{}\n--- fixed:\n{}", new_errors, text, fixed);
            prop_assert_eq!(fix_all_safe(&fixed, path), fixed);
        }
    }
}
