//! Minimal text edits on a YAML source: the primitives fixes are made of.
//!
//! Every primitive returns [`Edit`]s that touch only the bytes that must change. Comments,
//! indentation, the quoting of values left alone, line endings and every byte outside the
//! edits stay as written. Targets are named by the spans the model keeps (a rule's or a
//! connector's item span, `Predicates.span`, `Actions.span`, a value's span), looked up in
//! the parsed tree of the same text.
//!
//! A primitive returns `None` when its target is not what it expects: a span that names no
//! node of this text, a value reached through an alias (editing it would edit the anchor,
//! and so every place that uses it), a key already present where it must be absent, or a
//! shape it does not edit. A fix is then better not offered than offered wrong.
//!
//! New text follows the file: its line break (its first one: `\n`, `\r\n` or `\r`), its
//! indent step, the column of the keys or dashes around it. New strings are written plain
//! when YAML reads them back as the same string, double-quoted otherwise; a replaced string
//! keeps the quotes the old one had.
//!
//! One change is not avoided: a line added after a `|` block scalar that ends the file
//! without a final line break gives the scalar that line break.

use std::fmt::Write as _;

use super::Edit;
use crate::syntax::scalar::{self, Resolved};
use crate::syntax::yaml::{Entry, Node, NodeKind, Scalar, ScalarStyle, YamlFile};
use crate::text::{self, LineIndex, Span};

/// The indent step of a file in which no key has a nested block under it.
const DEFAULT_INDENT_STEP: usize = 2;
/// Columns from a list item's dash to its mapping's keys when no item shows it (`- name`).
const DEFAULT_ITEM_KEY_OFFSET: usize = 2;

/// A value to write.
///
/// Strings, booleans and integers are scalars. A `List` is written in flow style
/// (`[a, b]`). A `Map` is written as a nested block under its key when the key is in a block
/// mapping, and in flow style inside a flow collection; a `FlowMap` is always written in
/// flow style (`{header: X, words: ["true"]}`). An empty `Map` is written `{}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    FlowMap(Vec<(String, Value)>),
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(key, value)| (key.into(), value)).collect())
    }

    pub fn flow_map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::FlowMap(entries.into_iter().map(|(key, value)| (key.into(), value)).collect())
    }
}

/// Where [`YamlEditor::insert_rule`] puts a new rule in `transportRules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulePlace {
    /// Before the rule whose item span (`TransportRule.span`) this is, and before the
    /// comment lines directly above that rule, which stay with it.
    Before(Span),
    /// After the last rule, and after the comment lines indented under it.
    End,
}

/// Computes edits on one YAML text. Build it once per text and ask it for every fix.
pub struct YamlEditor<'a> {
    text: &'a str,
    root: Option<&'a Node>,
    lines: LineIndex,
    newline: &'static str,
    indent_step: usize,
    /// The nodes an alias or a `<<` merge elsewhere refers to (see [`Self::keeps_aliases`]).
    referred: Vec<Referred>,
    /// Every list's items follow one another in the text; not so where an alias copied a
    /// node into a list (the copy keeps its anchor's span).
    lists_in_order: bool,
}

/// A node that an alias or a `<<` merge copies: editing it would edit every copy.
#[derive(Clone, Copy, Debug)]
struct Referred {
    span: Span,
    /// A block list or mapping (or the entries a merge took from one): an insertion at
    /// either end of its span may add to it.
    open_ended: bool,
}

/// Whether the items of every list under `node` follow one another in the text.
fn lists_in_order(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Seq(items) => {
            items.windows(2).all(|pair| pair[0].span.end <= pair[1].span.start) && items.iter().all(lists_in_order)
        }
        NodeKind::Map(entries) => entries.iter().all(|entry| lists_in_order(&entry.value)),
        _ => true,
    }
}

/// A node found by its span, with what holds it.
struct Found<'a> {
    node: &'a Node,
    /// The mapping and entry whose value the node is; `None` for a list item or the root.
    owner: Option<(&'a Node, &'a Entry)>,
    /// Whether the node sits inside a flow collection, where `,[]{}` end a plain scalar.
    in_flow: bool,
}

impl<'a> YamlEditor<'a> {
    /// `file` must be `text` as [`crate::syntax::yaml::parse`] read it.
    pub fn new(text: &'a str, file: &'a YamlFile) -> Self {
        let mut editor = YamlEditor {
            text,
            root: file.root.as_deref(),
            lines: LineIndex::new(text),
            newline: text::newline_of(text),
            indent_step: DEFAULT_INDENT_STEP,
            referred: Vec::new(),
            lists_in_order: file.root.as_deref().is_none_or(lists_in_order),
        };
        editor.indent_step =
            editor.root.and_then(|root| editor.smallest_indent_step(root)).unwrap_or(DEFAULT_INDENT_STEP);
        if let Some(root) = editor.root {
            let mut referred = Vec::new();
            editor.collect_referred(root, &mut referred);
            editor.referred = referred;
        }
        editor
    }

    /// Whether applying `edits` leaves every alias and `<<` merge reading what it read: no
    /// edit touches a node an alias or merge refers to (its value would change in every
    /// place that uses it), and none removes an anchor that an alias outside the edits
    /// still names ([`super::breaks_aliases`]). A fix that would is not offered: a fix
    /// changes its own target, never another rule through a shared anchor.
    pub fn keeps_aliases(&self, edits: &[Edit]) -> bool {
        !super::breaks_aliases(self.text, edits)
            && !edits.iter().any(|edit| self.referred.iter().any(|referred| self.touches(edit, *referred)))
    }

