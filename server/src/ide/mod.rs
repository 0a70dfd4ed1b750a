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
    /// The input with its `$0` marker taken out, and the marker's offset: the cursor.
    pub fn cursor(input: &str) -> (String, usize) {
        let offset = input.find("$0").expect("the input marks the cursor with `$0`");
        (input.replacen("$0", "", 1), offset)
    }
}
