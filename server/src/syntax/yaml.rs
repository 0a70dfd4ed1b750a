//! The YAML front end: tree-sitter-yaml's concrete tree turned into a small value tree in
//! which every node keeps its byte span.
//!
//! Reading never fails. Where tree-sitter reports an error region, the line that caused it
//! is reported and blanked (replaced by spaces, so every byte offset stays valid) and the
//! text is parsed again; the rest of the file is then read as if that line were absent
//! (`recovery`). Lines that nest blocks deeper than the reader reads are blanked before
//! tree-sitter sees them (`nesting`).
//!
//! Reading an edited version reuses the value trees of the lists and mappings that the edit
//! left alone (see [`Converted`]): after a keystroke in one of 300 rules, one rule is read
//! again and the other 299 are copied with their spans moved.

mod nesting;
mod pieces;
mod recovery;

use foldhash::{HashMap, HashMapExt};
use std::num::NonZeroU16;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use super::scalar::{self, Resolved};
use super::{span_of, ReusableTree};
pub use super::{Comment, SyntaxError};
use crate::side_by_side;
use crate::text::{LineIndex, Span};

/// How many nodes alias expansion may create in one file before it is called a bomb.
const ALIAS_EXPANSION_LIMIT: usize = 100_000;
/// How deep lists and mappings may nest; no mail-flow file comes near it, and it keeps a
/// hostile file from exhausting the stack (and, in block style, tree-sitter-yaml's scanner
/// from running out of room for its indentations).
const MAX_DEPTH: usize = 64;

/// The kinds of node and the fields of tree-sitter-yaml that reading tells apart, by id:
/// `Node::kind` and `child_by_field_name` look a name up on every call, a tenth of reading
/// a large file.
struct Kinds {
    block_node: u16,
    flow_node: u16,
    anchor: u16,
    tag: u16,
    comment: u16,
    block_mapping: u16,
    flow_mapping: u16,
    block_sequence: u16,
    flow_sequence: u16,
    block_sequence_item: u16,
    block_mapping_pair: u16,
    flow_pair: u16,
    plain_scalar: u16,
    single_quote_scalar: u16,
    double_quote_scalar: u16,
    block_scalar: u16,
    alias: u16,
    key: NonZeroU16,
    value: NonZeroU16,
}

impl Kinds {
    fn get() -> &'static Kinds {
        static KINDS: OnceLock<Kinds> = OnceLock::new();
        KINDS.get_or_init(|| {
            let language = tree_sitter::Language::new(tree_sitter_yaml::LANGUAGE);
            let kind = |name: &str| {
                let id = language.id_for_node_kind(name, true);
                assert_ne!(id, 0, "tree-sitter-yaml has a node kind `{name}`");
                id
            };
            let field = |name: &str| {
                language.field_id_for_name(name).unwrap_or_else(|| panic!("tree-sitter-yaml has a field `{name}`"))
            };
            Kinds {
                block_node: kind("block_node"),
                flow_node: kind("flow_node"),
                anchor: kind("anchor"),
                tag: kind("tag"),
                comment: kind("comment"),
                block_mapping: kind("block_mapping"),
                flow_mapping: kind("flow_mapping"),
                block_sequence: kind("block_sequence"),
                flow_sequence: kind("flow_sequence"),
                block_sequence_item: kind("block_sequence_item"),
                block_mapping_pair: kind("block_mapping_pair"),
                flow_pair: kind("flow_pair"),
                plain_scalar: kind("plain_scalar"),
                single_quote_scalar: kind("single_quote_scalar"),
                double_quote_scalar: kind("double_quote_scalar"),
                block_scalar: kind("block_scalar"),
                alias: kind("alias"),
                key: field("key"),
                value: field("value"),
            }
        })
    }

    /// A `block_node` or `flow_node`: content with its anchor and tag.
    fn is_node(&self, kind: u16) -> bool {
        kind == self.block_node || kind == self.flow_node
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    /// Lists and mappings share their contents: reading an edited text takes those of the
    /// previous version's value where the edit moved nothing, without copying them.
    Seq(Arc<[Node]>),
    Map(Arc<[Entry]>),
    /// Could not be read (an unknown or recursive alias, a bad tag, an expansion over the limit).
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub value: Resolved,
    pub style: ScalarStyle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// The value of a key written with nothing after its colon.
    Empty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    /// The whole `key: value` pair.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct YamlFile {
    /// The document's root, `None` for an empty file. Shared with what the next version's
    /// reading may reuse.
    pub root: Option<Arc<Node>>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Every alias read, in the order of the text, with the value it reads. Complete: a value
    /// holding an alias is never reused, so every alias of a version is read again.
    pub aliases: Vec<AliasUse>,
}

/// An alias (`*name`) read, and the span of the value it reads: the node its anchor marks,
/// whose span every value read through the alias carries (the model knows that node only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AliasUse {
    pub alias: Span,
    pub anchored: Span,
}

