//! The command line. Only this module knows about terminals, files on disk and exit codes.

mod convert;
mod fix;
mod fmt;
mod output;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{check, Selection, Syntax};
use crate::diagnostic::Severity;
use crate::rules;

#[derive(Parser, Debug)]
#[command(
    name = "mailflow",
    version,
    about = "Checks Exchange Online mail flow (transport rules and outbound connectors) kept as code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check mail-flow definitions and report ordering, loop and schema problems.
    Check(CheckArgs),
    /// List every diagnostic code with its name, severity and summary.
    Rules,
    /// Rewrite DSL files (`*.mailflow`) in the canonical layout, keeping their comments.
    Fmt(fmt::FmtArgs),
    /// Print the documentation page of a diagnostic code.
    Explain {
        /// A code such as MF102.
        code: String,
    },
    /// Serve the Language Server Protocol on stdin/stdout (for VS Code, Neovim, any LSP client).
    Lsp {
        /// Accepted for clients that always pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Follow one simulated message through Exchange Online, pass by pass.
    Trace {
        /// The mail-flow file.
        file: PathBuf,
        /// Where the sender is.
        #[arg(long, value_enum, default_value_t = Origin::Inside)]
        from: Origin,
        /// The recipient's address (default: user@recipient.example, a domain no rule names).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = TraceFormatArg::Text)]
        format: TraceFormatArg,
    },
    /// Convert a mail-flow file between YAML and the DSL, keeping its comments.
    Convert(convert::ConvertArgs),
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("fixing").args(["fix", "diff"])))]
struct CheckArgs {
    /// Files or folders to check (default: the current folder). Folders are searched for
    /// `*.mailflow` (the DSL), `*.mailflow.yaml`, `*.mailflow.yml` and YAML files whose first key is `mailflow`,
    /// honouring `.gitignore`.
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Report only these codes or prefixes (comma-separated, e.g. `MF1,MF203`).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these codes or prefixes.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Never colour the output (colour is used only on a terminal, and never with NO_COLOR set).
    #[arg(long)]
    no_color: bool,
    /// Apply the safe fixes of the findings, again until none is left, and write back the
    /// files that changed; then report what remains.
    #[arg(long)]
    fix: bool,
    /// Print a unified diff of what `--fix` would change instead of the report; write nothing.
    #[arg(long)]
    diff: bool,
    /// With `--fix` or `--diff`, apply the unsafe fixes too: they may change which messages a
    /// rule acts on.
    #[arg(long, requires = "fixing")]
    unsafe_fixes: bool,
}

impl CheckArgs {
    fn fix_request(&self) -> Option<fix::Request> {
        let output = match (self.fix, self.diff) {
            (_, true) => fix::Output::Diff,
            (true, false) => fix::Output::Write,
            (false, false) => return None,
        };
        Some(fix::Request { output, unsafe_fixes: self.unsafe_fixes })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// file:line:col, code, message and the source with the span underlined.
    Human,
    /// One line per finding.
    Concise,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// `--format` of `trace`: the library's trace formats, as the command line spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TraceFormatArg {
    Text,
    Json,
    Mermaid,
}

impl From<TraceFormatArg> for crate::trace::TraceFormat {
    fn from(format: TraceFormatArg) -> Self {
        match format {
            TraceFormatArg::Text => crate::trace::TraceFormat::Text,
            TraceFormatArg::Json => crate::trace::TraceFormat::Json,
            TraceFormatArg::Mermaid => crate::trace::TraceFormat::Mermaid,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Origin {
    Inside,
    Outside,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Hint,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Hint => Severity::Hint,
        }
    }
}

/// Exit codes: nothing at or above the fail level, something is, the tool could not do its job.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_TROUBLE } else { EXIT_CLEAN });
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Rules => {
            let mut out = String::new();
            for rule in rules::ALL {
                out.push_str(&format!(
                    "{}  {:<48} {:<8} {}\n",
                    rule.code,
                    rule.name,
                    rule.severity.as_str(),
                    rule.summary
                ));
            }
            print_out(&out)
        }
        Command::Lsp { .. } => match crate::lsp::serve_stdio() {
            Ok(()) => ExitCode::from(EXIT_CLEAN),
            Err(error) => {
                eprintln!("mailflow: error: the language server could not start: {error}");
                ExitCode::from(EXIT_TROUBLE)
            }
        },
        Command::Trace { file, from, to, format } => run_trace(&file, from, to, format.into()),
        Command::Convert(args) => convert::run(args),
        Command::Explain { code } => {
            match rules::by_code(code.trim()) {
                Some(rule) => print_out(&format!("{}\n\nSeverity: {}\n", rule.doc.trim_end(), rule.severity.as_str())),
                None => {
                    eprintln!("mailflow: error: `{code}` is not a mailflow code; `mailflow rules` lists them (MF001 to MF405)");
                    ExitCode::from(EXIT_TROUBLE)
                }
            }
        }
    }
}

