//! [`DslEditor`]: the fixes' edits, asked for in the YAML format's keys and [`Value`]s,
//! written as statements of the mail-flow DSL with the least change to the text.
//!
//! A new statement goes on a line of its own before the closing `}` of its block, indented
//! like the block's statements (or inside the `}`'s line when the block is written on one
//! line). What has no faithful DSL form gives `None`.

use super::Edit;
use super::{Editor, RulePlace, Value};
use crate::model::dsl_statements::{self, Form, Group, Place, Statement};
use crate::model::keys::{self, Key, Object, ValueShape};
use crate::syntax::dsl::{quote, Block, DslFile};
use crate::syntax::span_of as span;
use crate::text::{self, Span};
use tree_sitter::Node;

/// The indentation of a block's statements when no statement shows it.
const DEFAULT_INDENT: &str = "  ";

/// Computes edits on one DSL text. Build it once per text and ask it for every fix.
pub struct DslEditor<'a> {
    text: &'a str,
    file: &'a DslFile,
    newline: &'static str,
}

impl<'a> DslEditor<'a> {
    /// `file` must be `text` as [`crate::syntax::dsl::parse`] read it.
    pub fn new(text: &'a str, file: &'a DslFile) -> Self {
        DslEditor { text, file, newline: text::newline_of(text) }
    }

