//! `mailflow check --fix` and `--diff`: apply the fixes findings carry until the file is
//! stable, then write it back or show what would change.

use std::path::Path;

use super::escape::diff_path;
use super::files::{self, Read};
use super::plural;
use super::FileReport;
use crate::check::{check, Checked, Selection, Syntax};
use crate::fixes::apply_fixes;

/// Rounds of applying fixes and checking again. A fix can make a new finding with its own
/// fix appear, and a fix that overlapped another waits for the next round; fixes still
/// coming after this many rounds would be undoing one another.
const MAX_ROUNDS: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Write the fixed files back (`--fix`).
    Write,
    /// Print a unified diff and write nothing (`--diff`).
    Diff,
}

#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub output: Output,
    /// Apply the fixes that are not safe too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

/// What fixing did to one file.
pub struct Done {
    pub applied: usize,
    pub changed: bool,
    /// With [`Output::Diff`], the diff of a file that would change.
    pub diff: Option<String>,
}

/// A text after fixing, with the findings that remain.
struct Fixed {
    text: String,
    checked: Checked,
    applied: usize,
}

fn fix_text(text: &str, syntax: Syntax, selection: &Selection, unsafe_fixes: bool) -> Fixed {
    let mut current = text.to_owned();
    let mut checked = check(&current, syntax, selection);
    let mut applied = 0;
    for _ in 0..MAX_ROUNDS {
        let fixes = checked.diagnostics.iter().filter_map(|d| d.fix.as_ref()).filter(|fix| fix.safe || unsafe_fixes);
        let outcome = apply_fixes(&current, fixes);
        if outcome.text == current {
            break;
        }
        applied += outcome.applied.len();
        current = outcome.text;
        checked = check(&current, syntax, selection);
    }
    Fixed { text: current, checked, applied }
}

/// Fixes a text and, for `--fix`, writes it back to the file it was read from (`write_to`)
/// when it changed, or makes the diff for `--diff`; the report is on what remains.
pub fn fix_file(
    display: &str,
    syntax: Syntax,
    text: &str,
    write_to: Option<(&Path, &Read)>,
    selection: &Selection,
    request: Request,
) -> Result<(FileReport, Done), String> {
    let fixed = fix_text(text, syntax, selection, request.unsafe_fixes);
    let changed = fixed.text != text;
    let diff = match request.output {
        Output::Diff => changed.then(|| unified_diff(display, text, &fixed.text)),
        Output::Write if changed => {
            let (path, read) = write_to.ok_or("standard input cannot be written back")?;
            files::rewrite(path, read, &fixed.text)?;
            None
        }
        Output::Write => None,
    };
    let report = FileReport { path: display.to_owned(), text: fixed.text, checked: fixed.checked };
    Ok((report, Done { applied: fixed.applied, changed, diff }))
}

/// A unified diff with three lines of context, both sides named by the path (quoted as git
/// quotes a name with control characters), as `patch -p0` reads it.
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let path = diff_path(path);
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(&path, &path).to_string()
}

/// The line that says what fixing did, and what an unsafe fix could still do.
pub fn summary(request: Request, done: &[Done], reports: &[FileReport]) -> String {
    let applied: usize = done.iter().map(|d| d.applied).sum();
    let files = done.iter().filter(|d| d.changed).count();
    let fixes = plural(applied, "fix", "fixes");
    let mut line = match request.output {
        Output::Write => format!("Applied {fixes} ({} changed).", plural(files, "file", "files")),
        Output::Diff => format!("Would apply {fixes} ({} would change).", plural(files, "file", "files")),
    };
    if !request.unsafe_fixes {
        let unsafe_left = reports
            .iter()
            .flat_map(|r| &r.checked.diagnostics)
            .filter(|d| d.fix.as_ref().is_some_and(|fix| !fix.safe))
            .count();
        if unsafe_left > 0 {
            let fixes = if unsafe_left == 1 { "fix" } else { "fixes" };
            line.push_str(&format!(" {unsafe_left} more {fixes} with --unsafe-fixes."));
        }
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSPELT: &str = "mailflow: 1\r\ntransportRules:\r\n  - name: A  # keep\r\n    priorty: 0\r\n";

    #[test]
    fn unsafe_fixes_apply_only_on_request() {
        let selection = Selection::default();
        let safe_only = fix_text(MISSPELT, Syntax::Yaml, &selection, false);
        assert_eq!((safe_only.text.as_str(), safe_only.applied), (MISSPELT, 0));
        let all = fix_text(MISSPELT, Syntax::Yaml, &selection, true);
        assert_eq!(all.text, MISSPELT.replace("priorty", "priority"));
        assert_eq!(all.applied, 1);
        assert!(all.checked.diagnostics.iter().all(|d| d.code() != "MF002"));
    }

    #[test]
    fn the_diff_names_the_file_and_shows_the_changed_line() {
        let diff = unified_diff("rules.mailflow.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert_eq!(diff, "--- rules.mailflow.yaml\n+++ rules.mailflow.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n");
    }
}