impl Node {
    /// The value of a scalar.
    pub fn as_scalar(&self) -> Option<&Resolved> {
        match &self.kind {
            NodeKind::Scalar(scalar) => Some(&scalar.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.as_scalar()? {
            Resolved::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A copy of this node for a text in which everything before it moved by `delta` bytes.
    fn shifted(&self, delta: isize) -> Node {
        if delta == 0 {
            return self.clone();
        }
        let kind = match &self.kind {
            NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(|item| item.shifted(delta)).collect()),
            NodeKind::Map(entries) => NodeKind::Map(
                entries
                    .iter()
                    .map(|entry| Entry {
                        key: entry.key.shifted(delta),
                        value: entry.value.shifted(delta),
                        span: entry.span.shifted(delta),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        Node { span: self.span.shifted(delta), kind }
    }

    /// The node `path` leads to from this one (see `Reader::path`).
    fn at_path(&self, path: &[u32]) -> Option<&Node> {
        let mut node = self;
        for &step in path {
            node = match &node.kind {
                NodeKind::Seq(items) => items.get(step as usize)?,
                NodeKind::Map(entries) => {
                    let entry = entries.get(step as usize / 2)?;
                    if step % 2 == 0 {
                        &entry.key
                    } else {
                        &entry.value
                    }
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// What kind of value this is, in the words an error message uses.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) => match s.value {
                Resolved::Null => "an empty value",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
            NodeKind::Invalid => "an unreadable value",
        }
    }
}

pub fn parse(text: &str) -> YamlFile {
    parse_once(text, &LineIndex::new(text))
}

/// Reads `text` when nothing is kept for a next version of it (`check` on the command line):
/// a large file in pieces, on every core, holding a piece's tree at a time (see [`pieces`]);
/// any other, or one that does not read cleanly in pieces, whole.
pub fn parse_once(text: &str, lines: &LineIndex) -> YamlFile {
    parse_in_pieces(text, lines).unwrap_or_else(|| read_whole(text, lines, None, false, READ_BESIDE).0)
}

/// `text` read in pieces (see [`pieces`]), `None` when it is not large or not read cleanly so.
pub fn parse_in_pieces(text: &str, lines: &LineIndex) -> Option<YamlFile> {
    pieces::read(text, lines)
}

/// A tree-sitter parser of YAML.
pub(super) fn parser() -> tree_sitter::Parser {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_yaml::LANGUAGE.into())
        .expect("the bundled tree-sitter-yaml grammar matches the tree-sitter version");
    parser
}

/// Parses `text` reusing `old`, the tree of an earlier version of it with every edit since
/// applied (`Tree::edit`), so that only the changed region is parsed again. Returns the new
/// tree for the next edit too. `lines` is the line index of `text`, which a checker builds
/// anyway.
pub fn parse_incremental(text: &str, lines: &LineIndex, old: Option<&ReusableTree>) -> (YamlFile, ReusableTree) {
    let (file, tree) = read_whole(text, lines, old, true, READ_BESIDE);
    (file, tree.expect("a reading that remembers leaves a tree"))
}

/// [`parse_incremental`]; `remembering` whether to note what the next version may reuse and
/// leave it (`None` when not); top-level lists of `read_beside` items or more read on two
/// threads ([`Reader::items_side_by_side`]).
fn read_whole(
    text: &str,
    lines: &LineIndex,
    old: Option<&ReusableTree>,
    remembering: bool,
    read_beside: usize,
) -> (YamlFile, Option<ReusableTree>) {
    let mut parser = parser();
    let mut working = recovery::Working::new(text, lines);
    // Only the lines an edit touched can nest deeper than those of a text that nested nowhere
    // near the limit.
    let touched = old.filter(|old| old.yaml.as_deref().is_some_and(|previous| previous.shallow)).map(|old| {
        let edited = old.edited.clone().unwrap_or(0..0);
        lines.line_of(edited.start)..lines.line_of(edited.end) + 1
    });
    let (mut errors, shallow) = working.blank_too_deep(touched);
    let old_tree = old.map(|old| {
        let mut tree = old.tree.clone();
        working.mark_blanked(&mut tree);
        tree
    });
    let previous = old.and_then(|old| old.yaml.as_deref());
    let known = previous.map(|previous| &*previous.item_blames);
    let old_tree =
        old_tree.as_ref().map(|tree| recovery::EditedTree { tree, edited: old.and_then(|old| old.edited.clone()) });
    let parse = || recovery::parse(&mut parser, &mut working, old_tree, text, &mut errors, known);
    // tree-sitter's parse leaves the other core idle: the items the edits left whole after
    // them are copied there meanwhile, which the reading would otherwise copy after it.
    let after = old.zip(previous).map(|(old, previous)| items_after_the_edits(old, previous, text.len()));
    let (premade, (tree, blamed)) = match after {
        Some((items, delta)) if items.len() >= MOVED_BESIDE => {
            let copy = || items.iter().filter_map(|item| Some((shared_id(item)?, item.shifted(delta)))).collect();
            let (copies, parsed) = side_by_side::join(copy, parse);
            ((copies, delta), parsed)
        }
        _ => ((HashMap::new(), 0), parse()),
    };
    let root = tree.root_node();
    let mut reader = Reader::new(text, lines, errors, previous, remembering);
    reader.read_beside = read_beside;
    reader.premade = premade;
    let file_root = reader.document(root);
    let comments = collect_comments(root, text, 0..text.len(), &reader.reused, previous);
    let mut errors = reader.errors;
    errors.sort_by_key(|e| e.span);
    let aliases = std::mem::take(&mut reader.aliases);
    let root = file_root.map(Arc::new);
    if !remembering {
        return (YamlFile { root, comments, errors, aliases }, None);
    }
    // A text that parses blames nothing: what was found for items still holds for the next.
    let item_blames = match blamed {
        Some(blamed) => Arc::new(blamed),
        None => previous.map(|previous| previous.item_blames.clone()).unwrap_or_default(),
    };
    let mut next = tree.clone();
    working.mark_blanked(&mut next);
    let converted = Converted {
        _tree: tree,
        text: text.to_owned(),
        root: root.clone(),
        reusable: reader.reusable.into_iter().collect(),
        paths: reader.paths,
        moved_items: reader.moved_items,
        comments: comments.iter().map(|comment| comment.span).collect(),
        item_blames,
        shallow,
    };
    let reusable = ReusableTree { tree: next, yaml: Some(Arc::new(converted)), dsl: None, edited: None };
    (YamlFile { root, comments, errors, aliases }, Some(reusable))
}

/// The items of `previous`'s top-level lists that every edit since left after it (edited to
/// a text of `text_len` bytes), and how far they moved: the items that the reading copies,
/// moved, when tree-sitter reuses them, as it does unless an edit changed how they parse.
fn items_after_the_edits<'p>(old: &ReusableTree, previous: &'p Converted, text_len: usize) -> (Vec<&'p Node>, isize) {
    let delta = text_len as isize - previous.text.len() as isize;
    let (Some(edited), Some(root)) = (&old.edited, previous.root.as_deref()) else { return (Vec::new(), 0) };
    if delta == 0 {
        return (Vec::new(), 0);
    }
    let lists = root.as_map().into_iter().flatten().filter_map(|entry| match &entry.value.kind {
        NodeKind::Seq(items) => Some(&**items),
        _ => None,
    });
    let after = |item: &&Node| item.span.start as isize + delta >= edited.end as isize;
    (lists.flat_map(|items| items.iter().filter(after)).collect(), delta)
}

/// What reading one version of a file leaves for reading the next: the tree-sitter tree that
/// was read, its text, the value tree, and the lists and mappings in it that can be reused.
///
/// Reuse rests on tree-sitter's node ids. A node's id is where its parent keeps it, and
/// parsing an edited text with the old tree shares every subtree the edit did not touch, so
/// the nodes inside a shared subtree keep their ids (a rule's value is inside its shared list
/// item). `_tree` keeps this version's subtrees alive, so no node of a later tree can be given
/// the id of one of them: an id seen again is the very same node.
pub struct Converted {
    _tree: tree_sitter::Tree,
    text: String,
    root: Option<Arc<Node>>,
    reusable: HashMap<usize, Reusable>,
    /// The paths of `reusable`, one after another.
    paths: Vec<u32>,
    /// The items of top-level lists that are copies of the previous version's, moved:
    /// by the [`shared_id`] of the copy, that of the value copied and how far it moved.
    moved_items: HashMap<usize, (usize, isize)>,
    /// Where the text's comments are, in order.
    comments: Vec<Span>,
    /// What recovery found in the items of this text's lists that it read alone, or of the
    /// last earlier text that did not parse: shared by the versions that parse since.
    item_blames: Arc<recovery::ItemBlames>,
    /// Whether no line of the text may nest deeper than the limit (see `nesting::too_deep`).
    shallow: bool,
}

impl Converted {
    /// The value an item of a top-level list (by its [`shared_id`]) is a copy of, from the
    /// previous version's reading, and by how many bytes it moved: the item's text is that
    /// value's text, moved. `None` for an item read again, or shared as it was (where the edit
    /// moved nothing, a list or mapping is the previous version's own).
    pub fn moved_item(&self, id: usize) -> Option<(usize, isize)> {
        self.moved_items.get(&id).copied()
    }
}

/// What tells a list or mapping apart from every other one alive: the address of its shared
/// contents. A value that has it is the very one that had it, or a copy sharing them.
pub fn shared_id(node: &Node) -> Option<usize> {
    match &node.kind {
        NodeKind::Seq(items) => Some(Arc::as_ptr(items).cast::<u8>() as usize),
        NodeKind::Map(entries) => Some(Arc::as_ptr(entries).cast::<u8>() as usize),
        _ => None,
    }
}

/// A list or mapping read from one subtree, and what its reading depended on besides the
/// subtree: the bytes from its start to `reach` (a block scalar at its end looks at the blank
/// lines after it), the column it starts at, its owner's indentation and its depth. It holds
/// no anchor, no alias and nothing in error.
struct Reusable {
    start: usize,
    reach: usize,
    column: usize,
    owner_indent: usize,
    depth: usize,
    /// Where it is in the value tree: a range of `Converted::paths` (see `Reader::path`).
    path: Range<usize>,
}

/// Every comment in the tree within the bytes `within`, in order. A comment starts with a `#`, and no node holds a `#` of
/// the text without being or containing the smallest node around it: so each `#` of the text
/// is looked up from the root (a path as deep as the tree, not a walk of it), and it is a
/// comment's when that node is a comment starting there. The `#`s inside quoted or plain
/// scalars, or inside a comment, find other nodes.
///
/// A `#` inside a subtree whose value was reused (`reused`, in order: where each subtree is and
/// how far it moved) is not looked up: the subtree is the previous version's, so the `#` is a
/// comment's exactly when it was one there, as long as then.
fn collect_comments(
    root: tree_sitter::Node,
    text: &str,
    within: Range<usize>,
    reused: &[(Range<usize>, isize)],
    previous: Option<&Converted>,
) -> Vec<Comment> {
    let comment = Kinds::get().comment;
    let mut comments = Vec::new();
    let mut reused = reused.iter().peekable();
    // memchr, as the line index searches its line breaks: a `#` is one byte.
    for at in memchr::memchr_iter(b'#', &text.as_bytes()[within.clone()]).map(|at| within.start + at) {
        while reused.next_if(|(range, _)| range.end <= at).is_some() {}
        let moved = reused.peek().filter(|(range, _)| range.start <= at);
        let span = match (moved, previous) {
            (Some((_, delta)), Some(previous)) => {
                let old = at.wrapping_sub_signed(*delta);
                let Ok(found) = previous.comments.binary_search_by_key(&old, |span| span.start) else { continue };
                previous.comments[found].shifted(*delta)
            }
            _ => {
                let Some(node) = root.descendant_for_byte_range(at, at + 1) else { continue };
                if node.kind_id() != comment || node.start_byte() != at {
                    continue;
                }
                span_of(node)
            }
        };
        comments.push(Comment { span, text: text[span.range()].to_owned() });
    }
    comments
}

fn collect_documents<'t>(node: tree_sitter::Node<'t>, out: &mut Vec<tree_sitter::Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "document" => out.push(child),
            // Error regions left after recovery may still hold documents.
            "ERROR" => collect_documents(child, out),
            _ => {}
        }
    }
}

struct Reader<'a> {
    kinds: &'static Kinds,
    text: &'a str,
    lines: &'a LineIndex,
    anchors: HashMap<String, (Node, usize)>,
    /// The anchors of the nodes being read (around the node being read), innermost last: an
    /// alias naming one of them, with no later node of that anchor read meanwhile, refers to
    /// a node that contains it.
    open_anchors: Vec<String>,
    /// Nodes created so far by alias expansion.
    expanded: usize,
    /// Lists and mappings around the node being read.
    depth: usize,
    errors: Vec<SyntaxError>,
    /// The reading of the previous version, when the tree was parsed from its tree.
    previous: Option<&'a Converted>,
    /// Where the node being read will be in the value tree: for each list around it, the
    /// index of the item, and for each mapping, twice the index of the entry (plus one in its
    /// value).
    path: Vec<u32>,
    /// What the next version may reuse, by node id (see `Converted`).
    reusable: Vec<(usize, Reusable)>,
    /// The paths of `reusable`, one after another.
    paths: Vec<u32>,
    /// The furthest byte the node being read depends on.
    reach: usize,
    /// How many anchors were defined and aliases read so far.
    anchor_uses: usize,
    /// The aliases read so far (`YamlFile::aliases`).
    aliases: Vec<AliasUse>,
    /// See `Converted::moved_items`.
    moved_items: HashMap<usize, (usize, isize)>,
    /// The items of the top-level list being read that the edit moved: where each goes in
    /// the list, the previous version's value and how far it moved. They are copied when the
    /// list is read (`Reader::moved_copies`), on every core.
    moving: Vec<(usize, &'a Node, isize)>,
    /// Copies of the previous version's top-level items moved by the edits, made while
    /// tree-sitter parsed (by the id of the value each copies), and how far they moved.
    premade: (HashMap<usize, Node>, isize),
    /// Whether the node being read is in a list (block or flow) that is the value of a key of
    /// the root mapping (its items' moves wait in `moving`).
    in_top_level_list: bool,
    /// The subtrees whose values were reused, in order: where each is and how far it moved.
    reused: Vec<(Range<usize>, isize)>,
    /// Whether to note what the next version may reuse (`reusable`, `paths`).
    remembering: bool,
    /// Items read elsewhere to insert into a list, after its item starting at the byte they
    /// are keyed by (see [`pieces`]).
    spliced: HashMap<usize, Vec<Node>>,
    /// The first plain scalars read (up to [`SHARED_SCALARS`]), by their text: the keys and
    /// the usual values of a file's rules are the same few words, and each one read later
    /// shares the string of the first (10,000 rules: 5 MB less).
    plain_scalars: HashMap<&'a str, Resolved>,
    /// How many items of a top-level list make reading them worth a second thread.
    read_beside: usize,
}

/// How many items of a top-level list make reading them worth a second thread: at 3,000
/// rules, reading an edit's tree took 3.6 ms instead of 5.1 (median of 40 edits); a few
/// hundred items read about as fast as a thread starts.
const READ_BESIDE: usize = 512;

/// How many moved items of a top-level list make copying them worth a second thread
/// (measured with `rules::SIDE_BY_SIDE`).
const MOVED_BESIDE: usize = 512;

/// How many plain scalars a reader keeps to share their strings.
const SHARED_SCALARS: usize = 256;

impl<'a> Reader<'a> {
    fn new(
        text: &'a str,
        lines: &'a LineIndex,
        errors: Vec<SyntaxError>,
        previous: Option<&'a Converted>,
        remembering: bool,
    ) -> Self {
        Reader {
            kinds: Kinds::get(),
            text,
            lines,
            anchors: HashMap::new(),
            open_anchors: Vec::new(),
            expanded: 0,
            depth: 0,
            errors,
            previous,
            path: Vec::new(),
            reusable: Vec::new(),
            paths: Vec::new(),
            reach: 0,
            anchor_uses: 0,
            aliases: Vec::new(),
            moved_items: HashMap::new(),
            moving: Vec::new(),
            premade: (HashMap::new(), 0),
            in_top_level_list: false,
            reused: Vec::new(),
            remembering,
            spliced: HashMap::new(),
            plain_scalars: HashMap::new(),
            read_beside: READ_BESIDE,
        }
    }

    /// Reads the first document of the stream `root`: its content, `None` when it has none.
    /// A second document is an error.
    fn document(&mut self, root: tree_sitter::Node) -> Option<Node> {
        let mut documents = Vec::new();
        collect_documents(root, &mut documents);
        if let Some(second) = documents.get(1) {
            let start = second.start_byte();
            self.errors.push(SyntaxError {
                span: Span::new(start, start + self.lines.line_text(self.text, self.lines.line_of(start)).len()),
                message: "a mailflow file holds one YAML document; this is a second one (split the file, \
                          or remove the `---` line)"
                    .into(),
            });
        }
        let document = documents.first()?;
        let mut cursor = document.walk();
        let content = document.named_children(&mut cursor).find(|child| self.kinds.is_node(child.kind_id()));
        content.map(|content| self.node(content, 0))
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError { span, message: message.into() });
    }

    fn column(&self, offset: usize) -> usize {
        offset - self.lines.line_start(self.lines.line_of(offset))
    }

    /// Reads a `block_node` or `flow_node` (or a bare content node). `owner_indent` is the
    /// column of the key or `-` that owns it, which block scalars' indentation counts from.
    fn node(&mut self, ts: tree_sitter::Node, owner_indent: usize) -> Node {
        if let Some(node) = self.reuse(ts, owner_indent) {
            return node;
        }
        let outer_reach = std::mem::replace(&mut self.reach, ts.end_byte());
        let (errors, anchor_uses) = (self.errors.len(), self.anchor_uses);
        let node = self.read(ts, owner_indent);
        let reach = self.reach;
        self.reach = outer_reach.max(reach);
        let collection = matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_));
        if collection && self.errors.len() == errors && self.anchor_uses == anchor_uses {
            self.remember(ts, owner_indent, reach);
        }
        node
    }

    /// The previous version's value of `ts`, when `ts` is a subtree that version read into a
    /// list or mapping and everything else that reading depended on is unchanged.
    fn reuse(&mut self, ts: tree_sitter::Node, owner_indent: usize) -> Option<Node> {
        let previous = self.previous?;
        let old = previous.reusable.get(&ts.id())?;
        let start = ts.start_byte();
        let reach = start + (old.reach - old.start);
        // Columns count only for block scalars' indentation, which a flow collection cannot
        // hold: one moved along its row (an edit before it on a line of JSON) is still the same.
        let placed_alike = ts.kind_id() == self.kinds.flow_node
            || (old.owner_indent == owner_indent && old.column == self.column(start));
        let unchanged = placed_alike
            && old.depth == self.depth
            && self.text.as_bytes().get(start..reach) == previous.text.as_bytes().get(old.start..old.reach);
        if !unchanged {
            return None;
        }
        let value = previous.root.as_deref()?.at_path(&previous.paths[old.path.clone()])?;
        let delta = start as isize - old.start as isize;
        self.reused.push((start..ts.end_byte(), delta));
        // An item of a top-level list (a rule, a connector) that moved is copied with the
        // list's other moved items; until then the list holds the previous value.
        let node = match (self.path.as_slice(), delta) {
            (&[_, item], delta) if delta != 0 && self.in_top_level_list => {
                self.moving.push((item as usize, value, delta));
                value.clone()
            }
            _ => value.shifted(delta),
        };
        self.reach = self.reach.max(reach);
        self.remember(ts, owner_indent, reach);
        Some(node)
    }

    /// Puts in `items`, the items of a top-level list, the copies of those the edit moved
    /// (`moving`): made while tree-sitter parsed (`premade`) where they were, the others now,
    /// on every core for a long list. The lowering reuses what it made of the value each
    /// copies (see `Converted::moved_item`).
    fn moved_copies(&mut self, items: &mut [Node]) {
        let moving = std::mem::take(&mut self.moving);
        let (premade, premade_delta) = &mut self.premade;
        let premade: Vec<Option<Node>> = moving
            .iter()
            .map(|&(_, value, delta)| premade.remove(&shared_id(value)?).filter(|_| delta == *premade_delta))
            .collect();
        let left: Vec<_> =
            moving.iter().zip(&premade).filter(|(_, copy)| copy.is_none()).map(|(moving, _)| *moving).collect();
        let mut made = side_by_side::map(&left, MOVED_BESIDE, |&(_, value, delta)| value.shifted(delta)).into_iter();
        let copies = premade.into_iter().map(|copy| copy.or_else(|| made.next()).expect("a copy of each item left"));
        for ((item, value, delta), copy) in moving.into_iter().zip(copies) {
            if let (Some(moved), Some(from)) = (shared_id(&copy), shared_id(value)) {
                self.moved_items.insert(moved, (from, delta));
            }
            items[item] = copy;
        }
    }

    /// Records that the node just read from `ts` may be reused by the next version.
    fn remember(&mut self, ts: tree_sitter::Node, owner_indent: usize, reach: usize) {
        if !self.remembering {
            return;
        }
        let start = ts.start_byte();
        let path_start = self.paths.len();
        self.paths.extend_from_slice(&self.path);
        let reusable = Reusable {
            start,
            reach,
            column: self.column(start),
            owner_indent,
            depth: self.depth,
            path: path_start..self.paths.len(),
        };
        self.reusable.push((ts.id(), reusable));
    }

    /// Runs `read` for the child `step` (see `path`) of the node being read.
    fn at_step<T>(&mut self, step: usize, read: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(step as u32);
        let value = read(self);
        self.path.pop();
        value
    }

    fn read(&mut self, ts: tree_sitter::Node, owner_indent: usize) -> Node {
        let kinds = self.kinds;
        if !kinds.is_node(ts.kind_id()) {
            return self.content(ts, owner_indent);
        }
        let mut anchor = None;
        let mut tag = None;
        let mut content = None;
        let mut cursor = ts.walk();
        for child in ts.named_children(&mut cursor) {
            match child.kind_id() {
                kind if kind == kinds.anchor => anchor = Some(child),
                kind if kind == kinds.tag => tag = Some(child),
                kind if kind == kinds.comment => {}
                _ => content = Some(child),
            }
        }
        // From here to the end of its node, the anchor names that node (YAML 1.2, 3.2.2.2: an
        // alias refers to the most recent node of its anchor), which is not complete yet.
        let anchor = anchor.map(|anchor| {
            self.anchor_uses += 1;
            let name = anchor_name(anchor, self.text);
            self.anchors.remove(&name);
            self.open_anchors.push(name.clone());
            name
        });
        let mut node = match content {
            Some(content) => self.content(content, owner_indent),
            // An anchor or tag with nothing after it.
            None => Node { span: Span::new(ts.end_byte(), ts.end_byte()), kind: empty_scalar() },
        };
        if let Some(tag) = tag {
            node = self.apply_tag(&self.text[span_of(tag).range()], span_of(tag), node);
        }
        if let Some(name) = anchor {
            self.open_anchors.pop();
            let size = node_count(&node);
            self.anchors.insert(name, (node.clone(), size));
        }
        node
    }

    fn content(&mut self, ts: tree_sitter::Node, owner_indent: usize) -> Node {
        let span = span_of(ts);
        let (kinds, kind) = (self.kinds, ts.kind_id());
        if [kinds.block_mapping, kinds.flow_mapping, kinds.block_sequence, kinds.flow_sequence].contains(&kind) {
            if self.depth >= MAX_DEPTH {
                if self.depth == MAX_DEPTH {
                    self.error(
                        span,
                        format!("lists and mappings nest more than {MAX_DEPTH} deep here; the rest is not read"),
                    );
                    self.depth += 1;
                }
                return Node { span, kind: NodeKind::Invalid };
            }
            self.depth += 1;
            let node = self.collection(ts, span);
            self.depth -= 1;
            return node;
        }
        let raw = &self.text[span.range()];
        let kind = match kind {
            kind if kind == kinds.plain_scalar => {
                let value = match self.plain_scalars.get(raw) {
                    Some(value) => value.clone(),
                    None => {
                        let value = scalar::resolve_plain(&scalar::plain(raw));
                        if self.plain_scalars.len() < SHARED_SCALARS {
                            self.plain_scalars.insert(raw, value.clone());
                        }
                        value
                    }
                };
                NodeKind::Scalar(Scalar { value, style: ScalarStyle::Plain })
            }
            kind if kind == kinds.single_quote_scalar => NodeKind::Scalar(Scalar {
                value: Resolved::Str(scalar::single_quoted(raw).into()),
                style: ScalarStyle::SingleQuoted,
            }),
            kind if kind == kinds.double_quote_scalar => match scalar::double_quoted(raw) {
                Ok(value) => {
                    NodeKind::Scalar(Scalar { value: Resolved::Str(value.into()), style: ScalarStyle::DoubleQuoted })
                }
                Err((offset, message)) => {
                    self.error(Span::new(span.start + offset, span.end), message);
                    NodeKind::Invalid
                }
            },
            kind if kind == kinds.block_scalar => {
                let style = if raw.starts_with('>') { ScalarStyle::Folded } else { ScalarStyle::Literal };
                let trailing = scalar::block_scalar_trailing(self.text, span.end);
                self.reach = self.reach.max(span.end + trailing.len());
                NodeKind::Scalar(Scalar {
                    value: Resolved::Str(scalar::block_scalar(raw, owner_indent, trailing).into()),
                    style,
                })
            }
            kind if kind == kinds.alias => return self.alias(ts),
            _ => NodeKind::Invalid,
        };
        Node { span, kind }
    }

    /// Reads a list or mapping node (the caller keeps count of the depth).
    fn collection(&mut self, ts: tree_sitter::Node, span: Span) -> Node {
        let kinds = self.kinds;
        let kind = match ts.kind_id() {
            kind if kind == kinds.block_sequence || kind == kinds.flow_sequence => {
                // A top-level list, in block or flow style (JSON), moves its items together:
                // copied at once, known to the lowering as moved copies.
                let top_level = self.path.len() == 1;
                let outer = std::mem::replace(&mut self.in_top_level_list, top_level);
                let mut items =
                    if kind == kinds.block_sequence { self.block_items(ts, top_level) } else { self.flow_items(ts) };
                self.in_top_level_list = outer;
                if top_level {
                    self.moved_copies(&mut items);
                }
                NodeKind::Seq(items.into())
            }
            _ => NodeKind::Map(self.mapping(ts).into()),
        };
        Node { span, kind }
    }

    /// The items of a `block_sequence`, a long top-level one's read on two threads.
    fn block_items(&mut self, ts: tree_sitter::Node, top_level: bool) -> Vec<Node> {
        let kinds = self.kinds;
        let mut cursor = ts.walk();
        let item_nodes: Vec<_> =
            ts.named_children(&mut cursor).filter(|c| c.kind_id() == kinds.block_sequence_item).collect();
        let mut items = Vec::with_capacity(item_nodes.len());
        if top_level && self.spliced.is_empty() && item_nodes.len() >= self.read_beside {
            self.items_side_by_side(&item_nodes, &mut items);
        } else {
            self.items(&item_nodes, &mut items, 0);
        }
        items
    }

    /// The items of a `flow_sequence`.
    fn flow_items(&mut self, ts: tree_sitter::Node) -> Vec<Node> {
        let kinds = self.kinds;
        let mut items = Vec::new();
        let mut cursor = ts.walk();
        for child in ts.named_children(&mut cursor) {
            match child.kind_id() {
                kind if kind == kinds.flow_node => {
                    items.push(self.at_step(items.len(), |reader| reader.node(child, 0)));
                    self.splice_after(child, &mut items);
                }
                // `[key: value]` is a list holding a one-entry mapping.
                kind if kind == kinds.flow_pair => {
                    let entry = self.at_step(items.len(), |reader| reader.pair(child, 0, 0));
                    items.push(Node { span: entry.span, kind: NodeKind::Map(Arc::new([entry])) });
                }
                _ => {}
            }
        }
        items
    }

    /// Reads the `block_sequence_item`s `item_nodes` into `items`; the list holds `before`
    /// items before those in `items`.
    fn items(&mut self, item_nodes: &[tree_sitter::Node], items: &mut Vec<Node>, before: usize) {
        for &item in item_nodes {
            items.push(self.at_step(before + items.len(), |reader| reader.item(item)));
            self.splice_after(item, items);
        }
    }

    /// Puts in `items` the items read in pieces after `item` (`pieces.rs`), if any were.
    fn splice_after(&mut self, item: tree_sitter::Node, items: &mut Vec<Node>) {
        if !self.spliced.is_empty() {
            items.extend(self.spliced.remove(&item.start_byte()).unwrap_or_default());
        }
    }

    /// [`Self::items`] of a long top-level list, its second half read on a thread of its own
    /// by a reader forked from this one ([`Self::fork`]) and then taken in ([`Self::absorb`]).
    /// An anchor or alias in the list (one half may name what the other defines) or a
    /// nesting over the limit (reported once a file) makes the second half's reading
    /// depend on the first's: it is then read again here, after the first.
    fn items_side_by_side(&mut self, item_nodes: &[tree_sitter::Node], items: &mut Vec<Node>) {
        let (first, second) = item_nodes.split_at(item_nodes.len() / 2);
        let (anchor_uses, depth) = (self.anchor_uses, self.depth);
        let mut fork = self.fork();
        let (second_items, ()) = side_by_side::join(
            || {
                let mut second_items = Vec::with_capacity(second.len());
                fork.items(second, &mut second_items, first.len());
                (fork, second_items)
            },
            || self.items(first, items, 0),
        );
        let (fork, second_items) = second_items;
        let independent =
            [self.anchor_uses, fork.anchor_uses] == [anchor_uses; 2] && [self.depth, fork.depth] == [depth; 2];
        if independent {
            self.absorb(fork);
            items.extend(second_items);
        } else {
            self.items(second, items, 0);
        }
    }

    /// A reader of the rest of a list whose earlier items this one reads meanwhile: it starts
    /// where this one is (its path, depth, anchors, reach) with nothing read yet.
    fn fork(&self) -> Reader<'a> {
        Reader {
            kinds: self.kinds,
            text: self.text,
            lines: self.lines,
            anchors: self.anchors.clone(),
            open_anchors: self.open_anchors.clone(),
            expanded: self.expanded,
            depth: self.depth,
            errors: Vec::new(),
            previous: self.previous,
            path: self.path.clone(),
            reusable: Vec::new(),
            paths: Vec::new(),
            reach: self.reach,
            anchor_uses: self.anchor_uses,
            aliases: Vec::new(),
            moved_items: HashMap::new(),
            moving: Vec::new(),
            premade: (HashMap::new(), 0),
            in_top_level_list: self.in_top_level_list,
            reused: Vec::new(),
            remembering: self.remembering,
            spliced: HashMap::new(),
            plain_scalars: self.plain_scalars.clone(),
            read_beside: self.read_beside,
        }
    }

