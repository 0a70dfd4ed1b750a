//! `mailflow export`: a checked mail-flow file as what puts it into the tenant: a PowerShell
//! apply script, or a Microsoft365DSC configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::convert::listed;
use super::escape::visible;
use super::files::{self, shown};
use super::output::{render, Style};
use super::{console, FileReport, Format, EXIT_CLEAN, EXIT_TROUBLE};
use crate::check::{check, Selection, Syntax};
use crate::convert::blockers;
use crate::tenant::{m365dsc_write, powershell_script, to_tenant};

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The mail-flow file: `*.mailflow` is read as the DSL, anything else as YAML.
    file: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    to: Target,
    /// Write the result to this file (with a UTF-8 byte order mark, which Windows PowerShell
    /// needs to read non-ASCII text) instead of printing it; never to the file exported.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// With `--to powershell`: the script also removes every transport rule and outbound
    /// connector the tenant has and the file does not name (listing them first). Without it,
    /// the script removes nothing.
    #[arg(long)]
    prune: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// A PowerShell script for Exchange Online that creates or updates each connector and
    /// rule (idempotent; -WhatIf and -Confirm work).
    Powershell,
    /// A Microsoft365DSC configuration (EXOOutboundConnector and EXOTransportRule blocks).
    #[value(name = "m365dsc")]
    M365Dsc,
}

/// The byte order mark a written script starts with: Windows PowerShell 5.1 reads a script
/// without one in the system's ANSI code page, which garbles any non-ASCII name.
const BYTE_ORDER_MARK: &str = "\u{FEFF}";

pub fn run(args: ExportArgs) -> ExitCode {
    match exported(&args) {
        Ok((text, report)) => {
            let written = match &args.output {
                None => console::out(&text),
                Some(output) => match files::write_output(output, &format!("{BYTE_ORDER_MARK}{text}")) {
                    Ok(()) => Ok(()),
                    Err(problem) => {
                        console::error(&problem);
                        return ExitCode::from(EXIT_TROUBLE);
                    }
                },
            };
            // The check's findings go to standard error: standard output is the script.
            let said = if report.diagnostics.is_empty() {
                Ok(())
            } else {
                console::say(&render(Format::Concise, &[report], &[], &Style::PLAIN))
            };
            console::finish(EXIT_CLEAN, written.and(said))
        }
        Err(problem) => {
            console::error_lines(&problem);
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

/// The exported text and the check of the file, or why there is none (whole lines, each
/// ending in a line break).
fn exported(args: &ExportArgs) -> Result<(String, FileReport), String> {
    if args.prune && args.to != Target::Powershell {
        return Err("`--prune` is for `--to powershell`: a Microsoft365DSC configuration removes only the \
                    objects it marks Ensure = \"Absent\"\n"
            .to_owned());
    }
    if let Some(output) = &args.output {
        if files::same_file(&args.file, output) {
            return Err(format!(
                "`--output {}` is the file being exported (by another name, a link, or itself): export never \
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
            "cannot export `{path}`: it has errors (MF001-MF004) whose content is missing from what was read, so \
             the tenant would not get what the file says; fix them first:"
        );
        return Err(listed(&lead, &path, &text, &blocking));
    }
    let objects = to_tenant::objects(&checked.flow, &args.file.display().to_string());
    let problems = powershell_script::problems(&objects);
    if !problems.is_empty() {
        let mut out =
            format!("cannot export `{path}`: Exchange would refuse these, and the script would stop half-way:\n");
        for problem in &problems {
            out.push_str(&format!("  {}\n", visible(&problem.to_string())));
        }
        return Err(out);
    }
    let exported = match args.to {
        Target::Powershell => powershell_script::script(&objects, args.prune),
        Target::M365Dsc => m365dsc_write::configuration(&objects),
    };
    Ok((exported, FileReport::new(path, text, checked)))
}
