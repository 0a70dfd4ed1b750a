//! Lowering from the YAML tree to the model. It reads every value it can and reports what it
//! cannot: unknown keys (MF002), values of the wrong type or outside the allowed set (MF003),
//! required keys that are absent (MF004), and keys given twice (MF001). Checks that need the
//! whole model (duplicate names, unknown connectors, limits...) run on the model afterwards,
//! whatever syntax it came from.

use super::keys::{self, Object};
use super::problem::Problem;
use super::shift::Shift;
use super::*;
use crate::side_by_side;
use crate::syntax::scalar::Resolved;
use crate::syntax::yaml::{shared_id, Converted, Entry, Node, NodeKind, ScalarStyle, YamlFile};
use crate::text::{first_line, Span, Spanned};
use foldhash::HashMap;

/// Lowers a parsed YAML file. `text` is the file's source, which fixes may edit.
pub fn lower(file: &YamlFile, text: &str) -> (MailFlow, Vec<Problem>) {
    let (flow, problems, _) = lower_reusing(file, text, None);
    (flow, problems)
}

/// What lowering the previous version of a file left, with its model, and the reading of the
/// version being lowered.
pub struct Previous<'a> {
    /// The reading of the text being lowered: it tells which of its rules are copies of the
    /// previous version's.
    pub converted: &'a Converted,
    pub rules: &'a LoweredRules,
    pub flow: &'a MailFlow,
}

/// The rules one lowering read, for the next version's: by the [`shared_id`] of each rule's
/// mapping, where the rule is in the model and the problems its lowering reported. A rule's
/// lowering depends on its value and its text only; the reading of an edited text shares a
/// value the edit left alone, or copies it moved (`Converted::moved_item`), and its text is
/// then the same. Holding the mappings keeps their ids from being given to other values.
#[derive(Default)]
pub struct LoweredRules {
    rules: HashMap<usize, LoweredRule>,
    /// How many of them were the previous version's.
    #[cfg(test)]
    reused: usize,
}

struct LoweredRule {
    _mapping: Node,
    /// Where the rule is in `MailFlow::rules`.
    index: usize,
    problems: Vec<Problem>,
}

/// [`lower`], reusing what lowering the previous version made of the rules the edit left
/// alone (their spans moved); returns what this lowering leaves for the next.
pub fn lower_reusing(
    file: &YamlFile,
    text: &str,
    previous: Option<Previous>,
) -> (MailFlow, Vec<Problem>, LoweredRules) {
    let mut lowerer =
        Lowerer { text, problems: Vec::new(), previous, lowered: LoweredRules::default(), reusing: Vec::new() };
    let mut flow = MailFlow { rules_span: Span::new(0, 0), ..MailFlow::default() };
    match &file.root {
        None => lowerer.problems.push(Problem::missing(
            Span::new(0, 0),
            "the file",
            "mailflow",
            "it says which version of the format the file is written in; start the file with `mailflow: 1`",
        )),
        Some(root) => lowerer.root(root, &mut flow),
    }
    (flow, lowerer.problems, lowerer.lowered)
}

struct Lowerer<'a> {
    text: &'a str,
    problems: Vec<Problem>,
    previous: Option<Previous<'a>>,
    lowered: LoweredRules,
    /// The previous version's rules this lowering reuses, to copy: where each goes in the
    /// model's rules and how far it moved.
    reusing: Vec<(usize, &'a TransportRule, isize)>,
}

/// How many reused rules make copying them worth a second thread (measured with
/// `rules::SIDE_BY_SIDE`).
const COPIED_BESIDE: usize = 512;

/// The entries of one mapping, checked against the keys its kind may hold.
struct Fields<'n> {
    object: Object,
    span: Span,
    entries: Vec<(&'static str, &'n Entry)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(name, _)| *name == key).map(|(_, entry)| &entry.value)
    }

    fn entry(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().find(|(name, _)| *name == key).map(|(_, entry)| *entry)
    }
}