    /// Takes in what `fork` read after what this reader read: its errors and aliases, what the
    /// next version may reuse (its paths moved to follow this reader's), the moved items
    /// waiting to be copied, the reused subtrees (in order, since the fork read later items).
    fn absorb(&mut self, fork: Reader<'a>) {
        let Reader { errors, aliases, reusable, paths, reach, moved_items, moving, reused, .. } = fork;
        self.errors.extend(errors);
        self.aliases.extend(aliases);
        let offset = self.paths.len();
        self.paths.extend(paths);
        self.reusable.extend(reusable.into_iter().map(|(id, mut reusable)| {
            reusable.path = reusable.path.start + offset..reusable.path.end + offset;
            (id, reusable)
        }));
        self.reach = self.reach.max(reach);
        self.moved_items.extend(moved_items);
        self.moving.extend(moving);
        self.reused.extend(reused);
    }

    /// The value of a `block_sequence_item`.
    fn item(&mut self, item: tree_sitter::Node) -> Node {
        let dash_column = self.column(item.start_byte());
        let mut cursor = item.walk();
        let value = item.named_children(&mut cursor).find(|c| c.kind_id() != self.kinds.comment);
        match value {
            Some(value) => self.node(value, dash_column),
            None => Node { span: Span::new(item.end_byte(), item.end_byte()), kind: empty_scalar() },
        }
    }

