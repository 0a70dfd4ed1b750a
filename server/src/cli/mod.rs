//! The command line. Only this module knows about terminals, files on disk and exit codes.

mod console;
mod convert;
mod diff;
mod escape;
mod export;
mod files;
mod fix;
mod fmt;
mod headers;
mod import;
mod output;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{Selection, Syntax};
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
    /// Read a real message's path from its headers (MF501-MF506); with --config, hold it against the file.
    Headers(headers::HeadersArgs),
    /// Write one mail-flow file from what was exported from the tenant, then check it.
    Import(import::ImportArgs),
    /// Compare a mail-flow file with the tenant's exports: what drifted, object by object.
    Diff(diff::DiffArgs),
    /// Write what puts a mail-flow file into the tenant: a PowerShell apply script or a Microsoft365DSC configuration.
    Export(export::ExportArgs),
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("fixing").args(["fix", "diff"])))]
struct CheckArgs {
    /// Files or folders to check (default: the current folder). Folders are searched for
    /// `*.mailflow` (the DSL), `*.mailflow.yaml`, `*.mailflow.yml` and YAML files whose first key is `mailflow`,
    /// honouring `.gitignore`. `-` (or `/dev/stdin`) reads the text to check from standard input.
    paths: Vec<PathBuf>,
    /// The name of the text read from standard input: shown in the report, and choosing its
    /// syntax (`*.mailflow` is the DSL, anything else YAML). Without PATHS, reads standard input.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
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
    /// Where the pages of the codes are, linked from SARIF's rules (`helpUri`): `{CODE}` stands
    /// for the code, else it is added as the last segment (as the language server's `docsUrl`).
    /// Empty: no links.
    #[arg(long, value_name = "URL", default_value = rules::REPOSITORY_PAGES, value_parser = docs_url)]
    docs_url: String,
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

/// `--docs-url`: empty, or an absolute URL (`https://…`), which SARIF's `helpUri` must be.
fn docs_url(url: &str) -> Result<String, String> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    let absolute = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if url.is_empty() || (absolute && !url.contains(char::is_whitespace)) {
        Ok(url.to_owned())
    } else {
        Err("give an absolute URL such as https://docs.example/mailflow/{CODE}.html, or an empty one for no links"
            .into())
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
            return console::finish(if error.use_stderr() { EXIT_TROUBLE } else { EXIT_CLEAN }, error.print());
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
            console::finish(EXIT_CLEAN, console::out(&out))
        }
        Command::Lsp { .. } => match crate::lsp::serve_stdio() {
            Ok(()) => ExitCode::from(EXIT_CLEAN),
            Err(error) => {
                console::error(&format!("the language server could not start: {error}"));
                ExitCode::from(EXIT_TROUBLE)
            }
        },
        Command::Trace { file, from, to, format } => run_trace(&file, from, to, format.into()),
        Command::Convert(args) => convert::run(args),
        Command::Headers(args) => headers::run(args),
        Command::Import(args) => import::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Export(args) => export::run(args),
        Command::Explain { code } => match rules::by_code(code.trim()) {
            Some(rule) => console::finish(
                EXIT_CLEAN,
                console::out(&format!("{}\n\nSeverity: {}\n", rule.doc.trim_end(), rule.severity.as_str())),
            ),
            None => {
                console::error(&format!(
                    "`{code}` is not a mailflow code; `mailflow rules` lists them (MF001 to MF506)"
                ));
                ExitCode::from(EXIT_TROUBLE)
            }
        },
    }
}

/// "1 file", "2 files": a count with its noun.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One file's findings, ready for output: its text and where its lines start (to place
/// them), without the syntax tree and model the check built, which a check of many files
/// drops as each is done.
pub struct FileReport {
    /// The path as given or found, for display.
    pub path: String,
    pub text: String,
    pub lines: crate::text::LineIndex,
    /// Sorted by position.
    pub diagnostics: Vec<crate::diagnostic::Diagnostic>,
}

