//! Editor features over one checked file: hover, completion, going to and renaming
//! connectors, symbols, folding and highlighting. Pure functions of the checked text with
//! byte offsets and spans; only the language server (`lsp`) turns them into LSP messages.

mod complete;
mod complete_dsl;
mod describe;
mod highlight;
mod hover;
mod locate;
mod navigate;
mod outline;

pub use complete::{complete, Completion, CompletionKind};
pub use highlight::{highlights, Highlight, HighlightKind};
pub use hover::{diagnostic_page, hover, HoverInfo};
pub use navigate::{definition, prepare_rename, references, rename};
pub use outline::{document_symbols, folding_ranges, workspace_symbols, Symbol, SymbolKind};

#[cfg(test)]
mod tests {
    use super::{complete, Completion, CompletionKind};
    use crate::check::{check, Selection, Syntax};

    /// The input with its `$0` marker taken out, and the marker's offset: the cursor.
    pub fn cursor(input: &str) -> (String, usize) {
        let offset = input.find("$0").expect("the input marks the cursor with `$0`");
        (input.replacen("$0", "", 1), offset)
    }

    /// The text without its marker, and what completion offers at the marker.
    pub fn completions(input: &str, syntax: Syntax) -> (String, Vec<Completion>) {
        let (text, offset) = cursor(input);
        let checked = check(&text, syntax, &Selection::default());
        let items = complete(&checked, &text, offset);
        (text, items)
    }

    /// One line per item: kind, label, the replaced text and the text inserted (line breaks
    /// shown as `⏎`; a snippet's only by its label: see [`snippet`]).
    pub fn listed(input: &str, syntax: Syntax) -> String {
        let (text, items) = completions(input, syntax);
        let lines: Vec<String> = items
            .iter()
            .map(|item| {
                let replaced = &text[item.replace.range()];
                match item.kind {
                    CompletionKind::Snippet => format!("Snippet {} [{replaced}]", item.label),
                    kind => format!("{kind:?} {} [{replaced}] {}", item.label, item.insert_text.replace('\n', "⏎")),
                }
            })
            .collect();
        lines.join("\n")
    }

    /// The text of the snippet labelled `label`.
    pub fn snippet(input: &str, syntax: Syntax, label: &str) -> String {
        let (_, items) = completions(input, syntax);
        let item = items.into_iter().find(|item| item.label == label).unwrap_or_else(|| panic!("no {label}"));
        assert!(item.is_snippet && item.kind == CompletionKind::Snippet);
        item.insert_text
    }
}
