//! Completion: the keys a mapping can still take, the values a key allows, the connectors,
//! headers and vendors a value can name, and snippets for a new connector, a new rule and
//! the guide's anti-loop smart host rule.
//!
//! The line being typed often does not parse (the parser then blanks it), so where the
//! cursor is comes from the text: the line up to the cursor, and the indentation and keys of
//! the lines above it. What values can name comes from the checked model.

use super::describe::{connector_detail, connector_page, guide_citation, key_page, value_page};
use super::locate::{resolve, Slot, Step};
use crate::analysis::roles::Roles;
use crate::check::Checked;
use crate::fixes::{self, YamlEditor};
use crate::model::keys::{self, Key, Object, ValueShape, GUIDE_CREATING};
use crate::model::{Connector, MailFlow, ServiceKind};
use crate::rules::recipes::rule_edits::unused_anti_loop_header;
use crate::rules::recipes::smart_host_rule::rule_domains;
use crate::syntax::scalar::leading_spaces;
use crate::text::{LineIndex, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Key,
    Value,
    Connector,
    Header,
    Vendor,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// Lines after the first carry their full indentation: insert it as it is (LSP
    /// `InsertTextMode.asIs`), not re-indented.
    pub insert_text: String,
    /// `insert_text` uses LSP snippet syntax (`$1`, `${2:x}`, `${3|a,b|}`).
    pub is_snippet: bool,
    /// The text the item replaces: the partial word or value before the cursor.
    pub replace: Span,
}

/// What can be typed at `offset`.
pub fn complete(checked: &Checked, text: &str, offset: usize) -> Vec<Completion> {
    let Some(yaml) = checked.yaml() else { return super::complete_dsl::complete(checked, text, offset) };
    let Some(cursor) = Cursor::at(text, &checked.lines, offset) else { return Vec::new() };
    // What writes a key or a snippet (the file's indentation step): it reads the whole file,
    // so a value's completion goes without it.
    let editor = || YamlEditor::new(text, yaml);
    match resolve(&cursor.path) {
        Some(Slot::Keys(object)) if cursor.types_key() => {
            let editor = editor();
            let mut items = key_items(&checked.flow, &cursor, &editor, object);
            // A `- ` with nothing after it yet can become a whole new connector or rule.
            if cursor.item_start && cursor.siblings.is_empty() {
                items.extend(snippets(&checked.flow, &cursor, &editor, object, false));
            }
            items
        }
        Some(Slot::Items(object)) if cursor.typing == Typing::BlockKey => {
            snippets(&checked.flow, &cursor, &editor(), object, true)
        }
        // A value after its key, in a flow list, or on a line of its own under its key.
        Some(Slot::Value(object, key)) if cursor.typing != Typing::FlowKey => {
            value_items(&checked.flow, &cursor, object, key)
        }
        _ => Vec::new(),
    }
}

/// What the cursor is typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Typing {
    /// A key of a block mapping.
    BlockKey,
    /// A key of a flow mapping.
    FlowKey,
    /// A value after its key, or an item of a flow list.
    Value,
}

/// Where the cursor is, read from the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Cursor<'t> {
    /// From the root to the mapping whose key is typed, or to the key whose value is.
    pub path: Vec<Step<'t>>,
    /// The partial word or value before the cursor.
    pub partial: Span,
    typing: Typing,
    /// Where a key is typed: the keys its mapping has already.
    siblings: Vec<&'t str>,
    /// The line starts a list item (`- `) and the cursor types its first key.
    item_start: bool,
    /// The column where the partial starts: where a key's nested lines indent from.
    column: usize,
}

