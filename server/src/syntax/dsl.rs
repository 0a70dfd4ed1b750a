//! The DSL front end: tree-sitter-mailflow's tree, its comments and its error regions.
//! The tree is kept (not copied into a value tree as for YAML): lowering reads it directly.
//!
//! Nothing is blanked and parsed again as for YAML: the grammar already keeps a broken
//! statement apart from its neighbours. One case needs help: a rule half-typed at the end
//! of the file can turn the whole file into one `ERROR` node, which still holds every
//! complete item before it. Those items are read from there (`DslFile::items`), and only
//! what lies between them is reported.

use super::{span_of, Comment, ReusableTree, SyntaxError};
use crate::text::{shorten, LineIndex, Span};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use tree_sitter::Node;

/// The kind of a node of this grammar (what `Node::kind` says), from a table made once:
/// `Node::kind` measures and checks a C string at each call, and lowering asks for the kind
/// of nearly every node.
pub fn kind(node: Node) -> &'static str {
    static LANGUAGE: LazyLock<tree_sitter::Language> = LazyLock::new(|| tree_sitter_mailflow::LANGUAGE.into());
    static KINDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let count = LANGUAGE.node_kind_count() as u16;
        (0..count).map(|id| LANGUAGE.node_kind_for_id(id).unwrap_or_default()).collect()
    });
    // An error node's id is past the table's end.
    KINDS.get(usize::from(node.kind_id())).copied().unwrap_or("ERROR")
}

/// The kinds of `{ … }` block, and the top level: where a statement may stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Root,
    Organization,
    OnPremises,
    Connector,
    Service,
    Rule,
}

impl Block {
    /// The block that a node of this kind (or a statement starting with this word) opens.
    pub fn of_kind(kind: &str) -> Option<Block> {
        Some(match kind {
            "rule" => Block::Rule,
            "connector" => Block::Connector,
            "organization" => Block::Organization,
            "service" => Block::Service,
            "on_premises" | "on-premises" => Block::OnPremises,
            _ => return None,
        })
    }
}

pub struct DslFile {
    pub tree: ReusableTree,
    pub comments: Vec<Comment>,
    /// One per error region, sorted; no two on one line.
    pub errors: Vec<SyntaxError>,
}

impl std::fmt::Debug for DslFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DslFile").field("comments", &self.comments).field("errors", &self.errors).finish()
    }
}

impl DslFile {
    pub fn root(&self) -> Node<'_> {
        self.tree.tree.root_node()
    }

    /// The top-level items to read (`version`, `organization`, `connector`, `rule`,
    /// `unknown_setting`), in order, with the complete ones found inside top-level error
    /// nodes.
    pub fn items(&self) -> Vec<Node<'_>> {
        let root = self.root();
        if root.is_error() {
            return salvaged(root);
        }
        let mut cursor = root.walk();
        let mut items = Vec::new();
        for child in root.named_children(&mut cursor) {
            if child.is_error() {
                items.extend(salvaged(child));
            } else if kind(child) != "comment" && !child.is_missing() {
                items.push(child);
            }
        }
        items
    }

    /// Whether `span` lies inside a reported error region: what is there is not read.
    pub fn in_error(&self, span: Span) -> bool {
        self.errors.iter().any(|error| error.span.contains(span))
    }
}

/// The text a `string` node stands for: its escapes decoded. An invalid escape (reported as
/// MF001) stands for itself, so that the rest of the value is still read.
pub fn string_value(node: Node, text: &str) -> String {
    let mut value = String::new();
    let mut cursor = node.walk();
    for part in node.named_children(&mut cursor) {
        let written = &text[part.byte_range()];
        match kind(part) {
            "escape_sequence" => value.push(unescape(written).unwrap_or(char::REPLACEMENT_CHARACTER)),
            _ => value.push_str(written),
        }
    }
    value
}

/// The character an `escape_sequence` stands for; `None` for a `\u{…}` that names no
/// Unicode scalar value.
fn unescape(escape: &str) -> Option<char> {
    match &escape[1..] {
        "n" => Some('\n'),
        "t" => Some('\t'),
        "\"" => Some('"'),
        "\\" => Some('\\'),
        unicode => u32::from_str_radix(unicode.trim_start_matches("u{").trim_end_matches('}'), 16)
            .ok()
            .and_then(char::from_u32),
    }
}