/// "1 file", "2 files": a count with its noun.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_out(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not the tool's failure.
    let _ = stdout.write_all(text.as_bytes());
    ExitCode::from(EXIT_CLEAN)
}

/// One file's findings, ready for output.
pub struct FileReport {
    /// The path as given or found, for display.
    pub path: String,
    pub text: String,
    pub checked: crate::check::Checked,
}

fn run_check(args: CheckArgs) -> ExitCode {
    let mut trouble = false;
    for code in args.select.iter().chain(&args.ignore) {
        if !rules::ALL
            .iter()
            .any(|rule| rule.code.len() >= code.len() && rule.code[..code.len()].eq_ignore_ascii_case(code))
        {
            eprintln!(
                "mailflow: error: `{code}` matches no code (codes run MF001 to MF405; prefixes like MF3 are allowed)"
            );
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let discovered = crate::discover::find(&roots);
    for problem in &discovered.problems {
        eprintln!("mailflow: error: {problem}");
        trouble = true;
    }
    let fixing = args.fix_request();
    let selection = Selection { select: args.select, ignore: args.ignore };
    let results = crate::discover::check_in_parallel(&discovered.files, |path| check_file(path, &selection, fixing));
    let mut reports = Vec::new();
    let mut fixed = Vec::new();
    for result in results {
        match result {
            Ok((report, done)) => {
                reports.push(report);
                fixed.extend(done);
            }
            Err(problem) => {
                eprintln!("mailflow: error: {problem}");
                trouble = true;
            }
        }
    }
    let color = !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let mut stdout = std::io::stdout().lock();
    match fixing {
        Some(request) if request.output == fix::Output::Diff => {
            for diff in fixed.iter().filter_map(|done| done.diff.as_deref()) {
                let _ = stdout.write_all(diff.as_bytes());
            }
            eprint!("{}", fix::summary(request, &fixed, &reports));
        }
        _ => {
            let text = output::render(args.format, &reports, color);
            let _ = stdout.write_all(text.as_bytes());
            if let Some(request) = fixing {
                let summary = fix::summary(request, &fixed, &reports);
                // Machine-readable output stays one document: the summary goes beside it.
                if matches!(args.format, Format::Human | Format::Concise) {
                    let _ = stdout.write_all(summary.as_bytes());
                } else {
                    eprint!("{summary}");
                }
            }
        }
    }
    let _ = stdout.flush();
    let threshold = args.fail_on.threshold();
    let failing = reports.iter().flat_map(|r| &r.checked.diagnostics).any(|d| d.severity() >= threshold);
    ExitCode::from(if trouble {
        EXIT_TROUBLE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn run_trace(file: &std::path::Path, from: Origin, to: Option<String>, format: crate::trace::TraceFormat) -> ExitCode {
    let text = match read_utf8(file) {
        Ok(text) => text,
        Err(problem) => {
            eprintln!("mailflow: error: {problem}");
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let to = to.unwrap_or_else(crate::trace::default_recipient);
    if !to.contains('@') {
        eprintln!("mailflow: error: `--to {to}` is not an address: give one like user@fabrikam.com");
        return ExitCode::from(EXIT_TROUBLE);
    }
    let checked = check(&text, Syntax::of_path(file), &Selection::default());
    let message = crate::analysis::simulate::Message::ordinary(from == Origin::Inside, to);
    print_out(&crate::trace::render(&checked.flow, &message, format, Syntax::of_path(file)))
}

/// Checks one file, or fixes it when asked (then reporting what remains).
fn check_file(
    path: &std::path::Path,
    selection: &Selection,
    fixing: Option<fix::Request>,
) -> Result<(FileReport, Option<fix::Done>), String> {
    let text = read_utf8(path)?;
    if let Some(request) = fixing {
        let (report, done) = fix::fix_file(path, crate::discover::display(path), text, selection, request)?;
        return Ok((report, Some(done)));
    }
    let checked = check(&text, Syntax::of_path(path), selection);
    Ok((FileReport { path: crate::discover::display(path), text, checked }, None))
}

/// A file's text, or a message saying which file could not be read and why.
fn read_utf8(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not valid UTF-8 (byte {} is not): save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}
