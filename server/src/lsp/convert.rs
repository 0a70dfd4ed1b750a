//! From the library's findings, fixes and editor features to LSP values, for one analysed
//! version of one document.

use serde_json::{json, Value};
use tower_lsp_server::ls_types::*;

use super::document::{Encoding, Positions};
use super::Analysis;
use crate::check::Source;
use crate::diagnostic::{self as mf, Edit, Severity};
use crate::format::{format_dsl, FormatError};
use crate::ide::{self, HighlightKind};
use crate::rules;
use crate::side_by_side;
use crate::suppression;
use crate::text::{lines_with_breaks, Span};

pub const FIX_ALL: &str = "source.fixAll.mailflow";

/// A finding's message as the editor shows it, with its rule's name, in pieces.
fn message(diagnostic: &mf::Diagnostic) -> [&str; 4] {
    [&diagnostic.message, " (", diagnostic.rule.name, ")"]
}

/// Whether a finding is of code that does nothing, shown faded: an unused suppression, a rule
/// never reached.
fn does_nothing(diagnostic: &mf::Diagnostic) -> bool {
    matches!(diagnostic.code(), "MF014" | "MF308")
}

/// Writes `pieces` as one JSON string. Most text needs no escape and is copied as it is; the
/// rest is escaped by serde_json.
fn push_text(json: &mut String, pieces: &[&str]) {
    // Every byte looked at, without stopping at the first to escape: that is what lets the
    // compiler test many at a time.
    let escaped = |piece: &&str| piece.bytes().fold(false, |found, b| found | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if pieces.iter().any(escaped) {
        json.push_str(&Value::from(pieces.concat()).to_string());
    } else {
        json.push('"');
        pieces.iter().for_each(|piece| json.push_str(piece));
        json.push('"');
    }
}

/// How many findings make serializing them worth a second thread (measured with
/// `rules::SIDE_BY_SIDE`).
const SERIALIZED_BESIDE: usize = 1024;

/// The code actions for a range, but for the fix-all action when it is to be listed with its
/// edit: that needs the fixed text ([`super::Analysis::fixed_text`]), computed off the
/// executor, then [`Convert::fix_all_action`].
pub struct Listed {
    pub actions: CodeActionResponse,
    pub fix_all_with_edit: bool,
}

pub struct Convert<'a> {
    uri: &'a Uri,
    analysis: &'a Analysis,
    positions: Positions<'a>,
    docs_url: Option<String>,
}

impl<'a> Convert<'a> {
    pub fn new(uri: &'a Uri, analysis: &'a Analysis, encoding: Encoding, docs_url: Option<String>) -> Self {
        Convert {
            uri,
            analysis,
            positions: Positions::new(&analysis.text, &analysis.checked.lines, encoding),
            docs_url,
        }
    }

    fn range(&self, span: Span) -> Range {
        self.positions.range(span)
    }

    fn offset(&self, position: Position) -> usize {
        self.positions.offset(position)
    }

    fn text_edit(&self, edit: &Edit) -> TextEdit {
        TextEdit { range: self.range(edit.span), new_text: edit.replacement.clone() }
    }

    fn workspace_edit(&self, edits: &[Edit]) -> WorkspaceEdit {
        let edits = edits.iter().map(|e| self.text_edit(e)).collect();
        WorkspaceEdit { changes: Some([(self.uri.clone(), edits)].into_iter().collect()), ..Default::default() }
    }