impl<'t> Cursor<'t> {
    pub(super) fn at(text: &'t str, lines: &LineIndex, offset: usize) -> Option<Cursor<'t>> {
        let line = lines.line_of(offset);
        let line_start = lines.line_start(line);
        let prefix = text.get(line_start..offset)?;
        let (dashes, column) = structure(prefix);
        if column == prefix.len() && prefix.ends_with('-') {
            // A `-` whose space is not typed yet: a key here would be glued to it.
            return None;
        }
        let mut path = match dashes.first() {
            Some(&dash) => {
                let mut path = path_to(text, lines, line, dash, true)?;
                path.extend(dashes.iter().map(|_| Step::Item));
                path
            }
            None => path_to(text, lines, line, column, false)?,
        };
        let inline = Inline::read(&prefix[column..])?;
        path.extend(inline.steps);
        let item_start = !dashes.is_empty() && inline.typing == Typing::BlockKey;
        let siblings = match inline.typing {
            Typing::BlockKey => block_keys(text, lines, line, column, item_start),
            Typing::FlowKey => inline.flow_keys,
            Typing::Value => Vec::new(),
        };
        let partial_start = line_start + column + inline.partial;
        Some(Cursor {
            path,
            partial: Span::new(partial_start, offset),
            typing: inline.typing,
            siblings,
            item_start,
            column: partial_start - line_start,
        })
    }

    /// Whether the cursor types a key (else a value).
    pub(super) fn types_key(&self) -> bool {
        matches!(self.typing, Typing::BlockKey | Typing::FlowKey)
    }
}

/// The columns of a line's list dashes, and the column where its content after them starts.
fn structure(line: &str) -> (Vec<usize>, usize) {
    let spaces = |from: usize| line[from..].len() - line[from..].trim_start_matches(' ').len();
    let mut dashes = Vec::new();
    let mut column = spaces(0);
    while line[column..].starts_with("- ") || &line[column..] == "-" {
        dashes.push(column);
        column += 1 + spaces(column + 1);
    }
    (dashes, column)
}

/// The block structure of a line above the cursor.
struct LineShape<'t> {
    indent: usize,
    dashes: Vec<usize>,
    /// The key that starts the line's content, and its column.
    key: Option<(&'t str, usize)>,
    /// Nothing but a comment follows the key's colon, or the dashes when there is no key:
    /// the value is the block on the lines below.
    opens_block: bool,
}

impl<'t> LineShape<'t> {
    /// `None` for lines without content: blank, comment and document marker lines.
    fn of(line: &'t str) -> Option<Self> {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') || content.starts_with("---") {
            return None;
        }
        let (dashes, column) = structure(line);
        let rest = &line[column..];
        let key = rest
            .find(':')
            .filter(|&colon| rest[colon + 1..].is_empty() || rest[colon + 1..].starts_with(' '))
            .map(|colon| &rest[..colon])
            .filter(|key| !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        let after = rest[key.map_or(0, |key| key.len() + 1)..].trim_start();
        Some(LineShape {
            indent: line.len() - content.len(),
            opens_block: (key.is_some() || !dashes.is_empty()) && (after.is_empty() || after.starts_with('#')),
            key: key.map(|key| (key, column)),
            dashes,
        })
    }

    /// The path to the list item this line starts (to the innermost one for `- - `).
    fn item_path(&self, text: &'t str, lines: &LineIndex, line: usize) -> Option<Vec<Step<'t>>> {
        let mut path = path_to(text, lines, line, self.dashes[0], true)?;
        path.extend(self.dashes.iter().map(|_| Step::Item));
        Some(path)
    }

    /// The path to the value of this line's key.
    fn key_path(&self, text: &'t str, lines: &LineIndex, line: usize) -> Option<Vec<Step<'t>>> {
        let (key, column) = self.key?;
        let mut path = match self.dashes.is_empty() {
            true => path_to(text, lines, line, column, false)?,
            false => self.item_path(text, lines, line)?,
        };
        path.push(Step::Key(key));
        Some(path)
    }
}

/// The shape of `line` for a walk over the lines at `column`: `None` also for a line indented
/// past it, whose shape never decides where such a walk stops. Most lines are: walking up to
/// what holds the last rule of a long list reads every rule's lines, and their shapes took
/// nearly all of a completion's time at 3,000 rules.
fn shape_within<'t>(text: &'t str, lines: &LineIndex, line: usize, column: usize) -> Option<LineShape<'t>> {
    let line = lines.line_text(text, line);
    (leading_spaces(line) <= column).then(|| LineShape::of(line)).flatten()
}

/// The path from the root to the block node (a mapping, or a list when `list`) whose
/// content starts at `column` on `line`, read from the lines above: the nearest line that
/// starts left of it holds it. `None` when that line is not a key or item that opens a block
/// (the cursor is then inside a scalar).
fn path_to<'t>(text: &'t str, lines: &LineIndex, line: usize, column: usize, list: bool) -> Option<Vec<Step<'t>>> {
    for above in (0..line).rev() {
        let Some(shape) = shape_within(text, lines, above, column) else { continue };
        return match shape.key {
            // The mapping's first key, on the dash line of its list item.
            Some((_, key_column)) if key_column == column && !shape.dashes.is_empty() => {
                shape.item_path(text, lines, above)
            }
            // A list may sit at the column of the key that holds it.
            Some((_, key_column)) if key_column == column && list && shape.opens_block => {
                shape.key_path(text, lines, above)
            }
            _ if shape.indent >= column => continue,
            Some((_, key_column)) if key_column < column && shape.opens_block => shape.key_path(text, lines, above),
            // A list item whose mapping starts on the next line.
            None if shape.opens_block => shape.item_path(text, lines, above),
            _ => None,
        };
    }
    Some(Vec::new())
}

