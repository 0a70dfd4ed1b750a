//! The language server (`mailflow lsp`, over stdio). The only module that knows LSP types:
//! it keeps open documents, runs the same check as the CLI on the changed document, and
//! turns findings, fixes and the editor features of `ide` into LSP messages.
//!
//! Handlers run concurrently: a document change is applied before the first `.await`, no
//! lock is held across one, and diagnostics are published under a lock after checking that
//! no newer version of the document exists.
//!
//! Checks run on the document's own thread (`document_thread`), never on the async executor,
//! and the newest text wins: a document has at most one check running for its diagnostics,
//! and versions that come while it runs are not checked (only the newest, once it ends). A
//! request waits for a check of the text it came after, or of a newer one, never an older
//! one; if the check running is of an older text, the newest is checked next. A check
//! overtaken by a newer text that no waiting request can be answered from stops before its
//! next phase (parsing, lowering, the rules with the simulation:
//! `check::check_incremental_unless`), and a check that has not started yet is not started;
//! the phase running ends first, and nothing of a stopped check is kept or published.
//!
//! A large file just opened is checked read in pieces on every core, which leaves nothing for
//! the next check to reuse: that is made after publishing, with the changes that came
//! meanwhile recorded in it, and the document's next check waits for it.

mod convert;
mod document;
mod document_thread;
#[cfg(test)]
mod tests;
mod transport;
#[cfg(test)]
mod transport_tests;
mod uri;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::check::{check_first_unless, check_incremental, check_incremental_unless, fix, Checked, Selection, Syntax};
use convert::Convert;
use document::{Document, Encoding, Stamp};
use document_thread::DocumentThread;

pub use transport::MAX_BODY;

pub const TRACE_COMMAND: &str = "mailflow.trace";
/// A real message's headers read as `mailflow headers` reads them (issue 12): the header text,
/// and optionally the URI of an open mail-flow file to hold them against.
pub const HEADERS_COMMAND: &str = "mailflow.headers";

/// Settings read through `workspace/configuration` (section `mailflow`).
#[derive(Clone, Debug, Default)]
struct Settings {
    selection: Selection,
    /// Pages of the codes are linked when set, as `rules::page_url` puts them.
    docs_url: Option<String>,
}

/// One checked version of a document.
pub struct Analysis {
    pub version: i32,
    pub text: String,
    pub checked: Checked,
    /// Whether the text is a mail-flow file (see `discover::is_mailflow_document`): a YAML
    /// document of another kind gets no diagnostics and no features.
    pub mailflow: bool,
    /// The codes it was checked for, whose fixes "fix all" applies.
    pub selection: Selection,
    /// The text after "fix all", once asked for (see [`Analysis::fixed_text`]).
    fixed: OnceLock<String>,
    /// Which text of which opening of the document, checked with which settings.
    stamp: Stamp,
}

impl Analysis {
    fn new(version: i32, text: String, checked: Checked, mailflow: bool, selection: Selection, stamp: Stamp) -> Self {
        Analysis { version, text, checked, mailflow, selection, fixed: OnceLock::new(), stamp }
    }

    /// The text with the safe fixes of its selected findings applied as `mailflow check
    /// --fix` applies them (`check::fix`: rounds, each checked again, fixes that clash or
    /// break the file held back, a run that does not settle undone). Computed once; it
    /// checks the text a few times, so the handlers have it computed on a blocking thread
    /// first ([`Shared::fix_all`]).
    pub fn fixed_text(&self) -> &str {
        self.fixed.get_or_init(|| fix(&self.text, self.checked.source.syntax(), &self.selection, false).text)
    }
}

#[derive(Default)]
struct State {
    documents: HashMap<Uri, Document>,
    /// The thread each open document's checks run on, and its versions are freed on.
    threads: HashMap<Uri, DocumentThread>,
    /// The newest analysis of each open document (possibly of an older text than it has now).
    analyses: HashMap<Uri, Arc<Analysis>>,
    /// Checked files of the workspace that are not open, for workspace symbols.
    workspace: HashMap<Uri, Arc<Analysis>>,
    /// The workspace folders: each URI as the client sent it, and the path it names here.
    roots: Vec<(Uri, PathBuf)>,
    settings: Settings,
    /// Counts the changes of settings: an analysis made with others is stale.
    settings_generation: u64,
    /// Numbers the openings of documents.
    openings: u64,
    encoding: Option<Encoding>,
    pull_diagnostics: bool,
    /// The client asks for diagnostics again when told to (`workspace/diagnostic/refresh`).
    diagnostic_refresh: bool,
    resolve_edits: bool,
    /// The most folding ranges the client shows (`foldingRange.rangeLimit`).
    folding_range_limit: Option<usize>,
    configuration: bool,
    progress: bool,
}