    fn diagnostic(&self, index: usize, diagnostic: &mf::Diagnostic) -> Diagnostic {
        let severity = match diagnostic.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Hint => DiagnosticSeverity::HINT,
        };
        let related: Vec<DiagnosticRelatedInformation> = diagnostic
            .related
            .iter()
            .map(|r| DiagnosticRelatedInformation {
                location: Location { uri: self.uri.clone(), range: self.range(r.span) },
                message: r.message.clone(),
            })
            .collect();
        Diagnostic {
            range: self.range(diagnostic.span),
            severity: Some(severity),
            code: Some(NumberOrString::String(diagnostic.code().into())),
            code_description: self.page(diagnostic).map(|href| CodeDescription { href }),
            source: Some("mailflow".into()),
            message: message(diagnostic).concat(),
            related_information: (!related.is_empty()).then_some(related),
            tags: does_nothing(diagnostic).then(|| vec![DiagnosticTag::UNNECESSARY]),
            data: Some(json!({"index": index, "version": self.analysis.version})),
        }
    }

    /// The page of a finding's code, when the settings give where the pages are.
    fn page(&self, diagnostic: &mf::Diagnostic) -> Option<Uri> {
        let docs_url = self.docs_url.as_ref()?;
        rules::page_url(docs_url, diagnostic.code()).parse::<Uri>().ok()
    }

    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.analysis.checked.diagnostics.iter().enumerate().map(|(i, d)| self.diagnostic(i, d)).collect()
    }

    /// [`Convert::diagnostics`], each as JSON, for the message that publishes them: a large
    /// file's findings are written a half on each core.
    pub fn serialized_diagnostics(&self) -> Vec<String> {
        let indexed: Vec<(usize, &mf::Diagnostic)> = self.analysis.checked.diagnostics.iter().enumerate().collect();
        side_by_side::map(&indexed, SERIALIZED_BESIDE, |&(index, diagnostic)| self.diagnostic_json(index, diagnostic))
    }

    /// [`Convert::diagnostic`] as serde would serialize it, written directly: through
    /// `Diagnostic` and serde (a string allocated for each field, a map for `data`, every key
    /// escaped) a finding took 8,800 instructions, at 3,000 findings a third as much again as
    /// checking an edit; written directly, 2,500 (callgrind, 20 edits of 3,000 rules with a
    /// finding each). The test `pushed_diagnostics_are_the_pulled_ones` holds the two equal.
    fn diagnostic_json(&self, index: usize, diagnostic: &mf::Diagnostic) -> String {
        let mut json = String::with_capacity(256 + diagnostic.message.len());
        json.push_str("{\"range\":");
        self.push_range(&mut json, diagnostic.span);
        json.push_str(",\"severity\":");
        json.push(match diagnostic.severity() {
            Severity::Error => '1',
            Severity::Warning => '2',
            Severity::Hint => '4',
        });
        json.push_str(",\"code\":");
        push_text(&mut json, &[diagnostic.code()]);
        if let Some(page) = self.page(diagnostic) {
            json.push_str(",\"codeDescription\":{\"href\":");
            push_text(&mut json, &[page.as_str()]);
            json.push('}');
        }
        json.push_str(",\"source\":\"mailflow\",\"message\":");
        push_text(&mut json, &message(diagnostic));
        for (n, related) in diagnostic.related.iter().enumerate() {
            json.push_str(if n == 0 { ",\"relatedInformation\":[" } else { "," });
            json.push_str("{\"location\":{\"uri\":");
            push_text(&mut json, &[self.uri.as_str()]);
            json.push_str(",\"range\":");
            self.push_range(&mut json, related.span);
            json.push_str("},\"message\":");
            push_text(&mut json, &[&related.message]);
            json.push('}');
        }
        if !diagnostic.related.is_empty() {
            json.push(']');
        }
        if does_nothing(diagnostic) {
            json.push_str(",\"tags\":[1]");
        }
        let mut numbers = itoa::Buffer::new();
        json.push_str(",\"data\":{\"index\":");
        json.push_str(numbers.format(index));
        json.push_str(",\"version\":");
        json.push_str(numbers.format(self.analysis.version));
        json.push_str("}}");
        json
    }

    /// Writes the range of `span` as JSON.
    fn push_range(&self, json: &mut String, span: Span) {
        let range = self.range(span);
        let mut numbers = itoa::Buffer::new();
        for (opening, position) in [("{\"start\":{\"line\":", range.start), ("},\"end\":{\"line\":", range.end)] {
            json.push_str(opening);
            json.push_str(numbers.format(position.line));
            json.push_str(",\"character\":");
            json.push_str(numbers.format(position.character));
        }
        json.push_str("}}");
    }

    pub fn hover(&self, position: Position) -> Option<Hover> {
        let offset = self.offset(position);
        let checked = &self.analysis.checked;
        let info = ide::hover(checked, &self.analysis.text, offset);
        // The pages of the findings under the cursor follow what is hovered.
        let pages: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.span.start <= offset && offset <= d.span.end)
            .filter_map(|d| ide::diagnostic_page(d.code()))
            .collect();
        let mut parts: Vec<String> = info.iter().map(|i| i.markdown.clone()).collect();
        parts.extend(pages);
        parts.dedup();
        if parts.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: info.map(|i| self.range(i.span)),
        })
    }

    /// Quick fixes for the findings in the requested range, "ignore" actions for them, and
    /// the fix-all source action: asked for, or where a safe fix is. Only the fixes of the
    /// findings in the range are computed; the fix-all action goes without its edit to a
    /// client that resolves it later, else it is left to [`Convert::fix_all_action`].
    pub fn code_actions(&self, params: &CodeActionParams, resolve_edits: bool) -> Listed {
        let start = self.offset(params.range.start);
        let end = self.offset(params.range.end);
        let only = params.context.only.as_ref();
        let wants = |kind: &CodeActionKind| {
            only.is_none_or(|kinds| kinds.iter().any(|k| kind.as_str().starts_with(k.as_str())))
        };
        let mut actions = Vec::new();
        let checked = &self.analysis.checked;
        let (indices, mut in_range): (Vec<usize>, Vec<mf::Diagnostic>) = checked
            .diagnostics
            .iter()
            .enumerate()
            .filter(|(_, d)| d.span.end >= start && d.span.start <= end)
            .map(|(index, d)| (index, d.clone()))
            .unzip();
        if wants(&CodeActionKind::QUICKFIX) {
            // Also what offering fix-all unasked looks at.
            checked.attach_fixes(&self.analysis.text, &mut in_range);
            for (&index, diagnostic) in indices.iter().zip(&in_range) {
                let lsp_diagnostic = self.diagnostic(index, diagnostic);
                if let Some(fix) = &diagnostic.fix {
                    let data = json!({"uri": self.uri.as_str(), "version": self.analysis.version, "fix": index});
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![lsp_diagnostic.clone()]),
                        edit: (!resolve_edits).then(|| self.workspace_edit(&fix.edits)),
                        is_preferred: Some(fix.safe),
                        data: resolve_edits.then_some(data),
                        ..Default::default()
                    }));
                }
                actions.push(CodeActionOrCommand::CodeAction(self.ignore_action(diagnostic, lsp_diagnostic)));
            }
        }
        let asked = only.is_some_and(|_| wants(&CodeActionKind::new(FIX_ALL)));
        let safe_here = only.is_none() && in_range.iter().any(|d| d.fix.as_ref().is_some_and(|f| f.safe));
        if safe_here && resolve_edits {
            // A safe fix is here, so the edit is not empty; it is computed if chosen.
            actions.push(self.fix_all_with(None));
        }
        Listed { actions, fix_all_with_edit: asked || (safe_here && !resolve_edits) }
    }

    /// The fix-all action with its edit; none when fixing changes nothing.
    pub fn fix_all_action(&self) -> Option<CodeActionOrCommand> {
        self.fix_all().map(|edit| self.fix_all_with(Some(edit)))
    }

    /// The fix-all action with `edit`, or to be resolved.
    fn fix_all_with(&self, edit: Option<WorkspaceEdit>) -> CodeActionOrCommand {
        let data =
            edit.is_none().then(|| json!({"uri": self.uri.as_str(), "version": self.analysis.version, "fixAll": true}));
        CodeActionOrCommand::CodeAction(CodeAction {
            title: "Fix all safely fixable mailflow findings".into(),
            kind: Some(CodeActionKind::new(FIX_ALL)),
            edit,
            data,
            ..Default::default()
        })
    }

    /// Fills in the edit of a quick fix or of the fix-all action listed without one.
    pub fn resolve(&self, mut action: CodeAction, data: &Value) -> CodeAction {
        if data["fixAll"].as_bool() == Some(true) {
            action.edit = self.fix_all();
            return action;
        }
        let diagnostic = data["fix"].as_u64().and_then(|i| self.analysis.checked.diagnostics.get(i as usize));
        let mut picked: Vec<mf::Diagnostic> = diagnostic.into_iter().cloned().collect();
        self.analysis.checked.attach_fixes(&self.analysis.text, &mut picked);
        if let Some(fix) = picked.first().and_then(|d| d.fix.as_ref()) {
            action.edit = Some(self.workspace_edit(&fix.edits));
        }
        action
    }

    /// The safe fixes, applied as `mailflow check --fix` applies them
    /// ([`super::Analysis::fixed_text`]), as edits of the document: one for each run of
    /// changed lines.
    fn fix_all(&self) -> Option<WorkspaceEdit> {
        let edits = line_edits(&self.analysis.text, self.analysis.fixed_text());
        (!edits.is_empty()).then(|| self.workspace_edit(&edits))
    }

    /// "Ignore MFxxx for this object" (or "in this file"): its edit is small, so it comes
    /// with the action.
    fn ignore_action(&self, diagnostic: &mf::Diagnostic, lsp_diagnostic: Diagnostic) -> CodeAction {
        let checked = &self.analysis.checked;
        let fix = suppression::ignore(
            diagnostic,
            &checked.flow,
            checked.source.comments(),
            &checked.lines,
            &self.analysis.text,
        );
        CodeAction {
            title: fix.title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![lsp_diagnostic]),
            edit: Some(self.workspace_edit(&fix.edits)),
            is_preferred: Some(fix.safe),
            ..Default::default()
        }
    }

    /// A DSL document in the canonical layout, as one edit of the whole document (none when
    /// it is formatted already). Nothing for YAML, nor for a document with a syntax error:
    /// its diagnostics say where. `Err` says why a document was not formatted otherwise.
    pub fn formatting(&self) -> Result<Option<Vec<TextEdit>>, String> {
        let text = &self.analysis.text;
        if !matches!(self.analysis.checked.source, Source::Dsl(_)) {
            return Ok(None);
        }
        match format_dsl(text) {
            Ok(formatted) if formatted == *text => Ok(Some(Vec::new())),
            Ok(formatted) => {
                Ok(Some(vec![TextEdit { range: self.range(Span::new(0, text.len())), new_text: formatted }]))
            }
            Err(FormatError::Syntax(_)) => Ok(None),
            Err(error) => Err(format!("line {}: {error}", self.range(error.span()).start.line + 1)),
        }
    }

    pub fn completions(&self, position: Position) -> Vec<CompletionItem> {
        let offset = self.offset(position);
        ide::complete(&self.analysis.checked, &self.analysis.text, offset)
            .into_iter()
            .map(|c| {
                let kind = match c.kind {
                    ide::CompletionKind::Key => CompletionItemKind::PROPERTY,
                    ide::CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
                    ide::CompletionKind::Connector => CompletionItemKind::REFERENCE,
                    ide::CompletionKind::Header => CompletionItemKind::CONSTANT,
                    ide::CompletionKind::Vendor => CompletionItemKind::VALUE,
                    ide::CompletionKind::Snippet => CompletionItemKind::SNIPPET,
                };
                CompletionItem {
                    label: c.label,
                    kind: Some(kind),
                    detail: c.detail,
                    documentation: c
                        .documentation
                        .map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d })),
                    insert_text_format: Some(if c.is_snippet {
                        InsertTextFormat::SNIPPET
                    } else {
                        InsertTextFormat::PLAIN_TEXT
                    }),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range: self.range(c.replace),
                        new_text: c.insert_text,
                    })),
                    ..Default::default()
                }
            })
            .collect()
    }

    fn location(&self, span: Span) -> Location {
        Location { uri: self.uri.clone(), range: self.range(span) }
    }

    pub fn definition(&self, position: Position) -> Option<Location> {
        ide::definition(&self.analysis.checked, self.offset(position)).map(|span| self.location(span))
    }

    pub fn references(&self, position: Position, include_declaration: bool) -> Vec<Location> {
        ide::references(&self.analysis.checked, self.offset(position), include_declaration)
            .into_iter()
            .map(|span| self.location(span))
            .collect()
    }

    pub fn prepare_rename(&self, position: Position) -> Option<PrepareRenameResponse> {
        ide::prepare_rename(&self.analysis.checked, self.offset(position))
            .map(|span| PrepareRenameResponse::Range(self.range(span)))
    }

    pub fn rename(&self, position: Position, new_name: &str) -> Result<WorkspaceEdit, String> {
        let edits = ide::rename(&self.analysis.checked, &self.analysis.text, self.offset(position), new_name)?;
        Ok(self.workspace_edit(&edits))
    }

    #[allow(deprecated)] // `DocumentSymbol::deprecated` has to be given.
    fn symbol(&self, symbol: ide::Symbol) -> DocumentSymbol {
        DocumentSymbol {
            name: symbol.name,
            detail: Some(symbol.detail),
            kind: symbol_kind(&symbol.kind),
            tags: None,
            deprecated: None,
            range: self.range(symbol.span),
            selection_range: self.range(symbol.selection),
            children: (!symbol.children.is_empty())
                .then(|| symbol.children.into_iter().map(|c| self.symbol(c)).collect()),
        }
    }

    pub fn document_symbols(&self) -> Vec<DocumentSymbol> {
        ide::document_symbols(&self.analysis.checked).into_iter().map(|s| self.symbol(s)).collect()
    }
}