impl<'a> Lowerer<'a> {
    /// Reads `node` as a mapping of `object`'s keys; `None` (after MF003) when it is not one.
    fn fields<'n>(&mut self, node: &'n Node, object: Object, owner: &str) -> Option<Fields<'n>> {
        let Some(entries) = node.as_map() else {
            if !matches!(node.kind, NodeKind::Invalid) {
                self.problems.push(Problem::wrong_type(node.span, owner, node.describe(), "a mapping of keys"));
            }
            return None;
        };
        let mut fields = Fields { object, span: node.span, entries: Vec::new() };
        for entry in entries {
            let Some(name) = entry.key.as_str() else {
                self.problems.push(Problem::unknown_key(
                    entry.key.span,
                    &self.text[entry.key.span.range()],
                    object,
                    None,
                ));
                continue;
            };
            let Some(key) = keys::lookup(object, name) else {
                self.problems.push(Problem::unknown_key(entry.key.span, name, object, keys::nearest(object, name)));
                continue;
            };
            if let Some((_, first)) = fields.entries.iter().find(|(known, _)| *known == key.name) {
                self.problems.push(Problem::duplicate_key(entry.key.span, key.name).first_given_at(first.key.span));
                continue;
            }
            fields.entries.push((key.name, entry));
        }
        Some(fields)
    }

    /// Reports MF004 for every required key of `fields`' kind that is absent.
    fn require(&mut self, fields: &Fields, what: &str) {
        for key in keys::keys(fields.object).iter().filter(|k| k.required) {
            if fields.get(key.name).is_none() {
                let span = first_line(self.text, fields.span);
                self.problems.push(Problem::missing(span, what, key.name, key.doc));
            }
        }
    }

    fn root(&mut self, root: &Node, flow: &mut MailFlow) {
        let Some(fields) = self.fields(root, Object::Root, "the file") else { return };
        self.require(&fields, "the file");
        flow.version = fields.get("mailflow").and_then(|v| self.integer(v, "mailflow", 1));
        flow.rules_span = fields.entry("transportRules").map_or(Span::new(0, 0), |e| e.key.span);
        if let Some(node) = fields.get("organization") {
            flow.organization = self.organization(node);
        }
        // The lists are sized once: a rule is large, and growing the list moved every rule
        // read so far again.
        if let Some(node) = fields.get("connectors") {
            let items = self.list(node, "connectors");
            flow.connectors.reserve_exact(items.len());
            for item in items {
                if let Some(connector) = self.connector(item) {
                    flow.connectors.push(connector);
                }
            }
        }
        if let Some(node) = fields.get("transportRules") {
            let items = self.list(node, "transportRules");
            flow.rules.reserve_exact(items.len());
            for item in items {
                self.rule_reusing(item, &mut flow.rules);
            }
            self.reused_copies(&mut flow.rules);
        }
    }

    /// Puts in `rules` the copies of the previous version's rules that `rule_reusing` took
    /// where the edit moved them, their spans moved, made on every core for a long list.
    fn reused_copies(&mut self, rules: &mut [Arc<TransportRule>]) {
        let reusing = std::mem::take(&mut self.reusing);
        let copies = side_by_side::map(&reusing, COPIED_BESIDE, |&(_, rule, delta)| Arc::new(rule.moved(delta)));
        for ((index, _, _), copy) in reusing.into_iter().zip(copies) {
            rules[index] = copy;
        }
    }

    fn organization(&mut self, node: &Node) -> Option<Organization> {
        let fields = self.fields(node, Object::Organization, "organization")?;
        let on_premises = fields.get("onPremises").and_then(|node| {
            let fields = self.fields(node, Object::OnPremises, "onPremises")?;
            Some(OnPremises {
                span: node.span,
                relays_through: fields.get("relaysThrough").and_then(|v| self.text_value(v, "relaysThrough")),
            })
        });
        Some(Organization {
            span: node.span,
            name: fields.get("name").and_then(|v| self.text_value(v, "name")),
            domains: fields.get("domains").map(|v| self.text_list(v, "domains").value).unwrap_or_default(),
            on_premises,
        })
    }

    fn connector(&mut self, node: &Node) -> Option<Connector> {
        let fields = self.fields(node, Object::Connector, "a connector")?;
        let name = fields.get("name").and_then(|v| self.text_value(v, "name"));
        self.require(&fields, "this connector");
        let service = fields.get("service").and_then(|node| self.service(node));
        Some(Connector {
            span: node.span,
            enabled: fields.get("enabled").and_then(|v| self.boolean(v, "enabled")),
            connector_type: self.enumerated(&fields, "type", ConnectorType::from_key),
            use_: self.enumerated(&fields, "use", ConnectorUse::from_key),
            recipient_domains: fields.get("recipientDomains").map(|v| self.text_list(v, "recipientDomains")),
            smart_hosts: fields.get("smartHosts").map(|v| self.text_list(v, "smartHosts")),
            service,
            name,
        })
    }

    fn service(&mut self, node: &Node) -> Option<Service> {
        let fields = self.fields(node, Object::Service, "service")?;
        let vendor = self.enumerated(&fields, "vendor", Vendor::from_key);
        let kind = match fields.get("kind") {
            Some(_) => self.enumerated(&fields, "kind", ServiceKind::from_key)?,
            // A vendor that does one thing says what the service is.
            None => match vendor.as_ref().and_then(|v| v.value.kind().map(|kind| Spanned::new(kind, v.span))) {
                Some(kind) => kind,
                None => {
                    let span = vendor.as_ref().map_or_else(|| first_line(self.text, node.span), |v| v.span);
                    self.problems.push(Problem::missing(
                        span,
                        "this service",
                        "kind",
                        "say `kind: signature` or `kind: smart-host` (only a known vendor implies it)",
                    ));
                    return None;
                }
            },
        };
        Some(Service {
            span: node.span,
            vendor,
            domain: fields.get("domain").and_then(|v| self.text_value(v, "domain")),
            processed_header: fields.get("processedHeader").and_then(|v| self.header(v, "processedHeader")),
            returns_to_exchange: fields.get("returnsToExchange").and_then(|v| self.boolean(v, "returnsToExchange")),
            relay_domains: fields.get("relayDomains").map(|v| self.text_list(v, "relayDomains")),
            kind,
        })
    }

    fn header(&mut self, node: &Node, owner: &str) -> Option<Header> {
        let fields = self.fields(node, Object::Header, owner)?;
        self.require(&fields, &format!("`{owner}`"));
        Some(Header {
            span: node.span,
            name: fields.get("name").and_then(|v| self.text_value(v, "name"))?,
            value: fields.get("value").and_then(|v| self.text_value(v, "value"))?,
        })
    }

    /// Adds the rule `node` holds to `rules`: [`Self::rule`], or the previous version's lowering
    /// of the value `node` shares or copies, shared where the edit did not move it, its spans
    /// moved where it did. Remembers it for the next version.
    fn rule_reusing(&mut self, node: &Node, rules: &mut Vec<Arc<TransportRule>>) {
        let Some(id) = shared_id(node) else {
            rules.extend(self.rule(node).map(Arc::new));
            return;
        };
        let reused = self.previous.as_ref().and_then(|previous| {
            let (from, delta) = previous.converted.moved_item(id).unwrap_or((id, 0));
            let old = previous.rules.rules.get(&from)?;
            let flow: &'a MailFlow = previous.flow;
            let mut problems = old.problems.clone();
            problems.shift(delta);
            Some((&flow.rules[old.index], delta, problems))
        });
        let (rule, problems) = match reused {
            Some((rule, delta, problems)) => {
                self.problems.extend(problems.iter().cloned());
                #[cfg(test)]
                {
                    self.lowered.reused += 1;
                }
                // Shared where it did not move; where it did, copied with the list's other
                // moved rules (`Lowerer::reused_copies`), which puts the copy in its place.
                if delta != 0 {
                    self.reusing.push((rules.len(), rule.as_ref(), delta));
                }
                (rule.clone(), problems)
            }
            None => {
                let before = self.problems.len();
                let Some(rule) = self.rule(node) else { return };
                (Arc::new(rule), self.problems[before..].to_vec())
            }
        };
        self.lowered.rules.insert(id, LoweredRule { _mapping: node.clone(), index: rules.len(), problems });
        rules.push(rule);
    }

    fn rule(&mut self, node: &Node) -> Option<TransportRule> {
        let fields = self.fields(node, Object::Rule, "a transport rule")?;
        let name = fields.get("name").and_then(|v| self.text_value(v, "name"));
        self.require(&fields, "this rule");
        Some(TransportRule {
            span: node.span,
            priority: fields.get("priority").and_then(|v| self.integer(v, "priority", 0)),
            enabled: fields.get("enabled").and_then(|v| self.boolean(v, "enabled")),
            mode: self.enumerated(&fields, "mode", RuleMode::from_key),
            conditions: fields.get("conditions").map(|v| self.predicates(v, "conditions")).unwrap_or_default(),
            exceptions: fields.get("exceptions").map(|v| self.predicates(v, "exceptions")).unwrap_or_default(),
            actions: fields.get("actions").map(|v| self.actions(v)).unwrap_or_default(),
            stop_processing: fields
                .get("stopProcessingMoreRules")
                .and_then(|v| self.boolean(v, "stopProcessingMoreRules")),
            defer_on_error: fields.get("deferOnError").and_then(|v| self.boolean(v, "deferOnError")),
            comments: fields.get("comments").and_then(|v| self.text_value(v, "comments")),
            name,
            derived: Derived::default(),
        })
    }

    fn predicates(&mut self, node: &Node, owner: &str) -> Predicates {
        let mut predicates = Predicates { span: Some(node.span), ..Predicates::default() };
        if matches!(&node.kind, NodeKind::Scalar(s) if s.value == Resolved::Null) {
            return predicates;
        }
        let Some(fields) = self.fields(node, Object::Predicates, owner) else { return predicates };
        predicates.sender_is = self.enumerated(&fields, "senderIs", Scope::from_key);
        predicates.recipient_is = self.enumerated(&fields, "recipientIs", Scope::from_key);
        for (key, list) in predicates.text_lists_mut() {
            *list = fields.get(key).map(|v| Box::new(self.text_list(v, key)));
        }
        for (key, list) in predicates.pattern_lists_mut() {
            *list = fields.get(key).map(|v| {
                let list = self.text_list(v, key);
                Box::new(Spanned::new(list.value.into_iter().map(Pattern::compile).collect(), list.span))
            });
        }
        predicates.header_contains = fields.get("headerContains").and_then(|node| {
            let fields = self.fields(node, Object::HeaderContains, "headerContains")?;
            self.require(&fields, "`headerContains`");
            Some(Box::new(HeaderContains {
                span: node.span,
                header: fields.get("header").and_then(|v| self.text_value(v, "header"))?,
                words: fields.get("words").map(|v| self.text_list(v, "words").value)?,
            }))
        });
        predicates.header_matches = fields.get("headerMatches").and_then(|node| {
            let fields = self.fields(node, Object::HeaderMatches, "headerMatches")?;
            self.require(&fields, "`headerMatches`");
            Some(Box::new(HeaderMatches {
                span: node.span,
                header: fields.get("header").and_then(|v| self.text_value(v, "header"))?,
                patterns: fields
                    .get("patterns")
                    .map(|v| self.text_list(v, "patterns").value.into_iter().map(Pattern::compile).collect())?,
            }))
        });
        predicates.message_type_matches = self.enumerated(&fields, "messageTypeMatches", MessageType::from_key);
        predicates.message_size_over = fields.get("messageSizeOver").and_then(|v| {
            let text = self.text_value(v, "messageSizeOver")?;
            self.size(text, "messageSizeOver")
        });
        if let Some(node) = fields.get("other") {
            predicates.other = self.other(node);
        }
        predicates
    }

    fn actions(&mut self, node: &Node) -> Actions {
        let mut actions = Actions { span: Some(node.span), ..Actions::default() };
        let Some(fields) = self.fields(node, Object::Actions, "actions") else { return actions };
        actions.set_header = fields.get("setHeader").and_then(|v| self.header(v, "setHeader"));
        actions.redirect_to_connector =
            fields.get("redirectToConnector").and_then(|v| self.text_value(v, "redirectToConnector"));
        actions.remove_header = fields.get("removeHeader").and_then(|v| self.text_value(v, "removeHeader"));
        if let Some(node) = fields.get("other") {
            actions.other = self.other(node);
        }
        actions
    }

    fn other(&mut self, node: &Node) -> Vec<OtherParameter> {
        let Some(entries) = node.as_map() else {
            self.problems.push(Problem::wrong_type(
                node.span,
                "other",
                node.describe(),
                "a mapping from Exchange PowerShell parameter names to their values",
            ));
            return Vec::new();
        };
        let mut parameters: Vec<OtherParameter> = Vec::new();
        for entry in entries {
            let Some(name) = self.text_value(&entry.key, "other") else { continue };
            // As for any key, and as the DSL says of a parameter given twice in one block.
            if let Some(first) = parameters.iter().find(|p| p.name.value == name.value) {
                self.problems.push(Problem::duplicate_key(entry.key.span, &name.value).first_given_at(first.name.span));
                continue;
            }
            let values = self.parameter_values(&entry.value, &name.value);
            parameters.push(OtherParameter { name, values, span: entry.span });
        }
        parameters
    }

    /// An `other` parameter's value: one value or a list of them, as `text_list` reads
    /// one string or a list of strings.
    fn parameter_values(&mut self, node: &Node, key: &str) -> Vec<Spanned<ParameterValue>> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|item| self.parameter_value(item, key)).collect(),
            NodeKind::Scalar(s) if s.value == Resolved::Null => Vec::new(),
            _ => self.parameter_value(node, key).into_iter().collect(),
        }
    }

    /// One value of an `other` parameter. Exchange's parameters take strings, numbers,
    /// booleans and lists of them, and only those can be written in the DSL too; a decimal
    /// number is kept as the text written, as `text_value` keeps it.
    fn parameter_value(&mut self, node: &Node, key: &str) -> Option<Spanned<ParameterValue>> {
        let value = match &node.kind {
            NodeKind::Scalar(s) => match &s.value {
                Resolved::Str(text) => Some(ParameterValue::Text(text.to_string())),
                Resolved::Int(i) => Some(ParameterValue::Integer(*i)),
                Resolved::Bool(b) => Some(ParameterValue::Boolean(*b)),
                Resolved::Float(_) => Some(ParameterValue::Text(self.text[node.span.range()].trim().to_owned())),
                Resolved::Null => None,
            },
            NodeKind::Invalid => return None,
            NodeKind::Seq(_) | NodeKind::Map(_) => None,
        };
        if value.is_none() {
            self.problems.push(Problem::wrong_type(
                node.span,
                key,
                node.describe(),
                "a string, a number, true or false, or a list of them",
            ));
        }
        Some(Spanned::new(value?, node.span))
    }

    fn list<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match &node.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Scalar(s) if s.value == Resolved::Null => &[],
            NodeKind::Invalid => &[],
            _ => {
                self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "a list"));
                &[]
            }
        }
    }

    fn boolean(&mut self, node: &Node, key: &str) -> Option<Spanned<bool>> {
        match &node.kind {
            NodeKind::Scalar(s) => match &s.value {
                Resolved::Bool(b) => Some(Spanned::new(*b, node.span)),
                _ => {
                    let written = &self.text[node.span.range()];
                    self.problems.push(Problem::not_boolean(node.span, key, written));
                    None
                }
            },
            NodeKind::Invalid => None,
            _ => {
                self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "true or false"));
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, key: &str, min: i64) -> Option<Spanned<i64>> {
        match &node.kind {
            NodeKind::Scalar(s) => match s.value {
                Resolved::Int(i) if i >= min => Some(Spanned::new(i, node.span)),
                Resolved::Int(i) => {
                    self.problems.push(Problem::out_of_range(node.span, key, i, min));
                    None
                }
                _ => {
                    let found = match &s.value {
                        // YAML reads a plain integer beyond 64 bits as a string: it was written
                        // as a number, too large for any (as the DSL says of it).
                        Resolved::Str(text) if s.style == ScalarStyle::Plain && is_integer(text) => {
                            "a number too large"
                        }
                        Resolved::Str(_) => "a string",
                        _ => node.describe(),
                    };
                    self.problems.push(Problem::wrong_type(
                        node.span,
                        key,
                        found,
                        &format!("a whole number, {min} or more"),
                    ));
                    None
                }
            },
            NodeKind::Invalid => None,
            _ => {
                self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "a whole number"));
                None
            }
        }
    }

    /// A string value. Plain scalars that YAML reads as numbers (a numeric name, say) are
    /// taken as the text written, since every such key is text in Exchange.
    fn text_value(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(s) => match &s.value {
                Resolved::Str(text) => Some(Spanned::new(text.to_string(), node.span)),
                Resolved::Int(_) | Resolved::Float(_) => {
                    Some(Spanned::new(self.text[node.span.range()].trim().to_owned(), node.span))
                }
                Resolved::Null | Resolved::Bool(_) => {
                    self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "a string"));
                    None
                }
            },
            NodeKind::Invalid => None,
            _ => {
                self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "a string"));
                None
            }
        }
    }

    /// One string, or a list of strings; the span is the whole value.
    fn text_list(&mut self, node: &Node, key: &str) -> Spanned<Vec<Spanned<String>>> {
        let values = match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|item| self.text_value(item, key)).collect(),
            NodeKind::Scalar(s) if s.value == Resolved::Null => Vec::new(),
            _ => self.text_value(node, key).into_iter().collect(),
        };
        Spanned::new(values, node.span)
    }

    /// A message size, from its text (MF003 when it is none).
    fn size(&mut self, text: Spanned<String>, key: &str) -> Option<Spanned<MessageSize>> {
        match MessageSize::parse(&text.value) {
            Some(size) => Some(Spanned::new(size, text.span)),
            None => {
                self.problems.push(Problem::wrong_type(text.span, key, &format!("`{}`", text.value), SIZE));
                None
            }
        }
    }

    /// A value from the key's enumeration, read as its model type.
    fn enumerated<T>(&mut self, fields: &Fields, key: &str, read: fn(&str) -> Option<T>) -> Option<Spanned<T>> {
        let node = fields.get(key)?;
        let text = match &node.kind {
            NodeKind::Scalar(s) => match &s.value {
                Resolved::Str(text) => text.to_string(),
                _ => self.text[node.span.range()].trim().to_owned(),
            },
            NodeKind::Invalid => return None,
            _ => {
                self.problems.push(Problem::wrong_type(node.span, key, node.describe(), "one word"));
                return None;
            }
        };
        match super::enumerated(fields.object, key, &text, read) {
            Ok(value) => Some(Spanned::new(value, node.span)),
            Err(allowed) => {
                self.problems.push(Problem::not_allowed(node.span, key, &text, &allowed));
                None
            }
        }
    }
}

