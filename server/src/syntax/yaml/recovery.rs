//! Reading a file with syntax errors. tree-sitter marks error regions; each is blamed on one
//! line, which is reported and blanked (its characters replaced by spaces, so every byte
//! offset stays valid), and the text is parsed again, reusing the tree: the rest of the file is
//! then read as if the broken lines were absent.
//!
//! A region over several lines is blamed on the first line through which the text no longer
//! parses (tree-sitter often wraps the good lines before the culprit in the region: a tab in
//! the indentation of rule 150 of 300 leaves rules 1 to 149 in it), or on the content line
//! before that one when the text parses on without it and not without the first (` mailflow:
//! 1` indented by mistake reads fine until `organization:`). Those prefixes are parsed
//! incrementally, each from the tree of the one before, and every region of a tree is blamed
//! before the next parse: a broken line costs a parse or two of the file, not a fresh parse
//! per bisection step, round after round.

use std::borrow::Cow;
use std::ops::Range;

use super::{nesting, MAX_DEPTH};
use crate::syntax::SyntaxError;
use crate::text::{lone_crs, shorten, LineIndex, Span};

/// How many times the text is parsed again after blanking lines; the error regions left after
/// that are skipped when reading.
const MAX_RECOVERY_ROUNDS: usize = 32;

/// The text tree-sitter reads: the file's, with the lines found broken (or nested too deep)
/// blanked, line breaks kept.
pub(super) struct Working<'a> {
    lines: &'a LineIndex,
    /// The file's text until a line is blanked.
    text: Cow<'a, str>,
    /// Where the text's `\n`s are, when it has a lone `\r`: tree-sitter counts rows by `\n`s
    /// alone, and `lines` also breaks at a lone `\r`. Without one (always so for what
    /// `check` reads, which writes each lone CR as LF), `lines` counts rows as tree-sitter does.
    newlines: Option<Vec<usize>>,
    /// The stretches of text blanked, as tree edits.
    blanked: Vec<Range<usize>>,
}

impl<'a> Working<'a> {
    pub(super) fn new(text: &'a str, lines: &'a LineIndex) -> Self {
        let newlines = lone_crs(text).next().is_some().then(|| text.match_indices('\n').map(|(at, _)| at).collect());
        Working { lines, text: Cow::Borrowed(text), newlines, blanked: Vec::new() }
    }

    /// Replaces the characters of `line` with spaces; returns the bytes that changed.
    fn blank(&mut self, line: usize) -> Range<usize> {
        let start = self.lines.line_start(line);
        let len = self.lines.line_text(&self.text, line).len();
        self.text.to_mut().replace_range(start..start + len, &" ".repeat(len));
        start..start + len
    }

    fn is_blank(&self, line: usize) -> bool {
        self.lines.line_text(&self.text, line).trim().is_empty()
    }

    fn has_tab_indent(&self, line: usize) -> bool {
        let content = self.lines.line_text(&self.text, line);
        content[..content.len() - content.trim_start().len()].contains('\t')
    }

    /// `line` holds more than blanks and a comment.
    fn has_content(&self, line: usize) -> bool {
        let content = self.lines.line_text(&self.text, line).trim_start();
        !content.is_empty() && !content.starts_with('#')
    }

    /// The first line after `line` that holds more than blanks and a comment.
    fn next_content(&self, line: usize) -> Option<usize> {
        (line + 1..self.lines.line_count()).find(|&next| self.has_content(next))
    }

    /// Blanks the lines nested deeper than tree-sitter-yaml's scanner and the reader take
    /// (see [`nesting`]), before the text is first parsed; returns the errors saying so.
    pub(super) fn blank_too_deep(&mut self) -> Vec<SyntaxError> {
        let mut errors = Vec::new();
        for stretch in nesting::too_deep(&self.text, self.lines, MAX_DEPTH) {
            let content = self.lines.line_text(&self.text, stretch[0]);
            let indent = content.len() - content.trim_start().len();
            let start = self.lines.line_start(stretch[0]);
            errors.push(SyntaxError {
                span: Span::new(start + indent, start + content.len()),
                message: format!(
                    "lists and mappings nest more than {MAX_DEPTH} deep here (the limit); this line and the lines \
                     nested under it are not read"
                ),
            });
            let ranges: Vec<Range<usize>> = stretch.iter().map(|&line| self.blank(line)).collect();
            // One edit for the stretch: the comments kept in it are read again, which is no harm.
            self.blanked.push(ranges[0].start..ranges[ranges.len() - 1].end);
        }
        errors
    }