/// `value` as a DSL string, spelled canonically (the inverse of [`string_value`]): `\"`, `\\`,
/// `\n` and `\t` for those characters, `\u{…}` (upper-case hex digits) for the others that
/// show as nothing or as a plain space, every other character as itself.
pub fn quote(value: &str) -> String {
    let mut spelled = String::with_capacity(value.len() + 2);
    spelled.push('"');
    for c in value.chars() {
        match c {
            '"' => spelled.push_str("\\\""),
            '\\' => spelled.push_str("\\\\"),
            '\n' => spelled.push_str("\\n"),
            '\t' => spelled.push_str("\\t"),
            _ if is_invisible(c) => spelled.push_str(&format!("\\u{{{:X}}}", u32::from(c))),
            _ => spelled.push(c),
        }
    }
    spelled.push('"');
    spelled
}

/// Control characters, white space other than the space, and Unicode's default-ignorable
/// characters (zero-width spaces and joiners, direction marks and overrides, variation
/// selectors, …): written as themselves they cannot be told apart from nothing or a space.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c,
            '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether `node` is a top-level item that stands on its own inside a top-level error node
/// (not the keyword token `rule`, which is of the same kind).
fn is_item(node: Node) -> bool {
    node.is_named() && matches!(kind(node), "version" | "organization" | "connector" | "rule")
}

fn is_top_level(node: Node) -> bool {
    node.parent().is_none_or(|parent| kind(parent) == "source_file")
}

/// The complete items directly inside a top-level error node.
fn salvaged(error: Node) -> Vec<Node> {
    let mut cursor = error.walk();
    error.named_children(&mut cursor).filter(|child| is_item(*child)).collect()
}

/// Parses `text` when nothing is kept for a next version of it (`check`, formatting): the
/// scan leaves nothing for a next one.
pub fn parse(text: &str) -> DslFile {
    read(text, None, false)
}

/// Parses a version of an open document, reusing `old` (the tree of an earlier version with
/// every edit recorded), and leaves what the scan found in each item for the next version.
///
/// The tree is the one parsing `text` afresh gives. tree-sitter reuses the old tree's
/// subtrees only where they fit, which gives the fresh tree for a text without errors; but
/// its error recovery starts from what it reused, and may put an error region elsewhere (a
/// garbled line read as part of a connector where a fresh parse reads it in a rule). A text
/// with an error is therefore parsed again without the old tree.
pub fn parse_incremental(text: &str, old: Option<&ReusableTree>) -> DslFile {
    read(text, old, true)
}

fn read(text: &str, old: Option<&ReusableTree>, kept: bool) -> DslFile {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_mailflow::LANGUAGE.into())
        .expect("the bundled tree-sitter-mailflow grammar matches the tree-sitter version");
    let mut parse = |old: Option<&tree_sitter::Tree>| {
        parser.parse(text, old).expect("parsing without a timeout or cancellation always yields a tree")
    };
    let mut tree = parse(old.map(|t| &t.tree));
    if old.is_some() && tree.root_node().has_error() {
        tree = parse(None);
    }
    let previous = old.and_then(|old| old.dsl.as_deref());
    let items = kept.then(HashMap::new);
    let mut scan = Scan { text, comments: Vec::new(), errors: Vec::new(), previous, items };
    scan.node(tree.root_node());
    let Scan { comments, mut errors, items, .. } = scan;
    errors.sort_by_key(|e| e.span);
    let scanned = items.map(|items| Arc::new(Scanned { _tree: tree.clone(), text: text.to_owned(), items }));
    let tree = ReusableTree { tree, yaml: None, dsl: scanned, edited: None };
    DslFile { tree, comments, errors: merge_lines(errors, text) }
}

/// What scanning one version found in each of its top-level items that parse (their
/// comments, and the escapes in them that stand for no character), for scanning the next:
/// an item the edits left alone is not walked again (most of an edit's scan of a 300-rule
/// file, whose patterns are full of escapes).
///
/// Items are keyed as the lowering keys its rules (`lower_dsl::LoweredRules`): by the id of
/// their first child, which an item that parsing the next version shares keeps, and checked
/// against their text. `_tree` keeps this version's subtrees alive, so that an id seen again
/// is the very same node.
pub struct Scanned {
    _tree: tree_sitter::Tree,
    text: String,
    items: HashMap<usize, ScannedItem>,
}

impl Scanned {
    /// Whether this version's text held `written` at byte `start`: what both this scan and
    /// the lowering ask of an item parsing shared before taking what they found in it.
    pub fn had(&self, start: usize, written: &str) -> bool {
        self.text.get(start..start + written.len()) == Some(written)
    }
}

/// What the scan found in one item.
struct ScannedItem {
    span: Span,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
}