/// Whether a plain scalar is written as a YAML 1.2 core integer (`-12`, `0x1F`, `0o17`):
/// one that reads as a string is too large for 64 bits.
fn is_integer(text: &str) -> bool {
    let digits = |text: &str, radix: u32| !text.is_empty() && text.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = text.strip_prefix("0x") {
        return digits(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return digits(octal, 8);
    }
    digits(text.strip_prefix(['-', '+']).unwrap_or(text), 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::simulate::Simulator;
    use crate::check::{check, Selection, Syntax};
    use crate::syntax::yaml::parse_incremental;
    use crate::text::LineIndex;

    /// Issue 15: an edit inside one rule of five lowers that rule again and takes the four
    /// others from the previous version's lowering (shared where the edit left them in place,
    /// copied where it moved them, with what the simulator read of them), and the model and
    /// problems are a fresh lowering's. So with enough rules that the lowering copies the
    /// moved ones on two threads, and in a file written on one line (JSON), whose rules move
    /// along the line.
    #[test]
    fn an_edited_text_lowers_again_only_the_rules_the_edit_touched() {
        for (count, one_line) in [(5, false), (COPIED_BESIDE + 8, false), (5, true), (COPIED_BESIDE + 8, true)] {
            let mut text = "mailflow: 1\ntransportRules:\n".to_owned();
            for i in 0..count {
                text.push_str(&format!("  - name: R{i}\n    priority: {i}\n    mode: enforce\n    colour: {i}\n"));
            }
            if one_line {
                let rules: Vec<String> = (0..count)
                    .map(|i| format!(r#"{{"name":"R{i}","priority":{i},"mode":"enforce","colour":{i}}}"#))
                    .collect();
                text = format!(r#"{{"mailflow":1,"transportRules":[{}]}}"#, rules.join(","));
            }
            let (file, tree) = parse_incremental(&text, &LineIndex::new(&text), None);
            let (flow, _, rules) = lower_reusing(&file, &text, None);
            assert_eq!((rules.rules.len(), rules.reused), (count, 0));
            assert_eq!(Simulator::new(&flow).work().rules_read, count as u64);
            // `R2` becomes `R22`: one byte more before every rule after it.
            let at = text.find("R2\n").or_else(|| text.find("R2\"")).unwrap() + 1;
            let mut tree = tree;
            tree.insert(&mut text, at, "2");
            let (file, next) = parse_incremental(&text, &LineIndex::new(&text), Some(&tree));
            let converted = next.yaml.as_deref().expect("a YAML reading");
            let previous = Previous { converted, rules: &rules, flow: &flow };
            let (edited, problems, rules) = lower_reusing(&file, &text, Some(previous));
            assert_eq!(rules.reused, count - 1);
            let shared: Vec<bool> = flow.rules.iter().zip(&edited.rules).map(|(a, b)| Arc::ptr_eq(a, b)).collect();
            assert_eq!(shared, (0..count).map(|i| i < 2).collect::<Vec<_>>(), "R0 and R1 are shared");
            // The simulator reads `R22` only: the others keep their reading, moved or not.
            assert_eq!(Simulator::new(&edited).work().rules_read, 1);
            let (fresh, fresh_problems) = lower(&parse_incremental(&text, &LineIndex::new(&text), None).0, &text);
            assert_eq!(Simulator::new(&fresh).work().rules_read, count as u64);
            assert_eq!(edited, fresh);
            // Each rule's unknown key `colour`, reused or not, where it is now.
            assert_eq!(problems, fresh_problems);
            assert_eq!(problems.len(), count);
        }
    }

    fn mf003(text: &str, syntax: Syntax) -> Vec<String> {
        let checked = check(text, syntax, &Selection::default());
        checked.diagnostics.iter().filter(|d| d.code() == "MF003").map(|d| d.message.clone()).collect()
    }

    #[test]
    fn a_priority_too_large_for_a_number_is_called_too_large_not_a_string() {
        let yaml = "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 99999999999999999999\n";
        let dsl = "mailflow 1\nrule \"R\" priority 99999999999999999999 {\n}\n";
        let message = "`priority` takes a whole number, 0 or more, not a number too large";
        assert_eq!(mf003(yaml, Syntax::Yaml), [message]);
        // The DSL says the same of it.
        assert_eq!(mf003(dsl, Syntax::Dsl), [message]);
        for written in ["-99999999999999999999", "0x1FFFFFFFFFFFFFFFF", "+99999999999999999999"] {
            let found = mf003(&yaml.replace("99999999999999999999", written), Syntax::Yaml);
            assert!(found.len() == 1 && found[0].ends_with("not a number too large"), "{written}: {found:?}");
        }
        // Quoted, it is a string.
        let quoted = mf003(&yaml.replace("99999999999999999999", "'99999999999999999999'"), Syntax::Yaml);
        assert!(quoted.len() == 1 && quoted[0].ends_with("not a string"), "{quoted:?}");
    }
}