/// The keys written at `column` in the block mapping around `line`: above it up to the
/// mapping's first key (unless `line` starts the mapping's item), and below it until a line
/// starts left of it.
fn block_keys<'t>(text: &'t str, lines: &LineIndex, line: usize, column: usize, starts_item: bool) -> Vec<&'t str> {
    let mut keys = Vec::new();
    let shape_at = |line: usize| shape_within(text, lines, line, column);
    if !starts_item {
        for shape in (0..line).rev().filter_map(shape_at) {
            match shape.key {
                Some((key, key_column)) if key_column == column => {
                    keys.push(key);
                    if !shape.dashes.is_empty() {
                        break;
                    }
                }
                _ if shape.indent < column => break,
                _ => {}
            }
        }
    }
    for shape in (line + 1..lines.line_count()).filter_map(shape_at) {
        match shape.key {
            _ if shape.indent < column => break,
            Some((key, _)) if shape.indent == column && shape.dashes.is_empty() => keys.push(key),
            _ => {}
        }
    }
    keys
}

/// What the cursor's line says after its indentation and dashes.
struct Inline<'t> {
    /// The keys and list items its flow collections and keys open.
    steps: Vec<Step<'t>>,
    typing: Typing,
    /// The keys written so far in the flow mapping whose key is typed.
    flow_keys: Vec<&'t str>,
    /// Where the partial word starts, from the start of the text read.
    partial: usize,
}

/// A `{...}` or `[...]` opened on the cursor's line and not closed before the cursor.
struct Frame<'t> {
    mapping: bool,
    /// A mapping's keys so far.
    keys: Vec<&'t str>,
    /// The key whose value is being written.
    key: Option<&'t str>,
    /// How many steps were read when it opened.
    depth: usize,
}