/// The edits that turn `old` into `new`, one for each run of changed lines (split where the
/// checker splits them: `crate::text`), so that an editor keeps what lies between them.
fn line_edits(old: &str, new: &str) -> Vec<Edit> {
    let old_lines: Vec<&str> = lines_with_breaks(old).collect();
    let new_lines: Vec<&str> = lines_with_breaks(new).collect();
    // Where each line starts, and the end of the text.
    let starts = |lines: &[&str]| -> Vec<usize> {
        let mut at = 0;
        std::iter::once(0)
            .chain(lines.iter().map(|line| {
                at += line.len();
                at
            }))
            .collect()
    };
    let (old_at, new_at) = (starts(&old_lines), starts(&new_lines));
    let mut edits: Vec<Edit> = Vec::new();
    let mut last_old_end = None;
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_lines, &new_lines) {
        if op.tag() == similar::DiffTag::Equal {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let replacement = &new[new_at[new_range.start]..new_at[new_range.end]];
        match edits.last_mut() {
            // Right after the previous change: one edit.
            Some(edit) if last_old_end == Some(old_range.start) => {
                edit.span.end = old_at[old_range.end];
                edit.replacement.push_str(replacement);
            }
            _ => edits.push(Edit {
                span: Span::new(old_at[old_range.start], old_at[old_range.end]),
                replacement: replacement.to_owned(),
            }),
        }
        last_old_end = Some(old_range.end);
    }
    edits
}