impl FileReport {
    pub fn new(path: String, text: String, checked: crate::check::Checked) -> FileReport {
        FileReport { path, text, lines: checked.lines, diagnostics: checked.diagnostics }
    }
}

/// Something that kept mailflow from doing all of its job (exit code 2): a path it could
/// not read or write, and why.
pub struct Trouble {
    /// The path, as reports show it, when the trouble is about one.
    pub file: Option<String>,
    pub message: String,
}

impl Trouble {
    fn about(file: String, message: String) -> Trouble {
        Trouble { file: Some(file), message }
    }
}

/// What `check` reads: standard input, under the name it is shown by, and paths to search.
struct Inputs {
    stdin: Option<String>,
    roots: Vec<PathBuf>,
    /// Paths that name neither a file nor a folder.
    refused: Vec<Trouble>,
}

/// Sorts the command line's paths into standard input, paths to search and special files
/// (FIFOs, sockets, devices), which are refused; or says why the arguments make no sense.
fn inputs(args: &CheckArgs, fixing: Option<fix::Request>) -> Result<Inputs, String> {
    let mut inputs = Inputs { stdin: None, roots: Vec::new(), refused: Vec::new() };
    for path in &args.paths {
        if files::is_stdin(path) {
            inputs.stdin.get_or_insert_with(|| path.display().to_string());
        } else if let Some(kind) = files::special_kind(path) {
            let message = format!(
                "`{}` is {kind}, not a file or folder: to check text from a pipe, give `-` and pipe it to standard \
                 input",
                files::shown(path)
            );
            inputs.refused.push(Trouble::about(crate::discover::display(path), message));
        } else {
            inputs.roots.push(path.clone());
        }
    }
    if args.paths.is_empty() {
        if args.stdin_filename.is_some() {
            inputs.stdin = Some("-".into());
        } else {
            inputs.roots.push(PathBuf::from("."));
        }
    }
    if let Some(name) = &args.stdin_filename {
        let Some(stdin) = &mut inputs.stdin else {
            return Err("`--stdin-filename` names the text read from standard input, but no path is `-`".into());
        };
        *stdin = crate::discover::display(name);
    }
    if inputs.stdin.is_some() && fixing.is_some_and(|request| request.output == fix::Output::Write) {
        return Err("`--fix` cannot write back to standard input: `--diff` shows what it would change".into());
    }
    Ok(inputs)
}

/// The files with each one named once: one reached by two paths (`a` and `./a`, a link)
/// would be reported twice, and with `--fix` written twice at once.
fn one_path_per_file(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    files.into_iter().filter(|path| files::identity(path).is_none_or(|identity| seen.insert(identity))).collect()
}