    /// Whether `edit` changes the node `referred`: it replaces a byte of it, or inserts
    /// inside it, or (a block collection) inserts at its start, or at its end lines that
    /// are indented as deep as it (lines less indented begin something else).
    fn touches(&self, edit: &Edit, referred: Referred) -> bool {
        let (span, node) = (edit.span, referred.span);
        if !span.is_empty() {
            if node.is_empty() {
                return span.start <= node.start && node.start <= span.end;
            }
            return span.start < node.end && node.start < span.end;
        }
        let at = span.start;
        if node.start < at && at < node.end {
            return true;
        }
        if !referred.open_ended || (at != node.start && at != node.end) {
            return false;
        }
        if at == node.start {
            return true;
        }
        let added = &edit.replacement;
        let Some(first_break) = added.find(['\n', '\r']) else { return true };
        let first_line = text::lines_with_breaks(&added[first_break..])
            .map(|line| line.trim_end_matches(['\n', '\r']))
            .find(|line| !line.trim().is_empty());
        first_line.is_some_and(|line| line.len() - line.trim_start_matches(' ').len() >= self.column(node.start))
    }

    /// The nodes under `node` that an alias or a merge copied: in the value tree a copy
    /// keeps the span of what it copies, which lies outside the node holding the copy.
    fn collect_referred(&self, node: &Node, out: &mut Vec<Referred>) {
        let open_ended = |node: &Node| matches!(node.kind, NodeKind::Map(_) | NodeKind::Seq(_)) && !self.is_flow(node);
        match &node.kind {
            NodeKind::Map(entries) => {
                // The entries a `<<: *alias` merge took from a mapping elsewhere: that
                // mapping, as far as its entries show it.
                let mut merged: Option<Span> = None;
                for entry in entries.iter() {
                    if !node.span.contains(entry.span) && !node.span.contains(entry.key.span) {
                        let span = merged.map_or(entry.span, |m| {
                            Span::new(m.start.min(entry.span.start), m.end.max(entry.span.end))
                        });
                        merged = Some(span);
                    } else if !node.span.contains(entry.key.span) {
                        out.push(Referred { span: entry.key.span, open_ended: false });
                    } else if !node.span.contains(entry.value.span) {
                        out.push(Referred { span: entry.value.span, open_ended: open_ended(&entry.value) });
                    } else {
                        self.collect_referred(&entry.value, out);
                    }
                }
                out.extend(merged.map(|span| Referred { span, open_ended: true }));
            }
            NodeKind::Seq(items) => {
                for item in items.iter() {
                    if node.span.contains(item.span) {
                        self.collect_referred(item, out);
                    } else {
                        out.push(Referred { span: item.span, open_ended: open_ended(item) });
                    }
                }
            }
            _ => {}
        }
    }

