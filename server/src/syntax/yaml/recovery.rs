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
//!
//! Before that, each item of the file's top-level lists (a rule, a connector) is blamed on its
//! own: the item's text read alone, as above, tells which of its lines to blank. What that
//! finds depends on the item's text only. An item the whole text's tree reads as one list item
//! without error, over its lines exactly, reads alone without error too: it is not read again.
//! The others are, and an edited text reuses what the previous version found for every one
//! the edit left alone: a keystroke that breaks one rule of 300 parses that rule afresh, not
//! the file. Only errors left after that (outside the items, or in how they combine) are
//! blamed on a fresh parse of the whole text.

use foldhash::HashMap;
use std::borrow::Cow;
use std::ops::Range;

use super::{nesting, MAX_DEPTH};
use crate::syntax::scalar::leading_spaces;
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
        blank_line(self.text.to_mut(), self.lines, line)
    }

    /// Blanks `blamed`'s line and the lines nested under it; returns the stretches that
    /// changed (recorded as blanked).
    fn blank_blamed(&mut self, blamed: Blamed) -> Vec<Range<usize>> {
        let mut changed = vec![self.blank_lines(blamed.line..blamed.line + 1)];
        if blamed.nested > 0 {
            changed.push(self.blank_lines(blamed.line + 1..blamed.line + 1 + blamed.nested));
        }
        changed
    }

    /// Blanks `lines` (not empty); returns the stretch that changed (recorded as blanked).
    fn blank_lines(&mut self, lines: Range<usize>) -> Range<usize> {
        let ranges: Vec<Range<usize>> = lines.map(|line| self.blank(line)).collect();
        let stretch = ranges[0].start..ranges[ranges.len() - 1].end;
        self.blanked.push(stretch.clone());
        stretch
    }

    /// The indentation of `line` in spaces (a tab ends it).
    pub(super) fn indent(&self, line: usize) -> usize {
        leading_spaces(self.lines.line_text(&self.text, line))
    }

    /// The column of the first key or value on `line`, after its indentation and the `- ` of
    /// the list items it opens: what a line nested under its value is indented deeper than.
    fn content_column(&self, line: usize) -> usize {
        let content = self.lines.line_text(&self.text, line);
        let mut column = self.indent(line);
        while let Some(rest) = content[column..].strip_prefix('-') {
            if !rest.starts_with(' ') {
                break;
            }
            column += 1 + (rest.len() - rest.trim_start_matches(' ').len());
        }
        column
    }

    /// The byte of the `-` of the list item starting on `line`.
    fn dash(&self, line: usize) -> usize {
        self.lines.line_start(line) + self.indent(line)
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
        has_content(self.lines.line_text(&self.text, line))
    }

    /// The first line after `line` that holds more than blanks and a comment.
    fn next_content(&self, line: usize) -> Option<usize> {
        (line + 1..self.lines.line_count()).find(|&next| self.has_content(next))
    }

    /// Blanks the lines nested deeper than tree-sitter-yaml's scanner and the reader take
    /// (see [`nesting`]), before the text is first parsed; returns the errors saying so, and
    /// whether every line is known to be within the limit (`only`: see [`nesting::too_deep`]).
    pub(super) fn blank_too_deep(&mut self, only: Option<Range<usize>>) -> (Vec<SyntaxError>, bool) {
        let mut errors = Vec::new();
        let (stretches, shallow) = nesting::too_deep(&self.text, self.lines, MAX_DEPTH, only);
        for stretch in stretches {
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
        (errors, shallow)
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

/// What blaming the items of top-level lists on their own found (see the module's comment): by
/// an item's text, the lines of it (counted from its first) that recovery blanks.
#[derive(Clone, Default)]
pub(super) struct ItemBlames(HashMap<Box<str>, Box<[Blamed]>>);

/// A line blamed for an error, and how many lines after it were nested under it: with the
/// line blanked, nothing above could own them, so they are blanked with it rather than each
/// blamed in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Blamed {
    line: usize,
    nested: usize,
}

/// The tree of the previous version of a text, edited into a tree of the working text, and
/// the stretch of the text the edits wrote ([`crate::syntax::ReusableTree::edited`]).
pub(super) struct EditedTree<'t> {
    pub(super) tree: &'t tree_sitter::Tree,
    pub(super) edited: Option<Range<usize>>,
}