fn symbol_kind(kind: &ide::SymbolKind) -> SymbolKind {
    match kind {
        ide::SymbolKind::Organization => SymbolKind::NAMESPACE,
        ide::SymbolKind::Connector => SymbolKind::INTERFACE,
        ide::SymbolKind::Rule => SymbolKind::FUNCTION,
    }
}

pub fn workspace_symbols(
    files: &[(Uri, std::sync::Arc<Analysis>)],
    query: &str,
    encoding: Encoding,
) -> Vec<WorkspaceSymbol> {
    let checked: Vec<(&str, &crate::check::Checked)> = files.iter().map(|(u, a)| (u.as_str(), &a.checked)).collect();
    ide::workspace_symbols(&checked, query)
        .into_iter()
        .map(|(index, symbol)| {
            let (uri, analysis) = &files[index];
            let positions = Positions::new(&analysis.text, &analysis.checked.lines, encoding);
            WorkspaceSymbol {
                name: symbol.name,
                kind: symbol_kind(&symbol.kind),
                tags: None,
                container_name: Some(symbol.detail),
                location: OneOf::Left(Location { uri: uri.clone(), range: positions.range(symbol.selection) }),
                data: None,
            }
        })
        .collect()
}

pub fn folding_ranges(analysis: &Analysis, limit: Option<usize>) -> Vec<FoldingRange> {
    ide::folding_ranges(&analysis.checked, &analysis.text, limit)
        .into_iter()
        .map(|(start, end)| FoldingRange {
            start_line: start as u32,
            end_line: end as u32,
            kind: Some(FoldingRangeKind::Region),
            ..Default::default()
        })
        .collect()
}