impl State {
    /// UTF-16 unless the client agreed to UTF-8.
    fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }

    /// What a check of the document's text now would be.
    fn stamp(&self, uri: &Uri) -> Option<Stamp> {
        self.documents.get(uri).map(|d| d.stamp(self.settings_generation))
    }

    /// Whether a check of `stamp` is still of use: it is of the document's text now (with
    /// the settings now), or a request waits that it would answer (one that named its text
    /// or an older one).
    fn wanted(&self, uri: &Uri, stamp: Stamp) -> bool {
        let Some(now) = self.stamp(uri) else { return false };
        let Some(document) = self.documents.get(uri) else { return false };
        let same_opening = stamp.opening == now.opening && stamp.settings == now.settings;
        same_opening
            && (stamp.revision == now.revision || document.waiting.iter().any(|&named| named <= stamp.revision))
    }
}

/// A request waiting for an analysis of the text it named, or of a newer one: while it
/// waits, the checks that would answer it are not stopped ([`State::wanted`]). Dropped when
/// the request has its answer or is cancelled.
struct Waiting<'a> {
    shared: &'a Shared,
    uri: &'a Uri,
    named: Stamp,
}

impl<'a> Waiting<'a> {
    fn new(shared: &'a Shared, uri: &'a Uri, named: Stamp) -> Self {
        if let Some(document) = shared.state().documents.get_mut(uri).filter(|d| d.opening == named.opening) {
            document.waiting.push(named.revision);
        }
        Waiting { shared, uri, named }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut state = self.shared.state();
        let Some(document) = state.documents.get_mut(self.uri).filter(|d| d.opening == self.named.opening) else {
            return;
        };
        if let Some(at) = document.waiting.iter().position(|&revision| revision == self.named.revision) {
            document.waiting.swap_remove(at);
        }
    }
}

/// What the handlers and the checks they start share.
#[derive(Clone)]
struct Shared {
    client: Client,
    /// Where diagnostics are published (see [`transport::Notifications`]).
    notifications: transport::Notifications,
    state: Arc<Mutex<State>>,
    /// Held while publishing, so that an older version's diagnostics cannot overtake a newer one's.
    publishing: Arc<tokio::sync::Mutex<()>>,
    /// True once the first settings are known, so that nothing is published with defaults
    /// the user has overridden.
    settings_ready: Arc<tokio::sync::watch::Sender<bool>>,
    /// Counts the checks that ended, so that requests waiting for one look again.
    checks_ended: Arc<tokio::sync::watch::Sender<u64>>,
    /// Checks running at once, over all documents and the workspace scan.
    checking: Arc<tokio::sync::Semaphore>,
}

pub struct Backend {
    shared: Shared,
}

/// How long handlers still running when the client is gone may take to finish.
const GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs the language server on stdin and stdout until the client exits or closes stdin.
///
/// The transport is `transport.rs`: it answers malformed input and goes on, and refuses
/// bodies over [`MAX_BODY`]. Handlers still running when the client is gone (one waiting
/// for the client's answer to a request of the server's, say) are given `GRACE`. After `exit`
/// without `shutdown` first, the process ends here with status 1, as LSP specifies.
pub fn serve_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let ending = runtime.block_on(async {
        let (notifications, notifications_out) = transport::notifications();
        let (service, socket) = LspService::new(|client| Backend::new(client, notifications));
        transport::serve(tokio::io::stdin(), tokio::io::stdout(), service, socket, notifications_out, GRACE).await
    });
    // Standard input is read on a blocking thread, which a client that keeps the pipe open
    // would keep waiting, and a check may still run on another: the runtime does not wait.
    runtime.shutdown_background();
    if ending.status() != 0 {
        eprintln!("mailflow lsp: the client said `exit` without `shutdown` first: exit status 1");
        std::process::exit(i32::from(ending.status()));
    }
    Ok(())
}

/// Runs `work`; a panic becomes an internal error for this request instead of ending the server.
fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|panic| Err(failed(what, transport::panic_reason(panic.as_ref()))))
}

/// `result`, or `None` when the transport answers with it, written straight from its types
/// ([`transport::write_result`]): for the answers about a whole file, thousands of entries.
fn written<T: serde::Serialize>(result: T) -> Option<T> {
    (!transport::write_result(&result)).then_some(result)
}