impl ScannedItem {
    fn shifted(&self, span: Span) -> ScannedItem {
        let delta = span.start as isize - self.span.start as isize;
        ScannedItem {
            span,
            comments: self
                .comments
                .iter()
                .map(|c| Comment { span: c.span.shifted(delta), text: c.text.clone() })
                .collect(),
            errors: self
                .errors
                .iter()
                .map(|e| SyntaxError { span: e.span.shifted(delta), message: e.message.clone() })
                .collect(),
        }
    }
}

struct Scan<'t> {
    text: &'t str,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
    previous: Option<&'t Scanned>,
    /// What this scan leaves for the next version (see [`Scanned`]); `None` when it leaves
    /// nothing.
    items: Option<HashMap<usize, ScannedItem>>,
}

impl Scan<'_> {
    fn node(&mut self, node: Node) {
        let span = span_of(node);
        if kind(node) == "comment" {
            self.comments.push(Comment { span, text: self.text[span.range()].to_owned() });
        } else if node.is_missing() {
            self.errors.push(SyntaxError { span, message: missing(node, self.text) });
        } else if node.is_error() {
            self.error(node);
        } else if kind(node) == "source_file" {
            self.items(node);
        } else if kind(node) == "invalid_escape" {
            self.errors.push(SyntaxError {
                span,
                message: format!(
                    "`{}` is not an escape; allowed: \\\" \\\\ \\n \\t \\u{{…}}",
                    &self.text[span.range()]
                ),
            });
        } else if kind(node) == "escape_sequence" && unescape(&self.text[span.range()]).is_none() {
            self.errors.push(SyntaxError {
                span,
                message: format!(
                    "`{}` is not a Unicode character (a surrogate, or past 10FFFF)",
                    &self.text[span.range()]
                ),
            });
        } else {
            self.children(node);
        }
    }

    /// The top level. An `unknown_setting` right after an error region is the rest of the
    /// broken item (`rule "X` and, on the next line, `prio`): it joins the region rather
    /// than being reported as an unknown setting of its own.
    fn items(&mut self, root: Node) {
        let mut ends_broken = false;
        let mut cursor = root.walk();
        for child in root.children(&mut cursor) {
            if ends_broken && kind(child) == "unknown_setting" {
                let last = self.errors.last_mut().expect("the region just reported");
                last.span.end = child.end_byte();
                self.comments_in(child);
            } else if child.is_error() {
                ends_broken = self.error(child);
            } else {
                ends_broken &= kind(child) == "comment";
                self.item(child);
            }
        }
    }

    /// A top-level node outside any error: what the previous version found in it, when
    /// parsing shared it and its text is the same, or else scanned; remembered for the next.
    fn item(&mut self, node: Node) {
        let Some(id) = node.child(0).map(|first| first.id()).filter(|_| self.items.is_some()) else {
            return self.node(node);
        };
        let span = span_of(node);
        let previous = self.previous.and_then(|previous| {
            let old = previous.items.get(&id)?;
            (old.span.len() == span.len() && previous.had(old.span.start, &self.text[span.range()])).then_some(old)
        });
        let item = match previous {
            Some(old) => {
                let item = old.shifted(span);
                self.comments.extend(item.comments.iter().cloned());
                self.errors.extend(item.errors.iter().cloned());
                item
            }
            None => {
                let (comments, errors) = (self.comments.len(), self.errors.len());
                self.node(node);
                ScannedItem {
                    span,
                    comments: self.comments[comments..].to_vec(),
                    errors: self.errors[errors..].to_vec(),
                }
            }
        };
        if let Some(items) = &mut self.items {
            items.insert(id, item);
        }
    }

    fn children(&mut self, node: Node) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            // What a scan finds is an error, a comment (`#`) or an escape (`\`): a subtree
            // with none of them is skipped, as most statements are.
            let bytes = &self.text.as_bytes()[child.byte_range()];
            if child.has_error() || bytes.contains(&b'#') || bytes.contains(&b'\\') {
                self.node(child);
            }
        }
    }

    /// Reports an error node: at the top level, each stretch between the complete items it
    /// holds (which are scanned as usual); elsewhere, all of it. Returns whether it ends in
    /// a reported region.
    fn error(&mut self, node: Node) -> bool {
        if !is_top_level(node) || node.child_count() == 0 {
            let span = span_of(node);
            self.errors.push(SyntaxError { span, message: describe_error(&self.text[span.range()]) });
            self.comments_in(node);
            return true;
        }
        let mut stretch: Option<Span> = None;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if is_item(child) {
                if let Some(span) = stretch.take() {
                    self.report_top_level(span);
                }
                self.node(child);
                continue;
            }
            self.comments_in(child);
            if kind(child) != "comment" {
                let span = span_of(child);
                stretch = Some(stretch.map_or(span, |s| Span::new(s.start, span.end)));
            }
        }
        let ends_broken = stretch.is_some();
        if let Some(span) = stretch {
            self.report_top_level(span);
        }
        ends_broken
    }

    /// A broken stretch between top-level items: usually an item being typed.
    fn report_top_level(&mut self, span: Span) {
        let region = &self.text[span.range()];
        let first_line = region.lines().next().unwrap_or("").trim();
        let message = match first_line.split_whitespace().next() {
            Some("rule" | "connector" | "organization") => format!(
                "`{}` is not complete: a statement in it is half-typed, or its `}}` is missing; the rest of the \
                 file was read without it",
                shorten(first_line)
            ),
            _ => describe_error(region),
        };
        self.errors.push(SyntaxError { span, message });
    }

    /// Comments inside a broken region still count: a suppression may stand there.
    fn comments_in(&mut self, node: Node) {
        if kind(node) == "comment" {
            let span = span_of(node);
            self.comments.push(Comment { span, text: self.text[span.range()].to_owned() });
            return;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.comments_in(child);
        }
    }
}