    fn mapping(&mut self, ts: tree_sitter::Node) -> Vec<Entry> {
        let mut entries = Vec::new();
        let mut merges = Vec::new();
        let remembered = (self.reusable.len(), self.paths.len());
        let mut cursor = ts.walk();
        for child in ts.named_children(&mut cursor) {
            let index = entries.len();
            let kind = child.kind_id();
            let entry = if kind == self.kinds.block_mapping_pair || kind == self.kinds.flow_pair {
                self.pair(child, self.column(child.start_byte()), index)
            } else if kind == self.kinds.flow_node {
                // `{a}`: a key whose value is empty.
                let key = self.at_step(2 * index, |reader| reader.node(child, 0));
                let end = key.span.end;
                Entry { span: key.span, key, value: Node { span: Span::new(end, end), kind: empty_scalar() } }
            } else {
                continue;
            };
            let is_merge = matches!(&entry.key.kind,
                NodeKind::Scalar(Scalar { value: Resolved::Str(s), style: ScalarStyle::Plain }) if &**s == "<<");
            if is_merge {
                merges.push(entry);
            } else {
                entries.push(entry);
            }
        }
        if !merges.is_empty() {
            // Merging moves entries, and the paths remembered inside this mapping are wrong.
            self.reusable.truncate(remembered.0);
            self.paths.truncate(remembered.1);
        }
        for merge in merges {
            self.merge_into(&mut entries, merge);
        }
        entries
    }