/// Parses `working`, reusing `old` (a tree of it); then, while the tree has error regions,
/// blames each on a line, reports the line (read in `original`, the file's text) and blanks
/// it, and parses again reusing the tree. `known` is what an earlier version's items were
/// blamed on. Returns the last tree, and what this text's items were blamed on when they had
/// to be (the text did not parse).
pub(super) fn parse(
    parser: &mut tree_sitter::Parser,
    working: &mut Working,
    old: Option<EditedTree>,
    original: &str,
    errors: &mut Vec<SyntaxError>,
    known: Option<&ItemBlames>,
) -> (tree_sitter::Tree, Option<ItemBlames>) {
    let mut tree = parse_text(parser, &working.text, old.as_ref().map(|old| old.tree));
    let mut blamed_items = None;
    let mut blanked_items = false;
    if tree.root_node().has_error() {
        let (blamed, lines) = blame_items(parser, working, &tree, old.as_ref(), known);
        for line in lines {
            errors.push(describe_broken_line(original, working.lines, line));
            for range in working.blank_blamed(line) {
                working.replaced(&mut tree, range);
            }
            blanked_items = true;
        }
        if blanked_items {
            tree = parse_text(parser, &working.text, Some(&tree));
        }
        blamed_items = Some(blamed);
    }
    // The tree that shares the old tree's subtrees, while the lines are blamed on a fresh one.
    let mut sharing = None;
    if (old.is_some() || blanked_items) && tree.root_node().has_error() {
        // tree-sitter's error recovery starts from the subtrees it reused, and may place an
        // error region elsewhere than a fresh parse does: the regions blamed are a fresh
        // parse's, so that an edited text reads as it does afresh.
        let reused = std::mem::replace(&mut tree, parse_text(parser, &working.text, None));
        sharing = old.is_some().then_some(reused);
    }
    for blamed in blame_regions(parser, working, &mut tree, sharing.as_mut()) {
        errors.push(describe_broken_line(original, working.lines, blamed));
    }
    // With the broken lines blanked, the text parses one way only, which the tree that shares
    // the old tree's subtrees gives too: reading it reuses the values read from them.
    if let Some(sharing) = sharing.filter(|_| !tree.root_node().has_error()) {
        let shared = parse_text(parser, &working.text, Some(&sharing));
        if !shared.root_node().has_error() {
            return (shared, blamed_items);
        }
    }
    (tree, blamed_items)
}

#[cfg(test)]
impl ItemBlames {
    /// How many item texts are known, and how many of them blame a line.
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.0.len(), self.0.values().filter(|lines| !lines.is_empty()).count())
    }
}