fn failed(what: &str, reason: String) -> Error {
    let mut error = Error::internal_error();
    error.message = format!("mailflow failed while {what}: {reason} (please report this)").into();
    error
}

/// What a blocking task that did not finish said, if it panicked.
fn failure_reason(error: tokio::task::JoinError) -> String {
    error.try_into_panic().map(|panic| transport::panic_reason(panic.as_ref())).unwrap_or_default()
}

/// A document's text as it was when a check of it started.
struct Snapshot {
    stamp: Stamp,
    version: i32,
    text: String,
    syntax: Syntax,
    selection: Selection,
    previous: Option<crate::check::Reuse>,
    thread: DocumentThread,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in a handler (caught by `guarded`) must not leave the server unusable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until the first settings are read; a client that never answers is given a
    /// second, then the defaults apply.
    async fn wait_for_settings(&self) {
        let mut ready = self.settings_ready.subscribe();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), ready.wait_for(|ready| *ready)).await;
    }

    /// Starts checking the document's text now, unless its analysis is of it, a check of it
    /// is running, or `running_at_most` checks of the document are running already (then it
    /// is started when one ends, if the client still needs it). Diagnostics after a change
    /// allow one: an older check is let finish, and what came meanwhile is skipped. A waiting
    /// request allows two: the newest text is checked next after an older one, which stops
    /// unless another request waits for it.
    fn start_check(&self, uri: &Uri, running_at_most: usize) {
        let snapshot = {
            let mut state = self.state();
            let analysed = state.analyses.get(uri).map(|a| a.stamp);
            let selection = state.settings.selection.clone();
            let Some(stamp) = state.stamp(uri) else { return };
            let Some(thread) = state.threads.get(uri).cloned() else { return };
            let Some(document) = state.documents.get_mut(uri) else { return };
            let failed = document.failed.as_ref().is_some_and(|(s, _)| *s == stamp);
            if analysed == Some(stamp) || failed || document.running.contains(&stamp) {
                return;
            }
            if document.running.len() >= running_at_most {
                return;
            }
            document.running.push(stamp);
            Snapshot {
                stamp,
                version: document.version,
                text: document.text(),
                syntax: document.syntax,
                selection,
                previous: document.previous.clone(),
                thread,
            }
        };
        let shared = self.clone();
        let uri = uri.clone();
        tokio::spawn(async move { shared.check(uri, snapshot).await });
    }

    /// Checks a snapshot on the document's thread, keeps its analysis if no newer one exists,
    /// publishes it if it is still the document's text, and starts the newest text's check.
    /// The check stops when it is no longer wanted ([`State::wanted`]).
    async fn check(self, uri: Uri, snapshot: Snapshot) {
        let stamp = snapshot.stamp;
        let permit = self.checking.clone().acquire_owned().await;
        let Snapshot { version, text, syntax, selection, previous, thread, .. } = snapshot;
        // Overtaken while waiting for its turn, and no request needs it: not worth checking.
        let outcome = if !self.state().wanted(&uri, stamp) {
            thread.free((text, previous));
            None
        } else {
            let name = uri::file_name(&uri);
            let (state, checked_uri) = (self.state.clone(), uri.clone());
            Some(
                thread
                    .run(move || {
                        let _permit = permit;
                        let stop = || {
                            !state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).wanted(&checked_uri, stamp)
                        };
                        let mailflow = syntax == Syntax::Dsl || crate::discover::is_mailflow_document(&name, &text);
                        // With nothing to reuse (a document just opened), a large file is checked
                        // the fastest way, and what the next check reuses is made after
                        // publishing ([`Shared::keep_reuse`]).
                        let (checked, reuse) = match previous {
                            None => check_first_unless(&text, syntax, &selection, &stop)?,
                            Some(previous) => {
                                let (checked, reuse) =
                                    check_incremental_unless(&text, syntax, &selection, Some(&previous), &stop)?;
                                (checked, Some(reuse))
                            }
                        };
                        Some((Analysis::new(version, text, checked, mailflow, selection, stamp), reuse))
                    })
                    .await,
            )
        };
        // What this check leaves unused or replaces (the previous version's reuse and
        // analysis): freeing a big file's trees takes a while, so it is done after publishing,
        // on the document's thread, and never under the lock.
        let mut discarded: (Option<crate::check::Reuse>, Option<Arc<Analysis>>) = (None, None);
        // The text whose reuse is still to be made, while it is the document's.
        let mut reuse_to_make = None;
        let (publish, push) = {
            let mut state = self.state();
            let settings = state.settings_generation;
            let push = !state.pull_diagnostics;
            let mut kept = None;
            if let Some(document) = state.documents.get_mut(&uri).filter(|d| d.opening == stamp.opening) {
                match outcome {
                    Some(Ok(Some((analysis, reuse)))) => {
                        document.checked += 1;
                        let analysis = Arc::new(analysis);
                        // The reuse matches this text exactly: later edits are recorded in
                        // what the document holds.
                        match reuse {
                            Some(reuse) if document.revision == stamp.revision => {
                                discarded.0 = document.previous.replace(reuse)
                            }
                            Some(reuse) => discarded.0 = Some(reuse),
                            None if document.revision == stamp.revision => {
                                document.changes_to_replay = Some(Vec::new());
                                reuse_to_make = Some(analysis.clone());
                            }
                            None => {}
                        }
                        kept = Some(analysis);
                    }
                    Some(Err(panicked)) => {
                        let reason = transport::panic_reason(panicked.as_ref());
                        eprintln!("mailflow lsp: checking {} failed: {reason}", uri.as_str());
                        document.failed = Some((stamp, reason));
                    }
                    // Not checked, or stopped: overtaken.
                    Some(Ok(None)) | None => {}
                }
            }
            let newest = |a: &Arc<Analysis>| {
                a.stamp.opening == stamp.opening && a.stamp.settings == settings && a.stamp.revision > stamp.revision
            };
            if stamp.settings != settings || state.analyses.get(&uri).is_some_and(newest) {
                discarded.1 = kept.take();
            }
            if let Some(analysis) = &kept {
                discarded.1 = state.analyses.insert(uri.clone(), analysis.clone());
            }
            // A document's next check waits for the reuse being made: it would otherwise check
            // its text whole, and make a reuse of its own.
            if reuse_to_make.is_none() {
                if let Some(document) = state.documents.get_mut(&uri) {
                    document.running.retain(|s| *s != stamp);
                }
            }
            (kept.filter(|_| push && state.stamp(&uri) == Some(stamp)), push)
        };
        self.checks_ended.send_modify(|ended| *ended += 1);
        if let Some(analysis) = publish {
            self.publish(uri.clone(), analysis).await;
        }
        if let Some(analysis) = reuse_to_make {
            self.keep_reuse(&uri, stamp, analysis, &thread).await;
        }
        if push {
            self.start_check(&uri, 1);
        }
        if discarded.0.is_some() || discarded.1.is_some() {
            thread.free(discarded);
        }
    }

    /// Makes what the next check of a document reuses from the text `analysis` checked (see
    /// [`Shared::check`]), and keeps it with the changes made since recorded in it. (A client
    /// that sends a change as soon as the last one's diagnostics come would otherwise change
    /// the text every time before it is made.)
    async fn keep_reuse(&self, uri: &Uri, stamp: Stamp, analysis: Arc<Analysis>, thread: &DocumentThread) {
        let syntax = analysis.checked.source.syntax();
        let permit = self.checking.clone().acquire_owned().await;
        let made = thread
            .run(move || {
                let _permit = permit;
                crate::check::reuse_of(&analysis.text, syntax, &analysis.checked.flow)
            })
            .await;
        let unused = {
            let mut state = self.state();
            let document = state.documents.get_mut(uri).filter(|d| d.opening == stamp.opening);
            match (document, made) {
                (Some(document), Ok(mut reuse)) => {
                    document.running.retain(|s| *s != stamp);
                    match document.changes_to_replay.take() {
                        Some(changes) if document.previous.is_none() => {
                            for [start, old_end, new_end] in changes {
                                reuse.edit(start, old_end, new_end);
                            }
                            document.previous = Some(reuse);
                            None
                        }
                        _ => Some(reuse),
                    }
                }
                (Some(document), Err(panicked)) => {
                    document.running.retain(|s| *s != stamp);
                    document.changes_to_replay = None;
                    let reason = transport::panic_reason(panicked.as_ref());
                    eprintln!("mailflow lsp: reading {} for its next check failed: {reason}", uri.as_str());
                    None
                }
                (None, made) => made.ok(),
            }
        };
        if let Some(unused) = unused {
            thread.free(unused);
        }
    }

    /// Publishes an analysis's diagnostics if it is still of the document's text (never
    /// before the settings are read).
    async fn publish(&self, uri: Uri, analysis: Arc<Analysis>) {
        self.wait_for_settings().await;
        let Ok(diagnostics) = guarded("publishing diagnostics", || {
            if !analysis.mailflow {
                return Ok(Vec::new());
            }
            // Not under the lock: a big file's findings take a while to convert.
            let (encoding, docs_url) = {
                let state = self.state();
                (state.encoding(), state.settings.docs_url.clone())
            };
            Ok(Convert::new(&uri, &analysis, encoding, docs_url).serialized_diagnostics())
        }) else {
            return;
        };
        let _publishing = self.publishing.lock().await;
        if self.state().stamp(&uri) == Some(analysis.stamp) {
            self.notifications.publish_diagnostics(&uri, &diagnostics, analysis.version);
        }
    }

    /// Has "fix all" computed for an analysis ([`Analysis::fixed_text`]) on a blocking thread,
    /// as checks are, unless it is known.
    async fn fix_all(&self, analysis: &Arc<Analysis>) -> Result<()> {
        if analysis.fixed.get().is_some() {
            return Ok(());
        }
        let permit = self.checking.clone().acquire_owned().await;
        let analysis = analysis.clone();
        let fixing = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            analysis.fixed_text();
        });
        fixing.await.map_err(|error| failed("fixing the document", failure_reason(error)))
    }

    /// The analysis of the document's text now, or of a newer one, waiting for its check;
    /// `None` when the document is not open (or is closed meanwhile).
    async fn analysis(&self, uri: &Uri) -> Result<Option<Arc<Analysis>>> {
        let mut ended = self.checks_ended.subscribe();
        let Some(named) = self.state().stamp(uri) else { return Ok(None) };
        let _waiting = Waiting::new(self, uri, named);
        loop {
            {
                let state = self.state();
                let settings = state.settings_generation;
                let Some(document) = state.documents.get(uri).filter(|d| d.opening == named.opening) else {
                    return Ok(None);
                };
                let usable = |stamp: &Stamp| {
                    stamp.opening == named.opening && stamp.settings == settings && stamp.revision >= named.revision
                };
                if let Some(analysis) = state.analyses.get(uri).filter(|a| usable(&a.stamp)) {
                    // Another kind of YAML document: nothing of mailflow's applies to it.
                    return Ok(Some(analysis.clone()).filter(|a| a.mailflow));
                }
                if let Some((_, reason)) = document.failed.as_ref().filter(|(stamp, _)| usable(stamp)) {
                    return Err(failed("checking the document", reason.clone()));
                }
            }
            self.start_check(uri, 2);
            let _ = ended.changed().await;
        }
    }
}

