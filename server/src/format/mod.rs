//! The one canonical layout of a DSL file (`mailflow fmt`, the editor's "format document"),
//! computed from its concrete syntax tree.
//!
//! The layout: one statement per line, blocks indented by two spaces with `{` on the line of
//! what opens them (`{}` when empty), one blank line between top-level items, single spaces
//! between tokens, strings spelled canonically (see `canonical_string`). The author's
//! blank lines inside a block are kept (at most one), as are the blank lines around
//! comments between items.
//!
//! Nothing is lost: every comment is kept, a comment on a line of its own stays on a line
//! of its own before what followed it, and a comment at the end of a line stays at the end of
//! the line of the token it followed (a statement interrupted by a comment goes on, indented
//! by two levels, on the next line). The layout never changes meaning: the grammar ignores
//! line breaks, and the two places where the lines do count are kept:
//! - the unknown settings a line holds: a bare word that starts a line in an unknown
//!   setting's values is read as the key of another one, so it keeps starting a line;
//! - suppression comments (`# mailflow: ignore[…]`), which reach the object named on their
//!   line or starting on the next one: one that reaches a single object is put where it
//!   reaches it in the canonical layout (at the end of the object's first line, or on the
//!   line above it), and the result is checked; a comment no layout can keep reaching the
//!   same objects (one reaching two objects written on one line) stops the formatting.

#[cfg(test)]
mod tests;

use crate::syntax::span_of;
use std::borrow::Cow;
use std::fmt;

use tree_sitter::Node;

use crate::suppression::{self, ObjectSpans};
use crate::syntax::dsl::{self, DslFile};
use crate::syntax::SyntaxError;
use crate::text::{newline_of, LineIndex, Span};

const INDENT: &str = "  ";

/// Indentation levels added to a statement's continuation after a comment broke it, so that
/// it is not mistaken for the next statement of the block.
const CONTINUATION: usize = 2;

/// Why a file was not formatted. The text is left as it is.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The file does not parse: its first syntax error.
    Syntax(SyntaxError),
    /// This suppression comment would reach other objects in any canonical layout.
    Suppression { span: Span },
}