    /// The line break new lines end with: the text's first ([`text::newline_of`]).
    pub fn newline(&self) -> &'static str {
        self.newline
    }

    /// The smallest positive difference between the column of a key and that of the block
    /// nested under it; 2 when no key has one.
    pub fn indent_step(&self) -> usize {
        self.indent_step
    }

    /// Replaces the value at `value` (the span of a scalar or a collection) with `new`,
    /// written inline: a string keeps the old scalar's quotes when it can be written in them
    /// (plain when safe, double quotes otherwise), and a collection is written in flow
    /// style. An empty value (`key:` with nothing after it) becomes `key: new`.
    /// `None` when no value has exactly that span. The model's span of a value written
    /// through an alias is that of its anchor: replacing it changes every use of the anchor
    /// ([`Self::set_entry`] replaces the alias instead, and [`Self::keeps_aliases`] says
    /// whether an edit changes an anchored value that an alias uses).
    pub fn replace_value(&self, value: Span, new: &Value) -> Option<Edit> {
        let found = self.locate(value)?;
        Some(self.replace_in_place(found.node, found.in_flow, new))
    }

    /// Gives `key` the value `new` in the mapping at `mapping` (the span of a mapping node,
    /// or of the empty value of a `key:` that should hold one).
    ///
    /// When the key is present, its value is replaced: in place as [`Self::replace_value`]
    /// does, except that in a block mapping a nested block is written for a [`Value::Map`],
    /// and a block collection being replaced by an inline value moves up behind the colon.
    /// When the key's value is an alias (`key: *name`), the alias gives way to the value
    /// written inline; the anchor stays as it is. When the key is absent, or only a `<<`
    /// merge brings it in, it is added as [`Self::insert_entry`] does: a key of the mapping
    /// itself overrides a merged one, and the merged mapping stays as it is. `None` when
    /// `mapping` names no mapping (or empty value).
    pub fn set_entry(&self, mapping: Span, key: &str, new: &Value) -> Option<Edit> {
        let found = self.locate(mapping)?;
        match self.own_entries(found.node).find(|entry| entry.key.as_str() == Some(key)) {
            Some(entry) => self.replace_entry_value(found.node, entry, new),
            None => self.insert_into(&found, key, new),
        }
    }

    /// Adds `key: value` to the mapping at `mapping`, where `key` must be absent.
    ///
    /// - Block mapping: a new line after the mapping's last line (after a comment that ends
    ///   that line, and before comment lines that follow it), indented like its first key.
    ///   A [`Value::Map`] is written as a nested block one indent step deeper.
    /// - Flow mapping: `, key: value` after its last entry (`{key: value}` when empty).
    /// - The empty value of a `key:` (say `conditions:` with nothing after it): the mapping
    ///   is created there, as a block one indent step deeper than that key (after a comment
    ///   that ends its line), or as `{key: value}` inside a flow mapping.
    ///
    /// `None` when `mapping` names none of these, or `key` is present.
    pub fn insert_entry(&self, mapping: Span, key: &str, value: &Value) -> Option<Edit> {
        let found = self.locate(mapping)?;
        if self.own_entries(found.node).any(|entry| entry.key.as_str() == Some(key)) {
            return None;
        }
        self.insert_into(&found, key, value)
    }

    /// Appends `item` to the list at `list`.
    ///
    /// - Flow list: `, item` after its last item (`[item]` when empty).
    /// - Block list: a new `- item` line after the list's last line, its dash in the column
    ///   of the others; a [`Value::Map`] item is written as a block mapping, its first entry
    ///   on the dash's line and its keys aligned as in the list's existing items.
    /// - A single string (which the format reads as a one-item list): `old` becomes
    ///   `[old, item]`, `old` keeping its quotes (re-quoted if it cannot stand in a flow list).
    /// - An empty value (`key:`): ` [item]`.
    ///
    /// `None` when `list` names none of these.
    pub fn push_item(&self, list: Span, item: &Value) -> Option<Edit> {
        let found = self.locate(list)?;
        let node = found.node;
        match &node.kind {
            NodeKind::Seq(_) if self.is_flow(node) => {
                let mut text = String::new();
                let at = match self.own_items(node).last() {
                    Some(last) => {
                        text.push_str(", ");
                        last.span.end
                    }
                    None => node.span.start + 1,
                };
                inline(item, true, &mut text);
                Some(insert(at, text))
            }
            NodeKind::Seq(_) => {
                let mut text = self.newline.to_owned();
                self.block_item(item, self.column(node.span.start), self.item_key_offset(node), &mut text);
                Some(insert(self.line_end(self.content_end(node)), text))
            }
            NodeKind::Scalar(Scalar { style: ScalarStyle::Empty, .. }) => {
                let mut text = " [".to_owned();
                inline(item, true, &mut text);
                text.push(']');
                Some(insert(node.span.start, text))
            }
            NodeKind::Scalar(old) => {
                let end = self.content_end(node);
                let raw = &self.text[node.span.start..end];
                let mut text = "[".to_owned();
                match (&old.value, old.style) {
                    (_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) => text.push_str(raw),
                    (Resolved::Str(value), _) if !is_plain_safe(raw, true) => text.push_str(&double_quoted(value)),
                    _ => text.push_str(raw),
                }
                text.push_str(", ");
                inline(item, true, &mut text);
                text.push(']');
                Some(Edit { span: Span::new(node.span.start, end), replacement: text })
            }
            _ => None,
        }
    }

    /// Removes `key` and its value from the mapping at `mapping`.
    ///
    /// - Block mapping: the whole lines from the key to the end of its value, with the
    ///   comments on those lines; comment lines above or below stay. When the key shares its
    ///   line with a list item's dash (`- name: A`), the next key moves up onto that line
    ///   (comment lines between the two go too), or, when it was the only key, the item
    ///   becomes `- {}`.
    /// - Flow mapping: the entry and the comma that separates it from a neighbour.
    ///
    /// `None` when `mapping` names no mapping or `key` is absent. Removing the last key of a
    /// nested block leaves its parent key empty (`conditions:`), which YAML reads as null.
    pub fn remove_entry(&self, mapping: Span, key: &str) -> Option<Edit> {
        let map = self.locate(mapping)?.node;
        let edit = self.remove_own_entry(map, key)?;
        // Never a `<<` merge written between the entry and the next: it stays.
        let merged = self.contained_entries(map).filter(|entry| !self.is_own(map, entry));
        let spares_merges = merged.into_iter().all(|entry| !edit.span.contains(entry.key.span));
        spares_merges.then_some(edit)
    }

    fn remove_own_entry(&self, map: &Node, key: &str) -> Option<Edit> {
        let entries: Vec<&Entry> = self.own_entries(map).collect();
        let index = entries.iter().position(|entry| entry.key.as_str() == Some(key))?;
        let entry = entries[index];
        if self.is_flow(map) {
            let span = match (index, entries.get(1)) {
                (0, None) => entry.span,
                (0, Some(next)) => Span::new(entry.span.start, next.span.start),
                (_, _) => Span::new(entries[index - 1].span.end, entry.span.end),
            };
            return Some(Edit { span, replacement: String::new() });
        }
        let last_line = self.lines.line_of(self.entry_end(map, entry));
        let line_start = self.lines.line_start(self.lines.line_of(entry.key.span.start));
        if self.text[line_start..entry.key.span.start].trim().is_empty() {
            return Some(Edit {
                span: Span::new(line_start, self.next_line_start(last_line)),
                replacement: String::new(),
            });
        }
        Some(match entries.get(index + 1) {
            Some(next) => {
                Edit { span: Span::new(entry.key.span.start, next.key.span.start), replacement: String::new() }
            }
            None => Edit {
                span: Span::new(entry.key.span.start, self.line_end_of(last_line)),
                replacement: "{}".to_owned(),
            },
        })
    }

    /// Replaces parameters of the `other` mapping in the block mapping at `block` (a rule's
    /// `conditions`, `exceptions` or `actions`) with keys of that block: the entries whose
    /// spans are `parameters` go, and `entries` (keys the block must not have) come.
    ///
    /// - When every parameter of `other` goes, `other` itself becomes the last new key,
    ///   its value written as [`Self::set_entry`] writes one (a comment that ends the last
    ///   parameter's line stays, after the new value).
    /// - Otherwise the parameters are removed as [`Self::remove_entry`] removes entries
    ///   (whole lines in a block mapping) and the new keys are written before `other`: lines
    ///   of their own indented like it in a block mapping, `key: value, ` in a flow mapping.
    ///
    /// `None` when `block` names no mapping with an `other` mapping of its own (not one
    /// reached through an alias or a merge), a span names none of its parameters, or a new
    /// key is present.
    pub fn replace_others(&self, block: Span, parameters: &[Span], entries: &[(String, Value)]) -> Option<Vec<Edit>> {
        let map = self.locate(block)?.node;
        let own: Vec<&Entry> = self.own_entries(map).collect();
        let all = map.as_map()?;
        let has = |key: &str| all.iter().any(|entry| entry.key.as_str() == Some(key));
        if own.len() != all.len() || entries.is_empty() || entries.iter().any(|(key, _)| has(key)) {
            return None;
        }
        let other = own.into_iter().find(|entry| entry.key.as_str() == Some("other"))?;
        let inner = &other.value;
        let listed = inner.as_map()?;
        let kept: Vec<&Entry> = self.own_entries(inner).collect();
        if !map.span.contains(inner.span) || kept.len() != listed.len() {
            return None;
        }
        let gone: Vec<usize> =
            parameters.iter().map(|span| kept.iter().position(|entry| entry.span == *span)).collect::<Option<_>>()?;
        if gone.is_empty() {
            return None;
        }
        let every = (0..kept.len()).all(|index| gone.contains(&index));
        let (before, renamed) = match every {
            true => entries.split_at(entries.len() - 1),
            false => (entries, &[][..]),
        };
        let mut edits = Vec::new();
        if !before.is_empty() {
            edits.push(self.entries_before(map, other, before)?);
        }
        match renamed.first() {
            Some((key, value)) => {
                edits.push(Edit { span: other.key.span, replacement: scalar_text(key, false, ScalarStyle::Plain) });
                edits.push(self.replace_entry_value(map, other, value)?);
            }
            None => edits.extend(self.remove_entries(inner, &kept, &gone)?),
        }
        Some(edits)
    }

    /// `entries` written before `entry` of the mapping `map`: lines of their own, when the
    /// entry's key starts its line, or `key: value, ` in a flow mapping.
    fn entries_before(&self, map: &Node, entry: &Entry, entries: &[(String, Value)]) -> Option<Edit> {
        let at = entry.key.span.start;
        let mut text = String::new();
        if self.is_flow(map) {
            for (key, value) in entries {
                flow_entry(key, value, &mut text);
                text.push_str(", ");
            }
            return Some(insert(at, text));
        }
        let line_start = self.lines.line_start(self.lines.line_of(at));
        if !self.text[line_start..at].trim().is_empty() {
            return None;
        }
        let indent = self.column(at);
        for (key, value) in entries {
            push_indent(&mut text, indent);
            self.block_entry(key, value, indent, &mut text);
            text.push_str(self.newline);
        }
        Some(insert(line_start, text))
    }

    /// Removes the entries at `gone` (indices into `entries`, the mapping's own, not all of
    /// them) from the mapping `map`: in a flow mapping each run of them with the comma that
    /// separates it from a neighbour, in a block mapping their whole lines.
    fn remove_entries(&self, map: &Node, entries: &[&Entry], gone: &[usize]) -> Option<Vec<Edit>> {
        let mut edits = Vec::new();
        if self.is_flow(map) {
            let mut index = 0;
            while index < entries.len() {
                if !gone.contains(&index) {
                    index += 1;
                    continue;
                }
                let first = index;
                while index + 1 < entries.len() && gone.contains(&(index + 1)) {
                    index += 1;
                }
                let span = match first {
                    0 => Span::new(entries[0].span.start, entries.get(index + 1)?.span.start),
                    _ => Span::new(entries[first - 1].span.end, entries[index].span.end),
                };
                edits.push(Edit { span, replacement: String::new() });
                index += 1;
            }
            return Some(edits);
        }
        for &index in gone {
            let entry = entries[index];
            let line_start = self.lines.line_start(self.lines.line_of(entry.key.span.start));
            if !self.text[line_start..entry.key.span.start].trim().is_empty() {
                return None;
            }
            let last_line = self.lines.line_of(self.entry_end(map, entry));
            edits.push(Edit {
                span: Span::new(line_start, self.next_line_start(last_line)),
                replacement: String::new(),
            });
        }
        Some(edits)
    }

    /// Inserts a new transport rule with `fields` (in the order given) into `transportRules`.
    ///
    /// In a block list the rule is written in block style, its dash in the column of the
    /// other rules' dashes and its keys aligned as theirs; when the rules are separated by
    /// blank lines, so is the new one. In a flow list it is written `{name: ..., ...}`.
    /// When `transportRules` is empty (`transportRules:`) the list is started under it, one
    /// indent step deeper; when it is absent, it is added at the end of the file. Nested
    /// values follow [`Value`]'s rules.
    ///
    /// `None` when the place names no rule of the list, or the file's top level or
    /// `transportRules` is not something a rule can be added to.
    pub fn insert_rule(&self, place: RulePlace, fields: &[(String, Value)]) -> Option<Edit> {
        let root = self.root.filter(|root| matches!(root.kind, NodeKind::Map(_)))?;
        let Some(entry) = self.own_entries(root).find(|entry| entry.key.as_str() == Some("transportRules")) else {
            if place != RulePlace::End || self.is_flow(root) {
                return None;
            }
            let indent = self.column(root.span.start);
            let mut text = self.newline.to_owned();
            push_indent(&mut text, indent);
            text.push_str("transportRules:");
            text.push_str(self.newline);
            self.block_map_item(fields, indent + self.indent_step, DEFAULT_ITEM_KEY_OFFSET, &mut text);
            return Some(insert(self.line_end(self.content_end(root)), text));
        };
        let list = &entry.value;
        match &list.kind {
            NodeKind::Scalar(Scalar { style: ScalarStyle::Empty, .. }) if place == RulePlace::End => {
                let mut text = self.newline.to_owned();
                let dash = self.column(entry.key.span.start) + self.indent_step;
                self.block_map_item(fields, dash, DEFAULT_ITEM_KEY_OFFSET, &mut text);
                Some(insert(self.line_end(entry.key.span.start), text))
            }
            NodeKind::Seq(_) if self.is_flow(list) => {
                let mut rule = String::new();
                flow_map(fields, &mut rule);
                let items: Vec<&Node> = self.own_items(list).collect();
                Some(match (place, items.last()) {
                    (RulePlace::Before(span), _) => {
                        let target = items.iter().find(|item| item.span == span)?;
                        rule.push_str(", ");
                        insert(target.span.start, rule)
                    }
                    (RulePlace::End, Some(last)) => insert(last.span.end, format!(", {rule}")),
                    (RulePlace::End, None) => insert(list.span.start + 1, rule),
                })
            }
            NodeKind::Seq(_) => self.insert_block_rule(list, place, fields),
            _ => None,
        }
    }

    fn insert_block_rule(&self, list: &Node, place: RulePlace, fields: &[(String, Value)]) -> Option<Edit> {
        let dash = self.column(list.span.start);
        let items: Vec<&Node> = self.own_items(list).collect();
        let separated =
            items.windows(2).any(|pair| self.blank_line_between(self.content_end(pair[0]), self.dash_of(pair[1])));
        let mut rule = String::new();
        self.block_map_item(fields, dash, self.item_key_offset(list), &mut rule);
        let blank = if separated { self.newline } else { "" };
        match place {
            RulePlace::Before(span) => {
                let target = items.iter().find(|item| item.span == span)?;
                let mut line = self.lines.line_of(self.dash_of(target));
                // Comment lines right above a rule, no deeper than its dash, are about it.
                while line > 0 && self.is_comment_line(line - 1, |indent| indent <= dash) {
                    line -= 1;
                }
                Some(insert(self.lines.line_start(line), format!("{rule}{}{blank}", self.newline)))
            }
            RulePlace::End => {
                let mut line = self.lines.line_of(self.content_end(items.last()?));
                // Comment lines indented under the last rule belong to it.
                while line + 1 < self.lines.line_count() && self.is_comment_line(line + 1, |indent| indent > dash) {
                    line += 1;
                }
                Some(insert(self.line_end_of(line), format!("{}{blank}{rule}", self.newline)))
            }
        }
    }

    fn insert_into(&self, found: &Found, key: &str, value: &Value) -> Option<Edit> {
        let node = found.node;
        match &node.kind {
            NodeKind::Map(_) if self.is_flow(node) => {
                let mut text = String::new();
                let at = match self.own_entries(node).last() {
                    Some(last) => {
                        text.push_str(", ");
                        last.span.end
                    }
                    None => node.span.start + 1,
                };
                flow_entry(key, value, &mut text);
                Some(insert(at, text))
            }
            NodeKind::Map(_) => {
                let indent = self.column(node.span.start);
                let mut text = self.newline.to_owned();
                push_indent(&mut text, indent);
                self.block_entry(key, value, indent, &mut text);
                Some(insert(self.line_end(self.content_end(node)), text))
            }
            NodeKind::Scalar(Scalar { style: ScalarStyle::Empty, .. }) => {
                let (owner, entry) = found.owner?;
                if self.is_flow(owner) {
                    let mut text = " {".to_owned();
                    flow_entry(key, value, &mut text);
                    text.push('}');
                    return Some(insert(node.span.start, text));
                }
                let indent = self.column(entry.key.span.start) + self.indent_step;
                let mut text = self.newline.to_owned();
                push_indent(&mut text, indent);
                self.block_entry(key, value, indent, &mut text);
                Some(insert(self.line_end(entry.key.span.start), text))
            }
            _ => None,
        }
    }

    fn replace_entry_value(&self, map: &Node, entry: &Entry, new: &Value) -> Option<Edit> {
        let old = &entry.value;
        let in_flow = self.is_flow(map);
        if !map.span.contains(old.span) {
            return self.replace_alias(entry, in_flow, new);
        }
        if !in_flow {
            let nested_block = matches!(new, Value::Map(entries) if !entries.is_empty());
            let key_line = self.lines.line_of(entry.key.span.start);
            if nested_block || self.lines.line_of(old.span.start) > key_line {
                let mut text = String::new();
                self.after_key(new, self.column(entry.key.span.start), &mut text);
                if nested_block && is_empty_scalar(old) {
                    // After a comment that ends the key's line, not before it.
                    return Some(insert(self.line_end(entry.key.span.start), text));
                }
                if let Some(colon) = self.after_colon(entry) {
                    // Not over a comment or a tag between the colon and the value.
                    if self.text.get(colon..old.span.start).is_some_and(|gap| gap.trim().is_empty()) {
                        return Some(Edit { span: Span::new(colon, self.content_end(old)), replacement: text });
                    }
                }
            }
        }
        Some(self.replace_in_place(old, in_flow, new))
    }

    /// The value of `entry`, written as an alias (`key: *name`, the value's node lying at
    /// its anchor), replaced by `new` written inline where the alias is.
    fn replace_alias(&self, entry: &Entry, in_flow: bool, new: &Value) -> Option<Edit> {
        let colon = self.after_colon(entry)?;
        let rest = self.text.get(colon..entry.span.end)?;
        let start = colon + (rest.len() - rest.trim_start().len());
        let alias = rest.trim();
        let ends_alias = |c: char| c.is_whitespace() || (in_flow && ",[]{}".contains(c));
        if !alias.starts_with('*') || alias.len() < 2 || alias[1..].contains(ends_alias) {
            return None;
        }
        if matches!(new, Value::Map(entries) if !entries.is_empty()) && !in_flow {
            return None;
        }
        let mut text = String::new();
        inline(new, in_flow, &mut text);
        Some(Edit { span: Span::new(start, start + alias.len()), replacement: text })
    }

    fn replace_in_place(&self, old: &Node, in_flow: bool, new: &Value) -> Edit {
        let mut text = String::new();
        if is_empty_scalar(old) {
            // `key:` has no space after its colon.
            text.push(' ');
        }
        match (&old.kind, new) {
            (NodeKind::Scalar(scalar), Value::Str(value)) => text.push_str(&scalar_text(value, in_flow, scalar.style)),
            _ => inline(new, in_flow, &mut text),
        }
        Edit { span: Span::new(old.span.start, self.content_end(old)), replacement: text }
    }

    /// `key: value` as the line of a block mapping whose keys sit at column `indent`; the
    /// caller writes the first line's indentation.
    fn block_entry(&self, key: &str, value: &Value, indent: usize, out: &mut String) {
        out.push_str(&scalar_text(key, false, ScalarStyle::Plain));
        out.push(':');
        self.after_key(value, indent, out);
    }

    /// What follows the colon of a block key at column `indent`: ` value`, or the lines of
    /// a nested block mapping.
    fn after_key(&self, value: &Value, indent: usize, out: &mut String) {
        match value {
            Value::Map(entries) if !entries.is_empty() => {
                let inner = indent + self.indent_step;
                for (key, value) in entries {
                    out.push_str(self.newline);
                    push_indent(out, inner);
                    self.block_entry(key, value, inner, out);
                }
            }
            _ => {
                out.push(' ');
                inline(value, false, out);
            }
        }
    }

    /// A block list item with its dash at column `dash`; a mapping's keys sit `key_offset`
    /// columns right of the dash, its first entry on the dash's line.
    fn block_item(&self, value: &Value, dash: usize, key_offset: usize, out: &mut String) {
        match value {
            Value::Map(entries) if !entries.is_empty() => self.block_map_item(entries, dash, key_offset, out),
            _ => {
                push_indent(out, dash);
                out.push('-');
                push_indent(out, key_offset - 1);
                inline(value, false, out);
            }
        }
    }

    fn block_map_item(&self, entries: &[(String, Value)], dash: usize, key_offset: usize, out: &mut String) {
        push_indent(out, dash);
        out.push('-');
        push_indent(out, key_offset - 1);
        let indent = dash + key_offset;
        for (index, (key, value)) in entries.iter().enumerate() {
            if index > 0 {
                out.push_str(self.newline);
                push_indent(out, indent);
            }
            self.block_entry(key, value, indent, out);
        }
    }

    /// The node whose span is exactly `span`, searched from the root.
    fn locate(&self, span: Span) -> Option<Found<'a>> {
        fn search<'n>(
            editor: &YamlEditor,
            node: &'n Node,
            span: Span,
            in_flow: bool,
            owner: Option<(&'n Node, &'n Entry)>,
        ) -> Option<Found<'n>> {
            if node.span == span {
                return Some(Found { node, owner, in_flow });
            }
            // Also prunes the copies aliases made, whose spans lie at their anchor.
            if !node.span.contains(span) {
                return None;
            }
            let in_flow = in_flow || editor.is_flow(node);
            match &node.kind {
                NodeKind::Map(entries) => {
                    entries.iter().find_map(|entry| search(editor, &entry.value, span, in_flow, Some((node, entry))))
                }
                // Items that follow one another in the text: only those from the first that
                // does not end before `span` to the last that starts in it can hold it. A
                // file's list of rules is searched in steps of its length's log, not its
                // length, for each of the rules a renumbering fix edits.
                NodeKind::Seq(items) if editor.lists_in_order => {
                    let first = items.partition_point(|item| item.span.end < span.start);
                    items[first..]
                        .iter()
                        .take_while(|item| item.span.start <= span.end)
                        .find_map(|item| search(editor, item, span, in_flow, None))
                }
                NodeKind::Seq(items) => items.iter().find_map(|item| search(editor, item, span, in_flow, None)),
                _ => None,
            }
        }
        search(self, self.root?, span, false, None)
    }

    /// The entries written in `node` itself, in order: not those a `<<` merge brought in,
    /// from a mapping elsewhere (`<<: *defaults`) or written inside this one
    /// (`<<: &defaults {…}`, whose keys sit deeper than the mapping's own).
    fn own_entries(&self, node: &'a Node) -> impl Iterator<Item = &'a Entry> + '_ {
        self.contained_entries(node).filter(move |entry| self.is_own(node, entry))
    }

    /// The entries whose text lies in `node`'s: its own, and those a `<<` merge written
    /// inside it brought in.
    fn contained_entries(&self, node: &'a Node) -> impl Iterator<Item = &'a Entry> {
        let entries = node.as_map().unwrap_or_default();
        entries.iter().filter(move |entry| node.span.contains(entry.key.span))
    }

    /// Whether `entry`, whose key lies in `map`'s text, is one of `map`'s own: in a block
    /// mapping its key stands in the column of the mapping's first key, in a flow mapping
    /// directly inside the mapping's braces.
    fn is_own(&self, map: &Node, entry: &Entry) -> bool {
        let key = entry.key.span.start;
        if self.is_flow(map) {
            return self.flow_depth(map.span.start, key) == 1;
        }
        self.column(key) == self.column(map.span.start)
    }

    /// How many flow collections are open at `to`, counting from `from`: brackets outside
    /// quoted scalars and comments.
    fn flow_depth(&self, from: usize, to: usize) -> usize {
        let bytes = &self.text.as_bytes()[..to];
        let (mut depth, mut at, mut quote) = (0usize, from, None);
        while at < bytes.len() {
            let byte = bytes[at];
            let after_space = at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'\r');
            let starts_scalar =
                at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b',' | b':');
            match quote {
                Some(b'"') if byte == b'\\' => at += 1,
                Some(b'\'') if byte == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 1,
                Some(q) if byte == q => quote = None,
                Some(_) => {}
                None => match byte {
                    b'"' | b'\'' if starts_scalar => quote = Some(byte),
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    b'#' if after_space => at = text::line_end(self.text, at).max(at),
                    _ => {}
                },
            }
            at += 1;
        }
        depth
    }

    fn own_items(&self, node: &'a Node) -> impl Iterator<Item = &'a Node> {
        let items = match &node.kind {
            NodeKind::Seq(items) => &items[..],
            _ => &[],
        };
        items.iter().filter(move |item| node.span.contains(item.span))
    }

    fn is_flow(&self, node: &Node) -> bool {
        matches!(node.kind, NodeKind::Map(_) | NodeKind::Seq(_))
            && matches!(self.text.as_bytes().get(node.span.start), Some(b'{' | b'['))
    }

    /// Where the node's own text ends: tree-sitter's block nodes also take the comment lines
    /// and blank lines after them, which belong to no value.
    fn content_end(&self, node: &Node) -> usize {
        let trimmed = || node.span.start + self.text[node.span.range()].trim_end().len();
        match &node.kind {
            _ if self.is_flow(node) => node.span.end,
            NodeKind::Map(_) => {
                let last = self.contained_entries(node).max_by_key(|entry| self.entry_end(node, entry));
                last.map_or_else(trimmed, |last| {
                    let end = self.entry_end(node, last);
                    if self.is_own(node, last) {
                        return end;
                    }
                    // A `<<: {…}` merge that ends the mapping ends with its brackets.
                    let rest = &self.text[end..text::line_end(self.text, end)];
                    let brackets = rest.trim_end_matches(|c| c != '}' && c != ']');
                    match brackets.trim_start_matches([' ', '\t', '}', ']']) {
                        "" => end + brackets.len(),
                        _ => end,
                    }
                })
            }
            NodeKind::Seq(_) => self.own_items(node).map(|item| self.content_end(item)).max().unwrap_or_else(trimmed),
            _ => trimmed(),
        }
    }

    fn entry_end(&self, map: &Node, entry: &Entry) -> usize {
        if map.span.contains(entry.value.span) {
            self.content_end(&entry.value).max(entry.key.span.end)
        } else {
            // An alias: its text is on the key's line, its node's span at the anchor.
            entry.key.span.end
        }
    }

    /// The offset just after the colon that follows `entry`'s key, when only spaces are
    /// between them.
    fn after_colon(&self, entry: &Entry) -> Option<usize> {
        let rest = &self.text[entry.key.span.end..];
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        rest[gap..].starts_with(':').then_some(entry.key.span.end + gap + 1)
    }

    /// The offset of the dash that introduces a block list item.
    fn dash_of(&self, item: &Node) -> usize {
        let before = self.text[..item.span.start].trim_end();
        if before.ends_with('-') {
            before.len() - 1
        } else {
            item.span.start
        }
    }

    /// How many columns the keys of the list's mapping items sit right of their dash.
    fn item_key_offset(&self, list: &Node) -> usize {
        let dash = self.column(list.span.start);
        self.own_items(list)
            .filter(|item| matches!(item.kind, NodeKind::Map(_)) && !self.is_flow(item))
            .find(|item| self.lines.line_of(self.dash_of(item)) == self.lines.line_of(item.span.start))
            .map_or(DEFAULT_ITEM_KEY_OFFSET, |item| self.column(item.span.start) - dash)
            .max(DEFAULT_ITEM_KEY_OFFSET)
    }

    fn smallest_indent_step(&self, node: &Node) -> Option<usize> {
        let own = node.as_map().into_iter().flatten().filter_map(|entry| {
            let value = &entry.value;
            let nested = matches!(value.kind, NodeKind::Map(_) | NodeKind::Seq(_))
                && !self.is_flow(value)
                && self.lines.line_of(value.span.start) > self.lines.line_of(entry.key.span.start);
            let step = self.column(value.span.start).checked_sub(self.column(entry.key.span.start))?;
            (nested && step > 0).then_some(step)
        });
        let children: Vec<&Node> = match &node.kind {
            NodeKind::Map(entries) => entries.iter().map(|entry| &entry.value).collect(),
            NodeKind::Seq(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        own.chain(children.into_iter().filter_map(|child| self.smallest_indent_step(child))).min()
    }

    fn blank_line_between(&self, from: usize, to: usize) -> bool {
        let (first, last) = (self.lines.line_of(from), self.lines.line_of(to));
        (first + 1..last).any(|line| self.lines.line_text(self.text, line).trim().is_empty())
    }

    /// Whether 0-based `line` holds only a comment, at an indentation `indent_ok` accepts.
    fn is_comment_line(&self, line: usize, indent_ok: impl Fn(usize) -> bool) -> bool {
        let content = self.lines.line_text(self.text, line);
        let body = content.trim_start_matches(' ');
        body.starts_with('#') && indent_ok(content.len() - body.len())
    }

    fn column(&self, offset: usize) -> usize {
        offset - self.lines.line_start(self.lines.line_of(offset))
    }

    /// The end of the line holding `offset`, before its line break.
    fn line_end(&self, offset: usize) -> usize {
        self.line_end_of(self.lines.line_of(offset))
    }

    fn line_end_of(&self, line: usize) -> usize {
        self.lines.line_start(line) + self.lines.line_text(self.text, line).len()
    }

    /// The start of the line after 0-based `line`, or the end of the text.
    fn next_line_start(&self, line: usize) -> usize {
        if line + 1 < self.lines.line_count() {
            self.lines.line_start(line + 1)
        } else {
            self.text.len()
        }
    }
}

fn insert(at: usize, text: String) -> Edit {
    Edit { span: Span::new(at, at), replacement: text }
}

fn is_empty_scalar(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Scalar(Scalar { style: ScalarStyle::Empty, .. }))
}

fn push_indent(out: &mut String, columns: usize) {
    out.extend(std::iter::repeat_n(' ', columns));
}

/// A value written on one line: scalars as such, collections in flow style.
fn inline(value: &Value, in_flow: bool, out: &mut String) {
    match value {
        Value::Str(text) => out.push_str(&scalar_text(text, in_flow, ScalarStyle::Plain)),
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Int(value) => out.push_str(&value.to_string()),
        Value::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                inline(item, true, out);
            }
            out.push(']');
        }
        Value::Map(entries) | Value::FlowMap(entries) => flow_map(entries, out),
    }
}

