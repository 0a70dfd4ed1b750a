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
use crate::text::Span;
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
        let newline = if text.find('\n').is_some_and(|i| text[..i].ends_with('\r')) { "\r\n" } else { "\n" };
        DslEditor { text, file, newline }
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
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
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

    /// Adds `lines` (statements) at the end of `object`'s block.
    fn add_statements(&self, object: Node<'a>, lines: &[String]) -> Option<Edit> {
        let body = object.child_by_field_name("body")?;
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
        Some(Edit { span: Span::new(at, at), replacement: format!("{space}{} ", lines.join(" ")) })
    }

    /// Removes `statement`: its whole line when it is alone on it (with a comment ending the
    /// line), else the statement and the spaces before it.
    fn remove_statement(&self, statement: Node<'a>) -> Option<Edit> {
        let (start, end) = (statement.start_byte(), statement.end_byte());
        let rest_end = self.text[end..].find('\n').map_or(self.text.len(), |i| end + i + 1);
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
            ("priority", Value::Int(priority)) if rule => match object.child_by_field_name("priority") {
                Some(value) => self.replace(value, priority.to_string()),
                None => {
                    let name = object.child_by_field_name("name")?;
                    Some(Edit {
                        span: Span::new(name.end_byte(), name.end_byte()),
                        replacement: format!(" priority {priority}"),
                    })
                }
            },
            ("conditions" | "exceptions" | "actions", Value::Map(entries) | Value::FlowMap(entries)) if rule => {
                let lines = entries.iter().map(|(k, v)| block_statement(key, k, v)).collect::<Option<Vec<_>>>()?;
                self.add_in_order(object, group(key), &lines)
            }
            // A service's block is not replaced: only one without a service gets one.
            ("service", _) if connector => match self.statement(object, "service") {
                Some(_) => None,
                None => self.add_statements(
                    object,
                    &[statement_for(dsl_statements::for_key(Object::Connector, key)?, None, new)?],
                ),
            },
            _ => self.set_statement(object, key, new),
        }
    }

    /// Any other setting of a rule or connector, written as its statement in the table: a
    /// flag added or removed, a setting replaced or added at the end of the block.
    fn set_statement(&self, object: Node<'a>, key: &str, new: &Value) -> Option<Edit> {
        let block = Block::of_kind(object.kind())?;
        let owner = match block {
            Block::Rule => Object::Rule,
            _ => Object::Connector,
        };
        let row = dsl_statements::in_block(block).find(|r| r.object == owner && r.key == key)?;
        let existing = self.statement(object, row.kind);
        match (row.form, new) {
            (Form::Flag(says), Value::Bool(on)) if on.to_string() == says => match existing {
                Some(_) => None,
                None => self.add_statements(object, &[row.template.to_owned()]),
            },
            (Form::Flag(_), Value::Bool(_)) => self.remove_statement(existing?),
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

    /// For a statement alone on its line (but for a comment ending it): its indentation and
    /// the start of the next line.
    fn line_after(&self, statement: Node<'a>) -> Option<(&'a str, usize)> {
        let indent = self.indent_before(statement.start_byte())?;
        let end = statement.end_byte();
        let next = end + self.text[end..].find('\n')? + 1;
        let rest = self.text[end..next].trim();
        (rest.is_empty() || rest.starts_with('#')).then_some((indent, next))
    }

    /// The words of a `header "H" contains …` test.
    fn set_words(&self, test: Node<'a>, new: &Value) -> Option<Edit> {
        let mut cursor = test.walk();
        let values: Vec<Node> = test.children_by_field_name("value", &mut cursor).collect();
        let (first, last) = (values.first()?, values.last()?);
        Some(Edit { span: Span::new(first.start_byte(), last.end_byte()), replacement: strings(new)? })
    }

    /// Adds `lines` to a service, giving it a block when it has none.
    fn add_to_service(&self, service: Node<'a>, lines: &[String]) -> Option<Edit> {
        if service.child_by_field_name("body").is_some() {
            return self.add_statements(service, lines);
        }
        let own = self.indent_before(service.start_byte())?;
        let nl = self.newline;
        let inner: String = lines.iter().map(|line| format!("{own}{DEFAULT_INDENT}{line}{nl}")).collect();
        let at = service.end_byte();
        Some(Edit { span: Span::new(at, at), replacement: format!(" {{{nl}{inner}{own}}}") })
    }
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
        (ValueShape::Text { .. }, Value::Str(text)) => Some(quote(text)),
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
        if let Some(object) = self.node(mapping, &["rule", "connector"]) {
            return self.set_setting(object, key, new);
        }
        if let Some(service) = self.node(mapping, &["service"]) {
            // Kind and vendor are words of the `service` statement itself, not statements.
            let row = dsl_statements::in_block(Block::Service).find(|r| r.key == key)?;
            let line = statement_for(row, None, new)?;
            return match self.statement(service, row.kind) {
                Some(statement) => self.replace(statement, line),
                None => self.add_to_service(service, &[line]),
            };
        }
        if let Some(test) = self.node(mapping, &["header_contains"]) {
            return match key {
                "words" => self.set_words(test, new),
                _ => None,
            };
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
    use crate::check::{check, Selection, Syntax};
    use crate::fixes::apply_fixes;

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
}