    /// Tells `tree` that the blanked lines changed: a tree of the file's text becomes one of
    /// this text, and a tree of this text one of the file's (for parsing its next version),
    /// tree-sitter reusing all the rest.
    pub(super) fn mark_blanked(&self, tree: &mut tree_sitter::Tree) {
        for range in &self.blanked {
            self.replaced(tree, range.clone());
        }
    }

    /// Tells `tree` that the bytes of `range` were replaced by as many (its line breaks kept).
    fn replaced(&self, tree: &mut tree_sitter::Tree, range: Range<usize>) {
        let (start, end) = (self.point(range.start), self.point(range.end));
        tree.edit(&tree_sitter::InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: range.end,
            start_position: start,
            old_end_position: end,
            new_end_position: end,
        });
    }

    fn point(&self, byte: usize) -> tree_sitter::Point {
        let (row, start) = match &self.newlines {
            Some(newlines) => {
                let row = newlines.partition_point(|&newline| newline < byte);
                (row, if row == 0 { 0 } else { newlines[row - 1] + 1 })
            }
            None => {
                let row = self.lines.line_of(byte);
                (row, self.lines.line_start(row))
            }
        };
        tree_sitter::Point { row, column: byte - start }
    }

    /// Where the prefix of the text through 0-based `line` ends.
    fn end_of_line(&self, line: usize) -> usize {
        if line + 1 >= self.lines.line_count() {
            self.text.len()
        } else {
            self.lines.line_start(line + 1)
        }
    }
}

/// Parses `working`, reusing `old` (a tree of it); then, while the tree has error regions,
/// blames each on a line, reports the line (read in `original`, the file's text) and blanks
/// it, and parses again reusing the tree. Returns the last tree.
pub(super) fn parse(
    parser: &mut tree_sitter::Parser,
    working: &mut Working,
    old: Option<&tree_sitter::Tree>,
    original: &str,
    errors: &mut Vec<SyntaxError>,
) -> tree_sitter::Tree {
    let mut tree = parse_text(parser, &working.text, old);
    // The tree that shares the old tree's subtrees, while the lines are blamed on a fresh one.
    let mut sharing = None;
    if old.is_some() && tree.root_node().has_error() {
        // tree-sitter's error recovery starts from the subtrees it reused, and may place an
        // error region elsewhere than a fresh parse does: the regions blamed are a fresh
        // parse's, so that an edited text reads as it does afresh.
        sharing = Some(std::mem::replace(&mut tree, parse_text(parser, &working.text, None)));
    }
    for _ in 0..MAX_RECOVERY_ROUNDS {
        if !tree.root_node().has_error() {
            break;
        }
        // The prefixes start from the whole text's tree: the first is parsed again only from
        // where it ends, not from the start of the file.
        let mut prefixes = Prefixes { tree: Some((tree.clone(), working.text.len())), differs: None };
        let mut blanked = false;
        for (index, region) in error_regions(&tree, working.lines).into_iter().enumerate() {
            let Some(line) = blame(parser, &mut prefixes, working, region, index == 0) else { continue };
            if working.is_blank(line) {
                // Blanking cannot help: the error lies in how the lines around it combine,
                // and reading goes on without the error region.
                continue;
            }
            errors.push(describe_broken_line(original, working.lines, line));
            let range = working.blank(line);
            working.blanked.push(range.clone());
            working.replaced(&mut tree, range.clone());
            if let Some(sharing) = &mut sharing {
                working.replaced(sharing, range.clone());
            }
            if let Some((prefix, end)) = &mut prefixes.tree {
                if range.start < *end {
                    working.replaced(prefix, range.start..range.end.min(*end));
                }
            }
            blanked = true;
        }
        if !blanked {
            break;
        }
        tree = parse_text(parser, &working.text, Some(&tree));
    }
    // With the broken lines blanked, the text parses one way only, which the tree that shares
    // the old tree's subtrees gives too: reading it reuses the values read from them.
    if let Some(sharing) = sharing.filter(|_| !tree.root_node().has_error()) {
        let shared = parse_text(parser, &working.text, Some(&sharing));
        if !shared.root_node().has_error() {
            return shared;
        }
    }
    tree
}

