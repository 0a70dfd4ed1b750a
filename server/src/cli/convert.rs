//! `mailflow convert`: a file written in one syntax, printed in the other.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::escape::visible;
use super::files::{self, shown};
use super::{console, EXIT_CLEAN, EXIT_TROUBLE};
use crate::check::{check, Selection, Syntax};
use crate::convert::{blockers, convert, Unwritable};
use crate::text::{LineIndex, Spanned};

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// The mail-flow file: `*.mailflow` is read as the DSL, anything else as YAML.
    file: PathBuf,
    /// The syntax to write.
    #[arg(long, value_enum)]
    to: Target,
    /// Write the result to this file instead of printing it: never to the file converted
    /// (by any name); a file it replaces stays whole until the new one is complete.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The mail-flow DSL (`*.mailflow`).
    Dsl,
    /// YAML (`*.mailflow.yaml`).
    Yaml,
}

pub fn run(args: ConvertArgs) -> ExitCode {
    match converted(&args) {
        // The converted file is data, printed as it is, like the file it came from.
        Ok(text) => match &args.output {
            None => console::finish(EXIT_CLEAN, console::out(&text)),
            Some(output) => match files::write_output(output, &text) {
                Ok(()) => ExitCode::from(EXIT_CLEAN),
                Err(problem) => {
                    console::error(&problem);
                    ExitCode::from(EXIT_TROUBLE)
                }
            },
        },
        Err(problem) => {
            console::error_lines(&problem);
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

/// The converted text, or why there is none (whole lines, ending in a line break).
fn converted(args: &ConvertArgs) -> Result<String, String> {
    if let Some(output) = &args.output {
        if files::same_file(&args.file, output) {
            return Err(format!(
                "`--output {}` is the file being converted (by another name, a link, or itself): convert never \
                 overwrites its input; write the result elsewhere\n",
                shown(output)
            ));
        }
    }
    let text = files::read(&args.file).map_err(|problem| format!("{problem}\n"))?.text;
    let path = shown(&args.file);
    let checked = check(&text, Syntax::of_path(&args.file), &Selection::default());
    let blocking = blockers(&checked);
    if !blocking.is_empty() {
        let lead = format!(
            "cannot convert `{path}` faithfully: it has errors (MF001-MF004) whose content is missing from what \
             was read, so the converted file would lose it; fix them first:"
        );
        return Err(listed(&lead, &path, &text, &blocking));
    }
    let to = match args.to {
        Target::Dsl => Syntax::Dsl,
        Target::Yaml => Syntax::Yaml,
    };
    convert(&checked, &text, to).map_err(|Unwritable(parts)| {
        let lead = format!("cannot convert `{path}` to the DSL: it says things the DSL has no way to write:");
        listed(&lead, &path, &text, &parts)
    })
}

/// `lead`, then each problem on its own line as `path:line:column: message` (every command
/// that refuses a file with MF001-MF004 lists them so).
pub(super) fn listed(lead: &str, path: &str, text: &str, problems: &[Spanned<String>]) -> String {
    let lines = LineIndex::new(text);
    let mut out = format!("{lead}\n");
    for problem in problems {
        let at = lines.position(text, problem.span.start);
        out.push_str(&format!("  {path}:{}:{}: {}\n", at.line, at.column, visible(&problem.value)));
    }
    out
}