impl<'t> Inline<'t> {
    /// `None` when the cursor is in a comment or after something completion cannot follow
    /// (`a: b: c`, a mapping inside a flow list).
    fn read(rest: &'t str) -> Option<Self> {
        let bytes = rest.as_bytes();
        let mut steps = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut block_key = None;
        // Where the word being read starts.
        let mut word = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'"' | b'\'' if rest[word..i].trim().is_empty() => match closing_quote(rest, i) {
                    Some(end) => i = end,
                    // An open quote runs to the cursor: it starts the partial value.
                    None => break,
                },
                b'#' if i == 0 || bytes[i - 1] == b' ' => return None,
                open @ (b'{' | b'[') => {
                    let depth = steps.len();
                    steps.extend(match frames.last() {
                        Some(frame) if !frame.mapping => Some(Step::Item),
                        Some(frame) => frame.key.map(Step::Key),
                        None => block_key.map(Step::Key),
                    });
                    frames.push(Frame { mapping: open == b'{', keys: Vec::new(), key: None, depth });
                    word = i + 1;
                }
                b'}' | b']' => {
                    steps.truncate(frames.pop()?.depth);
                    word = i + 1;
                }
                b',' if !frames.is_empty() => {
                    frames.last_mut()?.key = None;
                    word = i + 1;
                }
                b':' if bytes.get(i + 1).is_none_or(|&next| next == b' ') => {
                    let key = rest[word..i].trim();
                    match frames.last_mut() {
                        Some(frame) if frame.mapping => {
                            frame.keys.push(key);
                            frame.key = Some(key);
                        }
                        None if block_key.is_none() => block_key = Some(key),
                        _ => return None,
                    }
                    word = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        let mut flow_keys = Vec::new();
        let typing = match frames.pop() {
            Some(Frame { mapping: true, key: Some(key), .. }) => {
                steps.push(Step::Key(key));
                Typing::Value
            }
            Some(Frame { mapping: true, keys, .. }) => {
                flow_keys = keys;
                Typing::FlowKey
            }
            Some(_) => {
                steps.push(Step::Item);
                Typing::Value
            }
            None => match block_key {
                Some(key) => {
                    steps.push(Step::Key(key));
                    Typing::Value
                }
                None => Typing::BlockKey,
            },
        };
        let partial = word + (rest[word..].len() - rest[word..].trim_start().len());
        Some(Inline { steps, typing, flow_keys, partial })
    }
}

/// The offset of the quote that closes the one at `open`.
fn closing_quote(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 1,
            // `''` is a quote inside a single-quoted scalar.
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            byte if byte == quote => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The keys `object` can still take at the cursor.
fn key_items(flow: &MailFlow, cursor: &Cursor, editor: &YamlEditor, object: Object) -> Vec<Completion> {
    let in_flow = cursor.typing == Typing::FlowKey;
    let nested = " ".repeat(cursor.column + editor.indent_step());
    keys::keys(object)
        .iter()
        .filter(|key| !cursor.siblings.contains(&key.name))
        .map(|key| {
            let name = key.name;
            let insert_text = match key.shape {
                ValueShape::Bool { .. } | ValueShape::OneOf(_) => format!("{name}: {}", choice(1, key)),
                ValueShape::Integer { .. } if name == "priority" => format!("{name}: ${{1:{}}}", next_priority(flow)),
                ValueShape::Integer { min } => format!("{name}: ${{1:{min}}}"),
                ValueShape::Text { .. } | ValueShape::Size => format!("{name}: $0"),
                ValueShape::TextList => format!("{name}: [$0]"),
                ValueShape::Object(_) | ValueShape::OpenMap if in_flow => format!("{name}: {{$0}}"),
                ValueShape::ListOf(_) if in_flow => format!("{name}: [$0]"),
                ValueShape::Object(_) | ValueShape::OpenMap => format!("{name}:{}{nested}$0", editor.newline()),
                ValueShape::ListOf(_) => format!("{name}:{}{nested}- $0", editor.newline()),
            };
            Completion {
                label: name.to_owned(),
                kind: CompletionKind::Key,
                detail: key.powershell.map(str::to_owned),
                documentation: Some(key_page(key, &cursor.path)),
                insert_text,
                is_snippet: true,
                replace: cursor.partial,
            }
        })
        .collect()
}

/// A snippet choice of `key`'s values, its default last: one adds a key to change it.
pub(super) fn choice(tabstop: usize, key: &Key) -> String {
    let mut values: Vec<&str> = key.values().into_iter().map(|(value, _)| value).collect();
    values.sort_by_key(|value| Some(*value) == key.default);
    format!("${{{tabstop}|{}|}}", values.join(","))
}

/// The priority after the largest one in the file: where a new rule goes by default.
pub(super) fn next_priority(flow: &MailFlow) -> i64 {
    flow.rules.iter().filter_map(|rule| rule.priority.as_ref()).map(|p| p.value + 1).max().unwrap_or(0)
}

/// The values the key at the cursor can take.
fn value_items(flow: &MailFlow, cursor: &Cursor, object: Object, key: &'static Key) -> Vec<Completion> {
    let item =
        |label: &str, insert_text: String, kind, detail: Option<String>, documentation: Option<String>| Completion {
            label: label.to_owned(),
            kind,
            detail,
            documentation,
            insert_text,
            is_snippet: false,
            replace: cursor.partial,
        };
    match (object, key.name) {
        (Object::Actions, "redirectToConnector") => flow
            .connectors
            .iter()
            .filter(|connector| connector.name.is_some())
            .map(|connector| {
                let (name, page) = (connector.name(), connector_page(flow, connector));
                item(
                    name,
                    fixes::scalar(name),
                    CompletionKind::Connector,
                    Some(connector_detail(connector)),
                    Some(page),
                )
            })
            .collect(),
        (Object::HeaderContains | Object::HeaderMatches, "header") | (Object::Header, "name") => used_headers(flow)
            .into_iter()
            .map(|(name, place)| item(&name, fixes::scalar(&name), CompletionKind::Header, Some(place), None))
            .collect(),
        _ => {
            let kind = if key.name == "vendor" { CompletionKind::Vendor } else { CompletionKind::Value };
            // The catalogue's values are plain words of the format: written as they are.
            let value = |(value, meaning): (&str, &str)| {
                item(value, value.to_owned(), kind, Some(meaning.to_owned()), value_page(key, value))
            };
            key.values().into_iter().map(value).collect()
        }
    }
}

/// The header names the file uses, each once (names compare without regard to case, as
/// Exchange compares them), with where it is first used.
pub(super) fn used_headers(flow: &MailFlow) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, place: String| {
        if !found.iter().any(|(known, _)| known.eq_ignore_ascii_case(name)) {
            found.push((name.to_owned(), place));
        }
    };
    for connector in &flow.connectors {
        if let Some((name, value)) = connector.service.as_ref().and_then(|service| service.processed_header()) {
            add(&name, format!("stamped `{value}` by the service behind `{}`", connector.name()));
        }
    }
    for rule in &flow.rules {
        if let Some(header) = &rule.actions.set_header {
            add(&header.name.value, format!("set by `{}`", rule.name()));
        }
        for predicates in [&rule.conditions, &rule.exceptions] {
            let contains = predicates.header_contains.iter().map(|test| &test.header.value);
            for header in contains.chain(predicates.header_matches.iter().map(|test| &test.header.value)) {
                add(header, format!("tested by `{}`", rule.name()));
            }
        }
    }
    found
}

/// Text for inside a snippet placeholder, where `$`, `}` and `\` mean something.
pub(super) fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('$', "\\$").replace('}', "\\}")
}

