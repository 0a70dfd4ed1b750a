//! What the data-driven suites share: a checked file's diagnostics as text.

use mailflow::check::{check, Selection, Syntax};
use mailflow::fixes::{apply_fixes, Applied};
use std::fmt::Write;
use std::path::Path;

/// The diagnostics of `text`, one per line: `line:col-line:col CODE message`, then related
/// places and fixes, each fix with what it does to the file (see [`fix_diff`]); and their
/// codes.
pub fn render(text: &str, syntax: Syntax) -> (String, Vec<&'static str>) {
    let checked = check(text, syntax, &Selection::default());
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
            out.push_str(&fix_diff(text, apply_fixes(text, [fix])));
        }
        codes.push(diagnostic.code());
    }
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    (out, codes)
}

/// What one fix, applied alone to `text` (as `fixed`), does to it: a unified diff with three
/// lines of context (as `mailflow check --diff` shows, without its file names), each line
/// indented under the fix's title; or why nothing changes.
fn fix_diff(text: &str, fixed: Applied) -> String {
    let diff = if !fixed.skipped.is_empty() {
        "(not applied: its edits overlap or do not fit the text)\n".to_owned()
    } else if fixed.text == text {
        "(no change)\n".to_owned()
    } else {
        similar::TextDiff::from_lines(text, &fixed.text).unified_diff().context_radius(3).to_string()
    };
    diff.lines().map(|line| format!("      {line}\n")).collect()
}

/// A fixture lies in a folder named after a code: files named `triggers*` must report it,
/// those named `clean*` must not.
pub fn expect_code(path: &Path, codes: &[&str], output: &str) {
    let code = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    if name.starts_with("triggers") {
        assert!(codes.contains(&code), "{} should report {code}:\n{output}", path.display());
    } else if name.starts_with("clean") {
        assert!(!codes.contains(&code), "{} should not report {code}:\n{output}", path.display());
    } else {
        panic!("fixture names start with `triggers` or `clean`: {}", path.display());
    }
}

/// The names of the files in `dir`; none when it does not exist.
pub fn file_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}