fn flow_map(entries: &[(String, Value)], out: &mut String) {
    out.push('{');
    for (index, (key, value)) in entries.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        flow_entry(key, value, out);
    }
    out.push('}');
}

fn flow_entry(key: &str, value: &Value, out: &mut String) {
    out.push_str(&scalar_text(key, true, ScalarStyle::Plain));
    out.push_str(": ");
    inline(value, true, out);
}

/// A string as a scalar that reads back as itself anywhere, in block or flow context:
/// plain when it can be, double-quoted otherwise.
pub fn scalar(text: &str) -> String {
    scalar_text(text, true, ScalarStyle::Plain)
}

/// A string as a scalar. `like` is the style of the scalar it replaces: quotes are kept
/// when the string can be written in them; otherwise it is plain when YAML reads it back
/// as the same string, and double-quoted when not.
fn scalar_text(text: &str, in_flow: bool, like: ScalarStyle) -> String {
    match like {
        ScalarStyle::DoubleQuoted => double_quoted(text),
        ScalarStyle::SingleQuoted if text.chars().all(printable) => format!("'{}'", text.replace('\'', "''")),
        _ if is_plain_safe(text, in_flow) => text.to_owned(),
        _ => double_quoted(text),
    }
}

/// Words YAML 1.1 tools (PowerShell's YAML modules among them) read as booleans, though
/// YAML 1.2 reads them as text: written quoted, so every reader agrees.
const YAML_1_1_BOOLEANS: &[&str] = &["y", "n", "yes", "no", "on", "off"];

/// Whether `text` written plain reads back as the same string: no indicator first, no space
/// at either end (YAML trims it), nothing that starts a comment or a mapping, no flow
/// indicators inside a flow collection, and not a null, boolean (in YAML 1.2 or 1.1) or number.
fn is_plain_safe(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else { return false };
    let needs_quotes = "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.starts_with(' ')
        || text.ends_with([' ', ':'])
        || text.contains(": ")
        || text.contains(" #")
        || !text.chars().all(printable)
        || (in_flow && text.contains([',', '[', ']', '{', '}', ':']));
    !needs_quotes
        && matches!(scalar::resolve_plain(text), Resolved::Str(_))
        && !YAML_1_1_BOOLEANS.contains(&text.to_ascii_lowercase().as_str())
}

/// Characters that stand for themselves on one line in every scalar style: YAML's printable
/// set without line breaks, tabs, the byte order mark and YAML 1.1's line separators.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xff => write!(out, "\\x{:02X}", u32::from(c)).expect("writing to a String"),
            c if u32::from(c) <= 0xffff => write!(out, "\\u{:04X}", u32::from(c)).expect("writing to a String"),
            c => write!(out, "\\U{:08X}", u32::from(c)).expect("writing to a String"),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
