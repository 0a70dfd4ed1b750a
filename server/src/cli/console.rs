//! Standard output and standard error, every write checked: output that did not arrive (a
//! full disk, a closed pipe) is never reported as success.

use std::io::{self, Write};
use std::process::ExitCode;

use super::escape::{visible, visible_lines};
use super::EXIT_TROUBLE;

/// Writes `text` to standard output and flushes it.
pub fn out(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes `text` to standard error (a summary beside machine-readable output).
pub fn say(text: &str) -> io::Result<()> {
    let mut stderr = io::stderr().lock();
    stderr.write_all(text.as_bytes())?;
    stderr.flush()
}

/// `mailflow: error: MESSAGE` on standard error, every control character escaped. When even
/// that cannot be written there is nowhere left to say it; the exit code still says 2.
pub fn error(message: &str) {
    let _ = say(&format!("mailflow: error: {}\n", visible(message)));
}

/// As [`error`] for a message of several lines, whose parts the caller has escaped.
pub fn error_lines(message: &str) {
    let _ = say(&format!("mailflow: error: {}", visible_lines(message)));
}

/// `code`, when the output was written; otherwise 2: quietly when standard output is a
/// pipe whose reader has gone (`| head`), as Unix tools end, and with a message for any
/// other failure (`> /dev/full`).
pub fn finish(code: u8, written: io::Result<()>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::from(code),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_TROUBLE),
        Err(error) => {
            self::error(&format!("cannot write the output: {error}"));
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}
