//! `mailflow headers`: a real message's path read from its headers, and held against the
//! tenant's file with `--config`. Exit codes as `check`: 0 nothing at warning or above, 1
//! findings, 2 the text could not be read as headers (or a file could not be read).

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::{console, escape, files, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE};
use crate::check::{check, Selection, Syntax};
use crate::diagnostic::Severity;
use crate::headers::{self, HeadersFormat};

#[derive(clap::Args, Debug)]
pub struct HeadersArgs {
    /// The headers: a header block as copied from a mail client, a whole .eml message, or an
    /// NDR quoting the original headers. `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// The tenant's mail-flow file: predict the same message's path and compare.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Mermaid,
}

/// The bytes as text: headers may carry stray 8-bit bytes, which become U+FFFD.
fn read_headers(file: Option<&PathBuf>) -> Result<String, String> {
    let mut bytes = Vec::new();
    match file {
        None => {
            std::io::stdin().lock().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
        }
        Some(path) if files::is_stdin(path) => {
            std::io::stdin().lock().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
        }
        Some(path) => {
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                return Err(format!("`{}` is a folder: give a file of headers", files::shown(path)));
            }
            bytes = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", files::shown(path)))?;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub fn run(args: HeadersArgs) -> ExitCode {
    let text = match read_headers(args.file.as_ref()) {
        Ok(text) => text,
        Err(problem) => {
            console::error(&problem);
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let checked = match &args.config {
        None => None,
        Some(path) => match files::read(path) {
            Ok(read) => Some(check(&read.text, Syntax::of_path(path), &Selection::default())),
            Err(problem) => {
                console::error(&problem);
                return ExitCode::from(EXIT_TROUBLE);
            }
        },
    };
    let report = match headers::analyse(&text, checked.as_ref()) {
        Ok(report) => report,
        Err(problem) => {
            console::error(&format!("cannot read the headers: {problem}"));
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let format = match args.format {
        FormatArg::Text => HeadersFormat::Text,
        FormatArg::Json => HeadersFormat::Json,
        FormatArg::Mermaid => HeadersFormat::Mermaid,
    };
    let rendered = headers::render(&report, format);
    // Names from the headers are printed as they are, but for their control characters.
    let rendered = match format {
        HeadersFormat::Json => escape::json(rendered),
        _ => escape::visible_lines(&rendered).into_owned(),
    };
    let code = if report.worst().is_some_and(|s| s >= Severity::Warning) { EXIT_FINDINGS } else { EXIT_CLEAN };
    console::finish(code, console::out(&rendered))
}