/// Blames each item of the working text's top-level lists on its own, taking what `known`
/// says of an item's text where it says something, and nothing for an item that `tree` (the
/// working text's) reads cleanly, or `old` did before an edit that left it alone. Returns
/// what this text's items read alone were blamed on, and the lines of the text to blank.
fn blame_items(
    parser: &mut tree_sitter::Parser,
    working: &Working,
    tree: &tree_sitter::Tree,
    old: Option<&EditedTree>,
    known: Option<&ItemBlames>,
) -> (ItemBlames, Vec<Blamed>) {
    let mut found = ItemBlames::default();
    let mut to_blank = Vec::new();
    // A lone CR breaks a line for the line index and not for tree-sitter: the items are found
    // by lines, so such a text (which `check` never reads) is blamed whole.
    if working.newlines.is_some() {
        return (found, to_blank);
    }
    let items = list_items(working);
    let dashes: Vec<usize> = items.iter().map(|item| working.dash(item.start)).collect();
    let nodes = ItemNodes::of(tree, &dashes);
    let mut old_nodes = None;
    for (item, &dash) in items.into_iter().zip(&dashes) {
        let bytes = working.lines.line_start(item.start)..working.end_of_line(item.end - 1);
        let text = &working.text[bytes.clone()];
        // The edits left the item's text as it was (they wrote nowhere in it or next to it).
        let unedited = |old: &&EditedTree| {
            old.edited.as_ref().is_none_or(|edited| edited.end < bytes.start || edited.start > bytes.end)
        };
        let lines = match known.and_then(|known| known.0.get(text)).or_else(|| found.0.get(text)) {
            Some(lines) => lines.clone(),
            None if nodes.read_cleanly(working, item.clone(), dash) => continue,
            None if old.filter(unedited).is_some_and(|old| {
                old_nodes.get_or_insert_with(|| ItemNodes::of(old.tree, &dashes)).read_cleanly(
                    working,
                    item.clone(),
                    dash,
                )
            }) =>
            {
                continue
            }
            None => blame_alone(parser, text),
        };
        to_blank.extend(lines.iter().map(|blamed| Blamed { line: item.start + blamed.line, ..*blamed }));
        found.0.insert(text.into(), lines);
    }
    (found, to_blank)
}

/// The nodes of a tree that are list items starting at the `-`s of the items [`list_items`]
/// finds, by the byte of their `-`: found in one walk from the root, going down only into
/// nodes that hold one of those bytes, so that 300 items cost a walk of the tree's top, not
/// 300 descents from the root, each scanning the siblings on its way.
struct ItemNodes<'t>(HashMap<usize, tree_sitter::Node<'t>>);