impl FormatError {
    /// Where the problem is.
    pub fn span(&self) -> Span {
        match self {
            FormatError::Syntax(error) => error.span,
            FormatError::Suppression { span } => *span,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(error) => write!(f, "syntax error: {}", error.message),
            FormatError::Suppression { .. } => f.write_str(
                "formatting would change which connector or rule this suppression comment applies to; \
                 put it on a line of its own directly above that connector or rule",
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats a DSL file; a file with a syntax error is not formatted.
pub fn format_dsl(text: &str) -> Result<String, FormatError> {
    let file = dsl::parse(text);
    if let Some(error) = file.errors.first() {
        return Err(FormatError::Syntax(error.clone()));
    }
    let lines = LineIndex::new(text);
    let mut pieces = Vec::new();
    collect(file.root(), text, &lines, &mut pieces, &mut false);
    mark_blank_lines(&mut pieces, &lines);
    let (items, spans) = objects(&file);
    let reach = suppression::object_reach(&file.comments, &spans, &lines);
    for (comment, reached) in &reach {
        if let [object] = reached[..] {
            keep_in_reach(&mut pieces, items[object], &lines, *comment);
        }
    }
    // The file's own line break (LF, CRLF or a lone CR), as the fixes write theirs.
    let newline = newline_of(text);
    let mut formatted = String::new();
    // A byte order mark says how the file is encoded: it stays.
    if text.starts_with('\u{feff}') {
        formatted.push('\u{feff}');
    }
    formatted.push_str(&Printer::print(&pieces, newline));
    check_reach(text, &reach, &formatted)?;
    Ok(formatted)
}

/// A token or a comment, in the order of the text.
struct Piece<'t> {
    /// Where it stands in the original text.
    span: Span,
    /// What to write: the original text, or a string's canonical spelling.
    text: Cow<'t, str>,
    kind: PieceKind,
    /// A blank line stands between it and the piece before it.
    blank_before: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PieceKind {
    Token(Role),
    Comment { own_line: bool },
}

/// A token's place in the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The first token of a statement or top-level item: it starts a line.
    Start,
    /// A block's `{`.
    Open,
    /// A block's `}`.
    Close,
    /// Any other token: it follows the one before on its line.
    Inner,
}

/// Appends the tokens and comments under `node` to `pieces`. `starting` is true when the
/// next token starts a statement.
fn collect<'t>(node: Node, text: &'t str, lines: &LineIndex, pieces: &mut Vec<Piece<'t>>, starting: &mut bool) {
    let span = span_of(node);
    let kind = node.kind();
    if kind == "comment" {
        let own_line = starts_line(text, lines, span.start);
        let text = text[span.range()].trim_end();
        pieces.push(Piece { span, text: text.into(), kind: PieceKind::Comment { own_line }, blank_before: false });
        return;
    }
    // A string is one token; an empty file's root is none.
    if (node.child_count() == 0 && kind != "source_file") || kind == "string" {
        let role = match kind {
            "{" => Role::Open,
            "}" => Role::Close,
            _ if std::mem::take(starting) => Role::Start,
            _ => Role::Inner,
        };
        let written = match kind {
            "string" => Cow::Owned(canonical_string(node, text)),
            _ => Cow::Borrowed(&text[span.range()]),
        };
        pieces.push(Piece { span, text: written, kind: PieceKind::Token(role), blank_before: false });
        return;
    }
    let holds_statements = matches!(kind, "source_file" | "block");
    let mut cursor = node.walk();
    for (index, child) in node.children(&mut cursor).enumerate() {
        let starts_statement = if holds_statements {
            child.is_named() && child.kind() != "comment"
        } else {
            // The key of the next unknown setting (see the module's documentation).
            kind == "unknown_setting"
                && child.kind() == "word"
                && node.field_name_for_child(index as u32) == Some("value")
                && starts_line(text, lines, child.start_byte())
        };
        *starting |= starts_statement;
        collect(child, text, lines, pieces, starting);
    }
}

/// Whether only white space stands before `offset` on its line.
fn starts_line(text: &str, lines: &LineIndex, offset: usize) -> bool {
    let line_start = lines.line_start(lines.line_of(offset));
    text[line_start..offset].chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

/// Marks the pieces with a blank line before them: two line breaks or more (of any kind, as
/// `LineIndex` counts them) between them and the piece before.
fn mark_blank_lines(pieces: &mut [Piece], lines: &LineIndex) {
    let mut end = 0;
    for piece in pieces {
        piece.blank_before = lines.line_of(piece.span.start) >= lines.line_of(end) + 2;
        end = piece.span.end;
    }
}

/// The objects a suppression can name, connectors and rules, with their spans as the
/// checker sees them.
fn objects(file: &DslFile) -> (Vec<Node<'_>>, Vec<ObjectSpans>) {
    let root = file.root();
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|item| matches!(item.kind(), "connector" | "rule"))
        .filter_map(|item| {
            let name = item.child_by_field_name("name")?;
            Some((item, ObjectSpans { item: span_of(item), name: span_of(name) }))
        })
        .unzip()
}

/// Moves the suppression `comment`, which reaches only `object`, to where it reaches it in
/// the canonical layout: a comment on the object's first line, after its `{`, follows that
/// `{` (the rest of that line moves to lines of its own); one on the line above the object
/// (alone or after another statement) goes on a line of its own just above it. A comment on
/// the object's first line before its `{`, or after an empty body's `}`, stays: that line
/// keeps its tokens up to it.
fn keep_in_reach(pieces: &mut Vec<Piece>, item: Node, lines: &LineIndex, comment: Span) {
    let on_name_line = item
        .child_by_field_name("name")
        .is_some_and(|name| lines.line_of(name.start_byte()) == lines.line_of(comment.start));
    let open = item.child_by_field_name("body").and_then(|body| body.child(0)).map(|open| open.start_byte());
    let (anchor, own_line) = match open {
        // After an empty body (`{} # ...`), which stays on the name's line: it stays too.
        Some(open) if on_name_line && open < comment.start && !body_is_empty(item) => (open, false),
        _ if on_name_line => return,
        _ => (item.start_byte(), true),
    };
    let from = pieces.iter().position(|piece| piece.span == comment).expect("every comment is a piece");
    // Already on a line of its own just above the object: it stays, with the blank line
    // before it if there is one.
    let in_place = pieces.get(from + 1).is_some_and(|next| next.span.start == anchor);
    if own_line && in_place && pieces[from].kind == (PieceKind::Comment { own_line: true }) {
        return;
    }
    let mut moved = pieces.remove(from);
    moved.kind = PieceKind::Comment { own_line };
    moved.blank_before = false;
    let at = pieces.iter().position(|piece| piece.span.start == anchor).expect("every token is a piece");
    // Before the item's first token, or after its `{`.
    pieces.insert(if own_line { at } else { at + 1 }, moved);
}

/// Whether `item`'s body is `{}` with nothing inside, not even a comment: the canonical layout
/// keeps it on the item's first line.
fn body_is_empty(item: Node) -> bool {
    item.child_by_field_name("body").is_some_and(|body| body.child_count() == 2)
}

/// Checks that every suppression comment of `formatted` reaches the objects it reached in
/// `original`.
fn check_reach(original: &str, reach: &[(Span, Vec<usize>)], formatted: &str) -> Result<(), FormatError> {
    let file = dsl::parse(formatted);
    let lines = LineIndex::new(formatted);
    let text_of = |text: &str, span: Span| text[span.range()].trim_end().to_owned();
    let (_, spans) = objects(&file);
    let mut after: Vec<(String, Vec<usize>)> = suppression::object_reach(&file.comments, &spans, &lines)
        .into_iter()
        .map(|(span, reached)| (text_of(formatted, span), reached))
        .collect();
    for (span, reached) in reach {
        let wanted = (text_of(original, *span), reached.clone());
        match after.iter().position(|kept| *kept == wanted) {
            Some(found) => {
                after.swap_remove(found);
            }
            None => return Err(FormatError::Suppression { span: *span }),
        }
    }
    Ok(())
}

/// The canonical spelling of a `string` node, a function of its value alone (see
/// [`dsl::quote`]). Every escape of a file without syntax errors names a character, so the
/// value is exact.
fn canonical_string(node: Node, text: &str) -> String {
    dsl::quote(&dsl::string_value(node, text))
}

/// What began the last line written at the level of statements, for blank lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    Nothing,
    /// A block's `{`: the next line is the block's first.
    Open,
    /// A statement or top-level item (also its `}`).
    Statement,
    Comment,
}

struct Printer<'a> {
    out: String,
    newline: &'a str,
    depth: usize,
    /// Nothing is written on the current line yet.
    fresh_line: bool,
    last: Last,
}