/// The new connector, new rule and anti-loop smart host rule snippets, for a list of
/// `object`s: written as a list item when `with_dash`, else after a `- ` already typed.
fn snippets(flow: &MailFlow, cursor: &Cursor, editor: &YamlEditor, object: Object, with_dash: bool) -> Vec<Completion> {
    let key_column = cursor.column + if with_dash { 2 } else { 0 };
    let snippet = |label: &str, detail: &str, documentation: Option<String>, lines: Vec<(usize, String)>| {
        let mut insert_text = if with_dash { "- ".to_owned() } else { String::new() };
        for (index, (level, line)) in lines.iter().enumerate() {
            if index > 0 {
                insert_text.push_str(editor.newline());
                insert_text.push_str(&" ".repeat(key_column + level * editor.indent_step()));
            }
            insert_text.push_str(line);
        }
        Completion {
            label: label.to_owned(),
            kind: CompletionKind::Snippet,
            detail: Some(detail.to_owned()),
            documentation,
            insert_text,
            is_snippet: true,
            replace: cursor.partial,
        }
    };
    let catalogue = |object: Object, name: &str| keys::lookup(object, name).expect("the key is in the catalogue");
    match object {
        Object::Connector => vec![snippet(
            "New connector",
            "an outbound connector and the service behind it",
            None,
            vec![
                (0, "name: ${1:Connector name}".to_owned()),
                (0, format!("type: {}", choice(2, catalogue(Object::Connector, "type")))),
                (0, format!("use: {}", choice(3, catalogue(Object::Connector, "use")))),
                (0, "smartHosts: [${4:smtp.example.com}]".to_owned()),
                (0, "service:".to_owned()),
                (1, format!("kind: {}", choice(5, catalogue(Object::Service, "kind")))),
                (1, format!("vendor: {}", choice(6, catalogue(Object::Service, "vendor")))),
            ],
        )],
        Object::Rule => {
            let connector = flow.connectors.iter().find_map(|c| c.name.as_ref()).map_or("Connector name", |n| &n.value);
            let new_rule = snippet(
                "New transport rule",
                "a rule that redirects mail to a connector",
                None,
                vec![
                    (0, "name: ${1:Rule name}".to_owned()),
                    (0, format!("priority: ${{2:{}}}", next_priority(flow))),
                    (0, "conditions:".to_owned()),
                    (1, format!("senderIs: {}", choice(3, catalogue(Object::Predicates, "senderIs")))),
                    (0, "actions:".to_owned()),
                    (1, format!("redirectToConnector: ${{4:{}}}", escape(&fixes::scalar(connector)))),
                ],
            );
            let anti_loop = snippet(
                "Anti-loop smart host rule",
                "a rule that sends inside-to-outside mail through a smart host once",
                Some(format!("{ANTI_LOOP_PAGE}\n\n{}", guide_citation(GUIDE_CREATING))),
                anti_loop_rule(flow),
            );
            vec![new_rule, anti_loop]
        }
        _ => Vec::new(),
    }
}

pub(super) const ANTI_LOOP_PAGE: &str =
    "The rule the guide has for each smart host connector scoped to transport rules. It \
    sets an anti-loop header, excepts mail that already carries it, and redirects to the connector: mail goes \
    through the smart host once, even when the smart host hands it back to Exchange Online. It defers mail when \
    rule processing fails, and belongs directly below the signature rule.";