/// Merges the error regions that share a line into one (the first one's message): one
/// broken line is one mistake, however many pieces tree-sitter's recovery makes of it.
fn merge_lines(errors: Vec<SyntaxError>, text: &str) -> Vec<SyntaxError> {
    // Most texts have no error, and the line index costs a pass over the text.
    if errors.len() < 2 {
        return errors;
    }
    let lines = LineIndex::new(text);
    let mut merged: Vec<SyntaxError> = Vec::with_capacity(errors.len());
    for error in errors {
        match merged.last_mut() {
            Some(last) if lines.line_of(error.span.start) <= lines.line_of(last.span.end) => {
                last.span.end = last.span.end.max(error.span.end);
            }
            _ => merged.push(error),
        }
    }
    merged
}

/// What is wrong where tree-sitter inserted a missing token.
fn missing(node: Node, text: &str) -> String {
    let what = match kind(node) {
        "}" => {
            // The block's owner, as written up to its `{`: `rule "New" priority 1`.
            let block = node.parent();
            let owner = block
                .and_then(|b| b.parent())
                .zip(block)
                .map(|(owner, block)| shorten(text[owner.start_byte()..block.start_byte()].trim()));
            return match owner {
                Some(owner) => format!("`{owner} {{` is not closed: `}}` is missing here"),
                None => "a block is not closed: `}` is missing here".to_owned(),
            };
        }
        "\"" => return "this string is not closed: `\"` is missing at the end of the line".to_owned(),
        "string" => "a quoted string".to_owned(),
        "word" | "integer" | "boolean" => "a value".to_owned(),
        token => format!("`{token}`"),
    };
    // The statement the token belongs to, as written up to where it is missing.
    let mut statement = node;
    while let Some(parent) = statement.parent().filter(|p| !matches!(kind(*p), "block" | "source_file" | "ERROR")) {
        statement = parent;
    }
    let written = text[statement.start_byte()..node.start_byte()].trim();
    if written.is_empty() {
        format!("{what} is missing here")
    } else {
        format!("`{}` is incomplete: {what} is missing at its end", shorten(written))
    }
}

