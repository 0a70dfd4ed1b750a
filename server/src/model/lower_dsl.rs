//! Lowering from the DSL tree to the model. It mirrors the YAML lowering (`lower_yaml.rs`)
//! with the same diagnostic builders and the same key table, so that an equivalent pair of
//! files gets the same codes on the same objects: a statement that is unknown or stands in
//! the wrong block is MF002 (the YAML unknown key), a value of the wrong kind or outside its
//! enumeration MF003, a missing version, priority or service kind MF004, and a statement
//! given twice in one block MF001 (the YAML duplicate key). What the grammar itself rejects
//! (a missing name or value, an invalid escape) was reported by the parser as MF001, and
//! nothing inside such an error region is read.

use super::dsl_statements;
use super::keys::Object;
use super::problem::Problem;
use super::shift::Shift;
use super::*;
use crate::syntax::dsl::Block;
use crate::syntax::dsl::{self, DslFile};
use crate::syntax::span_of as span;
use crate::text::{first_line, Span, Spanned};
use tree_sitter::Node;

/// Lowers a parsed DSL file; `text` is its source.
pub fn lower(file: &DslFile, text: &str) -> (MailFlow, Vec<Problem>) {
    let (flow, problems, _) = lower_reusing(file, text, None);
    (flow, problems)
}

/// Lowers a parsed DSL file reusing the rules `previous` (the lowering of an earlier version
/// whose tree this file's was parsed from) lowered, where the edits left them alone; returns
/// what this lowering leaves for the next.
pub fn lower_reusing(
    file: &DslFile,
    text: &str,
    previous: Option<&LoweredRules>,
) -> (MailFlow, Vec<Problem>, LoweredRules) {
    let mut lowerer = Lowerer { file, text, problems: Vec::new(), previous, lowered: HashMap::new() };
    let items = lowerer.statements(file.items(), Block::Root);
    let flow = lowerer.flow(&items);
    let lowered = LoweredRules { tree: file.tree.clone(), rules: lowerer.lowered };
    (flow, lowerer.problems, lowered)
}

/// The rules one lowering read, for the next version, by the id of their first child.
///
/// Parsing an edited text with the old tree shares the subtrees the edit did not touch. A
/// node's id is where its parent keeps it: the top level is rebuilt after any edit, so a
/// rule's own id changes, but a shared rule keeps its children where they were, and so their
/// ids. `tree` keeps this version's subtrees alive, so an id seen again is in the same rule,
/// and has the version's text (what its scan left). A rule's lowering depends on its subtree,
/// its text and the error regions that reach into it; only rules no error region reaches are
/// kept and reused.
pub struct LoweredRules {
    tree: crate::syntax::ReusableTree,
    rules: HashMap<usize, LoweredRule>,
}

impl LoweredRules {
    /// Whether the version lowered held `written` at byte `start`.
    fn had(&self, start: usize, written: &str) -> bool {
        self.tree.dsl.as_deref().is_some_and(|scanned| scanned.had(start, written))
    }
}

/// A rule as lowered, with the findings its lowering reported.
struct LoweredRule {
    start: usize,
    rule: Arc<TransportRule>,
    problems: Vec<Problem>,
}

/// How a condition or exception of this predicate kind is written after `if`/`except`:
/// its name in messages.
fn predicate_words(kind: &str) -> &'static str {
    dsl_statements::by_kind(Block::Rule, kind).map_or("other", |statement| statement.words)
}

/// The field, among a condition's fields of one shape, that a predicate of this node kind
/// writes.
fn keyed<T, const N: usize>(fields: [(&'static str, T); N], kind: &str) -> Option<T> {
    let key = dsl_statements::by_kind(Block::Rule, kind)?.key;
    fields.into_iter().find(|(field, _)| *field == key).map(|(_, field)| field)
}

/// The statements of one block that belong there, in order, each slot given once.
#[derive(Default)]
struct Statements<'t> {
    /// Each with its slot: what may be given once (`None` for connectors and rules).
    nodes: Vec<(Option<String>, Node<'t>)>,
}

impl<'t> Statements<'t> {
    fn get(&self, kind: &str) -> Option<Node<'t>> {
        self.all(kind).next()
    }

    fn all<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = Node<'t>> + 's {
        self.nodes.iter().map(|(_, node)| *node).filter(move |node| dsl::kind(*node) == kind)
    }

    fn first_in(&self, slot: &str) -> Option<Node<'t>> {
        self.nodes.iter().find(|(given, _)| given.as_deref() == Some(slot)).map(|(_, node)| *node)
    }
}

struct Lowerer<'a> {
    file: &'a DslFile,
    text: &'a str,
    problems: Vec<Problem>,
    previous: Option<&'a LoweredRules>,
    /// The rules this lowering leaves for the next version (see `LoweredRules`).
    lowered: HashMap<usize, LoweredRule>,
}

fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    node.child_by_field_name(name)
}

/// The span from the first to the last of `nodes`, if any.
fn covering<'t>(nodes: impl Iterator<Item = Node<'t>>) -> Option<Span> {
    nodes.map(span).reduce(|a, b| Span::new(a.start.min(b.start), a.end.max(b.end)))
}

/// A value the parser had to make up (a missing token) or that is broken (a string without
/// its closing quote): reported as MF001 and not read, as YAML drops a broken line.
fn unwritten(node: Node) -> bool {
    node.is_missing() || node.has_error()
}