/// What the anti-loop smart host rule (rules.md) is made of, whatever the syntax: the smart
/// host connector that most needs one (the first that no active rule redirects to, else the
/// first), its priority directly below the signature rule's, an anti-loop header no rule
/// uses yet, and the connector's recipient domains as the rule's.
pub(super) struct AntiLoop {
    pub connector: String,
    pub priority: i64,
    pub header: String,
    pub domains: Vec<String>,
}

impl AntiLoop {
    pub(super) fn of(flow: &MailFlow) -> AntiLoop {
        let roles = Roles::of(flow);
        let smart_hosts: Vec<&Connector> = flow
            .connectors
            .iter()
            .filter(|c| c.service.as_ref().is_some_and(|s| s.kind.value == ServiceKind::SmartHost))
            .collect();
        let connector = smart_hosts
            .iter()
            .find(|connector| !roles.rules_to(connector).any(|rule| rule.is_active()))
            .or(smart_hosts.first());
        let name = connector.and_then(|c| c.name.as_ref()).map_or("Smart host connector", |n| &n.value);
        let priority = match roles.signature_rule().and_then(|signature| signature.rule.priority.as_ref()) {
            Some(priority) => priority.value + 1,
            None => next_priority(flow),
        };
        let vendor = connector.and_then(|c| c.service.as_ref()?.vendor.as_ref()).map(|vendor| vendor.value);
        let header = unused_anti_loop_header(flow.iter_rules(), vendor);
        let domains = connector
            .and_then(|c| c.recipient_domains.as_ref())
            .map_or_else(Vec::new, |d| rule_domains(&d.value).into_iter().map(|d| d.to_owned()).collect());
        AntiLoop { connector: name.to_owned(), priority, header: header.to_string(), domains }
    }
}

/// The lines of the anti-loop smart host rule in YAML.
fn anti_loop_rule(flow: &MailFlow) -> Vec<(usize, String)> {
    let AntiLoop { connector: name, priority, header, domains } = AntiLoop::of(flow);
    let header = escape(&fixes::scalar(&header));
    let name = escape(&fixes::scalar(&name));
    let mut lines = vec![
        (0, format!("name: ${{1:{name}}}")),
        (0, format!("priority: ${{2:{priority}}}")),
        (0, "enabled: true".to_owned()),
        (0, "conditions:".to_owned()),
        (1, "senderIs: inside".to_owned()),
        (1, "recipientIs: outside".to_owned()),
    ];
    if !domains.is_empty() {
        let domains: Vec<String> = domains.iter().map(|domain| escape(&fixes::scalar(domain))).collect();
        lines.push((1, format!("recipientDomainIs: [{}]", domains.join(", "))));
    }
    lines.extend([
        (0, "exceptions:".to_owned()),
        (1, format!("headerContains: {{header: {header}, words: [\"true\"]}}")),
        (0, "actions:".to_owned()),
        (1, format!("setHeader: {{name: {header}, value: \"true\"}}")),
        (1, format!("redirectToConnector: ${{3:{name}}}")),
        (0, "deferOnError: true".to_owned()),
    ]);
    lines
}

#[cfg(test)]
mod tests {
    use crate::check::{check_yaml, Selection, Syntax};
    use crate::ide::tests::{completions, cursor, listed, snippet};

