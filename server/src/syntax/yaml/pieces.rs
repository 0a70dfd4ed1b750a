//! Reading a large file in pieces, when nothing of the reading is kept for a next version (a
//! `check` on the command line): the items of its long top-level lists (the rules, the
//! connectors) are parsed and read a few dozen at a time, on every core, and the rest of the
//! file (the skeleton) is parsed without them. At most one piece's tree per core is alive at
//! a time: a whole tree of 10,000 rules takes 40 bytes per byte of text.
//!
//! Each piece is the text of its items followed by the next item, and is parsed with
//! tree-sitter's included ranges, so that its nodes keep the file's byte offsets. The skeleton
//! is the file without the items between the first and the last of each list. The reading is
//! the whole file's when every tree reads without error as the lines say: a piece as one list
//! whose items start at the `-`s of its items and of the one after them, the skeleton with each
//! list holding its first and last items. Within a list, every line of an item is indented
//! deeper than its `-` (that is how the items were found, [`recovery::list_items`]), so an
//! item followed by the `-` of the next reads the same in a piece as in the file. Anything
//! else (an error, an anchor or alias, which may reach across pieces, more than one document,
//! a line nested too deep) and the file is read whole, as before.
//!
//! A file written as JSON (the rules exported by a script, on one line or pretty-printed) has
//! its long lists in brackets: each piece is parsed as its items and the next between the
//! list's own `[` and `]`, the skeleton holds the first and the last item, and a piece reads
//! as a flow list whose items start where the file's do. Its items are found by reading the
//! text as JSON ([`json_lists`]): anything JSON does not write, and it is read as YAML is.
//! A file in block style may hold such a list too, after a key at a line's start
//! (`transportRules: [`, a rule a line): its items are found by a reading of YAML's flow
//! style that gives up on anything it could get wrong ([`flow_lists`]), and it is read in
//! pieces the same way, the tree checked as for the others.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::{collect_comments, parser, recovery, Comment, Kinds, Node, Reader, YamlFile};
use crate::text::LineIndex;

/// Shorter files are read whole: a second parse and threads would cost more than they save.
const PIECES_FROM: usize = 48 * 1024;
/// How many bytes of items a piece holds at least (but one item more than that).
const PIECE_BYTES: usize = 16 * 1024;
/// Lists with fewer items are left in the skeleton.
const MIN_ITEMS: usize = 8;

