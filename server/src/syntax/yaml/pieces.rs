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

/// A top-level list read in pieces: where its items start (each at its line's start) and end,
/// and the column of their `-`.
struct List {
    items: Vec<Range<usize>>,
    column: usize,
}

impl List {
    fn dash(&self, item: usize) -> usize {
        self.items[item].start + self.column
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
    let lists = lists(&working, text, lines, min_items);
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
            List { items: items.iter().map(|item| byte(item.start)..byte(item.end)).collect(), column }
        })
        .collect()
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
    let tree = parse_ranges(parser, text, lines, std::slice::from_ref(&parsed))?;
    let root = tree.root_node();
    let kinds = Kinds::get();
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
    let mut cursor = sequence.walk();
    let items: Vec<tree_sitter::Node> =
        sequence.named_children(&mut cursor).filter(|child| child.kind_id() == kinds.block_sequence_item).collect();
    let dashes = (piece.items.start..=follower).map(|item| list.dash(item));
    if items.len() != follower + 1 - piece.items.start || !items.iter().map(|item| item.start_byte()).eq(dashes) {
        return None;
    }
    // The items are read where a top-level list's are: inside the root mapping and the list.
    let mut reader = Reader::new(text, lines, Vec::new(), None, false);
    reader.depth = 2;
    let values: Vec<Node> = items[..items.len() - 1].iter().map(|&item| reader.item(item)).collect();
    if !reader.errors.is_empty() || reader.anchor_uses > 0 {
        return None;
    }
    let own = list.items[piece.items.start].start..list.items[follower].start;
    Some((values, collect_comments(root, text, own, &[], None)))
}

/// Whether the skeleton's tree holds `list` as the value of a key of the root mapping,
/// holding the list's first and last items alone.
fn skeleton_holds(root: tree_sitter::Node, list: &List) -> bool {
    let kinds = Kinds::get();
    let Some(sequence) = first_item(root, list.dash(0)).and_then(|item| item.parent()) else { return false };
    let mut cursor = sequence.walk();
    let items: Vec<usize> = sequence
        .named_children(&mut cursor)
        .filter(|child| child.kind_id() == kinds.block_sequence_item)
        .map(|item| item.start_byte())
        .collect();
    // block_sequence < block_node < block_mapping_pair < block_mapping < block_node < document
    let mapping = (0..3).try_fold(sequence, |node, _| node.parent());
    items == [list.dash(0), list.dash(list.items.len() - 1)]
        && mapping.is_some_and(|mapping| {
            mapping.kind_id() == kinds.block_mapping
                && mapping.parent().and_then(|node| node.parent()).is_some_and(|document| document.kind() == "document")
        })
}

/// The list item whose `-` is at `dash`, when a list item starts there.
fn first_item(root: tree_sitter::Node, dash: usize) -> Option<tree_sitter::Node> {
    let item = root.descendant_for_byte_range(dash, dash + 1)?.parent()?;
    (item.kind_id() == Kinds::get().block_sequence_item && item.start_byte() == dash).then_some(item)
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn a_file_read_in_pieces_reads_as_whole(text in file()) {
            if let Some(file) = in_pieces(&text) {
                prop_assert_eq!(file, whole(&text));
            }
        }
    }
}
