//! The syntax layer: lossless, error-recovering trees with byte spans.

pub mod dsl;
pub mod scalar;
pub mod yaml;

use crate::text::Span;

/// The two ways to write a mail flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    /// The mail-flow DSL (`*.mailflow`).
    Dsl,
}

impl Syntax {
    /// `*.mailflow` files are DSL; everything else is read as YAML.
    pub fn of_path(path: &std::path::Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some(extension) if extension.eq_ignore_ascii_case("mailflow") => Syntax::Dsl,
            _ => Syntax::Yaml,
        }
    }
}

/// The bytes a tree-sitter node covers.
pub fn span_of(node: tree_sitter::Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// A comment, in either syntax.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// From the `#` to the end of the line.
    pub span: Span,
    pub text: String,
}

/// A part of the text that does not parse, and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// A place in a text for tree edits: byte offset, and row and byte column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPoint {
    pub byte: usize,
    pub row: usize,
    pub column: usize,
}

impl TextPoint {
    /// Where byte `byte` of `text` is, rows counted as tree-sitter counts them (by `\n`).
    pub fn of(text: &str, byte: usize) -> TextPoint {
        let before = &text[..byte];
        TextPoint { byte, row: before.matches('\n').count(), column: byte - before.rfind('\n').map_or(0, |i| i + 1) }
    }

    /// Replaces the bytes `range` of `text` with `insert`; returns the edit as a tree takes
    /// it: where it starts, where the bytes it replaced ended, where what it wrote ends.
    pub fn replace_in(
        text: &mut String,
        range: std::ops::Range<usize>,
        insert: &str,
    ) -> (TextPoint, TextPoint, TextPoint) {
        let (start, old_end) = (TextPoint::of(text, range.start), TextPoint::of(text, range.end));
        text.replace_range(range.clone(), insert);
        (start, old_end, TextPoint::of(text, range.start + insert.len()))
    }
}

/// A parsed tree kept between versions of an open document, so that parsing the next
/// version reuses what did not change. Every edit made to the text must be told to it.
#[derive(Clone)]
pub struct ReusableTree {
    pub(crate) tree: tree_sitter::Tree,
    /// For YAML, what reading this version into a value tree leaves for the next.
    pub(crate) yaml: Option<std::sync::Arc<yaml::Converted>>,
    /// For the DSL, what scanning this version for comments and errors leaves for the next.
    pub(crate) dsl: Option<std::sync::Arc<dsl::Scanned>>,
    /// The bytes of the edited text that the edits since this version wrote, as one stretch
    /// from the first to the last (`None` before an edit): every byte outside it is the
    /// version's, moved.
    pub(crate) edited: Option<std::ops::Range<usize>>,
}

impl ReusableTree {
    /// Records that the text from `start` to `old_end` was replaced by text ending at `new_end`.
    pub fn edit(&mut self, start: TextPoint, old_end: TextPoint, new_end: TextPoint) {
        let point = |p: TextPoint| tree_sitter::Point { row: p.row, column: p.column };
        self.tree.edit(&tree_sitter::InputEdit {
            start_byte: start.byte,
            old_end_byte: old_end.byte,
            new_end_byte: new_end.byte,
            start_position: point(start),
            old_end_position: point(old_end),
            new_end_position: point(new_end),
        });
        // Where a byte of the text before this edit is after it; one the edit replaced is at
        // the end of what replaced it.
        let moved = |at: usize| match at {
            _ if at >= old_end.byte => at - old_end.byte + new_end.byte,
            _ if at > start.byte => new_end.byte,
            _ => at,
        };
        self.edited = Some(match self.edited.take() {
            None => start.byte..new_end.byte,
            Some(edited) => edited.start.min(start.byte)..moved(edited.end).max(new_end.byte),
        });
    }
}

#[cfg(test)]
impl ReusableTree {
    /// Inserts `insert` at byte `at` of `text`, the text of this tree, and records the edit.
    pub(crate) fn insert(&mut self, text: &mut String, at: usize, insert: &str) {
        self.replace(text, at..at, insert);
    }

    /// Replaces the bytes `range` of `text`, the text of this tree, with `insert`, and
    /// records the edit.
    pub(crate) fn replace(&mut self, text: &mut String, range: std::ops::Range<usize>, insert: &str) {
        let (start, old_end, new_end) = TextPoint::replace_in(text, range, insert);
        self.edit(start, old_end, new_end);
    }
}

impl std::fmt::Debug for ReusableTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReusableTree")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stretch_edited_covers_every_edit_in_the_text_after_them_all() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let (_, mut tree) = yaml::parse_incremental(text, &crate::text::LineIndex::new(text), None);
        assert_eq!(tree.edited, None);
        // Bytes within one line: rows do not matter here.
        let at = |byte| TextPoint { byte, row: 0, column: byte };
        // `c: 3` becomes `c: 345`: bytes 13..15 written.
        tree.edit(at(13), at(13), at(15));
        assert_eq!(tree.edited, Some(13..15));
        // Then `b: 2` becomes `b:`: the stretch moves back by the two bytes removed.
        tree.edit(at(7), at(9), at(7));
        assert_eq!(tree.edited, Some(7..13));
        // Then the end of what was `c: 345` and the start of `d` are replaced by one byte.
        tree.edit(at(12), at(15), at(13));
        assert_eq!(tree.edited, Some(7..13));
        // And an edit after the stretch widens it.
        tree.edit(at(16), at(16), at(18));
        assert_eq!(tree.edited, Some(7..18));
    }
}