/// The file read in pieces, or `None` when it is not read so (see the module's comment).
pub(super) fn read(text: &str, lines: &LineIndex) -> Option<YamlFile> {
    if text.len() < PIECES_FROM {
        return None;
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    read_in_pieces(text, lines, PIECE_BYTES, MIN_ITEMS, workers)
}

/// A top-level list read in pieces: where its items start (each at its line's start, or at
/// its first byte in a list in brackets) and end, and the column of their `-` (0 in brackets).
struct List {
    items: Vec<Range<usize>>,
    column: usize,
    /// Where the list's `[` and `]` are, for a list written in flow style.
    brackets: Option<(usize, usize)>,
    /// Whether the mapping holding the list is in braces (a file written as JSON).
    in_braces: bool,
}

impl List {
    fn dash(&self, item: usize) -> usize {
        self.items[item].start + self.column
    }

    /// The kinds of the list's item nodes and of the mapping holding the list.
    fn kinds(&self) -> (u16, u16) {
        let kinds = Kinds::get();
        let item = if self.brackets.is_some() { kinds.flow_node } else { kinds.block_sequence_item };
        (item, if self.in_braces { kinds.flow_mapping } else { kinds.block_mapping })
    }
}

/// Items `items` of list `list`, parsed with the item after them.
struct Piece {
    list: usize,
    items: Range<usize>,
}

/// What reading a piece gives: the values of its items and its comments.
type PieceRead = (Vec<Node>, Vec<Comment>);

fn read_in_pieces(
    text: &str,
    lines: &LineIndex,
    piece_bytes: usize,
    min_items: usize,
    workers: usize,
) -> Option<YamlFile> {
    let mut working = recovery::Working::new(text, lines);
    // A lone CR breaks a line for the line index and not for tree-sitter, whose rows the
    // included ranges name; and blanked lines would make the text read not the file's.
    if crate::text::lone_crs(text).next().is_some() || !working.blank_too_deep(None).0.is_empty() {
        return None;
    }
    let json = json_lists(text, min_items);
    let lists = if json.is_empty() {
        let mut lists = lists(&working, text, lines, min_items);
        // A list in brackets that holds or meets a block list's item is not one to read so.
        let meets_block_item = |flow: &List| {
            let (open, close) = flow.brackets.expect("a list in brackets");
            lists.iter().flat_map(|list| &list.items).any(|item| item.start <= close && open <= item.end)
        };
        let flow: Vec<List> = flow_lists(text, lines, min_items).into_iter().filter(|f| !meets_block_item(f)).collect();
        lists.extend(flow);
        lists.sort_by_key(|list| list.items[0].start);
        lists
    } else {
        json
    };
    if lists.is_empty() {
        return None;
    }
    let pieces = pieces(&lists, piece_bytes);
    // The skeleton: the file without each list's items from its second to its last.
    let mut skeleton = Vec::new();
    let mut from = 0;
    for list in &lists {
        skeleton.push(from..list.items[1].start);
        from = list.items[list.items.len() - 1].start;
    }
    skeleton.push(from..text.len());

    // Job 0 parses the skeleton; job 1 + i reads piece i.
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let skeleton_tree = Mutex::new(None::<Option<tree_sitter::Tree>>);
    let read = Mutex::new((0..pieces.len()).map(|_| None).collect::<Vec<Option<PieceRead>>>());
    let work = || {
        let mut parser = parser();
        loop {
            let job = next.fetch_add(1, Ordering::Relaxed);
            if job > pieces.len() || failed.load(Ordering::Relaxed) {
                break;
            }
            if job == 0 {
                let tree = parse_ranges(&mut parser, text, lines, &skeleton);
                *skeleton_tree.lock().expect("no job panics holding it") = Some(tree);
                continue;
            }
            match read_piece(&mut parser, text, lines, &lists, &pieces[job - 1]) {
                Some(piece) => read.lock().expect("no job panics holding it")[job - 1] = Some(piece),
                None => failed.store(true, Ordering::Relaxed),
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers.min(pieces.len() + 1) {
            // A thread the system refuses leaves its jobs to the others.
            if std::thread::Builder::new().spawn_scoped(scope, work).is_err() {
                break;
            }
        }
        work();
    });
    if failed.into_inner() {
        return None;
    }
    let tree = skeleton_tree.into_inner().expect("no job panicked holding it")??;
    let root = tree.root_node();
    if root.has_error() || !lists.iter().all(|list| skeleton_holds(root, list)) {
        return None;
    }
    let mut reader = Reader::new(text, lines, Vec::new(), None, false);
    let mut comments = Vec::new();
    for (piece, read) in pieces.iter().zip(read.into_inner().expect("no job panicked holding it")) {
        let (items, piece_comments) = read?;
        let first = lists[piece.list].dash(0);
        reader.spliced.entry(first).or_default().extend(items);
        comments.extend(piece_comments);
    }
    let file_root = reader.document(root);
    if !reader.errors.is_empty() || reader.anchor_uses > 0 || !reader.spliced.is_empty() {
        return None;
    }
    for range in skeleton {
        comments.extend(collect_comments(root, text, range, &[], None));
    }
    comments.sort_by_key(|comment| comment.span.start);
    // A file with an anchor or alias is read whole.
    Some(YamlFile { root: file_root.map(Into::into), comments, errors: Vec::new(), aliases: Vec::new() })
}

/// The top-level lists of `min_items` items or more, each item from its line's start to the
/// next item's (the last to the line ending the list, or the end of the text).
fn lists(working: &recovery::Working, text: &str, lines: &LineIndex, min_items: usize) -> Vec<List> {
    let byte = |line: usize| if line < lines.line_count() { lines.line_start(line) } else { text.len() };
    let mut lists: Vec<Vec<Range<usize>>> = Vec::new();
    let mut last_end = None;
    for item in recovery::list_items(working) {
        // An item that starts where the one before ended is that list's next.
        match lists.last_mut() {
            Some(list) if last_end == Some(item.start) => list.push(item.clone()),
            _ => lists.push(vec![item.clone()]),
        }
        last_end = Some(item.end);
    }
    lists
        .into_iter()
        .filter(|items| items.len() >= min_items.max(3))
        .map(|items| {
            let column = working.indent(items[0].start);
            List {
                items: items.iter().map(|item| byte(item.start)..byte(item.end)).collect(),
                column,
                brackets: None,
                in_braces: false,
            }
        })
        .collect()
}

/// The lists of `min_items` items or more that are values of the root mapping of a file
/// written as JSON: its root a mapping in braces, with nothing but JSON in it (strings,
/// numbers, `true`, `false`, `null`, brackets and punctuation; comment lines above it
/// only). Each item runs from its first byte to its last. Nothing at all for any other text,
/// which is read as YAML is: a plain word, a comment or an anchor may mean what a reading
/// this simple would miss.
fn json_lists(text: &str, min_items: usize) -> Vec<List> {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'#') {
            break;
        }
        at += bytes[at..].iter().position(|&b| b == b'\n').unwrap_or(bytes.len() - at);
    }
    if bytes.get(at) != Some(&b'{') {
        return Vec::new();
    }
    let mut lists = Vec::new();
    // How many brackets are open, the first byte of the last token (a `[` after a `:` is a
    // key's value), and the list being read: its `[`, its items, where its current item starts.
    // A plain word JSON has (a number, `true`, `false`, `null`) holds no separator, whatever
    // YAML reads it as; any other stops the search.
    let mut depth = 0usize;
    let mut last = 0u8;
    let mut list: Option<(usize, Vec<Range<usize>>, Option<usize>)> = None;
    while at < bytes.len() {
        let byte = bytes[at];
        let start = at;
        if byte.is_ascii_whitespace() {
            at += 1;
            continue;
        }
        if depth == 0 && last == b'}' {
            // Anything after the root mapping.
            return Vec::new();
        }
        match byte {
            b'"' => {
                at += 1;
                loop {
                    match bytes.get(at) {
                        None => return Vec::new(),
                        Some(b'\\') => at += 2,
                        Some(b'"') => break,
                        Some(_) => at += 1,
                    }
                }
                at += 1;
            }
            b'{' | b'[' => {
                at += 1;
            }
            b'}' | b']' => {
                let Some(outer) = depth.checked_sub(1) else { return Vec::new() };
                if outer == 1 && byte == b']' {
                    if let Some((open, mut items, item)) = list.take() {
                        items.extend(item.map(|item| item..last_end(bytes, start)));
                        if items.len() >= min_items.max(3) {
                            lists.push(List { items, column: 0, brackets: Some((open, start)), in_braces: true });
                        }
                    }
                }
                depth = outer;
                last = byte;
                at += 1;
                continue;
            }
            b',' | b':' => {
                if byte == b',' && depth == 2 {
                    if let Some((_, items, item)) = &mut list {
                        let Some(item) = item.take() else { return Vec::new() };
                        items.push(item..last_end(bytes, start));
                    }
                }
                last = byte;
                at += 1;
                continue;
            }
            _ => {
                let length = bytes[at..].iter().position(|b| !(b.is_ascii_alphanumeric() || b"+-.".contains(b)));
                let word = &text[at..at + length.unwrap_or(bytes.len() - at)];
                let number = word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) && word.parse::<f64>().is_ok();
                if !(number || matches!(word, "true" | "false" | "null")) {
                    return Vec::new();
                }
                at += word.len();
            }
        }
        // A token that starts an item of the list being read, or a list.
        if depth == 2 {
            if let Some((_, _, item @ None)) = &mut list {
                *item = Some(start);
            }
        }
        if byte == b'[' && depth == 1 && last == b':' {
            list = Some((start, Vec::new(), None));
        }
        if byte == b'{' || byte == b'[' {
            depth += 1;
        }
        last = byte;
    }
    if depth == 0 {
        lists
    } else {
        Vec::new()
    }
}