fn run_check(args: CheckArgs) -> ExitCode {
    for code in args.select.iter().chain(&args.ignore) {
        if !rules::ALL
            .iter()
            .any(|rule| rule.code.len() >= code.len() && rule.code[..code.len()].eq_ignore_ascii_case(code))
        {
            console::error(&format!(
                "`{code}` matches no code (codes run MF001 to MF506; prefixes like MF3 are allowed)"
            ));
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    let fixing = args.fix_request();
    let inputs = match inputs(&args, fixing) {
        Ok(inputs) => inputs,
        Err(problem) => {
            console::error(&problem);
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let mut troubles = inputs.refused;
    let discovered = crate::discover::find(&inputs.roots);
    troubles.extend(discovered.problems.into_iter().map(|message| Trouble { file: None, message }));
    let files = one_path_per_file(discovered.files);
    let selection = Selection { select: args.select, ignore: args.ignore };
    let color = !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let style = output::Style { color, docs_url: Some(args.docs_url.as_str()).filter(|url| !url.is_empty()) };
    let threshold = args.fail_on.threshold();
    let to_check = ToCheck { stdin: &inputs.stdin, files: &files, selection: &selection };
    let (written, failing) = match output::Stream::new(args.format, &style).filter(|_| fixing.is_none()) {
        Some(stream) => stream_check(stream, &to_check, &mut troubles, threshold),
        None => check_then_report(args.format, fixing, &to_check, &mut troubles, &style, threshold),
    };
    let code = if !troubles.is_empty() {
        EXIT_TROUBLE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    console::finish(code, written)
}

/// What `check` checks: standard input under its name, and the files found.
struct ToCheck<'a> {
    stdin: &'a Option<String>,
    files: &'a [PathBuf],
    selection: &'a Selection,
}

impl ToCheck<'_> {
    /// Whether one text is checked, the process's last piece of work.
    fn only_one(&self) -> bool {
        usize::from(self.stdin.is_some()) + self.files.len() == 1
    }
}

/// Checks the files and writes each one's report as soon as it and those before it are done
/// (human, concise and GitHub reports, without fixing): a file's text and findings go once
/// written. Returns what writing gave and whether a finding is at or above `threshold`.
fn stream_check(
    mut stream: output::Stream,
    to_check: &ToCheck,
    troubles: &mut Vec<Trouble>,
    threshold: Severity,
) -> (std::io::Result<()>, bool) {
    for trouble in troubles.iter() {
        console::error(&trouble.message);
    }
    let mut written = Ok(());
    let mut failing = false;
    let mut report_on = |result: Result<(FileReport, Option<fix::Done>), Trouble>| match result {
        Ok((report, _)) => {
            failing |= report.diagnostics.iter().any(|d| d.severity() >= threshold);
            let part = stream.file(&report);
            if written.is_ok() && !part.is_empty() {
                written = console::out(&part);
            }
        }
        Err(trouble) => {
            console::error(&trouble.message);
            troubles.push(trouble);
        }
    };
    if let Some(name) = to_check.stdin {
        report_on(check_stdin(name, to_check, None));
    }
    let check = |path: &Path| check_file(path, to_check, None);
    crate::discover::check_in_order(to_check.files, check, report_on);
    (written.and_then(|()| console::out(&stream.end(troubles))), failing)
}

/// Checks (or fixes) every file, then writes the report whole: JSON and SARIF are one
/// document each, and fixing says what it did across the files.
fn check_then_report(
    format: Format,
    fixing: Option<fix::Request>,
    to_check: &ToCheck,
    troubles: &mut Vec<Trouble>,
    style: &output::Style,
    threshold: Severity,
) -> (std::io::Result<()>, bool) {
    let mut results = Vec::new();
    if let Some(name) = to_check.stdin {
        results.push(check_stdin(name, to_check, fixing));
    }
    let check = |path: &Path| check_file(path, to_check, fixing);
    results.extend(crate::discover::check_in_parallel(to_check.files, check));
    let mut reports = Vec::new();
    let mut fixed = Vec::new();
    for result in results {
        match result {
            Ok((report, done)) => {
                reports.push(report);
                fixed.extend(done);
            }
            Err(trouble) => troubles.push(trouble),
        }
    }
    for trouble in troubles.iter() {
        console::error(&trouble.message);
    }
    // What fixing held back, file by file: said on standard error, and carried in JSON.
    let held: Vec<fix::Held> = fixed.iter_mut().flat_map(|done| done.held.drain(..)).collect();
    fix::say_held(&held);
    let written = match fixing {
        Some(request) if request.output == fix::Output::Diff => {
            let diffs: String = fixed.iter().filter_map(|done| done.diff.as_deref()).collect();
            console::out(&diffs).and_then(|()| console::say(&fix::summary(request, &fixed, &reports)))
        }
        _ => {
            let mut text = match fixing {
                Some(_) => output::render_fixed(format, &reports, troubles, &held, style),
                None => output::render(format, &reports, troubles, style),
            };
            let mut beside = String::new();
            if let Some(request) = fixing {
                // Machine-readable output stays one document: the summary goes beside it.
                let summary = fix::summary(request, &fixed, &reports);
                if matches!(format, Format::Human | Format::Concise) {
                    text.push_str(&summary);
                } else {
                    beside = summary;
                }
            }
            console::out(&text).and_then(|()| if beside.is_empty() { Ok(()) } else { console::say(&beside) })
        }
    };
    let failing = reports.iter().flat_map(|r| &r.diagnostics).any(|d| d.severity() >= threshold);
    (written, failing)
}

fn run_trace(file: &Path, from: Origin, to: Option<String>, format: crate::trace::TraceFormat) -> ExitCode {
    let text = match files::read(file) {
        Ok(read) => read.text,
        Err(problem) => {
            console::error(&problem);
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let to = to.unwrap_or_else(crate::trace::default_recipient);
    if !to.contains('@') {
        console::error(&format!("`--to {to}` is not an address: give one like user@fabrikam.com"));
        return ExitCode::from(EXIT_TROUBLE);
    }
    let flow = crate::check::model(&text, Syntax::of_path(file));
    let message = crate::analysis::simulate::Message::ordinary(from == Origin::Inside, to);
    let traced = crate::trace::render(&flow, &message, format, Syntax::of_path(file));
    // Names from the file are printed as they are, but for their control characters.
    let traced = match format {
        crate::trace::TraceFormat::Json => escape::json(traced),
        _ => escape::visible_lines(&traced).into_owned(),
    };
    console::finish(EXIT_CLEAN, console::out(&traced))
}

/// Checks one file, or fixes it when asked (then reporting what remains).
fn check_file(
    path: &Path,
    to_check: &ToCheck,
    fixing: Option<fix::Request>,
) -> Result<(FileReport, Option<fix::Done>), Trouble> {
    let display = crate::discover::display(path);
    let read = files::read(path).map_err(|message| Trouble::about(display.clone(), message))?;
    match fixing {
        Some(request) => fix_report(display, Syntax::of_path(path), Some((path, &read)), &read.text, to_check, request),
        None => Ok((report(display, Syntax::of_path(path), read.text, to_check), None)),
    }
}

/// Checks the text on standard input, shown as `name`, whose syntax the name chooses.
fn check_stdin(
    name: &str,
    to_check: &ToCheck,
    fixing: Option<fix::Request>,
) -> Result<(FileReport, Option<fix::Done>), Trouble> {
    let text = files::read_stdin(&escape::visible(name)).map_err(|message| Trouble::about(name.into(), message))?;
    let syntax = Syntax::of_path(Path::new(name));
    match fixing {
        Some(request) => fix_report(name.into(), syntax, None, &text, to_check, request),
        None => Ok((report(name.into(), syntax, text, to_check), None)),
    }
}

/// The report on one text fixed (`write_to`: the file it was read from), on what remains.
fn fix_report(
    display: String,
    syntax: Syntax,
    write_to: Option<(&Path, &files::Read)>,
    text: &str,
    to_check: &ToCheck,
    request: fix::Request,
) -> Result<(FileReport, Option<fix::Done>), Trouble> {
    let (report, done) = fix::fix_file(&display, syntax, text, write_to, to_check.selection, request)
        .map_err(|message| Trouble::about(display.clone(), message))?;
    Ok((report, Some(done)))
}

/// The report on one text, which it keeps for showing the findings.
fn report(display: String, syntax: Syntax, text: String, to_check: &ToCheck) -> FileReport {
    let checked = crate::check::check(&text, syntax, to_check.selection);
    let crate::check::Checked { source, flow, lines, diagnostics, activity } = checked;
    if to_check.only_one() {
        // The process ends once this text's report is written, and the operating system takes
        // its memory back at once: freeing the model node by node would add to a large file's
        // check.
        std::mem::forget((source, flow, activity));
    }
    FileReport { path: display, text, lines, diagnostics }
}
