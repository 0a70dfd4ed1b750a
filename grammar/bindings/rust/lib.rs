//! This crate provides the mail-flow DSL (`*.mailflow` files) for the [tree-sitter] parsing
//! library: Exchange Online outbound connectors and transport rules as code.
//!
//! Use the [`LANGUAGE`] constant to add this language to a tree-sitter [`Parser`]:
//!
//! ```
//! let code = r#"
//! mailflow 1
//! rule "Mimecast smart host" priority 1 {
//!   if sender is inside
//!   redirect to "Mimecast outbound"
//! }
//! "#;
//! let mut parser = tree_sitter::Parser::new();
//! let language = tree_sitter_mailflow::LANGUAGE;
//! parser
//!     .set_language(&language.into())
//!     .expect("Error loading the mailflow parser");
//! let tree = parser.parse(code, None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! [`Parser`]: https://docs.rs/tree-sitter/0.27/tree_sitter/struct.Parser.html
//! [tree-sitter]: https://tree-sitter.github.io/

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_mailflow() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for the mail-flow DSL.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_mailflow) };

/// The content of the [`node-types.json`] file for this grammar.
///
/// [`node-types.json`]: https://tree-sitter.github.io/tree-sitter/using-parsers/6-static-node-types
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

#[cfg(with_highlights_query)]
/// The syntax highlighting query for this grammar.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

#[cfg(with_locals_query)]
/// The local definitions and references query (connector names and `redirect to`).
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");

#[cfg(with_folds_query)]
/// The folding query (`{ … }` blocks).
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

#[cfg(test)]
mod tests {
    #[test]
    fn test_can_load_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&super::LANGUAGE.into()).expect("Error loading the mailflow parser");
    }

    #[test]
    fn the_example_parses_without_errors() {
        let code = include_str!("../../examples/codetwo-mimecast.mailflow");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&super::LANGUAGE.into()).unwrap();
        let tree = parser.parse(code, None).unwrap();
        assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
    }
}
