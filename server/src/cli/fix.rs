//! `mailflow check --fix` and `--diff`: apply the fixes findings carry until the file is
//! stable, then write it back or show what would change.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

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

/// Fixes one file's `text` and writes it back when it changed (or, for `--diff`, makes the
/// diff); the report is on what remains.
pub fn fix_file(
    path: &Path,
    display: String,
    text: String,
    selection: &Selection,
    request: Request,
) -> Result<(FileReport, Done), String> {
    let fixed = fix_text(&text, Syntax::of_path(path), selection, request.unsafe_fixes);
    let changed = fixed.text != text;
    let diff = match request.output {
        Output::Diff => changed.then(|| unified_diff(&display, &text, &fixed.text)),
        Output::Write => {
            if changed {
                write_atomically(path, &fixed.text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            }
            None
        }
    };
    let report = FileReport { path: display, text: fixed.text, checked: fixed.checked };
    Ok((report, Done { applied: fixed.applied, changed, diff }))
}

/// Replaces the file at `path` with `text` so that a reader sees the old file or the new
/// one, never a part: the text goes to a temporary file in the same folder (so on the same
/// file system, where a rename is atomic), with the old file's permissions, and is then
/// renamed over it.
pub(super) fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    // Through a symbolic link, the file it points at is replaced and the link stays.
    let path = fs::canonicalize(path)?;
    let permissions = fs::metadata(&path)?.permissions();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.mailflow-write.{}", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// A unified diff with three lines of context, both sides named by the path, as `patch -p0`
/// reads it.
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(path, path).to_string()
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

    #[cfg(unix)]
    #[test]
    fn writing_replaces_the_file_keeping_its_permissions_and_links() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("rules.mailflow.yaml");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        let link = folder.path().join("link.yaml");
        symlink(&file, &link).unwrap();
        write_atomically(&link, "new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 2);
    }
}
