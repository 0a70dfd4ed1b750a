//! The language server (`mailflow lsp`, over stdio). The only module that knows LSP types:
//! it keeps open documents, runs the same check as the CLI on the changed document, and
//! turns findings, fixes and the editor features of `ide` into LSP messages.
//!
//! Handlers run concurrently: a document change is applied before the first `.await`, no
//! lock is held across one, and diagnostics are published under a lock after checking that
//! no newer version of the document exists.

mod convert;
mod document;
mod exit;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::check::{check_incremental, Checked, Selection, Syntax};
use convert::Convert;
use document::{Document, Encoding};

pub const TRACE_COMMAND: &str = "mailflow.trace";

/// Settings read through `workspace/configuration` (section `mailflow`).
#[derive(Clone, Debug, Default)]
struct Settings {
    selection: Selection,
    /// Pages of the codes are linked as `{docs_url}/{CODE}` when set.
    docs_url: Option<String>,
}

/// One checked version of a document.
pub struct Analysis {
    pub version: i32,
    pub text: String,
    pub checked: Checked,
}

#[derive(Default)]
struct State {
    documents: HashMap<Uri, Document>,
    analyses: HashMap<Uri, Arc<Analysis>>,
    /// Checked files of the workspace that are not open, for workspace symbols.
    workspace: HashMap<Uri, Arc<Analysis>>,
    roots: Vec<PathBuf>,
    settings: Settings,
    encoding: Option<Encoding>,
    pull_diagnostics: bool,
    /// The client asks for diagnostics again when told to (`workspace/diagnostic/refresh`).
    diagnostic_refresh: bool,
    resolve_edits: bool,
    configuration: bool,
    progress: bool,
}

impl State {
    /// UTF-16 unless the client agreed to UTF-8.
    fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }
}

pub struct Backend {
    client: Client,
    state: Mutex<State>,
    /// Held while publishing, so that an older version's diagnostics cannot overtake a newer one's.
    publishing: tokio::sync::Mutex<()>,
    /// True once the first settings are known, so that nothing is published with defaults
    /// the user has overridden.
    settings_ready: tokio::sync::watch::Sender<bool>,
}

/// How long handlers still running when the client is gone may take to finish.
const GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs the language server on stdin and stdout until the client exits.
///
/// tower-lsp-server's loop returns only once every handler has finished, and a handler may
/// be waiting for the client's answer to a request of the server's (`workspace/configuration`
/// sent just before `shutdown`, say) that never comes. So the server also ends `GRACE` after
/// the client said `exit` or closed stdin, whatever is still running.
pub fn serve_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = LspService::new(Backend::new);
        let gone = Arc::new(tokio::sync::Notify::new());
        let stdin = exit::UntilClosed::new(tokio::io::stdin(), gone.clone());
        let service = exit::UntilExit::new(service, gone.clone());
        tokio::select! {
            () = Server::new(stdin, tokio::io::stdout(), socket).serve(service) => {}
            () = async {
                gone.notified().await;
                tokio::time::sleep(GRACE).await;
            } => {}
        }
    });
    // Standard input is read on a blocking thread, which a client that keeps the pipe open
    // would keep waiting: the runtime does not wait for it.
    runtime.shutdown_background();
    Ok(())
}