    /// The node of one of `kinds` whose span is exactly `at`.
    fn node(&self, at: Span, kinds: &[&str]) -> Option<Node<'a>> {
        let mut node = self.file.root().descendant_for_byte_range(at.start, at.end)?;
        loop {
            if span(node) == at && kinds.contains(&node.kind()) {
                // What holds a syntax error is left as written: its messages quote it.
                return (!node.has_error()).then_some(node);
            }
            if node.start_byte() < at.start || node.end_byte() > at.end {
                return None;
            }
            node = node.parent()?;
        }
    }

    /// The statements of an object's block, in order, without comments.
    fn statements(&self, object: Node<'a>) -> Vec<Node<'a>> {
        let Some(body) = object.child_by_field_name("body") else { return Vec::new() };
        let mut cursor = body.walk();
        let statements: Vec<Node<'a>> =
            body.named_children(&mut cursor).filter(|n| n.kind() != "comment" && !n.is_error()).collect();
        statements
    }

    fn statement(&self, object: Node<'a>, kind: &str) -> Option<Node<'a>> {
        self.statements(object).into_iter().find(|n| n.kind() == kind)
    }

    fn line_start(&self, at: usize) -> usize {
        text::line_start(self.text, at)
    }

    /// The whitespace before `at` on its line, when only whitespace is there.
    fn indent_before(&self, at: usize) -> Option<&'a str> {
        let before = &self.text[self.line_start(at)..at];
        before.chars().all(|c| c == ' ' || c == '\t').then_some(before)
    }

    /// The indentation of `object`'s statements.
    fn statement_indent(&self, object: Node<'a>) -> String {
        if let Some(indent) = self.statements(object).first().and_then(|s| self.indent_before(s.start_byte())) {
            return indent.to_owned();
        }
        let own = self.indent_before(object.start_byte()).unwrap_or("");
        format!("{own}{DEFAULT_INDENT}")
    }

    /// Adds `lines` (statements, lines after the first of a block statement indented under
    /// it) at the end of `object`'s block, giving it a block when it has none (a service).
    fn add_statements(&self, object: Node<'a>, lines: &[String]) -> Option<Edit> {
        let Some(body) = object.child_by_field_name("body") else { return self.add_block(object, lines) };
        let close = body.child(body.child_count().checked_sub(1)?)?;
        if close.kind() != "}" || close.is_missing() {
            return None;
        }
        let at = close.start_byte();
        if self.indent_before(at).is_some() {
            let indent = self.statement_indent(object);
            let replacement: String = lines.iter().map(|line| format!("{indent}{line}{}", self.newline)).collect();
            let start = self.line_start(at);
            return Some(Edit { span: Span::new(start, start), replacement });
        }
        let before = &self.text[..at];
        let space = if before.ends_with(' ') || before.ends_with('\t') { "" } else { " " };
        let words: Vec<&str> = lines.iter().map(|line| line.trim()).collect();
        Some(Edit { span: Span::new(at, at), replacement: format!("{space}{} ", words.join(" ")) })
    }

    /// Removes `statement`: its whole line when it is alone on it (with a comment ending the
    /// line), else the statement and the spaces before it.
    fn remove_statement(&self, statement: Node<'a>) -> Option<Edit> {
        let (start, end) = (statement.start_byte(), statement.end_byte());
        let rest_end = text::next_line_start(self.text, end).unwrap_or(self.text.len());
        let rest = self.text[end..rest_end].trim();
        if self.indent_before(start).is_some() && (rest.is_empty() || rest.starts_with('#')) {
            return Some(Edit { span: Span::new(self.line_start(start), rest_end), replacement: String::new() });
        }
        let trimmed = self.text[..start].trim_end_matches([' ', '\t']).len();
        Some(Edit { span: Span::new(trimmed, end), replacement: String::new() })
    }

    fn replace(&self, node: Node<'a>, new: String) -> Option<Edit> {
        Some(Edit { span: span(node), replacement: new })
    }

    /// A rule's or connector's setting: replaced in place, or added.
    fn set_setting(&self, object: Node<'a>, key: &str, new: &Value) -> Option<Edit> {
        let rule = object.kind() == "rule";
        let connector = object.kind() == "connector";
        match (key, new) {
            ("enabled", Value::Bool(on)) if rule || connector => {
                if let Some(enabled) = self.statement(object, "enabled") {
                    return self.replace(enabled.child_by_field_name("value")?, on.to_string());
                }
                match self.statement(object, "disabled") {
                    Some(disabled) if *on => self.remove_statement(disabled),
                    Some(_) => None,
                    None => self.add_statements(object, &[format!("enabled {on}")]),
                }
            }
            ("conditions" | "exceptions" | "actions", Value::Map(entries) | Value::FlowMap(entries)) if rule => {
                let lines = entries.iter().map(|(k, v)| block_statement(key, k, v)).collect::<Option<Vec<_>>>()?;
                self.add_in_order(object, group(key), &lines)
            }
            _ => self.set_statement(object, key, new),
        }
    }

    /// A setting of the object that opens `object`'s block (a rule, a connector, an
    /// organization, its on-premises servers, a service), written as its statement in the
    /// table: a flag added or removed, a setting replaced or added at the end of the block,
    /// a statement with a block of its own (`service`, `on-premises`) added when there is
    /// none. Such a statement is not replaced: its inner statements and their comments
    /// would be lost.
    fn set_statement(&self, object: Node<'a>, key: &str, new: &Value) -> Option<Edit> {
        let block = Block::of_kind(object.kind())?;
        let owner = opened_object(object.kind())?;
        let row = dsl_statements::in_block(block).find(|r| r.object == owner && r.key == key)?;
        let existing = self.statement(object, row.kind);
        match (row.form, new) {
            (Form::Flag(says), Value::Bool(on)) if on.to_string() == says => match existing {
                Some(_) => None,
                None => self.add_statements(object, &[row.template.to_owned()]),
            },
            (Form::Flag(_), Value::Bool(_)) => self.remove_statement(existing?),
            _ if opens_block(row) => match existing {
                Some(_) => None,
                None => self.add_statements(object, &statement_lines(row, None, new, &self.indent_step(object))?),
            },
            (Form::Setting, new) => {
                let line = statement_for(row, None, new)?;
                match existing {
                    Some(statement) => self.replace(statement, line),
                    None => self.add_statements(object, &[line]),
                }
            }
            _ => None,
        }
    }

    /// Adds `lines` of statement group `order` (see [`group`]) before the first statement
    /// of a later group, when that one starts its line; else at the end of the block.
    fn add_in_order(&self, object: Node<'a>, order: Group, lines: &[String]) -> Option<Edit> {
        let later = self.statements(object).into_iter().find(|s| group_of(s.kind()) > order);
        match later.and_then(|s| Some((self.indent_before(s.start_byte())?, self.line_start(s.start_byte())))) {
            Some((indent, at)) => {
                let replacement: String = lines.iter().map(|line| format!("{indent}{line}{}", self.newline)).collect();
                Some(Edit { span: Span::new(at, at), replacement })
            }
            None => self.add_statements(object, lines),
        }
    }

    /// `key` in a rule's conditions, exceptions or actions, whose statements `block`
    /// covers: the statement of that kind is replaced, or one added.
    fn set_in_block(&self, block: Span, key: &str, new: &Value) -> Option<Edit> {
        let mut statement = self.file.root().descendant_for_byte_range(block.start, block.start)?;
        while statement.parent()?.kind() != "block" {
            statement = statement.parent()?;
        }
        let rule = statement.parent()?.parent().filter(|r| r.kind() == "rule" && !r.has_error())?;
        let (block_key, kind) = match statement.kind() {
            "condition" => ("conditions", "condition"),
            "exception" => ("exceptions", "exception"),
            "set_header_action" | "redirect_action" | "other_action" => ("actions", ""),
            _ => return None,
        };
        let line = block_statement(block_key, key, new)?;
        let same = self.statements(rule).into_iter().filter(|s| block.contains(span(*s))).find(|s| match kind {
            "" => Some(s.kind()) == dsl_statements::for_key(Object::Actions, key).map(|row| row.kind),
            _ => {
                s.kind() == kind
                    && s.child_by_field_name("predicate").map(|p| p.kind())
                        == dsl_statements::for_key(Object::Predicates, key).map(|row| row.kind)
            }
        });
        if let Some(statement) = same {
            return self.replace(statement, line);
        }
        // After the block's last statement, when it ends its line: conditions stay together.
        let last = self.statements(rule).into_iter().rfind(|s| block.contains(span(*s)));
        match last.and_then(|last| self.line_after(last)) {
            Some((indent, at)) => {
                Some(Edit { span: Span::new(at, at), replacement: format!("{indent}{line}{}", self.newline) })
            }
            None => self.add_statements(rule, &[line]),
        }
    }

    /// The statement of a rule's block that holds the `other` parameter at `parameter` (an
    /// `if other …` or `except other …` statement, whose predicate it is, or a `do other …`
    /// statement), with the YAML block it stands for.
    fn other_statement(&self, parameter: Span) -> Option<(Node<'a>, &'static str)> {
        let mut statement = self.file.root().descendant_for_byte_range(parameter.start, parameter.end)?;
        while statement.parent()?.kind() != "block" {
            statement = statement.parent()?;
        }
        let predicate = statement.child_by_field_name("predicate");
        let (held, block) = match statement.kind() {
            "condition" => (predicate?, "conditions"),
            "exception" => (predicate?, "exceptions"),
            _ => (statement, "actions"),
        };
        let object = if block == "actions" { Object::Actions } else { Object::Predicates };
        let other = dsl_statements::for_key(object, "other")?.kind;
        (held.kind() == other && span(held) == parameter && !statement.has_error()).then_some((statement, block))
    }

    /// Whether the rule has a statement of `key` in the YAML `block`.
    fn has_in_block(&self, rule: Node<'a>, block: &str, key: &str) -> bool {
        let (object, kind) = match block {
            "conditions" => (Object::Predicates, "condition"),
            "exceptions" => (Object::Predicates, "exception"),
            _ => (Object::Actions, ""),
        };
        let Some(row) = dsl_statements::for_key(object, key) else { return false };
        self.statements(rule).into_iter().any(|s| match kind {
            "" => s.kind() == row.kind,
            _ => s.kind() == kind && s.child_by_field_name("predicate").is_some_and(|p| p.kind() == row.kind),
        })
    }

    /// For a statement alone on its line (but for a comment ending it): its indentation and
    /// the start of the next line.
    fn line_after(&self, statement: Node<'a>) -> Option<(&'a str, usize)> {
        let indent = self.indent_before(statement.start_byte())?;
        let end = statement.end_byte();
        let next = text::next_line_start(self.text, end)?;
        let rest = self.text[end..next].trim();
        (rest.is_empty() || rest.starts_with('#')).then_some((indent, next))
    }

    /// The node at exactly `at` of a statement whose key holds a mapping (an item, a block,
    /// a header, a header test), with its row.
    fn object(&self, at: Span) -> Option<(Node<'a>, &'static Statement)> {
        let kinds: Vec<&str> = dsl_statements::STATEMENTS.iter().filter(|r| holds_object(r)).map(|r| r.kind).collect();
        let node = self.node(at, &kinds)?;
        let row = dsl_statements::STATEMENTS.iter().find(|r| r.kind == node.kind() && holds_object(r))?;
        Some((node, row))
    }

    /// Gives `field`, a placeholder of `row`'s template, the value `new` in `statement`: the
    /// values written for it replaced, or (for an optional one left out) written after what
    /// comes before it, with the words that introduce it (` priority 0`).
    fn set_field(&self, statement: Node<'a>, row: &Statement, field: &str, new: &Value) -> Option<Edit> {
        let object = opened_object(row.kind)?;
        let text = written(keys::lookup(object, field)?, new)?;
        let placed = self.placeholders(statement, row)?;
        let slot = placed.into_iter().find(|slot| slot.field == field)?;
        match (slot.values.first(), slot.values.last()) {
            (Some(first), Some(last)) => {
                Some(Edit { span: Span::new(first.start_byte(), last.end_byte()), replacement: text })
            }
            _ => {
                let words: String = slot.words.iter().map(|word| format!(" {word}")).collect();
                Some(Edit { span: Span::new(slot.after, slot.after), replacement: format!("{words} {text}") })
            }
        }
    }

    /// The values `statement` holds for each placeholder of `row`'s template, read by
    /// walking the template's words and placeholders along the statement's children: a
    /// placeholder takes the values up to the next word (one for a key of one value, and
    /// for an enumeration only a word it allows, so that `service codetwo` has a vendor and
    /// no kind). `None` when the children do not follow the template.
    fn placeholders(&self, statement: Node<'a>, row: &Statement) -> Option<Vec<Slot<'a>>> {
        let mut cursor = statement.walk();
        let children: Vec<Node<'a>> = statement.children(&mut cursor).filter(|n| n.kind() != "comment").collect();
        let object = opened_object(row.kind)?;
        let mut next = 0;
        let mut after = statement.start_byte();
        let mut words: Vec<&'static str> = Vec::new();
        let mut slots = Vec::new();
        for token in row.template.split(' ') {
            let child = children.get(next).copied();
            if token == "{…}" {
                next += usize::from(child.is_some_and(|c| c.kind() == "block"));
                continue;
            }
            let Some(field) = token.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
                match child {
                    Some(word) if !word.is_named() && word.kind() == token => {
                        after = word.end_byte();
                        next += 1;
                        words.clear();
                    }
                    // An optional placeholder's word, left out with it.
                    _ => words.push(token),
                }
                continue;
            };
            let field = field.split(':').next().unwrap_or_default();
            let key = match field {
                "" => row.catalogue_key(),
                field => keys::lookup(object, field)?,
            };
            let mut values = Vec::new();
            while let Some(value) = children.get(next).copied() {
                let fits = match key.shape {
                    _ if !value.is_named() || value.kind() == "block" => false,
                    ValueShape::TextList => true,
                    _ if !values.is_empty() => false,
                    ValueShape::OneOf(allowed) if value.kind() == "word" => {
                        allowed.iter().any(|(word, _)| *word == &self.text[span(value).range()])
                    }
                    _ => true,
                };
                if !fits {
                    break;
                }
                values.push(value);
                next += 1;
            }
            slots.push(Slot { field, values: values.clone(), after, words: std::mem::take(&mut words) });
            if let Some(last) = values.last() {
                after = last.end_byte();
            }
        }
        (next == children.len()).then_some(slots)
    }

    /// How much deeper than `object` its statements stand.
    fn indent_step(&self, object: Node<'a>) -> String {
        let own = self.indent_before(object.start_byte()).unwrap_or("");
        match self.statement_indent(object).strip_prefix(own) {
            Some(step) if !step.is_empty() => step.to_owned(),
            _ => DEFAULT_INDENT.to_owned(),
        }
    }

    /// Gives a statement without a block (a service) one holding `lines`.
    fn add_block(&self, object: Node<'a>, lines: &[String]) -> Option<Edit> {
        let own = self.indent_before(object.start_byte())?;
        let nl = self.newline;
        let inner: String = lines.iter().map(|line| format!("{own}{DEFAULT_INDENT}{line}{nl}")).collect();
        let at = object.end_byte();
        Some(Edit { span: Span::new(at, at), replacement: format!(" {{{nl}{inner}{own}}}") })
    }
}

