//! `mailflow fmt`: DSL files rewritten in the canonical layout of [`crate::format`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::escape::{line_start_path, visible};
use super::files::{self, shown};
use super::plural;
use super::{console, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE};
use crate::check::Syntax;
use crate::discover::{check_in_parallel, display, find};
use crate::format::{format_dsl, FormatError};
use crate::text::LineIndex;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or folders to format (default: the current folder). Folders are searched for
    /// `*.mailflow` files (the DSL), honouring `.gitignore`. `-` alone formats standard input
    /// to standard output (for an editor's format command).
    paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, and exit with 1 if there are any
    /// (with `-`: exit with 1 if standard input is not formatted).
    #[arg(long)]
    check: bool,
}

/// What formatting did to one file.
enum Outcome {
    Unchanged,
    /// Reformatted (with `--check`: would be).
    Changed,
    /// Left as it is, and why.
    Failed(String),
}

pub fn run(args: FmtArgs) -> ExitCode {
    if args.paths.iter().any(|path| files::is_stdin(path)) {
        return match &args.paths[..] {
            [_] => format_stdin(args.check),
            _ => {
                console::error("`-` (standard input) cannot be formatted together with other paths: give it alone");
                console::finish(EXIT_TROUBLE, Ok(()))
            }
        };
    }
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let discovered = find(&roots);
    let mut problems = discovered.problems;
    // Folders are searched for YAML too, which has no formatter: only a YAML file named on
    // the command line is worth a word.
    let (files, yaml): (Vec<PathBuf>, Vec<PathBuf>) =
        discovered.files.into_iter().partition(|path| Syntax::of_path(path) == Syntax::Dsl);
    problems.extend(
        yaml.iter()
            .filter(|path| roots.contains(path))
            .map(|path| format!("`{}` is not a DSL file: `mailflow fmt` formats `*.mailflow` files", shown(path))),
    );
    let outcomes = check_in_parallel(&files, |path| format_file(path, args.check));
    let (mut changed, mut unchanged) = (0, 0);
    let mut listed = String::new();
    for (path, outcome) in files.iter().zip(outcomes) {
        match outcome {
            Outcome::Unchanged => unchanged += 1,
            Outcome::Changed => {
                changed += 1;
                listed.push_str(&line_start_path(&display(path)));
                listed.push('\n');
            }
            Outcome::Failed(problem) => problems.push(problem),
        }
    }
    for problem in &problems {
        console::error(problem);
    }
    let unchanged = plural(unchanged, "file", "files");
    let summary = if args.check {
        format!("{} would be reformatted ({unchanged} already formatted).\n", plural(changed, "file", "files"))
    } else {
        format!("Reformatted {} ({unchanged} unchanged).\n", plural(changed, "file", "files"))
    };
    let written = console::out(&listed).and_then(|()| console::say(&summary));
    let code = if !problems.is_empty() {
        EXIT_TROUBLE
    } else if args.check && changed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    console::finish(code, written)
}

/// Formats standard input to standard output; on a syntax error, writes nothing to standard
/// output (an editor would otherwise replace the buffer with it) and says where on stderr.
fn format_stdin(check_only: bool) -> ExitCode {
    const NAME: &str = "-";
    let text = match files::read_stdin(NAME) {
        Ok(text) => text,
        Err(problem) => {
            console::error(&problem);
            return console::finish(EXIT_TROUBLE, Ok(()));
        }
    };
    match format_dsl(&text) {
        Ok(formatted) if check_only => {
            console::finish(if formatted == text { EXIT_CLEAN } else { EXIT_FINDINGS }, Ok(()))
        }
        Ok(formatted) => console::finish(EXIT_CLEAN, console::out(&formatted)),
        Err(error) => {
            console::error(&syntax_problem(NAME, &text, &error, "nothing is written"));
            console::finish(EXIT_TROUBLE, Ok(()))
        }
    }
}

/// What a formatting error means to the user: where, what, and what became of the text.
fn syntax_problem(name: &str, text: &str, error: &FormatError, outcome: &str) -> String {
    let at = LineIndex::new(text).position(text, error.span().start);
    format!("{}:{}:{}: {error}; {outcome}", visible(name), at.line, at.column)
}

/// Formats one file, writing it back when it changes unless `check_only`.
fn format_file(path: &Path, check_only: bool) -> Outcome {
    let read = match files::read(path) {
        Ok(read) => read,
        Err(problem) => return Outcome::Failed(problem),
    };
    let text = &read.text;
    let formatted = match format_dsl(text) {
        Ok(formatted) => formatted,
        Err(error) => {
            return Outcome::Failed(syntax_problem(&display(path), text, &error, "the file is left as it is"))
        }
    };
    if formatted == *text {
        return Outcome::Unchanged;
    }
    if !check_only {
        if let Err(problem) = files::rewrite(path, &read, &formatted) {
            return Outcome::Failed(problem);
        }
    }
    Outcome::Changed
}