/// Where the last token before the `,` or `]` at `at` ends.
fn last_end(bytes: &[u8], at: usize) -> usize {
    bytes[..at].iter().rposition(|b| !b.is_ascii_whitespace()).map_or(at, |last| last + 1)
}

/// The lists in brackets of `min_items` items or more that are values of the root mapping of
/// a file in block style: each written after a plain key at the start of a line
/// (`transportRules: [`), with nothing but a comment after its `]` on that line. Each item
/// runs from its first byte to the end of its last token. None in a file of more than one
/// document or with a directive, and none of a list this simple reading may get wrong
/// ([`flow_items`]): it is left to the skeleton, read as YAML is.
fn flow_lists(text: &str, lines: &LineIndex, min_items: usize) -> Vec<List> {
    let bytes = text.as_bytes();
    let starts = (0..lines.line_count()).map(|line| lines.line_start(line));
    let mut lists = Vec::new();
    let mut after_last = 0;
    for start in starts {
        let line = &bytes[start..];
        if line.starts_with(b"---") || line.starts_with(b"...") || line.starts_with(b"%") {
            return Vec::new();
        }
        // A list is found on the lines after the one before.
        if start < after_last {
            continue;
        }
        let key = line.iter().take_while(|b| b.is_ascii_alphanumeric() || b"_-".contains(b)).count();
        if key == 0 || line.get(key) != Some(&b':') {
            continue;
        }
        let blank = line[key + 1..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if blank == 0 || line.get(key + 1 + blank) != Some(&b'[') {
            continue;
        }
        let open = start + key + 1 + blank;
        let Some((items, close)) = flow_items(bytes, open) else { continue };
        // A line of a value in block context is indented deeper than its key, the `]` aside:
        // one at the margin is an error that the list's pieces, parsed apart, would not see.
        let mut line_starts = (lines.line_of(open) + 1..=lines.line_of(close)).map(|line| lines.line_start(line));
        if line_starts.any(|at| !matches!(bytes[at], b' ' | b'\r' | b'\n') && at != close) {
            continue;
        }
        let rest = &bytes[close + 1..];
        let line_rest = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
        let spaces = line_rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if spaces < line_rest.len() && !(spaces > 0 && line_rest[spaces] == b'#') {
            continue;
        }
        after_last = close;
        if items.len() >= min_items.max(3) {
            lists.push(List { items, column: 0, brackets: Some((open, close)), in_braces: false });
        }
    }
    lists
}

/// The items of the list in brackets whose `[` is at `open` (each from its first byte to the
/// end of its last token) and where its `]` is. `None` where this reading could be wrong: an
/// anchor, alias, tag or explicit key, a character YAML reserves or a `- ` starting a token,
/// a `#` with no white space before it, an empty item, a string or a list that does not end.
fn flow_items(bytes: &[u8], open: usize) -> Option<(Vec<Range<usize>>, usize)> {
    // Where a plain scalar ends, or a `:` is the mapping's: before white space, a flow
    // indicator or the end.
    let ends_plain = |at: usize| bytes.get(at).is_none_or(|b| b.is_ascii_whitespace() || b",[]{}".contains(b));
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut item: Option<usize> = None;
    let mut token_end = open;
    let mut at = open;
    while at < bytes.len() {
        let byte = bytes[at];
        let start = at;
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                at += 1;
                continue;
            }
            b'#' if bytes[at - 1].is_ascii_whitespace() => {
                at += bytes[at..].iter().position(|&b| b == b'\n').unwrap_or(bytes.len() - at);
                continue;
            }
            b',' => {
                if depth == 1 {
                    items.push(item.take()?..token_end);
                }
                at += 1;
                continue;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    if byte != b']' {
                        return None;
                    }
                    items.extend(item.map(|item| item..token_end));
                    return Some((items, start));
                }
                at += 1;
                token_end = at;
                continue;
            }
            b'#' | b'&' | b'*' | b'!' | b'?' | b'|' | b'>' | b'%' | b'@' | b'`' => return None,
            b'-' if ends_plain(at + 1) => return None,
            b'[' | b'{' => at += 1,
            b':' if ends_plain(at + 1) => at += 1,
            b'"' => {
                at += 1;
                loop {
                    match bytes.get(at)? {
                        b'\\' => at += 2,
                        b'"' => break,
                        _ => at += 1,
                    }
                }
                at += 1;
            }
            b'\'' => {
                at += 1;
                loop {
                    match bytes.get(at)? {
                        b'\'' if bytes.get(at + 1) == Some(&b'\'') => at += 2,
                        b'\'' => break,
                        _ => at += 1,
                    }
                }
                at += 1;
            }
            // A plain scalar, over the white space inside it: it ends before a flow
            // indicator, a `:` that ends it, or white space before a comment.
            _ => loop {
                let next = at + bytes[at..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                match bytes.get(next) {
                    None => break,
                    Some(b',' | b'[' | b']' | b'{' | b'}') => break,
                    Some(b'#') if next > at => break,
                    Some(b':') if ends_plain(next + 1) => break,
                    Some(_) => at = next + 1,
                }
            },
        }
        if depth == 1 && item.is_none() {
            item = Some(start);
        }
        if byte == b'[' || byte == b'{' {
            depth += 1;
        } else {
            token_end = at;
        }
    }
    None
}

