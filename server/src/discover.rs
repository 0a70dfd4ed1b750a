//! Finding the mail-flow files under folders, and checking files on every core.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct Discovered {
    pub files: Vec<PathBuf>,
    /// Paths that could not be searched, said the way the user should read them.
    pub problems: Vec<String>,
}

/// Files named on the command line are checked whatever their name; folders are searched
/// for mail-flow files, honouring `.gitignore` (also outside a git checkout), `.ignore`
/// and hidden folders.
pub fn find(roots: &[PathBuf]) -> Discovered {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Err(e) => problems.push(format!("cannot read `{}`: {e}", root.display())),
            Ok(meta) if meta.is_file() => files.push(root.clone()),
            Ok(_) => {
                let walker = ignore::WalkBuilder::new(root).require_git(false).build();
                for entry in walker {
                    match entry {
                        Err(e) => problems.push(format!("cannot search `{}`: {e}", root.display())),
                        Ok(entry) => {
                            let path = entry.path();
                            if entry.file_type().is_some_and(|t| t.is_file()) && is_mailflow_file(path) {
                                files.push(path.to_path_buf());
                            }
                        }
                    }
                }
            }
        }
    }
    files.sort();
    files.dedup();
    Discovered { files, problems }
}

fn is_mailflow_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if is_named_mailflow(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml")) && first_key_is_mailflow(path)
}

/// Whether a file of this name is a mail-flow file whatever it holds: `*.mailflow`,
/// `*.mailflow.yaml`, `*.mailflow.yml`.
fn is_named_mailflow(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".mailflow") || name.ends_with(".mailflow.yaml") || name.ends_with(".mailflow.yml")
}

/// Whether a document is a mail-flow file: by its name, or, for any other YAML text, by
/// its first key being `mailflow` (as `check` finds files in folders). The language server
/// asks this of every document a client sends, since clients route by file type and send
/// every YAML file (`docker-compose.yaml`, CI workflows).
pub fn is_mailflow_document(name: &str, text: &str) -> bool {
    is_named_mailflow(name) || starts_with_mailflow_key(text.lines().map(str::to_owned))
}

/// Whether the first key of a YAML file is `mailflow`, read from its first lines only.
fn first_key_is_mailflow(path: &Path) -> bool {
    use std::io::{BufRead, BufReader};
    let Ok(file) = std::fs::File::open(path) else { return false };
    starts_with_mailflow_key(BufReader::new(file).lines().map_while(Result::ok))
}

/// Whether the first key among `lines` (comments, blank lines, `---` and directives aside;
/// 200 lines at most) is `mailflow`.
fn starts_with_mailflow_key(lines: impl Iterator<Item = String>) -> bool {
    for line in lines.take(200) {
        let line = line.trim_start_matches('\u{feff}');
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') || content == "---" || content.starts_with('%') {
            continue;
        }
        return content.strip_prefix("mailflow").is_some_and(|rest| rest.trim_start().starts_with(':'));
    }
    false
}

/// The path as people read it: without a leading `./`, with `/` separators.
pub fn display(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// A name of a path as a segment of a URI's path (RFC 3986): the unreserved characters as
/// they are, every other byte as `%XX`, so that spaces, `#`, `%`, `:` and non-ASCII letters
/// read back as they were.
pub fn uri_segment(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Whether the first name of a path is a Windows drive, `C:`.
pub fn is_drive(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Runs `check` on every file using all cores; results keep the order of `files`.
pub fn check_in_parallel<T: Send>(files: &[PathBuf], check: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(index) else { break };
                let result = check(path);
                results.lock().unwrap_or_else(|poisoned| poisoned.into_inner())[index] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .map(|result| result.expect("every index below the length is taken by one worker"))
        .collect()
}