    const HEAD: &str = "mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    service: {kind: signature, vendor: codetwo}
  - name: Mimecast outbound
    recipientDomains: [fabrikam.com, '*.litware.com']
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    exceptions:
      headerContains: {header: X-CodeTwoProcessed, words: [\"true\"]}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
";

    #[test]
    fn keys_a_rule_can_still_take() {
        insta::assert_snapshot!(listed(&format!("{HEAD}  - name: Mimecast rule\n    priority: 1\n    $0\n    deferOnError: true\n"), Syntax::Yaml), @"
        Key enabled [] enabled: ${1|false,true|}
        Key mode [] mode: ${1|audit,audit-and-notify,enforce|}
        Key conditions [] conditions:⏎      $0
        Key exceptions [] exceptions:⏎      $0
        Key actions [] actions:⏎      $0
        Key stopProcessingMoreRules [] stopProcessingMoreRules: ${1|true,false|}
        Key comments [] comments: $0
        ");
    }

    /// The lines between the cursor and what holds it (a long list's items, with deeper
    /// lists, comments and blank lines) change nothing of what is offered.
    #[test]
    fn what_holds_the_cursor_is_found_past_a_long_list() {
        let rule = |n| {
            format!("  - name: R{n}\n    conditions:\n      from:\n        - a{n}@contoso.com\n        # kept\n\n    priority: {n}\n")
        };
        let rules: String = (1..=50).map(rule).collect();
        let last = "  - name: Last\n    priority: 99\n    $0\n";
        let after_the_list = listed(&format!("{HEAD}{rules}{last}"), Syntax::Yaml);
        assert!(after_the_list.contains("Key conditions"), "{after_the_list}");
        assert_eq!(after_the_list, listed(&format!("{HEAD}{last}"), Syntax::Yaml));
        let at_the_root = listed(&format!("mailflow: 1\ntransportRules:\n{rules}$0\n"), Syntax::Yaml);
        assert!(at_the_root.contains("Key connectors"), "{at_the_root}");
        assert_eq!(at_the_root, listed("mailflow: 1\ntransportRules:\n  - name: R1\n$0\n", Syntax::Yaml));
    }

    #[test]
    fn a_partial_key_is_replaced_and_nested_keys_indent_under_it() {
        let input = format!("{HEAD}  - name: Mimecast rule\n    con$0\n");
        let (text, items) = completions(&input, Syntax::Yaml);
        let conditions = items.iter().find(|item| item.label == "conditions").unwrap();
        assert_eq!(&text[conditions.replace.range()], "con");
        assert_eq!(conditions.insert_text, "conditions:\n      $0");
        assert!(conditions.documentation.as_deref().unwrap().starts_with("**`conditions`** in `transportRules`"));
    }

    #[test]
    fn keys_of_a_flow_mapping_leave_out_those_written() {
        insta::assert_snapshot!(listed(&format!("{HEAD}  - name: R\n    conditions: {{senderIs: inside, $0}}\n"), Syntax::Yaml), @"
        Key recipientIs [] recipientIs: ${1|inside,outside,external-partner,external-non-partner|}
        Key senderDomainIs [] senderDomainIs: [$0]
        Key recipientDomainIs [] recipientDomainIs: [$0]
        Key recipientAddressMatches [] recipientAddressMatches: [$0]
        Key headerContains [] headerContains: {$0}
        Key headerMatches [] headerMatches: {$0}
        Key messageTypeMatches [] messageTypeMatches: ${1|oof,auto-forward,encrypted,calendaring,permission-controlled,voicemail,signed,approval-request,read-receipt|}
        Key senderIsMemberOf [] senderIsMemberOf: [$0]
        Key from [] from: [$0]
        Key senderAddressMatches [] senderAddressMatches: [$0]
        Key messageSizeOver [] messageSizeOver: $0
        Key other [] other: {$0}
        ");
    }

    #[test]
    fn enumerated_and_boolean_values() {
        insta::assert_snapshot!(listed(&format!("{HEAD}  - name: R\n    conditions:\n      recipientIs: out$0\n"), Syntax::Yaml), @"
        Value inside [out] inside
        Value outside [out] outside
        Value external-partner [out] external-partner
        Value external-non-partner [out] external-non-partner
        ");
        insta::assert_snapshot!(listed(&format!("{HEAD}  - name: R\n    deferOnError: $0\n"), Syntax::Yaml), @"
        Value true [] true
        Value false [] false
        ");
    }

    #[test]
    fn connectors_after_redirect_to_connector() {
        insta::assert_snapshot!(listed(&format!("{HEAD}  - name: R\n    actions:\n      redirectToConnector: Mim$0\n"), Syntax::Yaml), @"
        Connector CodeTwo Email Signatures 365 connector [Mim] CodeTwo Email Signatures 365 connector
        Connector Mimecast outbound [Mim] Mimecast outbound
        ");
        let flow_style = listed(
            &format!("{HEAD}  - name: R\n    actions: {{setHeader: {{name: X, value: y}}, redirectToConnector: $0}}\n"),
            Syntax::Yaml,
        );
        assert_eq!(flow_style.lines().count(), 2, "{flow_style}");
    }

    #[test]
    fn header_names_used_in_the_file() {
        let file = format!(
            "{HEAD}  - name: R\n    actions: {{setHeader: {{name: X-AntiLoop-Smarthost, value: 'true'}}}}\n    exceptions:\n      headerContains: {{header: $0}}\n"
        );
        insta::assert_snapshot!(listed(&file, Syntax::Yaml), @"
        Header X-CodeTwoProcessed [] X-CodeTwoProcessed
        Header X-AntiLoop-Smarthost [] X-AntiLoop-Smarthost
        ");
    }

    #[test]
    fn vendors_and_snippets_in_a_half_typed_file() {
        // The cursor's line does not parse (an open flow mapping), nor does a line below it.
        let file = format!(
            "{HEAD}  - name: Barracuda rule\n    priority: \"1\n    actions:\n      redirectToConnector: Barracuda\nconnectors2:\n"
        )
        .replace("    service: {kind: smart-host, vendor: mimecast}", "    service: {kind: smart-host, vendor: $0");
        let (text, _) = cursor(&file);
        assert!(check_yaml(&text, &Selection::default()).diagnostics.iter().any(|d| d.code() == "MF001"));
        insta::assert_snapshot!(listed(&file, Syntax::Yaml), @"
        Vendor codetwo [] codetwo
        Vendor exclaimer [] exclaimer
        Vendor mimecast [] mimecast
        Vendor proofpoint [] proofpoint
        Vendor barracuda [] barracuda
        Vendor reflexion [] reflexion
        Vendor symantec [] symantec
        Vendor other [] other
        ");
    }

    #[test]
    fn a_new_item_under_connectors_or_transport_rules_offers_snippets() {
        let between = HEAD.replace("transportRules:", "  $0\ntransportRules:");
        assert_eq!(listed(&between, Syntax::Yaml), "Snippet New connector []");
        insta::assert_snapshot!(snippet(&between, Syntax::Yaml, "New connector"), @"
        - name: ${1:Connector name}
            type: ${2|on-premises,partner|}
            use: ${3|transport-rule,recipient-domains|}
            smartHosts: [${4:smtp.example.com}]
            service:
              kind: ${5|signature,smart-host|}
              vendor: ${6|codetwo,exclaimer,mimecast,proofpoint,barracuda,reflexion,symantec,other|}
        ");
        let new_rule = format!("{HEAD}  - $0\n");
        insta::assert_snapshot!(listed(&new_rule, Syntax::Yaml), @"
        Key name [] name: $0
        Key priority [] priority: ${1:1}
        Key enabled [] enabled: ${1|false,true|}
        Key mode [] mode: ${1|audit,audit-and-notify,enforce|}
        Key conditions [] conditions:⏎      $0
        Key exceptions [] exceptions:⏎      $0
        Key actions [] actions:⏎      $0
        Key stopProcessingMoreRules [] stopProcessingMoreRules: ${1|true,false|}
        Key deferOnError [] deferOnError: ${1|true,false|}
        Key comments [] comments: $0
        Snippet New transport rule []
        Snippet Anti-loop smart host rule []
        ");
        insta::assert_snapshot!(snippet(&new_rule, Syntax::Yaml, "New transport rule"), @"
        name: ${1:Rule name}
            priority: ${2:1}
            conditions:
              senderIs: ${3|inside,outside|}
            actions:
              redirectToConnector: ${4:CodeTwo Email Signatures 365 connector}
        ");
    }

    #[test]
    fn the_anti_loop_rule_targets_the_smart_host_without_a_rule() {
        insta::assert_snapshot!(snippet(&format!("{HEAD}\n  $0\n"), Syntax::Yaml, "Anti-loop smart host rule"), @r#"
        - name: ${1:Mimecast outbound}
            priority: ${2:1}
            enabled: true
            conditions:
              senderIs: inside
              recipientIs: outside
              recipientDomainIs: [fabrikam.com, litware.com]
            exceptions:
              headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}
            actions:
              setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
              redirectToConnector: ${3:Mimecast outbound}
            deferOnError: true
        "#);
    }

    #[test]
    fn nothing_in_comments_scalars_or_unknown_places() {
        assert_eq!(listed(&format!("{HEAD}  - name: R  # redirect$0\n"), Syntax::Yaml), "");
        assert_eq!(listed(&format!("{HEAD}  - name: R\n    comments: |\n      some $0\n"), Syntax::Yaml), "");
        assert_eq!(
            listed(&format!("{HEAD}  - name: R\n    conditions:\n      other:\n        $0\n"), Syntax::Yaml),
            ""
        );
        // A `-` whose space is not typed yet.
        assert_eq!(listed(&format!("{HEAD}  -$0\n"), Syntax::Yaml), "");
    }
}