    /// Applies a `<<` merge key: entries of the merged mapping(s) whose keys the mapping does
    /// not already have are added; with a list, earlier mappings win.
    fn merge_into(&mut self, entries: &mut Vec<Entry>, merge: Entry) {
        let sources = match &merge.value.kind {
            NodeKind::Seq(items) => items.clone(),
            NodeKind::Invalid => return,
            NodeKind::Map(_) | NodeKind::Scalar(_) => Arc::new([merge.value]),
        };
        for source in sources.iter() {
            let NodeKind::Map(merged) = &source.kind else {
                self.error(
                    source.span,
                    "a `<<` merge key takes a mapping or a list of mappings (usually aliases like `*defaults`)",
                );
                continue;
            };
            for entry in merged.iter() {
                if !entries.iter().any(|existing| same_key(&existing.key, &entry.key)) {
                    entries.push(entry.clone());
                }
            }
        }
    }

    /// Reads a `key: value` pair, the entry `index` of its mapping.
    fn pair(&mut self, ts: tree_sitter::Node, key_column: usize, index: usize) -> Entry {
        let span = span_of(ts);
        let key = match ts.child_by_field_id(self.kinds.key.get()) {
            Some(key) => self.at_step(2 * index, |reader| reader.node(key, key_column)),
            // `: value` (an empty key) or `? ` with nothing after it.
            None => Node { span: Span::new(span.start, span.start), kind: empty_scalar() },
        };
        let value = match ts.child_by_field_id(self.kinds.value.get()) {
            Some(value) => self.at_step(2 * index + 1, |reader| reader.node(value, key_column)),
            None => Node { span: Span::new(span.end, span.end), kind: empty_scalar() },
        };
        Entry { key, value, span }
    }