/// The items between each list's first and last, a piece every `piece_bytes` or so.
fn pieces(lists: &[List], piece_bytes: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (index, list) in lists.iter().enumerate() {
        let last = list.items.len() - 1;
        let mut start = 1;
        while start < last {
            let mut end = start + 1;
            while end < last && list.items[end].start - list.items[start].start < piece_bytes {
                end += 1;
            }
            pieces.push(Piece { list: index, items: start..end });
            start = end;
        }
    }
    pieces
}

/// Parses and reads `piece`: `None` when it does not read as the items it is made of.
fn read_piece(
    parser: &mut tree_sitter::Parser,
    text: &str,
    lines: &LineIndex,
    lists: &[List],
    piece: &Piece,
) -> Option<PieceRead> {
    let list = &lists[piece.list];
    let follower = piece.items.end;
    let parsed = list.items[piece.items.start].start..list.items[follower].end;
    let ranges = match list.brackets {
        Some((open, close)) => vec![open..open + 1, parsed, close..close + 1],
        None => vec![parsed],
    };
    let tree = parse_ranges(parser, text, lines, &ranges)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    // One document, whose content is the list of exactly these items and the follower.
    let mut documents = Vec::new();
    super::collect_documents(root, &mut documents);
    let [document] = documents[..] else { return None };
    let sequence = first_item(root, list.dash(piece.items.start))?.parent()?;
    if sequence.parent()?.parent()? != document {
        return None;
    }
    let (item_kind, _) = list.kinds();
    let mut cursor = sequence.walk();
    let items: Vec<tree_sitter::Node> =
        sequence.named_children(&mut cursor).filter(|child| child.kind_id() == item_kind).collect();
    let dashes = (piece.items.start..=follower).map(|item| list.dash(item));
    if items.len() != follower + 1 - piece.items.start || !items.iter().map(|item| item.start_byte()).eq(dashes) {
        return None;
    }
    // The items are read where a top-level list's are: inside the root mapping and the list.
    let mut reader = Reader::new(text, lines, Vec::new(), None, false);
    reader.depth = 2;
    let values: Vec<Node> = items[..items.len() - 1]
        .iter()
        .map(|&item| if list.brackets.is_some() { reader.node(item, 0) } else { reader.item(item) })
        .collect();
    if !reader.errors.is_empty() || reader.anchor_uses > 0 {
        return None;
    }
    let own = list.items[piece.items.start].start..list.items[follower].start;
    Some((values, collect_comments(root, text, own, &[], None)))
}

