//! Highlighting a DSL file with the grammar's own query (`grammar/queries/highlights.scm`),
//! so that editors colouring through the language server agree with tree-sitter editors.

use crate::syntax::span_of;
use std::sync::LazyLock;

use tree_sitter::{Query, QueryCursor, StreamingIterator};

use crate::syntax::dsl::DslFile;
use crate::text::Span;

/// What a highlighted token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HighlightKind {
    /// A word of the language that is no setting, and `true` / `false`.
    Keyword,
    /// A setting's keyword (`type`, `smart-hosts`, `disabled`, …).
    Setting,
    /// An enumerated value (`inside`, `on-premises`, `codetwo`, …).
    Value,
    String,
    Number,
    Comment,
    /// A rule's name where the rule is defined.
    RuleName,
    /// A connector's name where the connector is defined.
    ConnectorName,
    /// A connector's name in `redirect to`.
    ConnectorReference,
    /// The first word of a statement that is no keyword.
    UnknownKey,
}

/// One highlighted token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub span: Span,
    pub kind: HighlightKind,
}

static HIGHLIGHTS: LazyLock<Query> = LazyLock::new(|| {
    Query::new(&tree_sitter_mailflow::LANGUAGE.into(), tree_sitter_mailflow::HIGHLIGHTS_QUERY)
        .expect("the grammar's highlight query matches the grammar")
});

/// The kind a capture of the query stands for. Escapes and brackets are left out: a token
/// is coloured whole (an escape is part of its string) and braces need no colour.
fn kind(capture: &str) -> Option<HighlightKind> {
    Some(match capture {
        "keyword" | "keyword.conditional" | "keyword.operator" | "boolean" => HighlightKind::Keyword,
        "property" => HighlightKind::Setting,
        "constant" => HighlightKind::Value,
        "string" | "string.special" => HighlightKind::String,
        "number" => HighlightKind::Number,
        "comment" => HighlightKind::Comment,
        "function" => HighlightKind::RuleName,
        "type.definition" => HighlightKind::ConnectorName,
        "type" => HighlightKind::ConnectorReference,
        "variable" => HighlightKind::UnknownKey,
        _ => return None,
    })
}

/// The file's highlighted tokens in the order of the text, none overlapping another; with
/// `within`, those that reach into it (an editor colouring what it shows first). A token
/// several patterns match takes the first pattern's capture, as tree-sitter's own
/// highlighter does (the query is written for that: specific patterns come first).
pub fn highlights(file: &DslFile, text: &str, within: Option<Span>) -> Vec<Highlight> {
    let mut cursor = QueryCursor::new();
    if let Some(within) = within {
        // The query then visits only the nodes that reach into those bytes.
        cursor.set_byte_range(within.range());
    }
    let mut captures = cursor.captures(&HIGHLIGHTS, file.root(), text.as_bytes());
    let mut found = Vec::new();
    while let Some((matched, index)) = captures.next() {
        let capture = matched.captures()[*index];
        let span = span_of(capture.node);
        // A node that tree-sitter supplied as missing has no text to colour.
        if !span.is_empty() {
            found.push((span, matched.pattern_index, HIGHLIGHTS.capture_names()[capture.index as usize]));
        }
    }
    found.sort_by_key(|&(span, pattern, _)| (span, pattern));
    found.dedup_by_key(|&mut (span, ..)| span);
    found.into_iter().filter_map(|(span, _, capture)| Some(Highlight { span, kind: kind(capture)? })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dsl;

    fn kinds(text: &str) -> Vec<(&str, HighlightKind)> {
        let file = dsl::parse(text);
        highlights(&file, text, None).into_iter().map(|h| (&text[h.span.range()], h.kind)).collect()
    }

    #[test]
    fn the_first_matching_pattern_decides() {
        use HighlightKind::*;
        let text = "connector \"C\" {\n  type partner # why\n  colour blue\n}\n\
                    rule \"R\" priority 0 {\n  if message type is oof\n  redirect to \"C\"\n  disabled\n}\n";
        assert_eq!(
            kinds(text),
            [
                ("connector", Keyword),
                ("\"C\"", ConnectorName),
                ("type", Setting),
                ("partner", Value),
                ("# why", Comment),
                ("colour", UnknownKey),
                ("blue", Value),
                ("rule", Keyword),
                ("\"R\"", RuleName),
                ("priority", Keyword),
                ("0", Number),
                ("if", Keyword),
                ("message", Keyword),
                // `type` inside a condition is no setting.
                ("type", Keyword),
                ("is", Keyword),
                ("oof", Value),
                ("redirect", Keyword),
                ("to", Keyword),
                ("\"C\"", ConnectorReference),
                ("disabled", Setting),
            ]
        );
    }

    #[test]
    fn missing_tokens_are_not_highlighted() {
        let text = "rule \"A\" priority 0 {\n  if sender is\n}\n";
        assert!(kinds(text).iter().all(|(token, _)| !token.is_empty()));
    }
}