impl Printer<'_> {
    fn print(pieces: &[Piece], newline: &str) -> String {
        let mut printer = Printer { out: String::new(), newline, depth: 0, fresh_line: true, last: Last::Nothing };
        for (index, piece) in pieces.iter().enumerate() {
            match piece.kind {
                PieceKind::Comment { own_line: false } => {
                    printer.out.push(' ');
                    printer.out.push_str(&piece.text);
                    printer.end_line();
                }
                PieceKind::Comment { own_line: true } => {
                    let next = pieces[index + 1..].iter().find_map(|piece| match piece.kind {
                        PieceKind::Token(role) => Some(role),
                        PieceKind::Comment { .. } => None,
                    });
                    if matches!(next, None | Some(Role::Start | Role::Close)) {
                        let blank = printer.blank_line(piece);
                        printer.begin_line(printer.depth, blank);
                        printer.last = Last::Comment;
                    } else {
                        printer.begin_line(printer.depth + CONTINUATION, false);
                    }
                    printer.out.push_str(&piece.text);
                    printer.end_line();
                }
                PieceKind::Token(Role::Start) => {
                    let blank = printer.blank_line(piece);
                    printer.begin_line(printer.depth, blank);
                    printer.out.push_str(&piece.text);
                    printer.last = Last::Statement;
                }
                PieceKind::Token(Role::Inner) => printer.follow(&piece.text),
                PieceKind::Token(Role::Open) => {
                    printer.follow(&piece.text);
                    printer.depth += 1;
                    printer.last = Last::Open;
                }
                PieceKind::Token(Role::Close) => {
                    printer.depth -= 1;
                    // `{}`: an empty block stays on its line.
                    if printer.last != Last::Open || printer.fresh_line {
                        printer.begin_line(printer.depth, false);
                    }
                    printer.out.push_str(&piece.text);
                    printer.last = Last::Statement;
                }
            }
        }
        if !printer.fresh_line {
            printer.end_line();
        }
        printer.out
    }

    /// Whether a blank line goes before `piece`, which starts a line at the level of
    /// statements: always after a top-level item, never first in a block or a file, else
    /// where the author left one.
    fn blank_line(&self, piece: &Piece) -> bool {
        match self.last {
            Last::Nothing | Last::Open => false,
            Last::Statement if self.depth == 0 => true,
            Last::Statement | Last::Comment => piece.blank_before,
        }
    }

    fn begin_line(&mut self, indent: usize, blank: bool) {
        if !self.fresh_line {
            self.out.push_str(self.newline);
        }
        if blank {
            self.out.push_str(self.newline);
        }
        self.out.push_str(&INDENT.repeat(indent));
        self.fresh_line = false;
    }

    fn end_line(&mut self) {
        self.out.push_str(self.newline);
        self.fresh_line = true;
    }

    /// Writes a token that continues the current statement.
    fn follow(&mut self, token: &str) {
        if self.fresh_line {
            self.begin_line(self.depth + CONTINUATION, false);
        } else {
            self.out.push(' ');
        }
        self.out.push_str(token);
    }
}
