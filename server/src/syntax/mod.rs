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

/// A parsed tree kept between versions of an open document, so that parsing the next
/// version reuses what did not change. Every edit made to the text must be told to it.
#[derive(Clone)]
pub struct ReusableTree {
    pub(crate) tree: tree_sitter::Tree,
    /// For YAML, what reading this version into a value tree leaves for the next.
    pub(crate) yaml: Option<std::sync::Arc<yaml::Converted>>,
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
    }
}

impl std::fmt::Debug for ReusableTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReusableTree")
    }
}