/// A value's kind, in a message.
fn describe(node: Node) -> &'static str {
    match dsl::kind(node) {
        "string" => "a string",
        "integer" => "an integer",
        "boolean" => "a boolean",
        _ => "a bare word",
    }
}

impl<'a> Lowerer<'a> {
    fn written(&self, node: Node) -> &'a str {
        &self.text[node.byte_range()]
    }

    /// Sorts `nodes` into the statements of `block`, reporting the unknown (MF002), the
    /// misplaced (MF002) and the repeated (MF001) ones, and skipping what lies in an error
    /// region.
    fn statements<'t>(&mut self, nodes: impl IntoIterator<Item = Node<'t>>, block: Block) -> Statements<'t> {
        let mut statements = Statements::default();
        for node in nodes {
            if dsl::kind(node) == "comment" || node.is_missing() || node.is_error() || self.file.in_error(span(node)) {
                continue;
            }
            if dsl::kind(node) == "unknown_setting" {
                self.unknown(node, block);
                continue;
            }
            let Some(written) = dsl_statements::starting_words(dsl::kind(node)) else { continue };
            let line = first_line(self.text, span(node));
            let homes = dsl_statements::homes(dsl::kind(node));
            if !homes.contains(&block) {
                let home: Vec<&str> = homes.iter().map(|b| dsl_statements::place_words(*b)).collect();
                self.problems.push(Problem::misplaced_statement(
                    line,
                    written,
                    &home.join(" or "),
                    dsl_statements::place_words(block),
                    &dsl_statements::written_in(block),
                ));
                continue;
            }
            let slot = self.slot(node, written);
            if let Some((slot, first)) = slot.as_deref().and_then(|slot| Some((slot, statements.first_in(slot)?))) {
                self.problems.push(
                    Problem::duplicate_statement(line, slot, dsl_statements::place_words(block))
                        .first_given_at(first_line(self.text, span(first))),
                );
                continue;
            }
            statements.nodes.push((slot, node));
        }
        statements
    }

    /// What a statement sets, which a block gives at most once: `disabled` sets `enabled`,
    /// and each kind of condition (for `other`: each name) is one slot. Connectors and rules
    /// repeat.
    fn slot(&self, node: Node, written: &str) -> Option<String> {
        let name = |node: Node| field(node, "name").map_or("", |name| self.written(name));
        match dsl::kind(node) {
            "connector" | "rule" => None,
            "disabled" => Some("enabled".to_owned()),
            "condition" | "exception" => {
                let predicate = field(node, "predicate")?;
                Some(match dsl::kind(predicate) {
                    "other_predicate" => format!("{written} other {}", name(predicate)),
                    kind => format!("{written} {}", predicate_words(kind)),
                })
            }
            "other_action" => Some(format!("{written} {}", name(node))),
            _ => Some(written.to_owned()),
        }
    }

    /// `unknown_setting`: a statement starting with a word that is no keyword. Its values
    /// run to the next keyword, so a word starting a later line is another unknown setting.
    fn unknown(&mut self, node: Node, block: Block) {
        let Some(key) = field(node, "key") else { return };
        self.unknown_word(key, block);
        let mut previous = key;
        let mut cursor = node.walk();
        for value in node.children_by_field_name("value", &mut cursor) {
            if dsl::kind(value) == "word" && value.start_position().row > previous.end_position().row {
                self.unknown_word(value, block);
            }
            previous = value;
        }
    }

    fn unknown_word(&mut self, word: Node, block: Block) {
        let written = self.written(word);
        let allowed = dsl_statements::written_in(block);
        // A rule's priority is no statement: it stands in the rule's first line.
        let problem = if block == Block::Rule && keys::nearest_of(["priority"], written).is_some() {
            Problem::misplaced_statement(
                span(word),
                written,
                "the rule's first line (`rule \"Name\" priority 0 {`)",
                dsl_statements::place_words(block),
                &allowed,
            )
        } else {
            let nearest = keys::nearest_of(allowed.iter().copied(), written);
            Problem::unknown_statement(span(word), written, dsl_statements::place_words(block), &allowed, nearest)
        };
        self.problems.push(problem);
    }

    /// The statements inside `owner`'s `{ … }`.
    fn body<'t>(&mut self, owner: Node<'t>, block: Block) -> Statements<'t> {
        let Some(body) = field(owner, "body") else { return Statements::default() };
        let mut cursor = body.walk();
        let nodes: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
        self.statements(nodes, block)
    }

    /// MF004 for a required key, with what the key table says it is for.
    fn missing(&mut self, span: Span, what: &str, object: Object, key: &str) {
        let doc = keys::lookup(object, key).map_or("", |k| k.doc);
        self.problems.push(Problem::missing(span, what, key, doc));
    }

    fn flow(&mut self, items: &Statements) -> MailFlow {
        let version = match items.get("version") {
            Some(node) => field(node, "value").and_then(|v| self.integer(v, "mailflow", 1)),
            None => {
                // The version belongs at the top of the file, so that is where it is missed.
                self.missing(Span::new(0, 0), "the file", Object::Root, "mailflow");
                None
            }
        };
        let organization = items.get("organization").map(|node| self.organization(node));
        let connectors: Vec<Connector> = items.all("connector").map(|node| self.connector(node)).collect();
        let rules: Vec<Arc<TransportRule>> = items.all("rule").map(|node| self.rule_reusing(node)).collect();
        MailFlow {
            version,
            organization,
            connectors,
            rules_span: rules.first().map_or(Span::new(0, 0), |rule| rule.span),
            rules,
            ..MailFlow::default()
        }
    }

    fn organization(&mut self, node: Node) -> Organization {
        let body = self.body(node, Block::Organization);
        let on_premises = body.get("on_premises").map(|node| {
            let body = self.body(node, Block::OnPremises);
            OnPremises { span: span(node), relays_through: self.text_of(body.get("relays_through"), "relays-through") }
        });
        Organization {
            span: span(node),
            name: field(node, "name").and_then(|name| self.text(name, "organization")),
            domains: body.get("domains").map(|n| self.text_list(n, "value", "domains").value).unwrap_or_default(),
            on_premises,
        }
    }

    fn connector(&mut self, node: Node) -> Connector {
        let body = self.body(node, Block::Connector);
        let value = |kind: &str| body.get(kind).and_then(|statement| field(statement, "value"));
        Connector {
            span: span(node),
            name: field(node, "name").and_then(|name| self.text(name, "connector")),
            enabled: self.enabled(&body),
            connector_type: value("type")
                .and_then(|v| self.enumerated(v, Object::Connector, "type", "type", ConnectorType::from_key)),
            use_: value("use")
                .and_then(|v| self.enumerated(v, Object::Connector, "use", "use", ConnectorUse::from_key)),
            recipient_domains: body.get("recipient_domains").map(|n| self.text_list(n, "value", "recipient-domains")),
            smart_hosts: body.get("smart_hosts").map(|n| self.text_list(n, "value", "smart-hosts")),
            service: body.get("service").and_then(|n| self.service(n)),
        }
    }

    /// `enabled true|false`, or `disabled`.
    fn enabled(&mut self, body: &Statements) -> Option<Spanned<bool>> {
        match body.get("disabled") {
            Some(disabled) => Some(Spanned::new(false, span(disabled))),
            None => body.get("enabled").and_then(|n| field(n, "value")).and_then(|v| self.boolean(v, "enabled")),
        }
    }

    fn service(&mut self, node: Node) -> Option<Service> {
        let body = self.body(node, Block::Service);
        let (kind_node, vendor_node) = match field(node, "kind_or_vendor") {
            Some(value) => self.kind_or_vendor(value)?,
            None => (field(node, "kind"), field(node, "vendor")),
        };
        let vendor =
            vendor_node.and_then(|v| self.enumerated(v, Object::Service, "vendor", "service", Vendor::from_key));
        let kind = match kind_node {
            Some(kind) => self.enumerated(kind, Object::Service, "kind", "service", ServiceKind::from_key)?,
            // A vendor that does one thing says what the service is.
            None => match vendor.as_ref().and_then(|v| v.value.kind().map(|kind| Spanned::new(kind, v.span))) {
                Some(kind) => kind,
                None => {
                    let span = vendor.as_ref().map_or_else(|| first_line(self.text, span(node)), |v| v.span);
                    self.problems.push(Problem::missing(
                        span,
                        "this service",
                        "kind",
                        "say `service signature …` or `service smart-host …` (only a known vendor implies it)",
                    ));
                    return None;
                }
            },
        };
        Some(Service {
            span: span(node),
            kind,
            vendor,
            domain: self.text_of(body.get("domain"), "domain"),
            processed_header: body.get("processed_header").and_then(|n| self.header(n, "processed-header")),
            returns_to_exchange: body
                .get("returns_to_exchange")
                .and_then(|n| field(n, "value"))
                .and_then(|v| self.boolean(v, "returns-to-exchange")),
            relay_domains: body.get("relay_domains").map(|n| self.text_list(n, "value", "relay-domains")),
        })
    }

    /// `service WORD`: a kind when the word names one, else a vendor. A word that is neither,
    /// or a value that is no word, is reported like an invalid `kind` in YAML: the service
    /// is not read (`None`).
    fn kind_or_vendor<'t>(&mut self, value: Node<'t>) -> Option<(Option<Node<'t>>, Option<Node<'t>>)> {
        if unwritten(value) {
            return None;
        }
        if dsl::kind(value) != "word" {
            self.problems.push(Problem::wrong_type(span(value), "service", describe(value), "one word"));
            return None;
        }
        let written = self.written(value);
        if ServiceKind::from_key(written).is_some() {
            return Some((Some(value), None));
        }
        if Vendor::from_key(written).is_some() {
            return Some((None, Some(value)));
        }
        let allowed: Vec<&str> =
            ServiceKind::ALL.map(ServiceKind::key).into_iter().chain(Vendor::ALL.map(Vendor::key)).collect();
        self.problems.push(Problem::not_allowed(span(value), "service", written, &allowed));
        None
    }

    /// `processed-header "N" "v"`, `set header "N" to "v"`.
    fn header(&mut self, node: Node, key: &str) -> Option<Header> {
        Some(Header {
            span: span(node),
            name: field(node, "name").and_then(|v| self.text(v, key))?,
            value: field(node, "value").and_then(|v| self.text(v, key))?,
        })
    }

    /// [`Self::rule`], or the previous version's lowering of the same subtree, shared where the
    /// edit did not move it, its spans moved where it did; remembers the rule for the next
    /// version.
    fn rule_reusing(&mut self, node: Node) -> Arc<TransportRule> {
        let whole = span(node);
        if self.file.errors.iter().any(|error| error.span.touches(whole)) {
            return Arc::new(self.rule(node));
        }
        let Some(id) = node.child(0).map(|child| child.id()) else { return Arc::new(self.rule(node)) };
        let previous = self.previous.and_then(|previous| {
            let old = previous.rules.get(&id)?;
            previous.had(old.start, &self.text[whole.range()]).then_some(old)
        });
        let (rule, problems) = match previous {
            Some(old) => {
                let delta = whole.start as isize - old.start as isize;
                let rule = match delta {
                    0 => old.rule.clone(),
                    _ => Arc::new(old.rule.moved(delta)),
                };
                let mut problems = old.problems.clone();
                problems.shift(delta);
                self.problems.extend(problems.iter().cloned());
                (rule, problems)
            }
            None => {
                let before = self.problems.len();
                let rule = Arc::new(self.rule(node));
                (rule, self.problems[before..].to_vec())
            }
        };
        self.lowered.insert(id, LoweredRule { start: whole.start, rule: rule.clone(), problems });
        rule
    }

    fn rule(&mut self, node: Node) -> TransportRule {
        let body = self.body(node, Block::Rule);
        let priority = match field(node, "priority") {
            Some(priority) => self.integer(priority, "priority", 0),
            None => {
                self.missing(first_line(self.text, span(node)), "this rule", Object::Rule, "priority");
                None
            }
        };
        let flag = |kind: &str| body.get(kind).map(|node| Spanned::new(true, span(node)));
        TransportRule {
            span: span(node),
            name: field(node, "name").and_then(|name| self.text(name, "rule")),
            priority,
            enabled: self.enabled(&body),
            mode: body
                .get("mode")
                .and_then(|n| field(n, "value"))
                .and_then(|v| self.enumerated(v, Object::Rule, "mode", "mode", RuleMode::from_key)),
            conditions: self.predicates(body.all("condition").collect()),
            exceptions: self.predicates(body.all("exception").collect()),
            actions: self.actions(&body),
            stop_processing: flag("stop_processing"),
            defer_on_error: flag("defer_on_error"),
            comments: self.text_of(body.get("comments"), "comments"),
            derived: Derived::default(),
        }
    }

    /// The `if` (or `except`) statements of a rule, each of another kind.
    fn predicates(&mut self, statements: Vec<Node>) -> Predicates {
        let mut predicates = Predicates { span: covering(statements.iter().copied()), ..Predicates::default() };
        for predicate in statements.into_iter().filter_map(|statement| field(statement, "predicate")) {
            let key = predicate_words(dsl::kind(predicate));
            let value = field(predicate, "value");
            match dsl::kind(predicate) {
                "sender_is" => {
                    predicates.sender_is =
                        value.and_then(|v| self.enumerated(v, Object::Predicates, "senderIs", key, Scope::from_key));
                }
                "recipient_is" => {
                    predicates.recipient_is =
                        value.and_then(|v| self.enumerated(v, Object::Predicates, "recipientIs", key, Scope::from_key));
                }
                kind if keyed(predicates.text_lists_mut(), kind).is_some() => {
                    let list = self.text_list(predicate, "value", key);
                    *keyed(predicates.text_lists_mut(), kind).expect("just found") = Some(Box::new(list));
                }
                kind if keyed(predicates.pattern_lists_mut(), kind).is_some() => {
                    let list = self.text_list(predicate, "pattern", key);
                    let patterns = Spanned::new(list.value.into_iter().map(Pattern::compile).collect(), list.span);
                    *keyed(predicates.pattern_lists_mut(), kind).expect("just found") = Some(Box::new(patterns));
                }
                "header_contains" => {
                    predicates.header_contains =
                        field(predicate, "header").and_then(|h| self.text(h, key)).map(|header| {
                            Box::new(HeaderContains {
                                span: span(predicate),
                                header,
                                words: self.text_list(predicate, "value", key).value,
                            })
                        });
                }
                "header_matches" => {
                    predicates.header_matches =
                        field(predicate, "header").and_then(|h| self.text(h, key)).map(|header| {
                            let patterns = self.text_list(predicate, "pattern", key).value;
                            Box::new(HeaderMatches {
                                span: span(predicate),
                                header,
                                patterns: patterns.into_iter().map(Pattern::compile).collect(),
                            })
                        });
                }
                "message_type_matches" => {
                    predicates.message_type_matches = value.and_then(|v| {
                        self.enumerated(v, Object::Predicates, "messageTypeMatches", key, MessageType::from_key)
                    });
                }
                "message_size_over" => {
                    predicates.message_size_over = value.and_then(|v| {
                        let text = self.text(v, key)?;
                        match MessageSize::parse(&text.value) {
                            Some(size) => Some(Spanned::new(size, text.span)),
                            None => {
                                let found = format!("`{}`", text.value);
                                self.problems.push(Problem::wrong_type(text.span, key, &found, SIZE));
                                None
                            }
                        }
                    });
                }
                _ => predicates.other.extend(self.other(predicate)),
            }
        }
        predicates
    }

    fn actions(&mut self, body: &Statements) -> Actions {
        let kinds = ["set_header_action", "redirect_action", "remove_header_action", "other_action"];
        Actions {
            span: covering(kinds.iter().flat_map(|kind| body.all(kind))),
            set_header: body.get("set_header_action").and_then(|n| self.header(n, "set header")),
            redirect_to_connector: body
                .get("redirect_action")
                .and_then(|n| field(n, "connector"))
                .and_then(|v| self.text(v, "redirect to")),
            remove_header: body
                .get("remove_header_action")
                .and_then(|n| field(n, "header"))
                .and_then(|v| self.text(v, "remove header")),
            other: body.all("other_action").filter_map(|n| self.other(n)).collect(),
        }
    }

    /// `if other "Name" …`, `do other "Name" …`: any literals, as Exchange's parameters take.
    fn other(&mut self, node: Node) -> Option<OtherParameter> {
        let name = field(node, "name").and_then(|name| self.text(name, "other"))?;
        let mut cursor = node.walk();
        let values = node
            .children_by_field_name("value", &mut cursor)
            .filter(|value| !unwritten(*value))
            .map(|value| {
                let written = self.written(value);
                let parameter = match dsl::kind(value) {
                    "string" => ParameterValue::Text(dsl::string_value(value, self.text)),
                    "boolean" => ParameterValue::Boolean(written == "true"),
                    // An integer past i64 is kept as the text written, as YAML keeps it.
                    _ => written
                        .parse()
                        .map_or_else(|_| ParameterValue::Text(written.to_owned()), ParameterValue::Integer),
                };
                Spanned::new(parameter, span(value))
            })
            .collect();
        Some(OtherParameter { name, values, span: span(node) })
    }

    /// The single value of `statement`, as text.
    fn text_of(&mut self, statement: Option<Node>, key: &str) -> Option<Spanned<String>> {
        statement.and_then(|s| field(s, "value")).and_then(|v| self.text(v, key))
    }

    /// A string value. An integer is taken as the text written, as YAML takes a plain
    /// scalar that reads as a number: every such value is text in Exchange.
    fn text(&mut self, node: Node, key: &str) -> Option<Spanned<String>> {
        match dsl::kind(node) {
            _ if unwritten(node) => None,
            "string" => Some(Spanned::new(dsl::string_value(node, self.text), span(node))),
            "integer" => Some(Spanned::new(self.written(node).to_owned(), span(node))),
            _ => {
                self.problems.push(Problem::wrong_type(span(node), key, describe(node), "a string (in double quotes)"));
                None
            }
        }
    }

    /// The values in `field` of a list statement, as text; the span covers the values.
    fn text_list(&mut self, node: Node, field: &str, key: &str) -> Spanned<Vec<Spanned<String>>> {
        let mut cursor = node.walk();
        let values: Vec<Node> = node.children_by_field_name(field, &mut cursor).collect();
        let span = covering(values.iter().copied()).unwrap_or(span(node));
        Spanned::new(values.into_iter().filter_map(|value| self.text(value, key)).collect(), span)
    }

    fn boolean(&mut self, node: Node, key: &str) -> Option<Spanned<bool>> {
        match dsl::kind(node) {
            _ if unwritten(node) => None,
            "boolean" => Some(Spanned::new(self.written(node) == "true", span(node))),
            _ => {
                let written = self.written(node);
                self.problems.push(Problem::not_allowed(span(node), key, written, &["true", "false"]));
                None
            }
        }
    }

    fn integer(&mut self, node: Node, key: &str, min: i64) -> Option<Spanned<i64>> {
        if unwritten(node) {
            return None;
        }
        let expected = format!("a whole number, {min} or more");
        let found = match dsl::kind(node) {
            "integer" => match self.written(node).parse::<i64>() {
                Ok(value) if value >= min => return Some(Spanned::new(value, span(node))),
                Ok(value) => {
                    self.problems.push(Problem::out_of_range(span(node), key, value, min));
                    return None;
                }
                Err(_) => "a number too large",
            },
            _ => describe(node),
        };
        self.problems.push(Problem::wrong_type(span(node), key, found, &expected));
        None
    }

    /// A bare word from the enumeration of `key` in `object` (the key table's), read as its
    /// model type; `written_key` names the statement in messages.
    fn enumerated<T>(
        &mut self,
        node: Node,
        object: Object,
        key: &str,
        written_key: &str,
        read: fn(&str) -> Option<T>,
    ) -> Option<Spanned<T>> {
        if unwritten(node) {
            return None;
        }
        if dsl::kind(node) != "word" {
            self.problems.push(Problem::wrong_type(span(node), written_key, describe(node), "one word"));
            return None;
        }
        let word = self.written(node);
        match super::enumerated(object, key, word, read) {
            Ok(value) => Some(Spanned::new(value, span(node))),
            Err(allowed) => {
                self.problems.push(Problem::not_allowed(span(node), written_key, word, &allowed));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::simulate::Simulator;
    use crate::model::lower_yaml;
    use crate::syntax::yaml;

    fn lower_text(text: &str) -> (MailFlow, Vec<Problem>) {
        lower(&dsl::parse(text), text)
    }

    /// The lowering's problems as the checker reports them.
    fn lower_reported(text: &str) -> (MailFlow, Vec<crate::diagnostic::Diagnostic>) {
        let (flow, problems) = lower_text(text);
        (flow, problems.iter().map(crate::rules::lowering_finding).collect())
    }

    /// Each diagnostic as `CODE text-it-points-at`.
    fn findings(text: &str) -> Vec<String> {
        lower_reported(text).1.iter().map(|d| format!("{} {}", d.code(), &text[d.span.range()])).collect()
    }

    /// The model as `Debug` text with every span left out: what an equivalent pair of files
    /// must agree on.
    fn without_spans(flow: &MailFlow) -> String {
        let spans = fancy_regex::Regex::new(r"Span \{ start: \d+, end: \d+ \}").unwrap();
        spans.replace_all(&format!("{flow:?}"), "Span").into_owned()
    }

    fn assert_same_model(dsl_text: &str, yaml_text: &str) {
        let (dsl_flow, dsl_problems) = lower_text(dsl_text);
        let (yaml_flow, yaml_problems) = lower_yaml::lower(&yaml::parse(yaml_text), yaml_text);
        assert_eq!(dsl_problems, []);
        assert_eq!(yaml_problems, []);
        assert_eq!(without_spans(&dsl_flow), without_spans(&yaml_flow));
    }

    /// An edit in the last of three rules lowers that rule again and shares the two before it
    /// with the previous version's model; the model is a fresh lowering's.
    #[test]
    fn an_edit_shares_the_rules_before_it() {
        let mut text = (0..3).map(|i| format!("rule \"R{i}\" priority {i} {{\n}}\n")).collect::<String>();
        text.insert_str(0, "mailflow 1\n");
        let file = dsl::parse_incremental(&text, None);
        let (flow, _, lowered) = lower_reusing(&file, &text, None);
        assert_eq!(Simulator::new(&flow).work().rules_read, 3);
        let mut tree = file.tree;
        let at = text.find("R2").unwrap() + 1;
        tree.insert(&mut text, at, "2");
        let (edited, _, _) = lower_reusing(&dsl::parse_incremental(&text, Some(&tree)), &text, Some(&lowered));
        let shared: Vec<bool> = flow.rules.iter().zip(&edited.rules).map(|(a, b)| Arc::ptr_eq(a, b)).collect();
        assert_eq!(shared, [true, true, false]);
        // The simulator reads the edited rule again only: the others keep their reading.
        assert_eq!(Simulator::new(&edited).work().rules_read, 1);
        assert_eq!(edited, lower_text(&text).0);
    }

    #[test]
    fn the_example_lowers_to_the_model_of_its_yaml_twin() {
        assert_same_model(
            include_str!("../../../grammar/examples/codetwo-mimecast.mailflow"),
            include_str!("../../../examples/codetwo-mimecast.mailflow.yaml"),
        );
    }

    #[test]
    fn every_construct_lowers_as_its_yaml_form() {
        let dsl = r#"
mailflow 1
organization "Contoso Ltd" {
  domains "contoso.com" "contoso.onmicrosoft.com"
  on-premises { relays-through "mail.mimecast.example" }
}
connector "CodeTwo" {
  enabled false
  type on-premises
  use recipient-domains
  recipient-domains "*" "*.fabrikam.com"
  smart-hosts "7f3a9c2e1b.smtp.codetwo.online" "backup.smtp.codetwo.online"
  service signature codetwo {
    domain "7f3a9c2e1b.smtp.codetwo.online"
    processed-header "X-CodeTwoProcessed" "true"
    returns-to-exchange true
    relay-domains "a.example" "b.example"
  }
}
connector "Proofpoint" { disabled  service proofpoint }
connector "Gateway" { type partner  use transport-rule  service smart-host }
connector "Other" { service signature other {} }
rule "Everything" priority 7 {
  enabled true
  mode audit-and-notify
  if sender is inside
  if recipient is external-non-partner
  if sender domain is "fabrikam.com" "tailspintoys.com"
  if recipient domain is "contoso.com"
  if recipient address matches "^billing@" "@finance\\.contoso\\.com$"
  if header "X-Class" contains "invoice" "bill"
  if header "X-Kind" matches "^invoice"
  if message type is read-receipt
  if other "SubjectContainsWords" "invoice" "bill"
  if other "HasNoClassification" true
  except sender is outside
  except recipient is inside
  except sender domain is "x.example"
  except recipient domain is "y.example"
  except recipient address matches "^z@"
  except header "X-AntiLoop" contains "true"
  except header "X-Spam" matches "^yes$"
  except message type is oof
  except other "FromMemberOf" "sales@contoso.com"
  set header "X-AntiLoop" to "true"
  redirect to "CodeTwo"
  do other "PrependSubject" "[INVOICE] "
  do other "SetSCL" -1
  stop processing
  defer on error
  comments "Line one\nLine \"two\"\t\u{2713} \\ 2024"
}
rule "Off" priority 8 { disabled  mode audit }
rule "Audit" priority 9 { enabled false  mode enforce  comments 2024 }
"#;
        let yaml = r#"
mailflow: 1
organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.onmicrosoft.com]
  onPremises: {relaysThrough: mail.mimecast.example}
connectors:
  - name: CodeTwo
    enabled: false
    type: on-premises
    use: recipient-domains
    recipientDomains: ["*", "*.fabrikam.com"]
    smartHosts: [7f3a9c2e1b.smtp.codetwo.online, backup.smtp.codetwo.online]
    service:
      kind: signature
      vendor: codetwo
      domain: 7f3a9c2e1b.smtp.codetwo.online
      processedHeader: {name: X-CodeTwoProcessed, value: "true"}
      returnsToExchange: true
      relayDomains: [a.example, b.example]
  - {name: Proofpoint, enabled: false, service: {vendor: proofpoint}}
  - {name: Gateway, type: partner, use: transport-rule, service: {kind: smart-host}}
  - {name: Other, service: {kind: signature, vendor: other}}
transportRules:
  - name: Everything
    priority: 7
    enabled: true
    mode: audit-and-notify
    conditions:
      senderIs: inside
      recipientIs: external-non-partner
      senderDomainIs: [fabrikam.com, tailspintoys.com]
      recipientDomainIs: [contoso.com]
      recipientAddressMatches: ['^billing@', '@finance\.contoso\.com$']
      headerContains: {header: X-Class, words: [invoice, bill]}
      headerMatches: {header: X-Kind, patterns: ['^invoice']}
      messageTypeMatches: read-receipt
      other: {SubjectContainsWords: [invoice, bill], HasNoClassification: true}
    exceptions:
      senderIs: outside
      recipientIs: inside
      senderDomainIs: [x.example]
      recipientDomainIs: [y.example]
      recipientAddressMatches: ['^z@']
      headerContains: {header: X-AntiLoop, words: ["true"]}
      headerMatches: {header: X-Spam, patterns: ['^yes$']}
      messageTypeMatches: oof
      other: {FromMemberOf: sales@contoso.com}
    actions:
      setHeader: {name: X-AntiLoop, value: "true"}
      redirectToConnector: CodeTwo
      other: {PrependSubject: "[INVOICE] ", SetSCL: -1}
    stopProcessingMoreRules: true
    deferOnError: true
    comments: "Line one\nLine \"two\"\t\u2713 \\ 2024"
  - {name: "Off", priority: 8, enabled: false, mode: audit}
  - {name: Audit, priority: 9, enabled: false, mode: enforce, comments: 2024}
"#;
        assert_same_model(dsl, yaml);
    }

    #[test]
    fn spans_point_at_what_was_written() {
        let text = "mailflow 1\n\
                    connector \"C\" {\n  recipient-domains \"a\" \"b\"\n  service smart-host mimecast { processed-header \"X\" \"v\" }\n}\n\
                    rule \"R\" priority 0 {\n  disabled\n  if sender is inside\n  if recipient is outside\n  \
                    except header \"X\" contains \"true\"\n  set header \"X\" to \"1\"\n  redirect to \"C\"\n  \
                    do other \"PrependSubject\" \"[EXT] \"\n  stop processing\n}\n\
                    rule \"S\" priority 1 {}\n";
        let (flow, problems) = lower_text(text);
        assert_eq!(problems, []);
        let at = |written: &str| {
            let start = text.find(written).unwrap_or_else(|| panic!("{written}"));
            Span::new(start, start + written.len())
        };
        let between = |from: &str, to: &str| Span::new(at(from).start, at(to).end);
        assert_eq!(flow.version.unwrap().span, at("1"));
        let connector = &flow.connectors[0];
        assert_eq!(connector.span, between("connector", "}\n}"));
        assert_eq!(connector.name_span(), at("\"C\""));
        assert_eq!(connector.recipient_domains.as_ref().unwrap().span, at("\"a\" \"b\""));
        let service = connector.service.as_ref().unwrap();
        assert_eq!(service.span, between("service", "\"v\" }"));
        assert_eq!((service.kind.span, service.vendor.as_ref().unwrap().span), (at("smart-host"), at("mimecast")));
        assert_eq!(service.processed_header.as_ref().unwrap().span, at("processed-header \"X\" \"v\""));
        let rule = &flow.rules[0];
        assert_eq!(rule.span, between("rule \"R\"", "processing\n}"));
        assert_eq!(flow.rules_span, rule.span);
        assert_eq!(rule.name_span(), at("\"R\""));
        assert_eq!(rule.priority.as_ref().unwrap().span, at("0"));
        assert_eq!(rule.enabled.as_ref().unwrap().span, at("disabled"));
        assert_eq!(rule.conditions.span, Some(between("if sender", "is outside")));
        assert_eq!(rule.conditions.sender_is.as_ref().unwrap().span, at("inside"));
        assert_eq!(rule.exceptions.span, Some(at("except header \"X\" contains \"true\"")));
        assert_eq!(rule.exceptions.header_contains.as_ref().unwrap().span, at("header \"X\" contains \"true\""));
        assert_eq!(rule.actions.span, Some(between("set header", "\"[EXT] \"")));
        assert_eq!(rule.actions.set_header.as_ref().unwrap().value.span, at("\"1\""));
        let redirect = at("redirect to \"C\"");
        assert_eq!(
            rule.actions.redirect_to_connector.as_ref().unwrap().span,
            Span::new(redirect.end - 3, redirect.end)
        );
        assert_eq!(rule.actions.other[0].span, at("do other \"PrependSubject\" \"[EXT] \""));
        assert_eq!(rule.stop_processing.as_ref().unwrap().span, at("stop processing"));
        let empty = &flow.rules[1];
        assert_eq!((empty.conditions.span, empty.exceptions.span, empty.actions.span), (None, None, None));
    }

    #[test]
    fn a_file_without_rules_has_an_empty_rules_span() {
        assert_eq!(lower_text("mailflow 1\nconnector \"C\" {}\n").0.rules_span, Span::new(0, 0));
    }

    #[test]
    fn the_version_and_each_priority_are_required() {
        let text = "# no version\nrule \"R\" {\n  stop processing\n}\n";
        let (flow, problems) = lower_reported(text);
        assert_eq!(
            problems.iter().map(|d| (d.code(), d.span)).collect::<Vec<_>>(),
            [("MF004", Span::new(0, 0)), ("MF004", Span::new(13, 23))]
        );
        assert!(problems[1].message.starts_with("this rule has no `priority`"));
        assert_eq!(flow.rules[0].priority, None);
        assert_eq!(findings("mailflow 0\nrule \"R\" priority 1.5 {}\n"), ["MF003 0"]);
        assert_eq!(findings("mailflow \"1\"\nrule \"R\" priority high {}\n"), ["MF003 \"1\"", "MF003 high"]);
    }

    #[test]
    fn unknown_lines_that_run_together_are_reported_one_by_one() {
        let text = "mailflow 1\nrule \"R\" priority 0 {\n  colour blue\n  shape round \"x\"\n  stop-processing\n}\n";
        assert_eq!(findings(text), ["MF002 colour", "MF002 shape", "MF002 stop-processing"]);
        let problems = lower_reported(text).1;
        assert!(problems[2].message.contains("did you mean `stop processing`?"), "{}", problems[2].message);
        assert_eq!(problems[2].fix.as_ref().unwrap().edits[0].replacement, "stop processing");
    }

    #[test]
    fn an_unknown_item_is_not_read() {
        let text = "mailflow 1\nconector \"X\" {\n  type partner\n}\n";
        let (flow, problems) = lower_reported(text);
        assert_eq!(flow.connectors, []);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("did you mean `connector`?"), "{}", problems[0].message);
    }

    #[test]
    fn one_service_word_is_a_kind_or_a_vendor() {
        let service = |text: &str| {
            let text = format!("mailflow 1\nconnector \"C\" {{\n  {text}\n}}\n");
            let (flow, problems) = lower_reported(&text);
            let codes: Vec<&str> = problems.iter().map(|d| d.code()).collect();
            (flow.connectors[0].service.as_ref().map(|s| (s.kind.value, s.vendor.as_ref().map(|v| v.value))), codes)
        };
        assert_eq!(service("service codetwo"), (Some((ServiceKind::Signature, Some(Vendor::CodeTwo))), vec![]));
        assert_eq!(service("service smart-host"), (Some((ServiceKind::SmartHost, None)), vec![]));
        assert_eq!(service("service smart-host other"), (Some((ServiceKind::SmartHost, Some(Vendor::Other))), vec![]));
        assert_eq!(service("service other"), (None, vec!["MF004"]));
        assert_eq!(service("service {}"), (None, vec!["MF004"]));
        assert_eq!(service("service codtwo"), (None, vec!["MF003"]));
        assert_eq!(service("service signature codtwo"), (Some((ServiceKind::Signature, None)), vec!["MF003"]));
        assert_eq!(service("service \"codetwo\""), (None, vec!["MF003"]));
    }

    #[test]
    fn what_the_parser_reported_is_not_reported_again() {
        let text = "mailflow 1\nrule \"R\" priority 0 {\n  if sender is\n  comments \"open\n  set header \"X\" to\n}\n";
        let file = dsl::parse(text);
        assert_eq!(file.errors.len(), 2, "{:?}", file.errors);
        let (flow, problems) = lower(&file, text);
        assert_eq!(problems, []);
        let rule = &flow.rules[0];
        assert_eq!((&rule.conditions.sender_is, &rule.actions.set_header, &rule.comments), (&None, &None, &None));
    }

    #[test]
    fn a_statement_is_given_once_per_block() {
        let text =
            "mailflow 1\nconnector \"C\" {\n  enabled true\n  disabled\n  service codetwo\n  service smart-host\n}\n\
                    rule \"R\" priority 0 {\n  if other \"A\" 1\n  except other \"A\" 1\n  if other \"A\" 2\n  \
                    do other \"A\" 1\n  redirect to \"C\"\n  redirect to \"D\"\n}\n";
        let (flow, problems) = lower_reported(text);
        let duplicates: Vec<&str> = problems.iter().map(|d| &text[d.span.range()]).collect();
        assert_eq!(duplicates, ["disabled", "service smart-host", "if other \"A\" 2", "redirect to \"D\""]);
        assert!(problems.iter().all(|d| d.code() == "MF001" && d.related.len() == 1));
        // The first one given is kept, as for a YAML key.
        assert_eq!(flow.connectors[0].enabled.as_ref().map(|e| e.value), Some(true));
        assert_eq!(flow.rules[0].actions.redirect_to_connector.as_ref().unwrap().value, "C");
    }

    #[test]
    fn values_of_the_wrong_kind_are_invalid() {
        let text = "mailflow 1\nconnector \"C\" {\n  enabled \"true\"\n  type 1\n  smart-hosts \"a\" false 7\n}\n\
                    rule \"R\" priority 0 {\n  if sender is \"inside\"\n  if message type is true\n  redirect to C\n  \
                    comments true\n}\n";
        assert_eq!(
            findings(text),
            ["MF003 \"true\"", "MF003 1", "MF003 false", "MF003 \"inside\"", "MF003 true", "MF003 C", "MF003 true"]
        );
        let (flow, _) = lower_text(text);
        let hosts: Vec<&str> =
            flow.connectors[0].smart_hosts.as_ref().unwrap().value.iter().map(|h| h.value.as_str()).collect();
        assert_eq!(hosts, ["a", "7"]);
    }

    #[test]
    fn other_parameters_keep_their_values() {
        let text = "mailflow 1\nrule \"R\" priority 0 {\n  do other \"A\" \"x\" 2 true 99999999999999999999\n}\n";
        let (flow, _) = lower_text(text);
        let values: Vec<&ParameterValue> = flow.rules[0].actions.other[0].values.iter().map(|v| &v.value).collect();
        assert_eq!(
            values,
            [
                &ParameterValue::Text("x".into()),
                &ParameterValue::Integer(2),
                &ParameterValue::Boolean(true),
                &ParameterValue::Text("99999999999999999999".into())
            ]
        );
    }
}