impl<'t> ItemNodes<'t> {
    /// The list items of `tree` that start at one of `dashes` (in increasing order).
    fn of(tree: &'t tree_sitter::Tree, dashes: &[usize]) -> Self {
        let item_kind = super::Kinds::get().block_sequence_item;
        let mut found = HashMap::default();
        let mut cursor = tree.walk();
        // Whether a node over `range` holds one of the bytes.
        let holds = |range: Range<usize>| {
            let first = dashes.partition_point(|&dash| dash < range.start);
            dashes.get(first).is_some_and(|&dash| dash < range.end)
        };
        'walk: loop {
            let node = cursor.node();
            let mut inside = node.byte_range();
            if node.kind_id() == item_kind && dashes.binary_search(&node.start_byte()).is_ok() {
                found.insert(node.start_byte(), node);
                // Its own `-` is found; what is inside it holds another only when the tree
                // read an item into another.
                inside.start += 1;
            }
            if holds(inside) && cursor.goto_first_child() {
                continue;
            }
            // On to the next node that may hold one: a later sibling, or one of an ancestor's.
            loop {
                if cursor.goto_next_sibling() {
                    if holds(cursor.node().byte_range()) {
                        continue 'walk;
                    }
                    continue;
                }
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        ItemNodes(found)
    }

    /// Whether the tree reads the item on `lines` as one list item without error, from its `-`
    /// to its last line with content. Its text then reads alone without error too: read alone,
    /// it is a list at the item's column, and each of its lines is indented deeper than the
    /// `-`, so no line of it is compared with the indentation of what is around it in the
    /// file. (A scalar or flow collection running on below the item's lines makes the node
    /// end past them: not so.) `dash` is the byte of the item's `-`.
    fn read_cleanly(&self, working: &Working, lines: Range<usize>, dash: usize) -> bool {
        let end = working.end_of_line(lines.end - 1);
        let Some(item) = self.0.get(&dash) else {
            return false;
        };
        // An old tree's node that an edit (or a line blanked since) touched may no longer be
        // read so.
        if item.end_byte() > end || item.has_error() || item.has_changes() {
            return false;
        }
        let last = working.lines.line_of(item.end_byte().saturating_sub(1).max(dash));
        (last + 1..lines.end).all(|line| !working.has_content(line))
    }
}

/// The lines of `text`, an item of a list read on its own, that recovery blanks.
fn blame_alone(parser: &mut tree_sitter::Parser, text: &str) -> Box<[Blamed]> {
    let mut tree = parse_text(parser, text, None);
    if !tree.root_node().has_error() {
        return Box::new([]);
    }
    let lines = LineIndex::new(text);
    let mut working = Working::new(text, &lines);
    blame_regions(parser, &mut working, &mut tree, None).into()
}

/// The items of the top-level block lists of the working text (a list that is the value of
/// a key written at the start of a line: `transportRules:`, `connectors:`), each as the
/// lines from its `-` to the line before the next item or the line that ends the list. In
/// YAML, everything inside an item is indented deeper than its `-`, so a line with a `-` at
/// the list's column starts the next item, and a line indented less ends the list.
pub(super) fn list_items(working: &Working) -> Vec<Range<usize>> {
    let mut items = Vec::new();
    // The list being read: its column, and the first line of its item being read.
    let mut list: Option<(usize, usize)> = None;
    let mut after_key = false;
    for line in 0..working.lines.line_count() {
        let content = working.lines.line_text(&working.text, line);
        let indent = leading_spaces(content);
        // Most lines are inside an item: indented deeper than its `-`, whatever they hold.
        if list.is_some_and(|(column, _)| indent > column) {
            continue;
        }
        let body = &content[indent..];
        if body.trim().is_empty() || body.starts_with('#') {
            continue;
        }
        let dash = body.strip_prefix('-').is_some_and(|rest| rest.is_empty() || rest.starts_with(' '));
        if let Some((column, first)) = list {
            items.push(first..line);
            if indent == column && dash {
                list = Some((column, line));
                continue;
            }
            list = None;
        }
        if after_key && dash {
            list = Some((indent, line));
            after_key = false;
            continue;
        }
        let code = body.find(" #").map_or(body, |comment| &body[..comment]);
        after_key = indent == 0 && code.trim_end().ends_with(':');
    }
    if let Some((_, first)) = list {
        items.push(first..working.lines.line_count());
    }
    items
}

/// While `tree` has error regions, blames each on a line and blanks it in `working` (and in
/// `tree` and `sharing`, a tree of the same text sharing an older version's subtrees), and
/// parses again reusing the tree. Returns the lines blamed; `tree` is the last parse.
fn blame_regions(
    parser: &mut tree_sitter::Parser,
    working: &mut Working,
    tree: &mut tree_sitter::Tree,
    mut sharing: Option<&mut tree_sitter::Tree>,
) -> Vec<Blamed> {
    let mut blamed = Vec::new();
    for _ in 0..MAX_RECOVERY_ROUNDS {
        if !tree.root_node().has_error() {
            break;
        }
        // The prefixes start from the whole text's tree: the first is parsed again only from
        // where it ends, not from the start of the file.
        let mut prefixes = Prefixes { tree: Some((tree.clone(), working.text.len())), differs: None };
        let mut blanked = false;
        for (index, region) in error_regions(tree, working.lines).into_iter().enumerate() {
            let Some(line) = blame(parser, &mut prefixes, working, region, index == 0) else { continue };
            if working.is_blank(line) {
                // Blanking cannot help: the error lies in how the lines around it combine,
                // and reading goes on without the error region.
                continue;
            }
            let range = working.blank_lines(line..line + 1);
            mark(working, range, tree, sharing.as_deref_mut(), &mut prefixes);
            let nested = orphans(parser, &mut prefixes, working, line);
            if nested > 0 {
                let range = working.blank_lines(line + 1..line + 1 + nested);
                mark(working, range, tree, sharing.as_deref_mut(), &mut prefixes);
            }
            blamed.push(Blamed { line, nested });
            blanked = true;
        }
        if !blanked {
            break;
        }
        *tree = parse_text(parser, &working.text, Some(tree));
    }
    blamed
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
    if region.missing {
        return Some(region.first);
    }
    // tree-sitter gave up somewhere inside the region, or at the line after it. The culprit is
    // the first line through which the text no longer parses (a region of one line that
    // parses is where tree-sitter stopped, as `mailflow: 1` above `organization` written
    // without its colon).
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
    // But a line with a block indented under it (`organization` without its colon, above
    // `  name: Contoso`) is the culprit when the text parses on past the block without the
    // two, and not without the line before.
    if let Some(last) = nested_block(working, bad) {
        let after = working.next_content(last).unwrap_or(last);
        if !prefixes.has_error_without(parser, working, after, bad..last + 1)
            && prefixes.has_error_without(parser, working, after, before..before + 1)
        {
            return Some(bad);
        }
    }
    let next = working.next_content(bad).unwrap_or(bad);
    let blame_before = !prefixes.has_error_without(parser, working, next, before..before + 1)
        && prefixes.has_error_without(parser, working, next, bad..bad + 1);
    Some(if blame_before { before } else { bad })
}

/// Tells the trees of the working text that `range` of it was blanked.
fn mark(
    working: &Working,
    range: Range<usize>,
    tree: &mut tree_sitter::Tree,
    sharing: Option<&mut tree_sitter::Tree>,
    prefixes: &mut Prefixes,
) {
    working.replaced(tree, range.clone());
    if let Some(sharing) = sharing {
        working.replaced(sharing, range.clone());
    }
    if let Some((prefix, end)) = &mut prefixes.tree {
        if range.start < *end {
            working.replaced(prefix, range.start..range.end.min(*end));
        }
    }
}

/// How many lines after `line`, just blanked, were nested under it and are orphaned now: when
/// the next line with content is indented deeper than the content of the line before `line`
/// and the text no longer parses through it, that line and the ones after it indented as deep
/// (with the blank lines and comments among them) belonged to `line`. `organization` written
/// without its colon leaves `  name: Contoso` and the rest of its block under `mailflow: 1`.
fn orphans(parser: &mut tree_sitter::Parser, prefixes: &mut Prefixes, working: &Working, line: usize) -> usize {
    let Some(last) = nested_block(working, line) else { return 0 };
    let next = working.next_content(line).unwrap_or(last);
    if prefixes.has_error(parser, working, line) || !prefixes.has_error(parser, working, next) {
        return 0;
    }
    last - line
}

/// The last line of the block under `line`: the lines with content after it indented deeper
/// than the content of the line with content before it (with the blank lines and comments
/// among them), `None` when the next line with content is not.
fn nested_block(working: &Working, line: usize) -> Option<usize> {
    let owner = (0..line).rev().find(|&before| working.has_content(before))?;
    let column = working.content_column(owner);
    let deeper = |after: &usize| working.indent(*after) > column;
    let mut last = working.next_content(line).filter(deeper)?;
    while let Some(after) = working.next_content(last).filter(deeper) {
        last = after;
    }
    Some(last)
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

    /// Whether the text through 0-based `line` fails to parse with the lines `blanked` (before
    /// it or through it) blanked.
    fn has_error_without(
        &mut self,
        parser: &mut tree_sitter::Parser,
        working: &Working,
        line: usize,
        blanked: Range<usize>,
    ) -> bool {
        let mut prefix = working.text[..working.end_of_line(line)].to_owned();
        let start = working.lines.line_start(blanked.start);
        let end = blanked.map(|blank| blank_line(&mut prefix, working.lines, blank).end).last().unwrap_or(start);
        self.parse(parser, working, &prefix, Some(start..end))
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

/// Replaces the characters of `line` of `text` (indexed by `lines`) with spaces, its line break
/// kept; returns the bytes that changed.
fn blank_line(text: &mut String, lines: &LineIndex, line: usize) -> Range<usize> {
    let start = lines.line_start(line);
    let len = lines.line_text(text, line).len();
    text.replace_range(start..start + len, &" ".repeat(len));
    start..start + len
}

/// Whether a line holds more than blanks and a comment.
fn has_content(line: &str) -> bool {
    let content = line.trim_start();
    !content.is_empty() && !content.starts_with('#')
}

/// Says what is wrong with a line that does not parse, as precisely as a look at it allows,
/// and which lines nested under it were not read with it.
fn describe_broken_line(text: &str, lines: &LineIndex, blamed: Blamed) -> SyntaxError {
    let line = blamed.line;
    let content = lines.line_text(text, line);
    let indent = content.len() - content.trim_start().len();
    let start = lines.line_start(line) + indent;
    let span = Span::new(start, lines.line_start(line) + content.len());
    let body = content.trim_start();
    let message = if content[..indent].contains('\t') {
        "a tab in the indentation: YAML indents with spaces only".to_owned()
    } else if let Some(message) = quoted_scalar_problem(body) {
        message
    } else if is_flow_collection_key(body) {
        "a list in `[...]` or a mapping in `{...}` is not a key: a key is a name (`name: value`)".to_owned()
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
    let nested = (line + 1..=line + blamed.nested).filter(|&nested| has_content(lines.line_text(text, nested))).count();
    let message = match nested {
        0 => message,
        1 => format!("{message}; the line indented under it was not read either"),
        _ => format!("{message}; the {nested} lines indented under it were not read either"),
    };
    SyntaxError { span, message }
}

/// Whether a line (after any `- `) starts with a list or mapping in flow style followed by
/// `:` and a space or its end: one written as a key, which mailflow's YAML does not read
/// (`vendor/tree-sitter-yaml`, README item 6).
fn is_flow_collection_key(line: &str) -> bool {
    let mut rest = line;
    while let Some(item) = rest.strip_prefix("- ") {
        rest = item.trim_start();
    }
    if !rest.starts_with(['[', '{']) {
        return false;
    }
    let (mut depth, mut quote) = (0usize, None);
    for (index, c) in rest.char_indices() {
        match (quote, c) {
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    let after = &rest[index + 1..];
                    return after
                        .strip_prefix(':')
                        .is_some_and(|value| value.is_empty() || value.starts_with([' ', '\t']));
                }
            }
            _ => {}
        }
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors of `text`, in order, and what its items were blamed on.
    fn errors(text: &str, known: Option<&ItemBlames>) -> (Vec<SyntaxError>, Option<ItemBlames>) {
        let lines = LineIndex::new(text);
        let mut working = Working::new(text, &lines);
        let mut errors = Vec::new();
        let (_, blamed) = parse(&mut super::super::parser(), &mut working, None, text, &mut errors, known);
        errors.sort_by_key(|error| error.span);
        (errors, blamed)
    }

    /// The broken lines `text` is read without, as their text, and what its items were
    /// blamed on.
    fn read<'t>(text: &'t str, known: Option<&ItemBlames>) -> (Vec<&'t str>, Option<ItemBlames>) {
        let (errors, blamed) = errors(text, known);
        (errors.iter().map(|error| &text[error.span.range()]).collect(), blamed)
    }

    fn items(text: &str) -> Vec<Range<usize>> {
        let lines = LineIndex::new(text);
        list_items(&Working::new(text, &lines))
    }

    /// The walk finds, for each item, the node a descent from the root to its `-` finds (the
    /// list item that is the `-`'s parent), in a text that parses and in texts with error
    /// regions, unclosed flow collections and quoted scalars running over later items' lines.
    #[test]
    fn the_walk_finds_the_items_a_descent_to_each_dash_finds() {
        let item_kind = super::super::Kinds::get().block_sequence_item;
        for text in [
            FILE,
            "a:\n  - x: 1\n  - y: [2,\n  - z: 3\n  - w: 4\n",
            "a:\n- x: 1\n- - y\n  - z\n- \"open\n- q: 2\nb:\n  - c\n",
            "a:\n  - x: 1\n\ty: 2\n  - z: {3\n  - w: 4\nb:\n  - 5\n",
            "a:\n  -\n  - |\n    - not an item\n  - b\n",
        ] {
            let lines = LineIndex::new(text);
            let working = Working::new(text, &lines);
            let tree = parse_text(&mut super::super::parser(), text, None);
            let dashes: Vec<usize> = list_items(&working).iter().map(|item| working.dash(item.start)).collect();
            assert!(!dashes.is_empty(), "{text}");
            let walked = ItemNodes::of(&tree, &dashes);
            for &dash in &dashes {
                let descended = tree
                    .root_node()
                    .descendant_for_byte_range(dash, dash + 1)
                    .and_then(|node| node.parent())
                    .filter(|item| item.kind_id() == item_kind && item.start_byte() == dash);
                assert_eq!(walked.0.get(&dash).copied(), descended, "{text:?} at {dash}");
            }
        }
    }

    const FILE: &str = "mailflow: 1\n\
                        organization:\n  name: Contoso\n  domains:\n    - contoso.com\n\
                        connectors:  # outbound\n  - name: A\n    smartHosts:\n      - a.example\n\
                        # between items\n  - name: B\n\
                        transportRules:\n- name: R1\n  priority: 0\n-\n  name: R2\n\n\
                        settings: {}\n";

    #[test]
    fn the_items_are_those_of_lists_under_a_key_at_the_start_of_a_line() {
        // Line 4 is in a list, but under `domains:`, which is indented: not an item.
        assert_eq!(items(FILE), [6..10, 10..11, 12..14, 14..17]);
        // A list item at a key's column, or the key's value on its line, is no list of items.
        assert_eq!(items("a:\n  b: 1\n- c\nd: [1]\n- e\n"), Vec::<Range<usize>>::new());
    }

    #[test]
    fn a_broken_item_is_blamed_on_its_own_and_the_rest_of_the_file_as_before() {
        let broken = FILE
            .replace("  priority: 0\n", "  priority: 0\n  stopProc\n")
            .replace("  name: Contoso\n", "  name: Contoso\n name\n");
        let (errors, blamed) = read(&broken, None);
        assert_eq!(errors, ["name", "stopProc"]);
        // Only the broken item blamed a line: its third. (The items tree-sitter's tree of the
        // whole text no longer reads, past the first broken line, were read alone too.)
        let blamed = blamed.expect("the items were blamed");
        assert_eq!(
            blamed.0.values().filter(|lines| !lines.is_empty()).collect::<Vec<_>>(),
            [&Box::from([Blamed { line: 2, nested: 0 }])]
        );
        // A text that parses blames nothing.
        assert!(read(FILE, None).1.is_none());
    }

    /// The message of each error of `text`, in order.
    fn messages(text: &str) -> Vec<String> {
        errors(text, None).0.into_iter().map(|error| error.message).collect()
    }

    #[test]
    fn the_lines_nested_under_a_broken_line_that_nothing_else_owns_go_with_it() {
        let text =
            "mailflow: 1\norganization\n  name: Contoso\n  domains:\n\n    # ours\n    - contoso.com\nconnectors: []\n";
        assert_eq!(read(text, None).0, ["organization"]);
        assert!(
            messages(text)[0].ends_with("the 3 lines indented under it were not read either"),
            "{:?}",
            messages(text)
        );
        // A tab makes the line's own indentation unknowable, and its block goes with it too.
        let tab = "mailflow: 1\n\torganization:\n  name: Contoso\nconnectors: []\n";
        assert_eq!(
            messages(tab),
            ["a tab in the indentation: YAML indents with spaces only; the line indented under it was not read either"]
        );
        // Lines a line above can own are left to it: here `c`'s siblings under `a`.
        let siblings = "a:\n  b: 1\n  c\n  d: 2\ne: 3\n";
        assert_eq!(read(siblings, None).0, ["c"]);
        assert!(!messages(siblings)[0].contains("not read either"), "{:?}", messages(siblings));
    }

    #[test]
    fn what_an_item_was_blamed_on_is_taken_from_an_earlier_version() {
        let broken = FILE.replace("  priority: 0\n", "  priority: 0\n  stopProc\n");
        let (_, blamed) = read(&broken, None);
        let mut known = blamed.expect("the items were blamed");
        // Said of connector B's text, it is believed without reading B again.
        known.0.insert("  - name: B\n".into(), Box::new([Blamed { line: 0, nested: 0 }]));
        assert_eq!(read(&broken, Some(&known)).0, ["- name: B", "stopProc"]);
    }
}