/// What an error region holds, in words.
fn describe_error(region: &str) -> String {
    format!(
        "this is not a statement of the mail-flow DSL (`{}`); the rest of the file was read without it",
        shorten(region.trim())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(String, String)> {
        parse(text).errors.into_iter().map(|e| (text[e.span.range()].to_owned(), e.message)).collect()
    }

    /// An edit's scan takes from the previous version what it found in the items the edit
    /// left alone (moved), and scans the others: the previous scan's findings are altered
    /// here so that what was taken shows.
    #[test]
    fn an_edit_scans_only_the_items_it_changed() {
        let mut text = "mailflow 1\nrule \"A\" priority 0 {\n  # first\n  set header \"X\" to \"\\q\"\n}\n\
                        rule \"B\" priority 1 {\n  # second\n  stop processing\n}\n"
            .to_owned();
        let first = parse_incremental(&text, None);
        assert_eq!(first.comments.len(), 2);
        assert_eq!(first.errors.len(), 1, "{:?}", first.errors);
        let DslFile { mut tree, .. } = first;
        let scanned = Arc::get_mut(tree.dsl.as_mut().unwrap()).expect("the scan is this tree's alone");
        for item in scanned.items.values_mut() {
            for comment in &mut item.comments {
                comment.text.push_str(" (taken)");
            }
            for error in &mut item.errors {
                error.message.push_str(" (taken)");
            }
        }
        // Rule A gets a longer name: rule B moves, unchanged.
        let at = text.find("\"A\"").unwrap() + 1;
        tree.insert(&mut text, at, "AA");
        let edited = parse_incremental(&text, Some(&tree));
        let comments: Vec<&str> = edited.comments.iter().map(|c| &text[c.span.range()]).collect();
        assert_eq!(comments, ["# first", "# second"], "spans moved with their item");
        let texts: Vec<&str> = edited.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# first", "# second (taken)"]);
        assert!(!edited.errors[0].message.ends_with("(taken)"), "rule A was scanned again");
        assert_eq!(&text[edited.errors[0].span.range()], "\\q");
        // Rule B changes: scanned again; rule A, left alone this time, is taken.
        let at = text.find("# second").unwrap() + 2;
        let mut tree = edited.tree.clone();
        tree.insert(&mut text, at, "new ");
        let again = parse_incremental(&text, Some(&tree));
        let texts: Vec<&str> = again.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# first", "# new second"]);
        assert_eq!(again.errors.len(), 1);
    }

    #[test]
    fn a_rule_typed_at_the_end_is_one_region_and_the_items_before_it_are_read() {
        let text = "mailflow 1\n# mailflow: ignore-file[MF013]\nrule \"A\" priority 0 {\n  stop processing\n}\n\
                    rule \"New\" priority 2 {\n  if sender is inside\n  redirect to \"X\"\n  set header";
        let file = parse(text);
        assert!(file.root().is_error(), "the case this handles: {}", file.root().to_sexp());
        let kinds: Vec<&str> = file.items().iter().map(|n| n.kind()).collect();
        assert_eq!(kinds, ["version", "rule"]);
        assert_eq!(file.comments.len(), 1);
        let errors = errors(text);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.starts_with("rule \"New\" priority 2 {") && errors[0].0.ends_with("set header"));
        assert!(errors[0].1.starts_with("`rule \"New\" priority 2 {` is not complete"), "{}", errors[0].1);
    }

    #[test]
    fn what_follows_a_broken_rule_header_is_part_of_it() {
        let text = "mailflow 1\nrule \"A\" priority 0 { stop processing }\nrule \"Mimecast smart host\n  prio\n";
        let file = parse(text);
        let kinds: Vec<&str> = file.items().iter().map(|n| n.kind()).collect();
        assert!(kinds.starts_with(&["version", "rule"]), "{kinds:?}");
        let errors = errors(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "rule \"Mimecast smart host\n  prio");
        assert!(file.items().iter().all(|item| !file.in_error(span_of(*item)) || item.kind() == "unknown_setting"));
    }

    #[test]
    fn a_block_without_its_brace_names_its_owner() {
        let errors = errors("connector \"A\" {\n  type partner\n\nrule \"R\" priority 0 {\n  stop processing\n}\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1, "`connector \"A\" {` is not closed: `}` is missing here");
    }

    #[test]
    fn a_missing_value_names_its_statement() {
        let errors = errors("rule \"A\" priority 0 {\n  if sender is\n  redirect to \"X\"\n}\n");
        assert_eq!(errors, [(String::new(), "`if sender is` is incomplete: a value is missing at its end".to_owned())]);
    }

    #[test]
    fn pieces_of_one_broken_line_are_one_region() {
        let errors = errors("rule \"R\" priority 0 {\n  if sender is inside\n  = \"x\"\n  stop processing\n}\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "= \"x\"");
    }

    #[test]
    fn strings_decode_their_escapes() {
        let text = r#"organization "a\"b\\c\nd\te\u{1F600}\q" {}"#;
        let file = parse(text);
        let name = file.items()[0].child_by_field_name("name").unwrap();
        assert_eq!(string_value(name, text), "a\"b\\c\nd\te\u{1F600}\\q");
        let surrogate = errors(r#"organization "\u{D800}" {}"#);
        assert_eq!(surrogate[0].0, "\\u{D800}");
    }

    #[test]
    fn invalid_escapes_are_reported_where_they_stand() {
        let errors = errors("organization \"Contoso \\q Ltd\" {}\n");
        assert_eq!(
            errors,
            [("\\q".to_owned(), "`\\q` is not an escape; allowed: \\\" \\\\ \\n \\t \\u{…}".to_owned())]
        );
    }
}
