//! What the `incremental_edits` target holds of an open document edited as the language server
//! edits it: the document (`server/src/lsp/document.rs`, compiled here from the server's
//! own source) takes each `didChange` content change (a range in the client's encoding, or
//! the whole text) into its rope and records it in what the previous check left; at the
//! points where the server has checked the text, checking with what the previous check left
//! (`check::check_incremental`) gives exactly what checking the text afresh gives: the
//! model, the findings, the YAML read, and the fixes the findings get.
//!
//! The crate that compiles this declares what `document.rs` reaches through `crate::`
//! (`server_paths_for_document!`). Its CI twin is `server/tests/incremental_edits.rs`, beside
//! `server/tests/incremental.rs` (the YAML parse and the DSL check, edited by bytes).

use mailflow::check::{check_incremental, Checked, Selection, Syntax};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

#[path = "../../server/src/lsp/document.rs"]
#[allow(dead_code)]
mod document;

use document::Document;
pub use document::Encoding;

/// Declares at the root of the crate that compiles this module (`#[macro_use]`) what
/// `document.rs` reaches through `crate::`: the server's modules of those names.
macro_rules! server_paths_for_document {
    () => {
        mod check {
            pub use mailflow::check::{Reuse, Syntax};
        }
        mod syntax {
            pub use mailflow::syntax::TextPoint;
        }
        mod text {
            pub use mailflow::text::{floor_char_boundary, LineIndex, Span};
        }
    };
}

/// One step of an open document's life.
#[derive(Clone, Debug)]
pub enum Step {
    /// A content change of `didChange`: `range` in the client's encoding (lines, columns),
    /// or `None` for the whole text.
    Change { range: Option<((u32, u32), (u32, u32))>, text: String },
    /// The server checks the text now, and keeps what the check leaves for the next.
    Check,
}

impl Step {
    fn change(&self) -> Option<TextDocumentContentChangeEvent> {
        let Step::Change { range, text } = self else { return None };
        let position = |(line, character)| Position::new(line, character);
        Some(TextDocumentContentChangeEvent {
            range: range.map(|(start, end)| Range::new(position(start), position(end))),
            range_length: None,
            text: text.clone(),
        })
    }

    /// The steps of a fuzz target's bytes, after the text: records separated by `FF` (no
    /// UTF-8 text has that byte), each a flag byte (bit 0: check after the change; bit 1:
    /// the change is the whole text), the start line (two bytes, little-endian) and column
    /// (one byte), the lines from start to end (one byte) and the end column (one byte),
    /// then the change's text (its invalid UTF-8 replaced).
    pub fn from_fuzz(records: &[&[u8]]) -> Vec<Step> {
        let mut steps = Vec::new();
        for record in records {
            let mut head = [0u8; 6];
            let split = record.len().min(head.len());
            head[..split].copy_from_slice(&record[..split]);
            let [flags, line0, line1, column, lines, end_column] = head;
            let start_line = u32::from(u16::from_le_bytes([line0, line1]));
            let range = (flags & 2 == 0)
                .then_some(((start_line, u32::from(column)), (start_line + u32::from(lines), u32::from(end_column))));
            steps.push(Step::Change { range, text: String::from_utf8_lossy(&record[split..]).into_owned() });
            if flags & 1 == 1 {
                steps.push(Step::Check);
            }
        }
        steps
    }
}

/// Checks with what the previous check left and afresh, and compares.
fn check_both(text: &str, syntax: Syntax, previous: Option<&mailflow::check::Reuse>) -> mailflow::check::Reuse {
    let selection = Selection::default();
    let (reusing, reuse) = check_incremental(text, syntax, &selection, previous);
    let (fresh, _) = check_incremental(text, syntax, &selection, None);
    let context = || format!("after the edits the text is {text:?}");
    assert_eq!(reusing.flow, fresh.flow, "the model differs from a fresh check's; {}", context());
    assert_eq!(reusing.diagnostics, fresh.diagnostics, "the findings differ from a fresh check's; {}", context());
    assert_eq!(reusing.yaml(), fresh.yaml(), "the YAML read differs from a fresh check's; {}", context());
    assert_eq!(reusing.lines, fresh.lines, "the lines differ from a fresh check's; {}", context());
    let fixed = |checked: &Checked| {
        let mut diagnostics = checked.diagnostics.clone();
        checked.attach_fixes(text, &mut diagnostics);
        diagnostics
    };
    assert_eq!(fixed(&reusing), fixed(&fresh), "the fixes differ from a fresh check's; {}", context());
    reuse
}

/// Opens `text` as a document of `syntax`, takes `steps` as the server does, and holds every
/// check, and one of the final text, to the property above.
pub fn holds(text: &str, syntax: Syntax, encoding: Encoding, steps: &[Step]) {
    let mut document = Document::new(text, 0, syntax, 1);
    for step in steps {
        match step.change() {
            Some(change) => document.apply(&change, encoding),
            None => document.previous = Some(check_both(&document.text(), syntax, document.previous.as_ref())),
        }
    }
    check_both(&document.text(), syntax, document.previous.as_ref());
}