fn parse_text(parser: &mut tree_sitter::Parser, text: &str, old: Option<&tree_sitter::Tree>) -> tree_sitter::Tree {
    parser.parse(text, old).expect("parsing without a timeout or cancellation always yields a tree")
}

/// An error region of a tree: the 0-based lines it starts and ends on, and whether
/// tree-sitter pinned it to a point (a missing token) rather than a stretch of text.
#[derive(Clone, Copy, Debug)]
struct Region {
    first: usize,
    last: usize,
    missing: bool,
}

/// The outermost error and missing nodes of `tree`, in order. Walks with a cursor, not
/// recursion, and only into subtrees that hold an error.
fn error_regions(tree: &tree_sitter::Tree, lines: &LineIndex) -> Vec<Region> {
    let mut regions = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let (start, end) = (node.start_byte(), node.end_byte());
            regions.push(Region {
                first: lines.line_of(start),
                last: lines.line_of(end.saturating_sub(1).max(start)),
                missing: node.is_missing(),
            });
        } else if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return regions;
            }
        }
    }
}

/// The line `region` is blamed on, `None` when blanking the lines blamed before it in this
/// round made the text parse through the line after it. `first_in_round`: the region is the
/// first of its tree, so the text is known not to parse through it.
fn blame(
    parser: &mut tree_sitter::Parser,
    prefixes: &mut Prefixes,
    working: &Working,
    region: Region,
    first_in_round: bool,
) -> Option<usize> {
    // The line after the region, blank lines and comments skipped.
    let after = working.next_content(region.last).unwrap_or(region.last);
    if !first_in_round && !prefixes.has_error(parser, working, after) {
        return None;
    }
    if region.first == region.last || region.missing {
        return Some(region.first);
    }
    // A region over several lines: tree-sitter gave up somewhere inside it, or at the line
    // after it. The culprit is the first line through which the text no longer parses.
    if prefixes.has_error(parser, working, region.first) {
        return Some(region.first);
    }
    if first_in_round && !prefixes.has_error(parser, working, after) {
        return Some(region.last);
    }
    let (mut good, mut bad) = (region.first, after);
    while bad - good > 1 {
        let middle = (good + bad) / 2;
        if prefixes.has_error(parser, working, middle) {
            bad = middle;
        } else {
            good = middle;
        }
    }
    // The line before may be the culprit, read one way up to here and another from here on:
    // ` mailflow: 1` indented by mistake is a fine start, and `organization:` after it is not.
    // It is when the text parses through the next line without it and not without `bad`.
    // A tab in the indentation is a culprit whatever follows.
    if working.has_tab_indent(bad) {
        return Some(bad);
    }
    let Some(before) = (region.first..bad).rev().find(|&line| working.has_content(line)) else { return Some(bad) };
    let next = working.next_content(bad).unwrap_or(bad);
    let blame_before = !prefixes.has_error_without(parser, working, next, before)
        && prefixes.has_error_without(parser, working, next, bad);
    Some(if blame_before { before } else { bad })
}

/// Prefixes of the working text parsed one after another, each reusing the tree of the one
/// before (growing or shrinking it is one edit at its end).
struct Prefixes {
    /// The last prefix's tree, and where that prefix ends.
    tree: Option<(tree_sitter::Tree, usize)>,
    /// A line that was blanked in the last prefix and not in the working text.
    differs: Option<Range<usize>>,
}