    fn alias(&mut self, ts: tree_sitter::Node) -> Node {
        self.anchor_uses += 1;
        let span = span_of(ts);
        let name = anchor_name(ts, self.text);
        let Some((node, size)) = self.anchors.get(&name) else {
            let message = if self.open_anchors.contains(&name) {
                // `a: &x [*x]`: the value would hold itself, without end.
                format!(
                    "`*{name}` refers to the value anchored `&{name}` that contains it: a recursive alias, which \
                     would make the value hold itself without end; the alias is not read"
                )
            } else {
                format!("`*{name}` refers to no anchor `&{name}` defined above it")
            };
            self.error(span, message);
            return Node { span, kind: NodeKind::Invalid };
        };
        if self.expanded + size > ALIAS_EXPANSION_LIMIT {
            if self.expanded > ALIAS_EXPANSION_LIMIT {
                // Reported once: every later alias is over the limit too.
                return Node { span, kind: NodeKind::Invalid };
            }
            self.expanded = ALIAS_EXPANSION_LIMIT + 1;
            self.error(
                span,
                format!(
                    "expanding `*{name}` would make more than {ALIAS_EXPANSION_LIMIT} values: aliases nest too deep \
                     (an alias bomb?); the value is not read"
                ),
            );
            return Node { span, kind: NodeKind::Invalid };
        }
        self.expanded += size;
        self.aliases.push(AliasUse { alias: span, anchored: node.span });
        node.clone()
    }

    fn apply_tag(&mut self, tag: &str, tag_span: Span, node: Node) -> Node {
        let NodeKind::Scalar(scalar) = &node.kind else {
            return match tag {
                "!!map" | "!!seq" => node,
                _ => {
                    self.error(
                        tag_span,
                        format!("the tag `{tag}` is not supported on a list or mapping; allowed: !!map, !!seq"),
                    );
                    node
                }
            };
        };
        let text = match &scalar.value {
            Resolved::Str(s) => s.to_string(),
            _ if scalar.style == ScalarStyle::Empty => String::new(),
            _ => scalar::plain(&self.text[node.span.range()]),
        };
        let value = match tag {
            "!!str" => Some(Resolved::Str(text.as_str().into())),
            "!!bool" => match scalar::resolve_plain(&text) {
                value @ Resolved::Bool(_) => Some(value),
                _ => None,
            },
            "!!int" => match scalar::resolve_plain(&text) {
                value @ Resolved::Int(_) => Some(value),
                _ => None,
            },
            "!!float" => match scalar::resolve_plain(&text) {
                Resolved::Int(i) => Some(Resolved::Float(i as f64)),
                value @ Resolved::Float(_) => Some(value),
                _ => None,
            },
            "!!null" => match scalar::resolve_plain(&text) {
                Resolved::Null => Some(Resolved::Null),
                _ => None,
            },
            _ => {
                self.error(
                    tag_span,
                    format!("the tag `{tag}` is not supported; allowed: !!str, !!bool, !!int, !!float, !!null"),
                );
                return node;
            }
        };
        match value {
            Some(value) => Node { span: node.span, kind: NodeKind::Scalar(Scalar { value, style: scalar.style }) },
            None => {
                self.error(node.span, format!("`{text}` is not a valid {tag} value"));
                Node { span: node.span, kind: NodeKind::Invalid }
            }
        }
    }
}

fn empty_scalar() -> NodeKind {
    NodeKind::Scalar(Scalar { value: Resolved::Null, style: ScalarStyle::Empty })
}

fn anchor_name(ts: tree_sitter::Node, text: &str) -> String {
    text[span_of(ts).range()].trim_start_matches(['&', '*']).to_owned()
}

fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => x.value == y.value,
        _ => false,
    }
}