/// The semantic token types, in the order of the legend.
const TOKEN_TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::TYPE,
    SemanticTokenType::VARIABLE,
];

/// The bit of the legend's one modifier, `declaration`.
const DECLARATION: u32 = 1;

pub fn semantic_tokens_legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// A highlight as an LSP token type and modifiers: rules are functions, connectors types,
/// each declared where it is defined.
fn token_type(kind: HighlightKind) -> (SemanticTokenType, u32) {
    match kind {
        HighlightKind::Keyword => (SemanticTokenType::KEYWORD, 0),
        HighlightKind::Setting => (SemanticTokenType::PROPERTY, 0),
        HighlightKind::Value => (SemanticTokenType::ENUM_MEMBER, 0),
        HighlightKind::String => (SemanticTokenType::STRING, 0),
        HighlightKind::Number => (SemanticTokenType::NUMBER, 0),
        HighlightKind::Comment => (SemanticTokenType::COMMENT, 0),
        HighlightKind::RuleName => (SemanticTokenType::FUNCTION, DECLARATION),
        HighlightKind::ConnectorName => (SemanticTokenType::TYPE, DECLARATION),
        HighlightKind::ConnectorReference => (SemanticTokenType::TYPE, 0),
        HighlightKind::UnknownKey => (SemanticTokenType::VARIABLE, 0),
    }
}

