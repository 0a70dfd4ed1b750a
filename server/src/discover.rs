//! Finding the mail-flow files under folders, and checking files on every core.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

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

/// Runs `check` on every file using all cores; results keep the order of `files`.
pub fn check_in_parallel<T: Send>(files: &[PathBuf], check: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    let mut results = Vec::with_capacity(files.len());
    check_in_order(files, check, |result| results.push(result));
    results
}

/// Runs `check` on every file using all cores, and hands each result to `each` in the order
/// of `files` as soon as it and those before it are done (on the calling thread), so that a
/// report can be written file by file. The workers run at most a few files ahead of the
/// first not yet handed on: results wait in memory only that far.
pub fn check_in_order<T: Send>(files: &[PathBuf], check: impl Fn(&Path) -> T + Sync, mut each: impl FnMut(T)) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    if workers == 1 {
        // One file (what pre-commit and editors mostly ask) or one core: checked on the
        // calling thread. glibc grows a new thread's heap a page at a time, one mprotect each,
        // which was a fifth of the processor time of checking one file of 300 rules; the main
        // thread's heap grows in steps of 128 KiB.
        files.iter().for_each(|path| each(check(path)));
        return;
    }
    let window = Window { ahead: 4 * workers, state: Mutex::new((BTreeMap::new(), 0)), changed: Condvar::new() };
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(index) else { break };
                drop(window.wait_until(|(_, first)| index < first + window.ahead));
                // A check that panics ends the run on the calling thread, not in a worker
                // the others would wait for.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(path)));
                window.lock().0.insert(index, result);
                window.changed.notify_all();
            });
        }
        // Should `each` or a check panic, the workers are let go (no file is left to take,
        // none waits for room) so that the scope can join them.
        let release = Release(|| {
            next.store(files.len(), Ordering::Relaxed);
            window.lock().1 = usize::MAX / 2;
            window.changed.notify_all();
        });
        for index in 0..files.len() {
            let mut done = window.wait_until(|(results, _)| results.contains_key(&index));
            let result = done.0.remove(&index).expect("waited for");
            done.1 = index + 1;
            drop(done);
            window.changed.notify_all();
            match result {
                Ok(result) => each(result),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        drop(release);
    });
}

/// The results of [`check_in_order`] done and not yet handed on, by index, and the index to
/// hand on next; workers wait while they are `ahead` files past it.
struct Window<T> {
    ahead: usize,
    state: Mutex<Ready<T>>,
    changed: Condvar,
}

type Ready<T> = (BTreeMap<usize, std::thread::Result<T>>, usize);

impl<T> Window<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Ready<T>> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state once `ready` holds of it.
    fn wait_until(&self, ready: impl Fn(&Ready<T>) -> bool) -> std::sync::MutexGuard<'_, Ready<T>> {
        let mut state = self.lock();
        while !ready(&state) {
            state = self.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state
    }
}

/// Runs its function when dropped, also while unwinding.
struct Release<F: FnMut()>(F);

impl<F: FnMut()> Drop for Release<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> Vec<PathBuf> {
        (0..n).map(|i| PathBuf::from(i.to_string())).collect()
    }

    fn number(path: &Path) -> usize {
        path.to_str().and_then(|name| name.parse().ok()).expect("a numbered path")
    }

    /// One file is checked on the calling thread (whose heap grows in large steps).
    #[test]
    fn one_file_is_checked_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let mut checked_on = Vec::new();
        check_in_order(&numbered(1), |_| std::thread::current().id(), |id| checked_on.push(id));
        assert_eq!(checked_on, [caller]);
    }

    /// Results come in the order of the files, however long each takes, and no worker runs
    /// more than its window ahead of the first not yet handed on.
    #[test]
    fn results_come_in_order_and_workers_stay_near() {
        let files = numbered(60);
        let handed = AtomicUsize::new(0);
        let furthest_ahead = AtomicUsize::new(0);
        let mut seen = Vec::new();
        check_in_order(
            &files,
            |path| {
                let index = number(path);
                furthest_ahead.fetch_max(index.saturating_sub(handed.load(Ordering::SeqCst)), Ordering::SeqCst);
                // Later files finish first.
                std::thread::sleep(std::time::Duration::from_micros(((60 - index) % 7 * 300) as u64));
                index
            },
            |index| {
                seen.push(index);
                handed.store(index + 1, Ordering::SeqCst);
            },
        );
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(furthest_ahead.load(Ordering::SeqCst) < 4 * workers + workers, "{furthest_ahead:?}");
    }

    /// A check that panics ends the run with its panic, not a wait for its result.
    #[test]
    fn a_panicking_check_ends_the_run() {
        let files = numbered(40);
        let outcome = std::panic::catch_unwind(|| {
            check_in_order(&files, |path| assert_ne!(number(path), 3, "file 3"), |()| {});
        });
        assert!(outcome.is_err());
    }
}