/// Runs `work`; a panic becomes an internal error for this request instead of ending the server.
fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let mut error = Error::internal_error();
        error.message = format!("mailflow failed while {what}: {reason} (please report this)").into();
        Err(error)
    })
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Backend {
            client,
            state: Mutex::new(State::default()),
            publishing: tokio::sync::Mutex::new(()),
            settings_ready: tokio::sync::watch::Sender::new(false),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in a handler (caught by `guarded`) must not leave the server unusable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn encoding(&self) -> Encoding {
        self.state().encoding()
    }

    /// The latest analysis of an open document, checking it if the text changed since.
    fn analysis(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        let (text, version, syntax, selection, previous) = {
            let state = self.state();
            let document = state.documents.get(uri)?;
            if let Some(analysis) = state.analyses.get(uri).filter(|a| a.version == document.version) {
                return Some(analysis.clone());
            }
            (
                document.text(),
                document.version,
                document.syntax,
                state.settings.selection.clone(),
                document.previous.clone(),
            )
        };
        let (checked, reuse) = check_incremental(&text, syntax, &selection, previous.as_ref());
        let analysis = Arc::new(Analysis { version, checked, text });
        let mut state = self.state();
        if let Some(document) = state.documents.get_mut(uri).filter(|d| d.version == version) {
            // This matches this version exactly; a newer version's edits are already recorded
            // in what the document holds.
            document.previous = Some(reuse);
            state.analyses.insert(uri.clone(), analysis.clone());
        }
        Some(analysis)
    }

    fn converter<'a>(&self, uri: &'a Uri, analysis: &'a Analysis) -> Convert<'a> {
        let state = self.state();
        Convert::new(uri, analysis, state.encoding(), state.settings.docs_url.clone())
    }

    /// Checks the document's current version and publishes its diagnostics, unless the
    /// client pulls them or a newer version exists by the time they are ready.
    async fn refresh(&self, uri: Uri) {
        if self.state().pull_diagnostics {
            return;
        }
        self.wait_for_settings().await;
        let Ok(Some(analysis)) = guarded("checking a document", || Ok(self.analysis(&uri))) else { return };
        let diagnostics = self.converter(&uri, &analysis).diagnostics();
        let _publishing = self.publishing.lock().await;
        let current = self.state().documents.get(&uri).map(|d| d.version);
        if current == Some(analysis.version) {
            self.client.publish_diagnostics(uri, diagnostics, Some(analysis.version)).await;
        }
    }

    /// Waits until the first settings are read; a client that never answers is given a
    /// second, then the defaults apply.
    async fn wait_for_settings(&self) {
        let mut ready = self.settings_ready.subscribe();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), ready.wait_for(|ready| *ready)).await;
    }

    /// Reads the settings through `workspace/configuration` when the client offers it, else
    /// from what `didChangeConfiguration` carried (`pushed`).
    async fn read_settings(&self, pushed: Option<Value>) {
        let value = if self.state().configuration {
            let item = ConfigurationItem { scope_uri: None, section: Some("mailflow".into()) };
            self.client.configuration(vec![item]).await.ok().and_then(|mut values| values.pop())
        } else {
            pushed.map(|settings| settings["mailflow"].clone()).filter(Value::is_object)
        };
        if let Some(value) = value {
            self.apply_settings(&value);
        }
        self.settings_ready.send_replace(true);
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
            docs_url: value["docsUrl"].as_str().filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('/').to_owned()),
        };
        let mut state = self.state();
        state.settings = settings;
        // Every analysis depends on the selection.
        state.analyses.clear();
    }

    async fn refresh_all(&self) {
        let uris: Vec<Uri> = self.state().documents.keys().cloned().collect();
        for uri in uris {
            self.refresh(uri).await;
        }
        let refresh = {
            let state = self.state();
            state.pull_diagnostics && state.diagnostic_refresh && !state.documents.is_empty()
        };
        if refresh {
            let _ = self.client.workspace_diagnostic_refresh().await;
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
        let files = crate::discover::find(&roots).files;
        let token = ProgressToken::String("mailflow/scan".into());
        let ongoing = if progress && self.client.create_work_done_progress(token.clone()).await.is_ok() {
            Some(self.client.progress(token, "mailflow: reading the workspace").with_percentage(0).begin().await)
        } else {
            None
        };
        let total = files.len().max(1);
        for (index, path) in files.iter().enumerate() {
            let Some(uri) = Uri::from_file_path(path) else { continue };
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            // For symbols: no fixes.
            let (checked, _) = check_incremental(&text, Syntax::of_path(path), &selection, None);
            self.state().workspace.insert(uri, Arc::new(Analysis { version: 0, text, checked }));
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
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![TRACE_COMMAND.into()],
            work_done_progress_options: Default::default(),
        }),
        ..ServerCapabilities::default()
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
        let workspace = params.capabilities.workspace.as_ref();
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(|u| u.to_file_path()).map(|p| p.into_owned()));
        }
        {
            let mut state = self.state();
            state.encoding = Some(encoding);
            state.pull_diagnostics = pull_diagnostics;
            state.resolve_edits = resolve_edits;
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
        let is_dsl = document.language_id == "mailflow" || document.uri.as_str().ends_with(".mailflow");
        let syntax = if is_dsl { Syntax::Dsl } else { Syntax::Yaml };
        self.state().documents.insert(document.uri.clone(), Document::new(&document.text, document.version, syntax));
        self.refresh(document.uri).await;
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
        }
        self.refresh(uri).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut state = self.state();
            state.documents.remove(&uri);
            state.analyses.remove(&uri);
        }
        if !self.state().pull_diagnostics {
            let _publishing = self.publishing.lock().await;
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.read_settings(Some(params.settings)).await;
        self.refresh_all().await;
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        self.wait_for_settings().await;
        guarded("computing diagnostics", || {
            let items = match self.analysis(&uri) {
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
        guarded("computing a hover", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(self.converter(&uri, &analysis).hover(position))
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let resolve_edits = self.state().resolve_edits;
        guarded("listing code actions", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            let actions = self.converter(&uri, &analysis).code_actions(&params, resolve_edits);
            Ok(Some(actions))
        })
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let Some(data) = action.data.clone() else { return Ok(action) };
        let Some(uri) = data["uri"].as_str().and_then(|u| u.parse::<Uri>().ok()) else { return Ok(action) };
        guarded("resolving a code action", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(action) };
            if data["version"].as_i64() != Some(analysis.version as i64) {
                // The document changed since the action was listed: offer nothing stale.
                return Ok(action);
            }
            Ok(self.converter(&uri, &analysis).resolve(action, &data))
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        guarded("completing", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(Some(CompletionResponse::Array(self.converter(&uri, &analysis).completions(position))))
        })
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        guarded("finding a definition", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(self.converter(&uri, &analysis).definition(position).map(GotoDefinitionResponse::Scalar))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        guarded("finding references", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(Some(self.converter(&uri, &analysis).references(position, params.context.include_declaration)))
        })
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let uri = params.text_document.uri;
        guarded("preparing a rename", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(self.converter(&uri, &analysis).prepare_rename(params.position))
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        guarded("renaming", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            self.converter(&uri, &analysis).rename(position, &params.new_name).map(Some).map_err(|message| {
                let mut error = Error::invalid_params(message.clone());
                error.message = message.into();
                error
            })
        })
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        guarded("listing symbols", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(Some(DocumentSymbolResponse::Nested(self.converter(&uri, &analysis).document_symbols())))
        })
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let open: Vec<Uri> = self.state().documents.keys().cloned().collect();
        guarded("searching symbols", || {
            let mut files: Vec<(Uri, Arc<Analysis>)> =
                open.iter().filter_map(|u| Some((u.clone(), self.analysis(u)?))).collect();
            let encoding = self.encoding();
            for (uri, analysis) in self.state().workspace.iter() {
                if !open.contains(uri) {
                    files.push((uri.clone(), analysis.clone()));
                }
            }
            Ok(Some(WorkspaceSymbolResponse::Nested(convert::workspace_symbols(&files, &params.query, encoding))))
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        guarded("computing folding ranges", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(Some(convert::folding_ranges(&analysis)))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        guarded("formatting", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
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
        guarded("highlighting", || {
            let Some(analysis) = self.analysis(&uri) else { return Ok(None) };
            Ok(convert::semantic_tokens(&analysis, encoding).map(SemanticTokensResult::Tokens))
        })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != TRACE_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`; this server runs {TRACE_COMMAND}",
                params.command
            )));
        }
        let arguments = params.arguments;
        guarded("tracing a message", || {
            let uri = arguments.first().and_then(|u| u.as_str()).and_then(|u| u.parse::<Uri>().ok()).ok_or_else(|| {
                Error::invalid_params(format!("{TRACE_COMMAND} takes the document's URI and {{\"from\": \"inside\"|\"outside\", \"to\": address}}"))
            })?;
            let options = arguments.get(1).cloned().unwrap_or(json!({}));
            let analysis = self
                .analysis(&uri)
                .ok_or_else(|| Error::invalid_params(format!("{} is not open in the editor", uri.as_str())))?;
            let to = options["to"].as_str().map(str::to_owned).unwrap_or_else(crate::trace::default_recipient);
            let from_inside = options["from"].as_str() != Some("outside");
            let message = crate::analysis::simulate::Message::ordinary(from_inside, to);
            Ok(Some(crate::trace::to_json(&analysis.checked.flow, &message, analysis.checked.source.syntax())))
        })
    }
}