/// The semantic tokens of a DSL document, or of those of its tokens that reach into `within`,
/// each placed relative to the one before (as the protocol encodes them); none for YAML. No
/// DSL token spans two lines.
pub fn semantic_tokens(analysis: &Analysis, encoding: Encoding, within: Option<Range>) -> Option<SemanticTokens> {
    let Source::Dsl(file) = &analysis.checked.source else { return None };
    let positions = Positions::new(&analysis.text, &analysis.checked.lines, encoding);
    let within = within.map(|range| Span::new(positions.offset(range.start), positions.offset(range.end)));
    let mut previous = Position::new(0, 0);
    let data = ide::highlights(file, &analysis.text, within)
        .into_iter()
        .map(|highlight| {
            let start = positions.position(highlight.span.start);
            let end = positions.position(highlight.span.end);
            let (token_type, modifiers) = token_type(highlight.kind);
            let token = SemanticToken {
                delta_line: start.line - previous.line,
                delta_start: if start.line == previous.line {
                    start.character - previous.character
                } else {
                    start.character
                },
                length: end.character - start.character,
                token_type: TOKEN_TYPES
                    .iter()
                    .position(|t| *t == token_type)
                    .expect("every token type is in the legend") as u32,
                token_modifiers_bitset: modifiers,
            };
            previous = start;
            token
        })
        .collect();
    Some(SemanticTokens { result_id: None, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_edits_change_only_the_runs_of_changed_lines() {
        for newline in ["\n", "\r\n", "\r"] {
            let old = ["a", "b", "c", "d", "e", "f", "g", ""].join(newline);
            let new = ["a", "B", "c", "d", "e", "f2", "f3", "g", "h"].join(newline);
            let edits = line_edits(&old, &new);
            let fix = crate::diagnostic::Fix { title: String::new(), safe: true, edits: edits.clone() };
            assert_eq!(crate::fixes::apply_fixes(&old, [&fix]).text, new, "{newline:?}");
            let replaced: Vec<&str> = edits.iter().map(|e| &old[e.span.range()]).collect();
            // `h` is inserted at the end.
            assert_eq!(replaced, [format!("b{newline}"), format!("f{newline}"), String::new()], "{newline:?}");
        }
        assert_eq!(line_edits("same\n", "same\n"), []);
    }
}