/// Whether the skeleton's tree holds `list` as the value of a key of the root mapping,
/// holding the list's first and last items alone.
fn skeleton_holds(root: tree_sitter::Node, list: &List) -> bool {
    let Some(sequence) = first_item(root, list.dash(0)).and_then(|item| item.parent()) else { return false };
    let (item_kind, mapping_kind) = list.kinds();
    let mut cursor = sequence.walk();
    let items: Vec<usize> = sequence
        .named_children(&mut cursor)
        .filter(|child| child.kind_id() == item_kind)
        .map(|item| item.start_byte())
        .collect();
    // block_sequence < block_node < block_mapping_pair < block_mapping < block_node < document
    // (in flow: flow_sequence < flow_node < flow_pair < flow_mapping < flow_node < document)
    let mapping = (0..3).try_fold(sequence, |node, _| node.parent());
    items == [list.dash(0), list.dash(list.items.len() - 1)]
        && mapping.is_some_and(|mapping| {
            mapping.kind_id() == mapping_kind
                && mapping.parent().and_then(|node| node.parent()).is_some_and(|document| document.kind() == "document")
        })
}

/// The list item that starts at `dash` (a block list's `-`, a flow list's item's first byte),
/// when one does.
fn first_item(root: tree_sitter::Node, dash: usize) -> Option<tree_sitter::Node> {
    let kinds = Kinds::get();
    let mut node = root.descendant_for_byte_range(dash, dash + 1)?;
    while node.start_byte() == dash {
        let parent = node.parent()?;
        let item = (parent.kind_id() == kinds.block_sequence && node.kind_id() == kinds.block_sequence_item)
            || (parent.kind_id() == kinds.flow_sequence && node.kind_id() == kinds.flow_node);
        if item {
            return Some(node);
        }
        node = parent;
    }
    None
}