/// The values a statement holds for one placeholder of its template.
struct Slot<'a> {
    field: &'static str,
    values: Vec<Node<'a>>,
    /// Where the statement's text before the placeholder ends.
    after: usize,
    /// The template's words before the placeholder that the statement leaves out with it.
    words: Vec<&'static str>,
}

/// Whether the row's key holds a mapping (or a list of them): its template's placeholders
/// are that mapping's fields, and a block it opens holds that mapping's statements.
fn holds_object(row: &Statement) -> bool {
    matches!(row.catalogue_key().shape, ValueShape::Object(_) | ValueShape::ListOf(_))
}

/// The object whose fields and statements the statement of this node kind holds (a rule's,
/// for `rule`; a header's, for `processed_header`).
fn opened_object(kind: &str) -> Option<Object> {
    dsl_statements::STATEMENTS.iter().filter(|r| r.kind == kind).find_map(|r| match r.catalogue_key().shape {
        ValueShape::Object(object) | ValueShape::ListOf(object) => Some(object),
        _ => None,
    })
}

/// Whether the row's statement has a block of its own (`service`, `on-premises`).
fn opens_block(row: &Statement) -> bool {
    row.template.ends_with("{…}")
}

/// The lines of `row`'s statement for `value`, `place` saying `if` or `except`; a
/// statement with a block of its own takes the fields its template places on its first
/// line, and the other fields as statements of its block, indented by `step` (a setting
/// with nothing for its block, like `service smart-host mimecast`, is written without one).
fn statement_lines(row: &Statement, place: Option<Place>, value: &Value, step: &str) -> Option<Vec<String>> {
    if !opens_block(row) {
        return Some(vec![statement_for(row, place, value)?]);
    }
    let (Value::Map(entries) | Value::FlowMap(entries)) = value else { return None };
    let (head, inner): (Vec<_>, Vec<_>) =
        entries.iter().cloned().partition(|(field, _)| row.placeholders().any(|(f, _)| f == field));
    let first = statement_for(row, place, &Value::Map(head))?;
    let block = Block::of_kind(row.kind)?;
    let object = opened_object(row.kind)?;
    let mut body = Vec::new();
    for (key, value) in &inner {
        let flag =
            |r: &&Statement| matches!((r.form, value), (Form::Flag(says), Value::Bool(on)) if on.to_string() == says);
        let row = dsl_statements::in_block(block)
            .filter(|r| r.object == object && r.key == key)
            .find(|r| !matches!(r.form, Form::Flag(_)) || flag(r))?;
        match row.form {
            Form::Flag(_) => body.push(row.template.to_owned()),
            _ => body.extend(statement_lines(row, None, value, step)?),
        }
    }
    Some(match (body.is_empty(), row.form) {
        (true, Form::Setting) => vec![first],
        (true, _) => vec![format!("{first} {{}}")],
        (false, _) => {
            let mut lines = vec![format!("{first} {{")];
            lines.extend(body.into_iter().map(|line| format!("{step}{line}")));
            lines.push("}".to_owned());
            lines
        }
    })
}