impl Backend {
    pub fn new(client: Client, notifications: transport::Notifications) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
        Backend {
            shared: Shared {
                client,
                notifications,
                state: Arc::new(Mutex::new(State::default())),
                publishing: Arc::new(tokio::sync::Mutex::new(())),
                settings_ready: Arc::new(tokio::sync::watch::Sender::new(false)),
                checks_ended: Arc::new(tokio::sync::watch::Sender::new(0)),
                checking: Arc::new(tokio::sync::Semaphore::new(cores)),
            },
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    fn encoding(&self) -> Encoding {
        self.state().encoding()
    }

    /// The analysis of the document's text now, or of a newer one (see [`Shared::analysis`]).
    async fn analysis(&self, uri: &Uri) -> Result<Option<Arc<Analysis>>> {
        self.shared.analysis(uri).await
    }

    fn converter<'a>(&self, uri: &'a Uri, analysis: &'a Analysis) -> Convert<'a> {
        let state = self.state();
        Convert::new(uri, analysis, state.encoding(), state.settings.docs_url.clone())
    }

    /// Has the document's text checked and its diagnostics published, unless the client
    /// pulls them.
    async fn refresh(&self, uri: &Uri) {
        if self.state().pull_diagnostics {
            return;
        }
        self.shared.wait_for_settings().await;
        self.shared.start_check(uri, 1);
    }

    /// Reads the settings through `workspace/configuration` when the client offers it, else
    /// from what `didChangeConfiguration` carried (`pushed`).
    async fn read_settings(&self, pushed: Option<Value>) {
        let value = if self.state().configuration {
            let item = ConfigurationItem { scope_uri: None, section: Some("mailflow".into()) };
            self.shared.client.configuration(vec![item]).await.ok().and_then(|mut values| values.pop())
        } else {
            pushed.map(|settings| settings["mailflow"].clone()).filter(Value::is_object)
        };
        if let Some(value) = value {
            self.apply_settings(&value);
        }
        self.shared.settings_ready.send_replace(true);
    }

    fn apply_settings(&self, value: &Value) {
        let codes = |key: &str| -> Vec<String> {
            value[key]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let settings = Settings {
            selection: Selection { select: codes("select"), ignore: codes("ignore") },
            docs_url: value["docsUrl"].as_str().filter(|s| !s.is_empty()).map(str::to_owned),
        };
        {
            let mut state = self.state();
            state.settings = settings;
            // Every analysis depends on the selection.
            state.settings_generation += 1;
            state.analyses.clear();
        }
        // Requests waiting for an analysis look again.
        self.shared.checks_ended.send_modify(|ended| *ended += 1);
    }

    async fn refresh_all(&self) {
        let uris: Vec<Uri> = self.state().documents.keys().cloned().collect();
        for uri in &uris {
            self.refresh(uri).await;
        }
        let refresh = {
            let state = self.state();
            state.pull_diagnostics && state.diagnostic_refresh && !state.documents.is_empty()
        };
        if refresh {
            let _ = self.shared.client.workspace_diagnostic_refresh().await;
        }
    }

    /// Reads the workspace's mail-flow files for workspace symbols, reporting progress.
    async fn scan_workspace(&self) {
        let (roots, selection, progress) = {
            let state = self.state();
            (state.roots.clone(), state.settings.selection.clone(), state.progress)
        };
        if roots.is_empty() {
            return;
        }
        let client = &self.shared.client;
        let paths: Vec<PathBuf> = roots.iter().map(|(_, path)| path.clone()).collect();
        let files = match tokio::task::spawn_blocking(move || crate::discover::find(&paths).files).await {
            Ok(files) => files,
            Err(_) => return,
        };
        let token = ProgressToken::String("mailflow/scan".into());
        let ongoing = if progress && client.create_work_done_progress(token.clone()).await.is_ok() {
            Some(client.progress(token, "mailflow: reading the workspace").with_percentage(0).begin().await)
        } else {
            None
        };
        let total = files.len().max(1);
        for (index, path) in files.iter().enumerate() {
            let Some(uri) = roots.iter().find_map(|(folder, root)| uri::child(folder, root, path)) else { continue };
            let permit = self.shared.checking.clone().acquire_owned().await;
            let (read, selection) = (path.clone(), selection.clone());
            // For symbols: no fixes.
            let checked = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let text = std::fs::read_to_string(&read).ok()?;
                let (checked, _) = check_incremental(&text, Syntax::of_path(&read), &selection, None);
                Some(Analysis::new(0, text, checked, true, selection, Stamp::default()))
            })
            .await;
            if let Ok(Some(analysis)) = checked {
                self.state().workspace.insert(uri, Arc::new(analysis));
            }
            if let Some(ongoing) = &ongoing {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                ongoing.report_with_message(name, ((index + 1) * 100 / total) as u32).await;
            }
        }
        if let Some(ongoing) = ongoing {
            ongoing.finish_with_message(format!("{} mail-flow files", files.len())).await;
        }
    }
}