fn node_count(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Seq(items) => items.iter().map(node_count).sum(),
        NodeKind::Map(entries) => entries.iter().map(|e| node_count(&e.key) + node_count(&e.value)).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors of `text`, each as its text and message.
    fn errors(text: &str) -> Vec<(&str, String)> {
        parse(text).errors.into_iter().map(|e| (&text[e.span.range()], e.message)).collect()
    }

    /// A list or mapping written in flow style is not read as the key of a block mapping
    /// (`vendor/tree-sitter-yaml`, README item 6): a line that makes one a key does not parse,
    /// and says so. JSON's keys, quoted, and plain ones read as before, and so does a flow
    /// collection as a value or an item.
    #[test]
    fn a_flow_collection_is_not_read_as_a_key() {
        for key in ["{senderIs: inside}", "[a, \"b]\"]", "- {a: 1}", "&k {a: 1}"] {
            let text = format!("mailflow: 1\n{key}: x\nb: 2\n");
            let found = errors(&text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(found[0].0.starts_with(key), "{text}: {found:?}");
            let says = if key.starts_with('&') { "not valid YAML here" } else { "is not a key: a key is a name" };
            assert!(found[0].1.contains(says), "{text}: {found:?}");
        }
        for text in ["{\"a\": {\"b\": [1, {c: d}]}, 'e': f}\n", "a: {b: c}\n\"d\": [e]\n'f': g\n", "- {a: b}\n- [c]\n"]
        {
            assert_eq!(errors(text), [], "{text}");
        }
    }

    /// The YAML files of the repository: the examples and the tests' fixtures, many broken.
    pub(super) fn repository_yaml_files() -> Vec<std::path::PathBuf> {
        fn yaml_files(folder: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    yaml_files(&path, found);
                } else if path.extension().is_some_and(|extension| extension == "yaml") {
                    found.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for folder in ["examples", "server/tests"] {
            yaml_files(&root.join(folder), &mut files);
        }
        files
    }

    fn value<'n>(file: &'n YamlFile, key: &str) -> &'n Node {
        let root = file.root.as_deref().expect("a document");
        let entries = root.as_map().expect("a mapping");
        &entries.iter().find(|e| e.key.as_str() == Some(key)).expect("the key").value
    }

    /// Issue 14: an alias inside the node its anchor is on was reported as an alias of no
    /// anchor.
    #[test]
    fn an_alias_inside_its_own_anchored_node_is_recursive() {
        let recursive = "`*x` refers to the value anchored `&x` that contains it: a recursive alias, which would \
                         make the value hold itself without end; the alias is not read";
        for text in [
            "a: &x [*x]\n",
            "a: &x {b: *x}\n",
            "a: &x\n  b: [1, *x]\n",
            "a: &x\n  - c\n  - *x\n",
            "a: &x\n  b: 1\n  <<: *x\n",
            // The earlier `&x` is not the one `*x` refers to: the open one is more recent.
            "b: &x 1\na: &x [*x]\n",
            "a: &x [[[{b: [*x]}]]]\n",
        ] {
            assert_eq!(errors(text), [("*x", recursive.to_owned())], "{text}");
        }
        let file = parse("a: &x [*x]\nb: *x\n");
        assert_eq!(file.errors.len(), 1);
        // The list holds what could not be read, and so does every copy of it.
        let invalid = |node: &Node| match &node.kind {
            NodeKind::Seq(items) => items.len() == 1 && items[0].kind == NodeKind::Invalid,
            _ => false,
        };
        assert!(invalid(value(&file, "a")) && invalid(value(&file, "b")));
    }

    /// Issue 15: a keystroke that breaks a rule of a text that parsed reads that rule alone,
    /// not every rule: the others read cleanly in the whole text's tree.
    #[test]
    fn a_keystroke_that_breaks_a_rule_reads_that_rule_alone() {
        let mut text = "mailflow: 1\ntransportRules:\n".to_owned();
        for i in 0..5 {
            text.push_str(&format!("  - name: R{i}\n    priority: {i}\n"));
        }
        let counts = |tree: &ReusableTree| tree.yaml.as_ref().expect("a YAML reading").item_blames.counts();
        let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        assert_eq!(counts(&tree), (0, 0), "a text that parses reads no item alone");
        let at = text.find("priority: 2").unwrap() + "priority: ".len();
        let edit = |text: &mut String, tree: &mut ReusableTree, insert: &str| {
            tree.insert(text, at, insert);
            let (file, next) = parse_incremental(text, &LineIndex::new(text), Some(tree));
            assert_eq!(file, parse(text), "{text}");
            *tree = next;
            counts(tree)
        };
        assert_eq!(edit(&mut text, &mut tree, "1"), (0, 0));
        // Rule 2 is read alone, and blames its line; the four others read cleanly before the
        // edit, which left them alone, and are not read again.
        assert_eq!(edit(&mut text, &mut tree, ": x: y"), (1, 1));
        // Read fresh (as `edit` also does), the rules after it are read alone too: the whole
        // text's tree gives up past the broken line.
        let (_, fresh) = parse_incremental(&text, &LineIndex::new(&text), None);
        assert_eq!(counts(&fresh), (3, 1));
        // The next keystroke reads rule 2 alone again, and rule 3, which the previous
        // version's tree read after rule 2's broken line, blanked: a change to that tree.
        assert_eq!(edit(&mut text, &mut tree, "z"), (2, 1));
        // Rule 3 is known from then on.
        assert_eq!(edit(&mut text, &mut tree, "z"), (2, 1));
    }

    /// The items of a top-level list that an edit moved are copied when that list is read,
    /// into it: not into a list nested in a later item (found by the property of
    /// `tests/incremental_edits.rs`), on two threads when there are many.
    #[test]
    fn moved_items_are_copied_into_their_own_list() {
        for count in [2, MOVED_BESIDE + 8] {
            let mut text = "mailflow: 1\nconnectors:\n".to_owned();
            for i in 0..count {
                text.push_str(&format!("  - name: C{i}\n    recipientDomains:\n      - d{i}.example\n"));
            }
            let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
            // Every item moves; the last is read again, and its nested list with it.
            tree.insert(&mut text, 0, "# moved\n");
            let last = text.rfind(".example").unwrap();
            tree.insert(&mut text, last, "x");
            let (file, _) = parse_incremental(&text, &LineIndex::new(&text), Some(&tree));
            assert_eq!(file, parse(&text), "{count} connectors");
        }
    }

    /// A long list edited once near its start: the items after the edit are copied while
    /// tree-sitter parses, and the reading is a fresh one's, for a lengthening edit and a
    /// shortening one, and for an edit after which tree-sitter reads an item again.
    #[test]
    fn the_items_after_an_edit_copied_during_the_parse_read_as_afresh() {
        let count = MOVED_BESIDE + 8;
        let mut text = "mailflow: 1\ntransportRules:\n".to_owned();
        for i in 0..count {
            text.push_str(&format!("  - name: R{i}\n    priority: {i}\n    conditions: {{senderIs: inside}}\n"));
        }
        let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        let (after, delta) = items_after_the_edits(&tree, tree.yaml.as_deref().unwrap(), text.len() + 1);
        assert_eq!((after.len(), delta), (0, 0), "before an edit, nothing is after it");
        for (before, replace, insert) in
            [("R1\n", 0, "11"), ("R111\n", 3, ""), ("priority: 2\n", 0, "\n    # a comment")]
        {
            let at = text.find(before).unwrap() + 1;
            tree.replace(&mut text, at..at + replace, insert);
            let (after, delta) = items_after_the_edits(&tree, tree.yaml.as_deref().unwrap(), text.len());
            assert!(after.len() >= count - 200 && delta == insert.len() as isize - replace as isize, "{before}");
            let (file, next) = parse_incremental(&text, &LineIndex::new(&text), Some(&tree));
            assert_eq!(file, parse(&text), "after editing {before}");
            tree = next;
        }
    }

    /// An edit of a text that nests nowhere near the limit bounds only the lines it touched:
    /// a block nested past the limit typed into it is found as afresh, and so is one left
    /// standing while another line is edited.
    #[test]
    fn an_edit_nesting_past_the_limit_is_found_as_afresh() {
        let mut text = "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 1\n".to_owned();
        let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        let mut edit = |text: &mut String, at: usize, insert: &str| {
            tree.insert(text, at, insert);
            let (file, next) = parse_incremental(text, &LineIndex::new(text), Some(&tree));
            assert_eq!(file, parse(text), "{text}");
            tree = next;
            file.errors.len()
        };
        let deep: String = (0..MAX_DEPTH + 2).map(|depth| format!("{}- \n", " ".repeat(6 + 2 * depth))).collect();
        let at = text.len();
        assert_eq!(edit(&mut text, at, &format!("    other:\n{deep}")), 1);
        let at = text.find("R\n").unwrap() + 1;
        assert_eq!(edit(&mut text, at, "2"), 1);
    }

    #[test]
    fn aliases_that_are_not_recursive_read_as_before() {
        // A node of the same anchor completed inside the open one is the most recent.
        let file = parse("a: &x [&x 1, *x]\nb: *x\n");
        assert_eq!(file.errors, []);
        let ints = |node: &Node| match &node.kind {
            NodeKind::Seq(items) => items.iter().map(|i| i.as_scalar().cloned()).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        assert_eq!(ints(value(&file, "a")), [Some(Resolved::Int(1)), Some(Resolved::Int(1))]);
        assert_eq!(ints(value(&file, "b")), ints(value(&file, "a")));
        // Another anchor's node, open around the alias, is no matter.
        assert_eq!(errors("d: &y 2\na: &x [*y]\n"), []);
        assert_eq!(errors("a: [*x]\nb: &x 1\n"), [("*x", "`*x` refers to no anchor `&x` defined above it".to_owned())]);
    }

    /// What reading `text` leaves, as [`parse_incremental`] reads it from `old` with every
    /// top-level list of `read_beside` items or more read on two threads, told apart from the
    /// node ids and addresses it is keyed by: the file; what the next version may reuse (where
    /// each subtree starts, how far its reading reaches, its column, its owner's indentation,
    /// its depth, its path), in order; and for each item of each top-level list, the index in
    /// the same list of `old` of the item it is a moved copy of, and how far it moved.
    #[allow(clippy::type_complexity)]
    fn read_beside(
        text: &str,
        old: Option<&ReusableTree>,
        read_beside: usize,
    ) -> (YamlFile, Vec<(usize, usize, usize, usize, usize, Vec<u32>)>, Vec<Option<(usize, isize)>>, ReusableTree) {
        let (file, tree) = read_whole(text, &LineIndex::new(text), old, true, read_beside);
        let tree = tree.expect("a reading that remembers leaves a tree");
        let converted = tree.yaml.as_deref().expect("a YAML reading");
        let mut reusable: Vec<_> = converted
            .reusable
            .values()
            .map(|r| (r.start, r.reach, r.column, r.owner_indent, r.depth, converted.paths[r.path.clone()].to_vec()))
            .collect();
        reusable.sort();
        let lists = |root: Option<&Node>| -> Vec<Vec<Node>> {
            let entries = root.and_then(Node::as_map).unwrap_or_default();
            entries
                .iter()
                .filter_map(|entry| match &entry.value.kind {
                    NodeKind::Seq(items) => Some(items.to_vec()),
                    _ => None,
                })
                .collect()
        };
        let old_lists = lists(old.and_then(|old| old.yaml.as_deref()).and_then(|old| old.root.as_deref()));
        let moved = lists(file.root.as_deref())
            .iter()
            .enumerate()
            .flat_map(|(list, items)| {
                let old_items = old_lists.get(list).cloned().unwrap_or_default();
                items
                    .iter()
                    .map(|item| {
                        let (from, delta) = converted.moved_item(shared_id(item)?)?;
                        let index = old_items.iter().position(|old| shared_id(old) == Some(from))?;
                        Some((index, delta))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (file, reusable, moved, tree)
    }

    /// A long top-level list is read on two threads exactly as on one: the file, what the next
    /// version may reuse and the items an edit moved. Every YAML file of the repository (many
    /// broken) is read with every list of two items or more split, fresh and after an edit in
    /// its middle, and a moved copy must be found for an item the edit moved.
    #[test]
    fn a_long_list_reads_on_two_threads_as_on_one() {
        let mut moved = 0;
        for path in repository_yaml_files() {
            let mut text = std::fs::read_to_string(&path).unwrap();
            let (one, two) = (read_beside(&text, None, usize::MAX), read_beside(&text, None, 2));
            assert_eq!((&one.0, &one.1, &one.2), (&two.0, &two.1, &two.2), "{}", path.display());
            let (mut on_one, mut on_two) = (one.3, two.3);
            let mut middle = text.len() / 2;
            while !text.is_char_boundary(middle) {
                middle += 1;
            }
            let mut edited = text.clone();
            on_one.insert(&mut text, middle, "x");
            on_two.insert(&mut edited, middle, "x");
            let (one, two) = (read_beside(&text, Some(&on_one), usize::MAX), read_beside(&text, Some(&on_two), 2));
            assert_eq!((&one.0, &one.1, &one.2), (&two.0, &two.1, &two.2), "{} edited", path.display());
            assert_eq!(one.0, parse(&text), "{} edited", path.display());
            moved += one.2.iter().flatten().count();
        }
        assert!(moved >= 50, "only {moved} moved items");
    }

    /// An anchor in one half of a list named by an alias in the other, or lists nested past
    /// the limit in both (reported once a file), read as on one thread.
    #[test]
    fn what_one_half_of_a_list_reads_for_the_other_reads_as_on_one_thread() {
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        for text in [
            "rules:\n  - &r {name: A}\n  - {name: B}\n  - *r\n  - {name: C}\n".to_owned(),
            "rules:\n  - {name: A}\n  - *r\n  - &r {name: B}\n  - *r\n".to_owned(),
            format!("rules:\n  - {deep}\n  - b\n  - {deep}\n  - d\n"),
        ] {
            let (one, two) = (read_beside(&text, None, usize::MAX), read_beside(&text, None, 2));
            assert_eq!((&one.0, &one.1, &one.2), (&two.0, &two.1, &two.2), "{text}");
        }
        assert_eq!(read_beside("rules:\n  - &r a\n  - b\n  - *r\n", None, 2).0.errors, []);
    }

    /// Every alias read, with the value it reads, fresh and after edits before and after the
    /// anchor (a value holding an anchor or alias is never reused, so they are read again
    /// where they now are): going to definition, references and rename look nowhere else.
    #[test]
    fn every_alias_is_read_with_the_value_it_reads() {
        let uses = |file: &YamlFile, text: &str| -> Vec<(String, String)> {
            let at = |span: Span| text[span.range()].to_owned();
            file.aliases.iter().map(|a| (at(a.alias), at(a.anchored))).collect()
        };
        let pairs =
            |list: &[(&str, &str)]| list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let text = "rules:\n  - name: A\n    pattern: '.*@a&b'\n";
        assert_eq!(parse(text).aliases, []);
        // Undefined, then defined: only the second reads a value.
        let text = "a: *x\nb: &x {c: 1}\nd: *x\n";
        assert_eq!(uses(&parse(text), text), pairs(&[("*x", "{c: 1}")]));
        let mut text = "rules:\n  - &first {name: A}\n  - {name: B}\n  - *first\n  - <<: *first\n".to_owned();
        let expected = pairs(&[("*first", "{name: A}"), ("*first", "{name: A}")]);
        let (file, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        assert_eq!(uses(&file, &text), expected);
        for (before, insert) in [("B}", "x"), ("rules:", "# moved\n"), ("A}", "y")] {
            let at = text.find(before).unwrap();
            tree.insert(&mut text, at, insert);
            let (file, next) = parse_incremental(&text, &LineIndex::new(&text), Some(&tree));
            assert_eq!(file, parse(&text), "{text}");
            assert_eq!(uses(&file, &text).len(), 2, "{text}");
            assert!(uses(&file, &text)
                .iter()
                .all(|(alias, anchored)| alias == "*first" && anchored.starts_with("{name: ")));
            tree = next;
        }
    }
}
