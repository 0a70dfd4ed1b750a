//! `mailflow check --fix` and `--diff`: apply the fixes findings carry until the file is
//! stable, then write it back or show what would change.

use std::path::Path;

use super::console;
use super::escape::{diff_path, visible};
use super::files::{self, Read};
use super::plural;
use super::FileReport;
use crate::check::{Checked, HeldBack, Selection, Syntax};
use crate::text::Position;

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
    /// What was not applied, and why.
    pub held: Vec<Held>,
}

/// A fix that `--fix` held back in one file, or, with no finding, all of them (the file's
/// rounds did not settle and it was left as it was).
pub struct Held {
    /// The file, as reports show it.
    pub path: String,
    /// The finding, where it remains after fixing (`None` for a whole file).
    pub finding: Option<HeldFinding>,
    pub reason: String,
}

pub struct HeldFinding {
    pub code: &'static str,
    pub message: String,
    /// The fix's title.
    pub fix: String,
    /// Where the finding is in the text written, when it is reported there.
    pub position: Option<Position>,
}

impl Held {
    /// The line said on standard error: the file (with the finding's line and column), the
    /// code, the fix and why it was held back; every control character escaped.
    pub fn line(&self) -> String {
        let path = visible(&self.path);
        let Some(finding) = &self.finding else {
            return format!("{path}: no fix applied: {}\n", visible(&self.reason));
        };
        let at = finding.position.map(|p| format!(":{}:{}", p.line, p.column)).unwrap_or_default();
        let (code, title, reason) = (finding.code, visible(&finding.fix), visible(&self.reason));
        format!("{path}{at}: {code}: fix \"{title}\" held back: {reason}\n")
    }
}

/// Says on standard error what was held back, a line each (as errors are said: when even
/// that cannot be written, there is nowhere left to say it).
pub fn say_held(held: &[Held]) {
    for held in held {
        let _ = console::say(&held.line());
    }
}

/// Why every fix of a file is held back when its rounds do not settle.
const UNSETTLED: &str = "the fixes did not settle (one kept undoing another), so the file is left as it was";

/// A text after fixing, with the findings that remain.
struct Fixed {
    text: String,
    checked: Checked,
    applied: usize,
    held_back: Vec<HeldBack>,
    rolled_back: bool,
}

/// The library's fixing: rounds until stable, each checked again and kept only when it
/// adds no MF001-MF004 finding and removes the findings it fixes (`check::fix`).
fn fix_text(text: &str, syntax: Syntax, selection: &Selection, unsafe_fixes: bool) -> Fixed {
    let fixed = crate::check::fix(text, syntax, selection, unsafe_fixes);
    Fixed {
        text: fixed.text,
        checked: fixed.checked,
        applied: fixed.applied,
        held_back: fixed.held_back,
        rolled_back: fixed.rolled_back,
    }
}

/// What `fixed` held back in the file shown as `path`: each fix with its finding, placed
/// where the finding remains in the fixed text; or the whole file when it was rolled back.
fn held(path: &str, fixed: &Fixed) -> Vec<Held> {
    if fixed.rolled_back {
        return vec![Held { path: path.to_owned(), finding: None, reason: UNSETTLED.into() }];
    }
    let lines = &fixed.checked.lines;
    fixed
        .held_back
        .iter()
        .map(|held| {
            let remains = fixed.checked.diagnostics.iter().find(|d| d.code() == held.code && d.message == held.message);
            let finding = HeldFinding {
                code: held.code,
                message: held.message.clone(),
                fix: held.title.clone(),
                position: remains.map(|d| lines.position(&fixed.text, d.span.start)),
            };
            Held { path: path.to_owned(), finding: Some(finding), reason: held.reason.to_string() }
        })
        .collect()
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
    let held = held(display, &fixed);
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
    let report = FileReport::new(display.to_owned(), fixed.text, fixed.checked);
    Ok((report, Done { applied: fixed.applied, changed, diff, held }))
}

/// A unified diff with three lines of context, both sides named by the path (quoted as git
/// quotes a name with control characters), as `patch -p0` reads it; lines split as the
/// checker splits them (`fixes::unified_diff`).
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    crate::fixes::unified_diff(&diff_path(path), old, new)
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
        let unsafe_left =
            reports.iter().flat_map(|r| &r.diagnostics).filter(|d| d.fix.as_ref().is_some_and(|fix| !fix.safe)).count();
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
    fn held_back_fixes_are_said_with_their_finding_and_reason() {
        let text = "mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n    prioriti: 0\n";
        let fixed = fix_text(text, Syntax::Yaml, &Selection::default(), true);
        let said: Vec<String> = held("a\u{1b}.mailflow.yaml", &fixed).iter().map(Held::line).collect();
        assert_eq!(
            said,
            ["a\\u{1b}.mailflow.yaml:5:5: MF002: fix \"Rename `prioriti` to `priority`\" held back: it clashes with \
              \"Rename `priorty` to `priority`\", applied first\n"]
        );
        let rolled_back = Fixed { rolled_back: true, ..fixed };
        let said: Vec<String> = held("a.mailflow.yaml", &rolled_back).iter().map(Held::line).collect();
        assert_eq!(said, [format!("a.mailflow.yaml: no fix applied: {UNSETTLED}\n")]);
    }

    #[test]
    fn the_diff_names_the_file_and_shows_the_changed_line() {
        let diff = unified_diff("rules.mailflow.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert_eq!(diff, "--- rules.mailflow.yaml\n+++ rules.mailflow.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n");
    }
}