fn capabilities(pull_diagnostics: bool, encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: None,
            ..Default::default()
        })),
        diagnostic_provider: pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("mailflow".into()),
                inter_file_dependencies: false,
                workspace_diagnostics: false,
                work_done_progress_options: Default::default(),
            })
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::new("source.fixAll.mailflow")]),
            resolve_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), " ".into(), "-".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: convert::semantic_tokens_legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                work_done_progress_options: Default::default(),
            },
        )),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![TRACE_COMMAND.into(), HEADERS_COMMAND.into()],
            work_done_progress_options: Default::default(),
        }),
        ..ServerCapabilities::default()
    }
}

impl Backend {
    /// `mailflow.headers`: the report on a message's headers (`arguments[0]`), held against
    /// the open mail-flow file `arguments[1]` when one is given.
    async fn headers_command(&self, arguments: Vec<LSPAny>) -> Result<Option<LSPAny>> {
        let text = arguments.first().and_then(|t| t.as_str()).map(str::to_owned).ok_or_else(|| {
            Error::invalid_params(format!(
                "{HEADERS_COMMAND} takes a message's header text and, optionally, the URI of an open mail-flow file"
            ))
        })?;
        let analysis = match arguments.get(1).and_then(|u| u.as_str()) {
            None => None,
            Some(uri) => {
                let uri = uri
                    .parse::<Uri>()
                    .map_err(|_| Error::invalid_params(format!("{HEADERS_COMMAND}: `{uri}` is not a URI")))?;
                Some(
                    self.analysis(&uri)
                        .await?
                        .ok_or_else(|| Error::invalid_params(format!("{} is not open in the editor", uri.as_str())))?,
                )
            }
        };
        guarded("reading message headers", || {
            let report = crate::headers::analyse(&text, analysis.as_ref().map(|a| &a.checked))
                .map_err(|problem| Error::invalid_params(format!("cannot read the headers: {problem}")))?;
            Ok(Some(crate::headers::to_json(&report)))
        })
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encodings =
            params.capabilities.general.as_ref().and_then(|g| g.position_encodings.clone()).unwrap_or_default();
        let encoding = if encodings.contains(&PositionEncodingKind::UTF8) { Encoding::Utf8 } else { Encoding::Utf16 };
        let text_document = params.capabilities.text_document.as_ref();
        let pull_diagnostics = text_document.is_some_and(|t| t.diagnostic.is_some());
        let resolve_edits = text_document
            .and_then(|t| t.code_action.as_ref())
            .and_then(|c| c.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "edit"));
        let folding_range_limit = text_document
            .and_then(|t| t.folding_range.as_ref())
            .and_then(|f| f.range_limit)
            .map(|limit| limit as usize);
        let workspace = params.capabilities.workspace.as_ref();
        let root = |uri: &Uri| Some((uri.clone(), uri::to_path(uri, uri::Style::HOST)?));
        let mut roots: Vec<(Uri, PathBuf)> =
            params.workspace_folders.iter().flatten().filter_map(|f| root(&f.uri)).collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(root));
        }
        {
            let mut state = self.state();
            state.encoding = Some(encoding);
            state.pull_diagnostics = pull_diagnostics;
            state.resolve_edits = resolve_edits;
            state.folding_range_limit = folding_range_limit;
            state.configuration = workspace.and_then(|w| w.configuration).unwrap_or(false);
            state.diagnostic_refresh =
                workspace.and_then(|w| w.diagnostics.as_ref()).and_then(|d| d.refresh_support).unwrap_or(false);
            state.progress = params.capabilities.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false);
            state.roots = roots;
        }
        Ok(InitializeResult {
            capabilities: capabilities(pull_diagnostics, encoding),
            server_info: Some(ServerInfo { name: "mailflow".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.read_settings(None).await;
        self.refresh_all().await;
        self.scan_workspace().await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let is_dsl = document.language_id == "mailflow" || uri::file_name(&document.uri).ends_with(".mailflow");
        let syntax = if is_dsl { Syntax::Dsl } else { Syntax::Yaml };
        {
            let mut state = self.state();
            state.openings += 1;
            let opened = Document::new(&document.text, document.version, syntax, state.openings);
            state.documents.insert(document.uri.clone(), opened);
            state.threads.entry(document.uri.clone()).or_insert_with(DocumentThread::start);
            state.analyses.remove(&document.uri);
        }
        self.refresh(&document.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut state = self.state();
            let encoding = state.encoding();
            let Some(document) = state.documents.get_mut(&uri) else { return };
            for change in &params.content_changes {
                document.apply(change, encoding);
            }
            document.version = params.text_document.version;
            document.revision += 1;
        }
        self.refresh(&uri).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut state = self.state();
            let closed = (state.documents.remove(&uri), state.analyses.remove(&uri));
            // Freed where its versions were made, not under the lock.
            if let Some(thread) = state.threads.remove(&uri) {
                thread.free(closed);
            }
        }
        // Requests waiting for the document's check answer now.
        self.shared.checks_ended.send_modify(|ended| *ended += 1);
        if !self.state().pull_diagnostics {
            let _publishing = self.shared.publishing.lock().await;
            let params = PublishDiagnosticsParams::new(uri, Vec::new(), None);
            self.shared.notifications.send::<notification::PublishDiagnostics>(&params);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.read_settings(Some(params.settings)).await;
        self.refresh_all().await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        self.shared.wait_for_settings().await;
        let analysis = self.analysis(&uri).await?;
        guarded("computing diagnostics", || {
            let items = match analysis {
                Some(analysis) => self.converter(&uri, &analysis).diagnostics(),
                None => Vec::new(),
            };
            Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
                RelatedFullDocumentDiagnosticReport {
                    related_documents: None,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
                },
            )))
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("computing a hover", || Ok(self.converter(&uri, &analysis).hover(position)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let resolve_edits = self.state().resolve_edits;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        let listed = guarded("listing code actions", || {
            Ok(self.converter(&uri, &analysis).code_actions(&params, resolve_edits))
        })?;
        let mut actions = listed.actions;
        if listed.fix_all_with_edit {
            self.shared.fix_all(&analysis).await?;
            actions.extend(guarded("fixing the document", || Ok(self.converter(&uri, &analysis).fix_all_action()))?);
        }
        Ok(Some(actions))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let Some(data) = action.data.clone() else { return Ok(action) };
        let Some(uri) = data["uri"].as_str().and_then(|u| u.parse::<Uri>().ok()) else { return Ok(action) };
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(action) };
        if data["version"].as_i64() != Some(analysis.version as i64) {
            // The document changed since the action was listed: offer nothing stale.
            return Ok(action);
        }
        if data["fixAll"].as_bool() == Some(true) {
            self.shared.fix_all(&analysis).await?;
        }
        guarded("resolving a code action", || Ok(self.converter(&uri, &analysis).resolve(action, &data)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("completing", || {
            Ok(Some(CompletionResponse::Array(self.converter(&uri, &analysis).completions(position))))
        })
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("finding a definition", || {
            Ok(self.converter(&uri, &analysis).definition(position).map(GotoDefinitionResponse::Scalar))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("finding references", || {
            Ok(Some(self.converter(&uri, &analysis).references(position, params.context.include_declaration)))
        })
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("preparing a rename", || Ok(self.converter(&uri, &analysis).prepare_rename(params.position)))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("renaming", || {
            self.converter(&uri, &analysis).rename(position, &params.new_name).map(Some).map_err(|message| {
                let mut error = Error::invalid_params(message.clone());
                error.message = message.into();
                error
            })
        })
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("listing symbols", || {
            Ok(written(DocumentSymbolResponse::Nested(self.converter(&uri, &analysis).document_symbols())))
        })
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let open: Vec<Uri> = self.state().documents.keys().cloned().collect();
        let mut files: Vec<(Uri, Arc<Analysis>)> = Vec::new();
        for uri in &open {
            if let Some(analysis) = self.analysis(uri).await? {
                files.push((uri.clone(), analysis));
            }
        }
        guarded("searching symbols", || {
            let encoding = self.encoding();
            // A file found in the workspace may be open under another spelling of its URI.
            let open: Vec<String> = open.iter().map(|uri| uri::identity(uri, uri::Style::HOST)).collect();
            for (uri, analysis) in self.state().workspace.iter() {
                if !open.contains(&uri::identity(uri, uri::Style::HOST)) {
                    files.push((uri.clone(), analysis.clone()));
                }
            }
            Ok(Some(WorkspaceSymbolResponse::Nested(convert::workspace_symbols(&files, &params.query, encoding))))
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        let limit = self.state().folding_range_limit;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("computing folding ranges", || Ok(written(convert::folding_ranges(&analysis, limit))))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("formatting", || {
            self.converter(&uri, &analysis).formatting().map_err(|reason| Error {
                // RequestFailed: the request was valid, and the server could not carry it out.
                code: ErrorCode::ServerError(-32803),
                message: format!("mailflow did not format this document: {reason}").into(),
                data: None,
            })
        })
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("highlighting", || {
            Ok(convert::semantic_tokens(&analysis, encoding, None)
                .and_then(|tokens| written(SemanticTokensResult::Tokens(tokens))))
        })
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(analysis) = self.analysis(&uri).await? else { return Ok(None) };
        guarded("highlighting", || {
            Ok(convert::semantic_tokens(&analysis, encoding, Some(params.range))
                .and_then(|tokens| written(SemanticTokensRangeResult::Tokens(tokens))))
        })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command == HEADERS_COMMAND {
            return self.headers_command(params.arguments).await;
        }
        if params.command != TRACE_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`; this server runs {TRACE_COMMAND} and {HEADERS_COMMAND}",
                params.command
            )));
        }
        let arguments = params.arguments;
        let uri = arguments.first().and_then(|u| u.as_str()).and_then(|u| u.parse::<Uri>().ok()).ok_or_else(|| {
            Error::invalid_params(format!(
                "{TRACE_COMMAND} takes the document's URI and {{\"from\": \"inside\"|\"outside\", \"to\": address}}"
            ))
        })?;
        let analysis = self
            .analysis(&uri)
            .await?
            .ok_or_else(|| Error::invalid_params(format!("{} is not open in the editor", uri.as_str())))?;
        guarded("tracing a message", || {
            let options = arguments.get(1).cloned().unwrap_or(json!({}));
            let to = options["to"].as_str().map(str::to_owned).unwrap_or_else(crate::trace::default_recipient);
            let from_inside = options["from"].as_str() != Some("outside");
            let message = crate::analysis::simulate::Message::ordinary(from_inside, to);
            Ok(Some(crate::trace::to_json(&analysis.checked.flow, &message, analysis.checked.source.syntax())))
        })
    }
}