/// Parses the bytes `ranges` of `text` (each from a line's start to a line's start or the
/// text's end, in order), the nodes keeping the text's offsets.
fn parse_ranges(
    parser: &mut tree_sitter::Parser,
    text: &str,
    lines: &LineIndex,
    ranges: &[Range<usize>],
) -> Option<tree_sitter::Tree> {
    let point = |at: usize| {
        let row = lines.line_of(at);
        tree_sitter::Point { row, column: at - lines.line_start(row) }
    };
    let included: Vec<tree_sitter::Range> = ranges
        .iter()
        .filter(|range| !range.is_empty())
        .map(|range| tree_sitter::Range {
            start_byte: range.start,
            end_byte: range.end,
            start_point: point(range.start),
            end_point: point(range.end),
        })
        .collect();
    parser.set_included_ranges(&included).ok()?;
    parser.parse(text, None)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The file read whole, as when a version is kept.
    fn whole(text: &str) -> YamlFile {
        super::super::read_whole(text, &LineIndex::new(text), None, false, super::super::READ_BESIDE).0
    }

    /// The file read in pieces of one item each, on two threads.
    fn in_pieces(text: &str) -> Option<YamlFile> {
        read_in_pieces(text, &LineIndex::new(text), 1, 3, 2)
    }

    #[test]
    fn every_yaml_file_of_the_repository_reads_in_pieces_as_whole() {
        let files = super::super::tests::repository_yaml_files();
        let mut read_in_pieces = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            if let Some(file) = in_pieces(&text) {
                assert_eq!(file, whole(&text), "{}", path.display());
                read_in_pieces += 1;
            }
        }
        // Every example has lists long enough; the fixtures are mostly short or broken.
        assert!(read_in_pieces >= 30, "{read_in_pieces} of {} files read in pieces", files.len());
    }

    #[test]
    fn a_large_file_is_read_in_pieces_on_its_own_and_the_pieces_are_the_whole() {
        let rule =
            "  - name: Rule {n}\n    priority: {n}\n    conditions:\n      senderIs: inside  # mail from us\n    \
                    actions:\n      setHeader: {name: X-Done, value: \"yes\"}\n\n";
        let rules: String = (0..400).map(|n| rule.replace("{n}", &n.to_string())).collect();
        let text = format!("mailflow: 1\n# The rules.\nrules:\n{rules}connectors: []\n");
        let lines = LineIndex::new(&text);
        let file = read(&text, &lines).expect("a large file of rules reads in pieces");
        assert_eq!(file, whole(&text));
        assert_eq!(file.comments.len(), 401);
    }

    #[test]
    fn what_may_read_otherwise_in_pieces_is_read_whole() {
        let items = |item: &str| format!("rules:\n{}", item.repeat(5));
        for (text, why) in [
            (format!("{}x: *a\n", items("  - &a {b: 1}\n")), "anchors and aliases"),
            (items("  - {a: 1\n"), "a broken line"),
            (format!("{}---\nb: 2\n", items("  - a\n")), "a second document"),
            (format!("{}  - a\n", items("  - \"b\n")), "a quoted scalar running over item lines"),
            (items("  - !!int x\n"), "a tag that does not apply"),
            (format!("{}{}", items("  - a\n"), "  - b\n\r  - c\n"), "a lone CR"),
        ] {
            assert_eq!(in_pieces(&text), None, "{why}");
            assert_eq!(parse_once(&text), whole(&text), "{why}");
        }
    }

    /// A file written as JSON, on one line or pretty-printed, is read in pieces: its long
    /// lists in brackets, the pieces parsed between the list's own brackets.
    #[test]
    fn a_file_written_as_json_is_read_in_pieces() {
        let rule = |n: usize| {
            format!(
                r#"{{"name":"Rule {n} \"quoted\" é","priority":{n},"conditions":{{"senderIs":"inside","words":["a, b]","}}"]}},"actions":{{}},"on":true,"off":null,"x":-1.5e3}}"#
            )
        };
        let rules: Vec<String> = (0..40).map(rule).collect();
        let one_line = format!(r#"{{"mailflow":1,"transportRules":[{}],"connectors":[]}}"#, rules.join(","));
        let pretty = format!(
            "# exported\n{{\n  \"mailflow\": 1,\n  \"transportRules\": [\n    {}\n  ]\n}}\n",
            rules.join(",\n    ")
        );
        for text in [one_line, pretty] {
            assert_one_list_read_in_pieces(&text, json_lists(&text, 3), &rules);
        }
    }

    /// `lists`, found in `text`, are one list of `items`, and `text` reads in pieces as whole.
    fn assert_one_list_read_in_pieces(text: &str, lists: Vec<List>, items: &[String]) {
        assert_eq!(lists.len(), 1, "{text}");
        assert_eq!(lists[0].items.iter().map(|item| &text[item.clone()]).collect::<Vec<_>>(), items);
        let file = in_pieces(text).expect("the file reads in pieces");
        assert_eq!(file, whole(text), "{text}");
    }

    /// What JSON does not write leaves a file's lists to be read as YAML is.
    #[test]
    fn only_json_has_its_lists_found_in_brackets() {
        let items = |item: &str| [item; 5].join(",");
        for text in [
            format!(r#"{{"r":[{}]}}"#, items("1")),
            format!(r#"{{"r":[{}],"s":[{}]}}"#, items(r#"{"a":"b"}"#), items("[]")),
        ] {
            assert!(!json_lists(&text, 3).is_empty(), "{text}");
        }
        for (text, why) in [
            (format!("r: [{}]\n", items("1")), "a root in block style"),
            (format!(r#"{{"r":[{}]}}"#, items("plain")), "a plain word"),
            (format!("{{\"r\":[{}] # a comment\n}}", items("1")), "a comment inside"),
            (format!(r#"{{"r":[{}]"#, items("1")), "an unclosed root"),
            (format!(r#"{{"r":[{}]}} x"#, items("1")), "a word after the root"),
            (format!(r#"{{"r":[{}]}}"#, items("&a 1")), "an anchor"),
            (format!(r#"{{"r":[{}]}}"#, items("'single'")), "a single-quoted string"),
            (format!(r#"{{"r":[{}, "open]}}"#, items("1")), "an unclosed string"),
            (format!(r#"{{"r":[{{"a":[{}]}}]}}"#, items("1")), "a list deeper than the root's values"),
        ] {
            assert!(json_lists(&text, 3).is_empty(), "{why}: {text}");
        }
    }

    /// A file in block style whose long list is written in brackets, an item a line or over
    /// several, is read in pieces: the pieces parsed between the list's own brackets.
    #[test]
    fn a_list_in_brackets_in_a_file_in_block_style_is_read_in_pieces() {
        let rule = |n: usize| {
            format!(
                "{{name: Partners & vendors - rule {n}, priority: {n}, url: http://a.example/x#y,\n    \
                 words: [\"a, b]\", 'it''s }}', c:d], conditions: {{senderIs: inside}}}}"
            )
        };
        let rules: Vec<String> = (0..40).map(rule).collect();
        let lines: Vec<String> = rules.iter().map(|rule| format!("  {rule},  # rule\n")).collect();
        let text = format!(
            "mailflow: 1\norganization: {{name: Contoso}}\n# The rules, one a line.\ntransportRules: [\n{}  ]  # end\n\
             connectors: []\n",
            lines.concat()
        );
        let one_line = format!("mailflow: 1\ntransportRules: [{}]\n", rules.join(", "));
        for text in [text, one_line] {
            assert_one_list_read_in_pieces(&text, flow_lists(&text, &LineIndex::new(&text), 3), &rules);
        }
    }

    /// What this reading of a list in brackets could get wrong leaves the list to the skeleton.
    #[test]
    fn a_list_in_brackets_this_reading_may_get_wrong_is_read_as_yaml_is() {
        let list = |item: &str| format!("mailflow: 1\nrules: [\n  {}\n]\n", [item; 5].join(",\n  "));
        for (text, why) in [
            (list("&a {b: 1}"), "an anchor"),
            (list("*a"), "an alias"),
            (list("!!str x"), "a tag"),
            (list("? a : b"), "an explicit key"),
            (list("- a"), "a block list's dash"),
            (list("{a: 1},#b"), "a `#` with no space before it"),
            (list("a,,b"), "an empty item"),
            (format!("{}x\n", list("a").trim_end()), "text after the `]`"),
            (list("\"open").replace("\n]", "\n"), "a string that does not end"),
            (format!("{}---\nb: 2\n", list("a")), "a second document"),
            ("rules:[a, a, a, a]\n".to_owned(), "no space after the key's colon"),
            (list("a").replace("\n  a,\n  a,", "\n  a,\na,"), "a line at the margin"),
        ] {
            assert!(flow_lists(&text, &LineIndex::new(&text), 3).is_empty(), "{why}: {text}");
            assert_eq!(parse_once(&text), whole(&text), "{why}");
        }
    }

    fn parse_once(text: &str) -> YamlFile {
        super::super::parse_once(text, &LineIndex::new(text))
    }

    /// Items of a top-level list at `column`, in the shapes mail-flow files are written in,
    /// and some they must not be read wrongly in.
    fn item(column: usize) -> impl Strategy<Value = String> {
        let clean: Vec<&'static str> = vec![
            "- name: Plain\n  priority: 3\n",
            "- {name: Flow, conditions: {senderIs: inside}}\n",
            "- name: Nested\n  conditions:\n    senderIs: inside\n  exceptIf:\n  - a.example\n  - b.example\n",
            "- name: Block\n  description: |\n    line one\n\n    line two\n\n\n",
            "- name: Kept\n  description: |+\n    kept\n\n",
            "- name: Folded\n  description: >-\n    a\n    b\n",
            "- name: Plain running\n    on over lines\n",
            "- name: \"Quoted\n    over lines\"\n",
            "- name: Plain under its key\n  on the key's column\n",
            "- name: Flow over\n  conditions: {senderIs: inside,\n    recipientIs: outside}\n",
            "-\n",
            "- just a string\n",
            "- # a comment after the dash\n  name: Commented\n",
            "- name: 'single ''quoted'''\n",
            "- - nested\n  - list\n",
            "-   name: Wide\n    priority: 2\n",
            "- name: Empty value\n  description:\n",
            "- name: Hash in text # comment\n  pattern: 'a#b'\n",
            "- ? complex\n  : key\n",
        ];
        // Each makes the file read whole (a tab may not).
        let troublesome: Vec<&'static str> = vec![
            "- name: Anchored\n  conditions: &c {senderIs: inside}\n",
            "- name: Alias\n  conditions: *c\n",
            "- name: Broken\n  conditions: {senderIs: inside\n",
            "- name: Tab\n\tpriority: 1\n",
            "- !!str tagged\n",
        ];
        let lines = prop_oneof![12 => proptest::sample::select(clean), 1 => proptest::sample::select(troublesome)];
        let between: Vec<&'static str> =
            vec!["", "", "\n", "# a comment at the margin\n", "    # an indented comment\n"];
        (lines, proptest::sample::select(between)).prop_map(move |(item, between)| {
            let indent = " ".repeat(column);
            let item: String = item.lines().map(|line| format!("{indent}{line}\n")).collect();
            format!("{item}{between}")
        })
    }

    /// Files of such items, with LF or (as files written on Windows) CRLF line breaks.
    fn file() -> impl Strategy<Value = String> {
        (0..2usize)
            .prop_flat_map(|column| {
                (
                    proptest::collection::vec(item(column * 2), 3..12),
                    proptest::collection::vec(item(column * 2), 0..6),
                    proptest::sample::select(vec!["", "# heading\n", "mailflow: 1\n", "organization:\n  name: x\n"]),
                    proptest::sample::select(vec!["", "\n", "tail: 1\n", "# end\n", "...\n"]),
                    proptest::bool::weighted(0.25),
                )
            })
            .prop_map(|(rules, connectors, head, tail, crlf)| {
                let connectors =
                    if connectors.is_empty() { String::new() } else { format!("connectors:\n{}", connectors.concat()) };
                let text = format!("{head}rules:\n{}{connectors}{tail}", rules.concat());
                if crlf {
                    text.replace('\n', "\r\n")
                } else {
                    text
                }
            })
    }

    /// A JSON value, as a rule's or a list's item, with whatever spacing and line breaks,
    /// and some values that JSON does not write.
    fn json_value() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            "\"[a-z ,:\\[\\]{}#&*é]{0,8}\"",
            Just(r#""with \"escapes\" \\ and \u00e9""#.to_owned()),
            "-?[0-9]{1,4}(\\.[0-9]{1,2})?",
            prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned),
        ];
        let troublesome = vec!["plain", "'single'", "&a 1", "{a: b}", "# c\n1", "[1,", "\"open"];
        let pair = |key: &str, space: &str, value: &str| format!("\"{key}\":{space}{value}");
        flow_value(scalar, vec!["", " ", "\n  ", "\r\n    "], pair, 20, troublesome)
    }

    /// Lists and mappings of `scalar`s in flow style, nested up to three deep, with one of
    /// `space` around and between their items and each entry written by `pair` (from its key,
    /// the space and its value); of every `clean + 1` values, one is of `troublesome`.
    fn flow_value(
        scalar: impl Strategy<Value = String> + 'static,
        space: Vec<&'static str>,
        pair: fn(&str, &str, &str) -> String,
        clean: u32,
        troublesome: Vec<&'static str>,
    ) -> impl Strategy<Value = String> {
        let space = prop::sample::select(space);
        let value = scalar.prop_recursive(3, 24, 4, move |inner| {
            let space = space.clone();
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..4), space.clone())
                    .prop_map(|(items, space)| format!("[{space}{}{space}]", items.join(&format!(",{space}")))),
                (prop::collection::vec(("[a-z]{1,6}", inner), 0..4), space).prop_map(move |(pairs, space)| {
                    let pairs: Vec<String> = pairs.iter().map(|(key, value)| pair(key, space, value)).collect();
                    format!("{{{space}{}{space}}}", pairs.join(&format!(",{space}")))
                }),
            ]
        });
        prop_oneof![clean => value, 1 => prop::sample::select(troublesome).prop_map(str::to_owned)]
    }

    /// Files written as JSON: a root mapping holding a long list or two and other values.
    fn json_file() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(json_value(), 3..14),
            prop::collection::vec(json_value(), 0..5),
            prop::sample::select(vec!["", "\n", "\n  ", " "]),
            prop::sample::select(vec!["", "# exported\n", "\n"]),
        )
            .prop_map(|(rules, connectors, space, head)| {
                let list = |items: &[String]| format!("[{space}{}{space}]", items.join(&format!(",{space}")));
                format!(
                    "{head}{{{space}\"mailflow\": 1,{space}\"transportRules\": {},{space}\"connectors\": {}{space}}}\n",
                    list(&rules),
                    list(&connectors)
                )
            })
    }

    /// An item of a list in brackets in a file in block style, written the ways YAML's flow
    /// style allows (plain words with spaces, `&`, `-`, `:` and `#` inside them, quoted strings
    /// holding commas and brackets, comments and line breaks between tokens), and some ways
    /// that make the list read whole.
    fn flow_item() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "plain",
            "two words",
            "Partners & vendors",
            "a - b",
            "http://x.example/a#b",
            "c:d",
            "\"q, [u] {o} # te\\\"d\"",
            "'it''s, ]'",
            "-1.5",
            "~",
        ]);
        let troublesome = vec!["&a x", "*a", "!!str x", "? k", "- x", "x,#y", "\"open", "[a"];
        let pair = |key: &str, _: &str, value: &str| format!("{key}: {value}");
        let space = vec!["", " ", "\n    ", "  # note\n    ", "\n  "];
        flow_value(word.prop_map(str::to_owned), space, pair, 24, troublesome)
    }

    /// Files in block style with a long list in brackets, its items on lines of their own or
    /// run together, and a block list beside it.
    fn flow_list_file() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(flow_item(), 3..12),
            prop::sample::select(vec![",\n  ", ", ", ",\n  # between\n  ", "\n  , "]),
            prop::sample::select(vec!["", "  # end", " "]),
            prop::sample::select(vec!["", "connectors:\n  - a\n  - b\n  - c\n", "tail: [1, 2]\n"]),
            proptest::bool::weighted(0.2),
        )
            .prop_map(|(items, separator, after, tail, crlf)| {
                let text = format!("mailflow: 1\nrules: [\n  {}\n]{after}\n{tail}", items.join(separator));
                if crlf {
                    text.replace('\n', "\r\n")
                } else {
                    text
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::cases::cases(2_000)))]

        #[test]
        fn a_file_read_in_pieces_reads_as_whole(text in file()) {
            if let Some(file) = in_pieces(&text) {
                prop_assert_eq!(file, whole(&text));
            }
        }

        #[test]
        fn a_list_in_brackets_read_in_pieces_reads_as_whole(text in flow_list_file()) {
            let found = !flow_lists(&text, &LineIndex::new(&text), 3).is_empty();
            match in_pieces(&text) {
                Some(file) => prop_assert_eq!(file, whole(&text)),
                // A list found is read in pieces unless the file does not parse.
                None => prop_assert!(!found || !whole(&text).errors.is_empty(), "{}", text),
            }
        }

        #[test]
        fn a_json_file_read_in_pieces_reads_as_whole(text in json_file()) {
            match in_pieces(&text) {
                Some(file) => prop_assert_eq!(file, whole(&text)),
                // Only what JSON does not write, or a file that does not parse, is read whole.
                None => prop_assert!(json_lists(&text, 3).is_empty() || !whole(&text).errors.is_empty()),
            }
        }
    }
}