impl Prefixes {
    /// Whether the text through 0-based `line` fails to parse.
    fn has_error(&mut self, parser: &mut tree_sitter::Parser, working: &Working, line: usize) -> bool {
        let end = working.end_of_line(line);
        self.parse(parser, working, &working.text[..end], None)
    }

    /// Whether the text through 0-based `line` fails to parse with `blanked` (an earlier line)
    /// blanked.
    fn has_error_without(
        &mut self,
        parser: &mut tree_sitter::Parser,
        working: &Working,
        line: usize,
        blanked: usize,
    ) -> bool {
        let mut prefix = working.text[..working.end_of_line(line)].to_owned();
        let start = working.lines.line_start(blanked);
        let len = working.lines.line_text(&prefix, blanked).len();
        prefix.replace_range(start..start + len, &" ".repeat(len));
        self.parse(parser, working, &prefix, Some(start..start + len))
    }

    /// Parses `prefix`, a prefix of the working text but for the line `differs`, reusing the
    /// tree of the last one; whether it has an error.
    fn parse(
        &mut self,
        parser: &mut tree_sitter::Parser,
        working: &Working,
        prefix: &str,
        differs: Option<Range<usize>>,
    ) -> bool {
        let end = prefix.len();
        let changed = [self.differs.take(), differs.clone()];
        let old = self.tree.take().map(|(mut tree, old_end)| {
            for range in changed.into_iter().flatten().filter(|range| range.start < old_end) {
                working.replaced(&mut tree, range.start..range.end.min(old_end));
            }
            if old_end != end {
                let start = old_end.min(end);
                tree.edit(&tree_sitter::InputEdit {
                    start_byte: start,
                    old_end_byte: old_end,
                    new_end_byte: end,
                    start_position: working.point(start),
                    old_end_position: working.point(old_end),
                    new_end_position: working.point(end),
                });
            }
            tree
        });
        let tree = parse_text(parser, prefix, old.as_ref());
        let has_error = tree.root_node().has_error();
        self.tree = Some((tree, end));
        self.differs = differs;
        has_error
    }
}

/// Says what is wrong with a line that does not parse, as precisely as a look at it allows.
fn describe_broken_line(text: &str, lines: &LineIndex, line: usize) -> SyntaxError {
    let content = lines.line_text(text, line);
    let indent = content.len() - content.trim_start().len();
    let start = lines.line_start(line) + indent;
    let span = Span::new(start, lines.line_start(line) + content.len());
    let body = content.trim_start();
    let message = if content[..indent].contains('\t') {
        "a tab in the indentation: YAML indents with spaces only".to_owned()
    } else if let Some(message) = quoted_scalar_problem(body) {
        message
    } else if body.matches('[').count() > body.matches(']').count() {
        "a `[` list is not closed with `]` on this line".to_owned()
    } else if body.matches('{').count() > body.matches('}').count() {
        "a `{` mapping is not closed with `}` on this line".to_owned()
    } else {
        format!(
            "this line is not valid YAML here (`{}`): expected `key: value`, a list item `- ...`, \
             or a value indented under its key; the rest of the file was read without it",
            shorten(body)
        )
    };
    SyntaxError { span, message }
}

/// The problem with the first quoted scalar on a line, if it has one.
fn quoted_scalar_problem(line: &str) -> Option<String> {
    let (open, quote) = line.char_indices().find(|&(_, c)| c == '"' || c == '\'')?;
    let rest = &line[open + 1..];
    if quote == '\'' {
        let closed = rest.replace("''", "").contains('\'');
        return (!closed).then(|| "a single-quoted string is not closed with `'`".to_owned());
    }
    let mut escaped = false;
    for (index, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                let raw = &line[open..open + 1 + index + 1];
                return crate::syntax::scalar::double_quoted(raw).err().map(|(_, message)| message);
            }
            _ => {}
        }
    }
    Some("a double-quoted string is not closed with `\"`".to_owned())
}