/// The group of a rule's statements a YAML block's keys go in (see [`Group`]).
fn group(block: &str) -> Group {
    match block {
        "conditions" => Group::Conditions,
        "exceptions" => Group::Exceptions,
        _ => Group::Actions,
    }
}

/// The [`Group`] of a rule's statement of that node kind.
fn group_of(kind: &str) -> Group {
    match kind {
        "condition" => Group::Conditions,
        "exception" => Group::Exceptions,
        _ => dsl_statements::by_kind(Block::Rule, kind).map_or(Group::Settings, |s| s.group),
    }
}

/// A word the DSL reads unquoted.
fn is_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(text, "true" | "false")
}

/// Strings, one or a list, as a DSL list of strings.
fn strings(value: &Value) -> Option<String> {
    let items = match value {
        Value::Str(one) => vec![quote(one)],
        Value::List(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Value::Str(s) => Some(quote(s)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    Some(items.join(" "))
}

fn entry<'v>(entries: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `value` as the DSL writes a value of `key`: an enumeration's word bare, a boolean or a
/// number as itself, text quoted, a list as its strings one after the other; an `other`
/// parameter's values as literals.
fn written(key: &Key, value: &Value) -> Option<String> {
    match (key.shape, value) {
        (ValueShape::OneOf(allowed), Value::Str(word)) => {
            (is_word(word) && allowed.iter().any(|(a, _)| a == word)).then(|| word.clone())
        }
        (ValueShape::Bool { .. }, Value::Bool(on)) => Some(on.to_string()),
        (ValueShape::Integer { .. }, Value::Int(number)) => Some(number.to_string()),
        (ValueShape::Text { .. } | ValueShape::Size, Value::Str(text)) => Some(quote(text)),
        (ValueShape::Size, Value::Int(bytes)) => Some(bytes.to_string()),
        (ValueShape::TextList, value) => strings(value),
        (ValueShape::OpenMap, value) => literals(value),
        _ => None,
    }
}

/// An `other` parameter's value or values, as DSL literals.
fn literals(value: &Value) -> Option<String> {
    let one = |value: &Value| match value {
        Value::Str(text) => Some(quote(text)),
        Value::Bool(on) => Some(on.to_string()),
        Value::Int(number) => Some(number.to_string()),
        _ => None,
    };
    match value {
        Value::List(items) if !items.is_empty() => Some(items.iter().map(one).collect::<Option<Vec<_>>>()?.join(" ")),
        value => one(value),
    }
}

/// The statement of the table's `row` that writes `value`: each placeholder filled from
/// the value (or, for a mapping, its fields), `place` saying `if` or `except`.
fn statement_for(row: &Statement, place: Option<Place>, value: &Value) -> Option<String> {
    let key = row.catalogue_key();
    let fields: &[(String, Value)] = match value {
        Value::Map(entries) | Value::FlowMap(entries) => entries,
        _ => &[],
    };
    let mut values = Vec::new();
    for (field, _) in row.placeholders() {
        let text = match (field, key.shape) {
            ("", ValueShape::OpenMap) => None,
            ("", _) => Some(written(key, value)?),
            // An open map's one entry: its name, then (for `{}`) its values.
            ("name", ValueShape::OpenMap) => None,
            (field, ValueShape::Object(object)) => match entry(fields, field) {
                Some(value) => Some(written(keys::lookup(object, field)?, value)?),
                None if keys::lookup(object, field)?.required => return None,
                None => None,
            },
            _ => return None,
        };
        values.push(text);
    }
    if key.shape == ValueShape::OpenMap {
        // `other`: one parameter per statement.
        let [(name, value)] = fields else { return None };
        values = vec![Some(quote(name)), Some(literals(value)?)];
    } else if let ValueShape::Object(_) = key.shape {
        // Every field given must have its place in the statement.
        if !fields.iter().all(|(field, _)| row.placeholders().any(|(f, _)| f == field)) {
            return None;
        }
    }
    let values: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
    Some(row.write(place, &values))
}

/// The DSL statement for `key: value` in a rule's `block` (`conditions`, `exceptions` or
/// `actions`).
fn block_statement(block: &str, key: &str, value: &Value) -> Option<String> {
    let (object, place) = match block {
        "conditions" => (Object::Predicates, Some(Place::Condition)),
        "exceptions" => (Object::Predicates, Some(Place::Exception)),
        _ => (Object::Actions, None),
    };
    statement_for(dsl_statements::for_key(object, key)?, place, value)
}

impl Editor for DslEditor<'_> {
    fn newline(&self) -> &'static str {
        self.newline
    }

    fn set_entry(&self, mapping: Span, key: &str, new: &Value) -> Option<Edit> {
        // An object written as a statement of the table: a field of its own line (a name, a
        // priority, a service's kind, a header's value), or a statement of its block.
        if let Some((object, row)) = self.object(mapping) {
            if row.placeholders().any(|(field, _)| field == key) {
                return self.set_field(object, row, key, new);
            }
            match Block::of_kind(object.kind()) {
                Some(Block::Rule | Block::Connector) => return self.set_setting(object, key, new),
                Some(_) => return self.set_statement(object, key, new),
                // A rule's only action is its actions' span too.
                None => {}
            }
        }
        self.set_in_block(mapping, key, new)
    }

    fn insert_entry(&self, mapping: Span, key: &str, value: &Value) -> Option<Edit> {
        self.set_entry(mapping, key, value)
    }

    fn push_item(&self, list: Span, item: &Value) -> Option<Edit> {
        let Value::Str(item) = item else { return None };
        let listed = |kind: &str| {
            dsl_statements::STATEMENTS.iter().any(|r| r.kind == kind && r.catalogue_key().shape == ValueShape::TextList)
        };
        let mut statement = self.file.root().descendant_for_byte_range(list.start, list.end)?;
        while !listed(statement.kind()) {
            statement = statement.parent()?;
        }
        if statement.end_byte() != list.end || statement.has_error() {
            return None;
        }
        Some(Edit { span: Span::new(list.end, list.end), replacement: format!(" {}", quote(item)) })
    }

    fn remove_entry(&self, mapping: Span, key: &str) -> Option<Edit> {
        let object = self.node(mapping, &["connector"])?;
        let kind = dsl_statements::for_key(Object::Connector, key)?.kind;
        self.remove_statement(self.statement(object, kind)?)
    }

    /// The key's statements take the place of the first parameter's statement (one line
    /// each, indented like it, when it stands alone on its line); the other parameters'
    /// statements are removed as a flag is.
    fn replace_others(&self, block: Span, parameters: &[Span], entries: &[(String, Value)]) -> Option<Vec<Edit>> {
        if entries.is_empty() {
            return None;
        }
        let mut statements = parameters
            .iter()
            .map(|parameter| block.contains(*parameter).then(|| self.other_statement(*parameter))?)
            .collect::<Option<Vec<_>>>()?;
        statements.sort_by_key(|(statement, _)| statement.start_byte());
        let (first, place) = *statements.first()?;
        let rule = first.parent()?.parent().filter(|r| r.kind() == "rule" && !r.has_error())?;
        let same_rule = |(statement, block): &(Node, &str)| statement.parent() == first.parent() && *block == place;
        if !statements.iter().all(same_rule) || entries.iter().any(|(key, _)| self.has_in_block(rule, place, key)) {
            return None;
        }
        let lines =
            entries.iter().map(|(key, value)| block_statement(place, key, value)).collect::<Option<Vec<_>>>()?;
        let separator = match self.indent_before(first.start_byte()) {
            Some(indent) => format!("{}{indent}", self.newline),
            None => " ".to_owned(),
        };
        let mut edits = vec![self.replace(first, lines.join(&separator))?];
        for (statement, _) in &statements[1..] {
            edits.push(self.remove_statement(*statement)?);
        }
        Some(edits)
    }

    fn insert_rule(&self, place: RulePlace, fields: &[(String, Value)]) -> Option<Edit> {
        // Where a broken item ends is a guess: a rule added after it could land inside it.
        if self.file.root().has_error() {
            return None;
        }
        let rules: Vec<Node> = self.file.items().into_iter().filter(|n| n.kind() == "rule").collect();
        let indent = rules
            .iter()
            .find_map(|rule| self.statements(*rule).first().and_then(|s| self.indent_before(s.start_byte())))
            .unwrap_or(DEFAULT_INDENT);
        let name = match entry(fields, "name")? {
            Value::Str(name) => quote(name),
            _ => return None,
        };
        let mut head = format!("rule {name}");
        let mut lines = Vec::new();
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("name", _) => {}
                ("priority", Value::Int(priority)) => head.push_str(&format!(" priority {priority}")),
                ("conditions" | "exceptions" | "actions", Value::Map(entries) | Value::FlowMap(entries)) => {
                    for (k, v) in entries {
                        lines.push(block_statement(key, k, v)?);
                    }
                }
                (key, Value::Bool(true)) => {
                    let flag =
                        dsl_statements::in_block(Block::Rule).find(|r| r.key == key && r.form == Form::Flag("true"));
                    lines.push(flag?.template.to_owned());
                }
                _ => return None,
            }
        }
        let nl = self.newline;
        let mut rule = format!("{head} {{{nl}");
        for line in lines {
            rule.push_str(&format!("{indent}{line}{nl}"));
        }
        rule.push('}');
        match place {
            RulePlace::Before(next) => {
                let next = self.node(next, &["rule"])?;
                // Before the comment lines directly above the rule.
                let mut at = self.line_start(next.start_byte());
                self.indent_before(next.start_byte())?;
                while at > 0 {
                    let above = self.line_start(at - 1);
                    if !self.text[above..at].trim_start().starts_with('#') {
                        break;
                    }
                    at = above;
                }
                Some(Edit { span: Span::new(at, at), replacement: format!("{rule}{nl}{nl}") })
            }
            RulePlace::End => {
                let at = self.text.trim_end().len();
                let end = &self.text[at..];
                let prefix = if at == 0 { "" } else { nl };
                let gap = if at == 0 { "" } else { nl };
                if end.is_empty() {
                    Some(Edit { span: Span::new(at, at), replacement: format!("{prefix}{gap}{rule}{nl}") })
                } else {
                    Some(Edit { span: Span::new(at, at), replacement: format!("{prefix}{gap}{rule}") })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::{check, Selection, Source, Syntax};
    use crate::fixes::{apply_fixes, DslEditor, Editor, Value};

    /// `text` with the fix of its first `code` finding applied.
    fn fixed(text: &str, code: &str) -> String {
        let checked = check(text, Syntax::Dsl, &Selection::default());
        let finding = checked.diagnostics.iter().find(|d| d.code() == code).expect("the code is reported");
        apply_fixes(text, [finding.fix.as_ref().expect("a fix")]).text
    }

    const CONNECTORS: &str = r#"mailflow 1

connector "CodeTwo" {
  type on-premises
  use transport-rule
  smart-hosts "1a2b3c.smtp.codetwo.online"
  service signature codetwo {
    domain "1a2b3c.smtp.codetwo.online"
  }
}

connector "Mimecast outbound" {
  use transport-rule
  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast
}
"#;

    #[test]
    fn a_flag_goes_before_the_closing_brace_indented_like_the_block_and_comments_stay() {
        let rule = "
# Signatures first.
rule \"CodeTwo rule\" priority 0 {
    if sender is inside   # everyone
    except header \"X-CodeTwoProcessed\" contains \"true\"
    redirect to \"CodeTwo\"
    # no stop yet
}
";
        let text = format!("{CONNECTORS}{rule}");
        let expected = text.replace("    # no stop yet\n}", "    # no stop yet\n    stop processing\n}");
        assert_eq!(fixed(&text, "MF102"), expected);
    }

    #[test]
    fn crlf_text_gets_crlf_lines() {
        let rule = "
rule \"CodeTwo rule\" priority 0 {
  if sender is inside
  except header \"X-CodeTwoProcessed\" contains \"true\"
  redirect to \"CodeTwo\"
}
";
        let text = format!("{CONNECTORS}{rule}").replace('\n', "\r\n");
        let expected = text.replace("\"CodeTwo\"\r\n}", "\"CodeTwo\"\r\n  stop processing\r\n}");
        assert_eq!(fixed(&text, "MF102"), expected);
    }

    #[test]
    fn a_block_on_one_line_gets_the_statement_inside_its_braces() {
        let rule = "
rule \"CodeTwo rule\" priority 0 { if sender is inside except header \"X-CodeTwoProcessed\" contains \"true\" redirect to \"CodeTwo\" }
";
        let text = format!("{CONNECTORS}{rule}");
        let expected = text.replace("to \"CodeTwo\" }", "to \"CodeTwo\" stop processing }");
        assert_eq!(fixed(&text, "MF102"), expected);
    }

    const SIGNATURE_RULE: &str = "
rule \"CodeTwo rule\" priority 0 {
  if sender is inside
  except header \"X-CodeTwoProcessed\" contains \"true\"
  redirect to \"CodeTwo\"
  stop processing
}
";

    #[test]
    fn enabling_a_rule_removes_its_disabled_line_with_its_comment() {
        let rule = "
rule \"Mimecast smart host\" priority 1 {
  disabled   # until the cut-over
  if sender is inside
  if recipient is outside
  except header \"X-AntiLoop-Smarthost\" contains \"true\"
  set header \"X-AntiLoop-Smarthost\" to \"true\"
  redirect to \"Mimecast outbound\"
  defer on error
}
";
        let text = format!("{CONNECTORS}{SIGNATURE_RULE}{rule}");
        assert_eq!(fixed(&text, "MF404"), text.replace("  disabled   # until the cut-over\n", ""));
    }

    #[test]
    fn a_new_condition_joins_the_others_and_a_mode_is_replaced() {
        let rule = "
rule \"Mimecast smart host\" priority 1 {
  mode audit
  if sender is inside
  except header \"X-AntiLoop-Smarthost\" contains \"true\"
  set header \"X-AntiLoop-Smarthost\" to \"true\"
  redirect to \"Mimecast outbound\"
  defer on error
}
";
        let text = format!("{CONNECTORS}{SIGNATURE_RULE}{rule}");
        assert_eq!(fixed(&text, "MF405"), text.replace("mode audit", "mode enforce"));
        assert_eq!(
            fixed(&text, "MF402"),
            text.replace(
                "  if sender is inside\n  except header \"X-AntiLoop",
                "  if sender is inside\n  if recipient is outside\n  except header \"X-AntiLoop"
            )
        );
    }

    #[test]
    fn the_anti_loop_rule_is_written_in_dsl_below_the_signature_rule() {
        let text = format!("{CONNECTORS}{SIGNATURE_RULE}");
        let rule = "
rule \"Mimecast outbound smart host rule\" priority 1 {
  if sender is inside
  if recipient is outside
  except header \"X-AntiLoop-Smarthost\" contains \"true\"
  set header \"X-AntiLoop-Smarthost\" to \"true\"
  redirect to \"Mimecast outbound\"
  defer on error
}
";
        assert_eq!(fixed(&text, "MF202"), format!("{text}{rule}"));
    }

    /// `text` with `key` of the object at the span `object` picks set to `value`.
    fn set(
        text: &str,
        object: impl Fn(&crate::model::MailFlow) -> crate::text::Span,
        key: &str,
        value: &Value,
    ) -> String {
        let checked = check(text, Syntax::Dsl, &Selection::default());
        let Source::Dsl(dsl) = &checked.source else { unreachable!() };
        let edit = DslEditor::new(text, dsl).set_entry(object(&checked.flow), key, value).expect("an edit");
        let fix = crate::fixes::Fix { title: "set".into(), safe: true, edits: vec![edit] };
        apply_fixes(text, [&fix]).text
    }

    #[test]
    fn the_organization_and_its_on_premises_block_take_their_statements() {
        let text = "mailflow 1\n\norganization {\n    domains \"contoso.com\"\n}\n";
        let organization = |flow: &crate::model::MailFlow| flow.organization.as_ref().unwrap().span;
        let on_premises = Value::map([("relaysThrough", Value::str("smtp.contoso.com"))]);
        let added = set(text, organization, "onPremises", &on_premises);
        assert_eq!(
            added,
            text.replace("}\n", "    on-premises {\n        relays-through \"smtp.contoso.com\"\n    }\n}\n")
        );
        // A block statement that is there is not replaced.
        let checked = check(&added, Syntax::Dsl, &Selection::default());
        let Source::Dsl(dsl) = &checked.source else { unreachable!() };
        let span = organization(&checked.flow);
        assert_eq!(DslEditor::new(&added, dsl).set_entry(span, "onPremises", &on_premises), None);
        // Inside it, a setting is replaced; the organization's name goes on its first line.
        let relay =
            |flow: &crate::model::MailFlow| flow.organization.as_ref().unwrap().on_premises.as_ref().unwrap().span;
        let moved = set(&added, relay, "relaysThrough", &Value::str("relay.contoso.com"));
        assert_eq!(moved, added.replace("smtp.contoso.com", "relay.contoso.com"));
        let named = set(text, organization, "name", &Value::str("Contoso"));
        assert_eq!(named, text.replace("organization {", "organization \"Contoso\" {"));
        let one_line = set("organization { domains \"a.example\" }\n", organization, "onPremises", &on_premises);
        assert_eq!(
            one_line,
            "organization { domains \"a.example\" on-premises { relays-through \"smtp.contoso.com\" } }\n"
        );
    }

    #[test]
    fn the_fields_of_a_statements_first_line_are_replaced_or_put_in_their_place() {
        let service = |flow: &crate::model::MailFlow| flow.connectors[0].service.as_ref().unwrap().span;
        let text = "connector \"C\" {\n  service codetwo\n}\n";
        assert_eq!(set(text, service, "kind", &Value::str("signature")), text.replace("codetwo", "signature codetwo"));
        assert_eq!(set(text, service, "vendor", &Value::str("exclaimer")), text.replace("codetwo", "exclaimer"));
        let text = "connector \"C\" {\n  service signature\n}\n";
        assert_eq!(
            set(text, service, "vendor", &Value::str("codetwo")),
            text.replace("signature", "signature codetwo")
        );
        let header = |flow: &crate::model::MailFlow| flow.rules[0].actions.set_header.as_ref().unwrap().span;
        let text = "rule \"R\" {\n  set header \"X-A\" to \"1\"  # the mark\n}\n";
        assert_eq!(set(text, header, "value", &Value::str("2")), text.replace("\"1\"", "\"2\""));
        let rule = |flow: &crate::model::MailFlow| flow.rules[0].span;
        assert_eq!(set(text, rule, "priority", &Value::Int(3)), text.replace("\"R\"", "\"R\" priority 3"));
        assert_eq!(set(text, rule, "name", &Value::str("S")), text.replace("\"R\"", "\"S\""));
        let test = |flow: &crate::model::MailFlow| flow.rules[0].exceptions.header_matches.as_ref().unwrap().span;
        let text = "rule \"R\" priority 0 {\n  except header \"X-A\" matches \"^a\" \"^b\"\n}\n";
        let patterns = Value::List(vec![Value::str("^c")]);
        assert_eq!(set(text, test, "patterns", &patterns), text.replace("\"^a\" \"^b\"", "\"^c\""));
        assert_eq!(set(text, test, "header", &Value::str("X-B")), text.replace("X-A", "X-B"));
    }

    #[test]
    fn other_parameters_give_way_to_their_keys_in_place() {
        let text = "rule \"R\" priority 0 {\n  if other \"FromMemberOf\" \"a@b.c\"  # group\n  \
                    except other \"HeaderContainsMessageHeader\" \"X-A\"\n  if sender is inside\n  \
                    except other \"HeaderContainsWords\" \"b\"\n  do other \"SetSCL\" -1\n}\n";
        let checked = check(text, Syntax::Dsl, &Selection::default());
        let Source::Dsl(dsl) = &checked.source else { unreachable!() };
        let editor = DslEditor::new(text, dsl);
        let rule = &checked.flow.rules[0];
        let (conditions, exceptions) = (rule.conditions.span.unwrap(), rule.exceptions.span.unwrap());
        let members = [("senderIsMemberOf".to_owned(), Value::List(vec![Value::str("a@b.c")]))];
        let mut edits = editor.replace_others(conditions, &[rule.conditions.other[0].span], &members).unwrap();
        let test = Value::flow_map([("header", Value::str("X-A")), ("words", Value::List(vec![Value::str("b")]))]);
        let spans: Vec<_> = rule.exceptions.other.iter().map(|o| o.span).collect();
        edits.extend(editor.replace_others(exceptions, &spans, &[("headerContains".to_owned(), test)]).unwrap());
        let fix = crate::fixes::Fix { title: "keys".into(), safe: true, edits };
        assert_eq!(
            apply_fixes(text, [&fix]).text,
            "rule \"R\" priority 0 {\n  if sender is member of \"a@b.c\"  # group\n  \
             except header \"X-A\" contains \"b\"\n  if sender is inside\n  do other \"SetSCL\" -1\n}\n"
        );
        // A key the rule has already, or a parameter of another block.
        let scope = [("senderIs".to_owned(), Value::str("outside"))];
        assert_eq!(editor.replace_others(conditions, &[rule.conditions.other[0].span], &scope), None);
        assert_eq!(editor.replace_others(conditions, &[rule.actions.other[0].span], &members), None);
    }
}
