//! The DSL front end: tree-sitter-mailflow's tree, its comments and its error regions.
//! The tree is kept (not copied into a value tree as for YAML): lowering reads it directly.

use super::{Comment, ReusableTree, SyntaxError};
use crate::text::Span;

pub struct DslFile {
    pub tree: ReusableTree,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

impl std::fmt::Debug for DslFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DslFile").field("comments", &self.comments).field("errors", &self.errors).finish()
    }
}

impl DslFile {
    pub fn root(&self) -> tree_sitter::Node<'_> {
        self.tree.0.root_node()
    }
}

/// Parses `text`, reusing `old` (the tree of an earlier version with every edit recorded).
pub fn parse(text: &str, old: Option<&ReusableTree>) -> DslFile {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_mailflow::LANGUAGE.into())
        .expect("the bundled tree-sitter-mailflow grammar matches the tree-sitter version");
    let tree =
        parser.parse(text, old.map(|t| &t.0)).expect("parsing without a timeout or cancellation always yields a tree");
    let mut comments = Vec::new();
    let mut errors = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        let span = Span::new(node.start_byte(), node.end_byte());
        if node.kind() == "comment" {
            comments.push(Comment { span, text: text[span.range()].to_owned() });
        } else if node.is_missing() {
            errors.push(SyntaxError { span, message: format!("`{}` is missing here", node.kind()) });
        } else if node.is_error() {
            errors.push(SyntaxError { span, message: describe_error(&text[span.range()]) });
        } else if node.kind() == "invalid_escape" {
            errors.push(SyntaxError {
                span,
                message: format!("`{}` is not an escape; allowed: \\\" \\\\ \\n \\t \\u{{…}}", &text[span.range()]),
            });
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    drop(cursor);
    DslFile { tree: ReusableTree(tree), comments, errors }
}

/// What an error region holds, in words.
fn describe_error(region: &str) -> String {
    let first_line = region.lines().next().unwrap_or("").trim();
    let shown: String = first_line.chars().take(40).collect();
    format!("this is not a statement of the mail-flow DSL (`{shown}`); the rest of the file was read without it")
}
