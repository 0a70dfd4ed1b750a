//! The DSL's statements, one row each: how a statement is written, the block it stands in,
//! and the key of the catalogue (`keys.rs`) it writes. This is the one place the DSL's
//! vocabulary is written down: the lowering sorts statements by it, messages spell keys by
//! it, completion offers it, hover explains it, the DSL editor writes fixes with it, `convert`
//! prints it, and `grammar/README.md`'s table of statements is generated from it.
//!
//! A template is the statement's words and its placeholders, separated by single spaces:
//! `{}` is the key's value; `{field}` a field of the key's mapping value (for an open map
//! like `other`: `{name}` is the entry's name and `{}` its values); `{field:Example}` offers
//! `Example` in a completion snippet; `{…}` is the statement's block.

use super::keys::{self, Key, Object};
use crate::syntax::dsl::Block;

/// How a statement says its key's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Its template's placeholders hold the value.
    Setting,
    /// Being there says the value: `disabled` (false), `stop processing` (true).
    Flag(&'static str),
    /// A condition or exception: written after `if` or `except`.
    Predicate,
    /// An item or block opener: a connector, a rule, `organization`, `on-premises`.
    Item,
}

/// Where a rule's layout puts a statement: settings, conditions, exceptions, actions, then
/// the flags and comments. Statements of other blocks are all settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Settings,
    Conditions,
    Exceptions,
    Actions,
    Closing,
}

#[derive(Debug)]
pub struct Statement {
    /// The grammar's node kind; for a condition or exception, its predicate's kind.
    pub kind: &'static str,
    /// How messages name it (for a condition: the words after `if`).
    pub words: &'static str,
    /// How completion lists it.
    pub label: &'static str,
    pub block: Block,
    /// The key it writes.
    pub object: Object,
    pub key: &'static str,
    pub form: Form,
    pub template: &'static str,
    /// Whether a block may hold it more than once (items; `other` once per name).
    pub repeatable: bool,
    pub group: Group,
}

const fn row(
    kind: &'static str,
    words: &'static str,
    block: Block,
    object: Object,
    key: &'static str,
    form: Form,
    template: &'static str,
) -> Statement {
    Statement {
        kind,
        words,
        label: words,
        block,
        object,
        key,
        form,
        template,
        repeatable: false,
        group: Group::Settings,
    }
}

impl Statement {
    /// Completion lists it otherwise than messages name it.
    const fn label(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    const fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    const fn group(mut self, group: Group) -> Self {
        self.group = group;
        self
    }

    /// The key of the catalogue the statement writes.
    pub fn catalogue_key(&self) -> &'static Key {
        keys::lookup(self.object, self.key).expect("every statement's key is in the catalogue")
    }

    /// The node kind that stands in a block for this statement: a condition's is
    /// `condition` (its predicate's kind is [`Statement::kind`]).
    pub fn statement_kind(&self, exception: bool) -> &'static str {
        match (self.form, exception) {
            (Form::Predicate, false) => "condition",
            (Form::Predicate, true) => "exception",
            _ => self.kind,
        }
    }

    /// The words before the first placeholder.
    pub fn leading_words(&self) -> impl Iterator<Item = &'static str> {
        self.template.split(' ').take_while(|token| !token.starts_with('{'))
    }

    /// Whether the key's own value (not a field of it) comes right after the leading words.
    pub fn takes_value_next(&self) -> bool {
        self.template.split(' ').find_map(placeholder).is_some_and(|(field, _)| field.is_empty())
    }

    /// The template's placeholders, in order: each with its field (`""` for the value)
    /// and its example.
    pub fn placeholders(&self) -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
        self.template.split(' ').filter_map(placeholder)
    }

    /// The statement written with `values`: one per placeholder, in order, each as the DSL
    /// writes it (a word, a quoted string, several strings separated by spaces); a `None`
    /// leaves its placeholder out, with the words between it and the placeholder before it
    /// (a rule without a priority is `rule "N"`). The block `{…}` is left to the caller.
    /// `place` is the `if` or `except` of a condition or exception.
    pub fn write(&self, place: Option<Place>, values: &[Option<&str>]) -> String {
        let mut words: Vec<&str> = place.map(Place::keyword).into_iter().collect();
        let mut values = values.iter();
        // Words after a placeholder wait for the next one: they belong to it.
        let mut pending: Vec<&str> = Vec::new();
        let mut after_placeholder = false;
        for token in self.template.split(' ') {
            if token == "{…}" {
                continue;
            }
            match placeholder(token) {
                Some(_) => {
                    let value = values.next().copied().flatten();
                    if let Some(value) = value {
                        words.append(&mut pending);
                        words.push(value);
                    }
                    pending.clear();
                    after_placeholder = true;
                }
                None if after_placeholder => pending.push(token),
                None => words.push(token),
            }
        }
        words.append(&mut pending);
        words.join(" ")
    }
}

/// Where a condition stands: after `if`, or after `except`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    Condition,
    Exception,
}

impl Place {
    pub fn keyword(self) -> &'static str {
        match self {
            Place::Condition => "if",
            Place::Exception => "except",
        }
    }

    /// The YAML key of the mapping that holds it.
    pub fn yaml_key(self) -> &'static str {
        match self {
            Place::Condition => "conditions",
            Place::Exception => "exceptions",
        }
    }

    pub fn group(self) -> Group {
        match self {
            Place::Condition => Group::Conditions,
            Place::Exception => Group::Exceptions,
        }
    }
}

/// `{field:Example}` as `(field, Some(Example))`; `None` for a word or the block.
fn placeholder(token: &str) -> Option<(&str, Option<&str>)> {
    let inner = token.strip_prefix('{')?.strip_suffix('}')?;
    if inner == "…" {
        return None;
    }
    Some(match inner.split_once(':') {
        Some((field, example)) => (field, Some(example)),
        None => (inner, None),
    })
}

use Block as B;
use Form::*;
use Object as O;

/// Every statement, in the order messages list a block's statements.
pub static STATEMENTS: &[Statement] = &[
    row("version", "mailflow", B::Root, O::Root, "mailflow", Setting, "mailflow {:1}").label("mailflow 1"),
    row("organization", "organization", B::Root, O::Root, "organization", Item, "organization {name} {…}"),
    row("connector", "connector", B::Root, O::Root, "connectors", Item, "connector {name:Name} {…}")
        .label("connector \"…\"")
        .repeatable(),
    row("rule", "rule", B::Root, O::Root, "transportRules", Item, "rule {name:Name} priority {priority} {…}")
        .label("rule \"…\" priority")
        .repeatable(),
    row("domains", "domains", B::Organization, O::Organization, "domains", Setting, "domains {}"),
    row("on_premises", "on-premises", B::Organization, O::Organization, "onPremises", Item, "on-premises {…}"),
    row(
        "relays_through",
        "relays-through",
        B::OnPremises,
        O::OnPremises,
        "relaysThrough",
        Setting,
        "relays-through {}",
    ),
    row("enabled", "enabled", B::Connector, O::Connector, "enabled", Setting, "enabled {}"),
    row("disabled", "disabled", B::Connector, O::Connector, "enabled", Flag("false"), "disabled"),
    row("type", "type", B::Connector, O::Connector, "type", Setting, "type {}"),
    row("use", "use", B::Connector, O::Connector, "use", Setting, "use {}"),
    row(
        "recipient_domains",
        "recipient-domains",
        B::Connector,
        O::Connector,
        "recipientDomains",
        Setting,
        "recipient-domains {}",
    ),
    row("smart_hosts", "smart-hosts", B::Connector, O::Connector, "smartHosts", Setting, "smart-hosts {}"),
    row("service", "service", B::Connector, O::Connector, "service", Setting, "service {kind} {vendor} {…}"),
    row("domain", "domain", B::Service, O::Service, "domain", Setting, "domain {}"),
    row(
        "processed_header",
        "processed-header",
        B::Service,
        O::Service,
        "processedHeader",
        Setting,
        "processed-header {name:X-Name} {value:true}",
    ),
    row(
        "returns_to_exchange",
        "returns-to-exchange",
        B::Service,
        O::Service,
        "returnsToExchange",
        Setting,
        "returns-to-exchange {}",
    ),
    row("relay_domains", "relay-domains", B::Service, O::Service, "relayDomains", Setting, "relay-domains {}"),
    row("enabled", "enabled", B::Rule, O::Rule, "enabled", Setting, "enabled {}"),
    row("disabled", "disabled", B::Rule, O::Rule, "enabled", Flag("false"), "disabled"),
    row("mode", "mode", B::Rule, O::Rule, "mode", Setting, "mode {}"),
    row("sender_is", "sender is", B::Rule, O::Predicates, "senderIs", Predicate, "sender is {}"),
    row("recipient_is", "recipient is", B::Rule, O::Predicates, "recipientIs", Predicate, "recipient is {}"),
    row(
        "sender_domain_is",
        "sender domain is",
        B::Rule,
        O::Predicates,
        "senderDomainIs",
        Predicate,
        "sender domain is {}",
    ),
    row(
        "recipient_domain_is",
        "recipient domain is",
        B::Rule,
        O::Predicates,
        "recipientDomainIs",
        Predicate,
        "recipient domain is {}",
    ),
    row(
        "recipient_address_matches",
        "recipient address matches",
        B::Rule,
        O::Predicates,
        "recipientAddressMatches",
        Predicate,
        "recipient address matches {}",
    ),
    row(
        "header_contains",
        "header … contains",
        B::Rule,
        O::Predicates,
        "headerContains",
        Predicate,
        "header {header:X-Name} contains {words}",
    )
    .label("header \"…\" contains"),
    row(
        "header_matches",
        "header … matches",
        B::Rule,
        O::Predicates,
        "headerMatches",
        Predicate,
        "header {header:X-Name} matches {patterns}",
    )
    .label("header \"…\" matches"),
    row(
        "message_type_matches",
        "message type is",
        B::Rule,
        O::Predicates,
        "messageTypeMatches",
        Predicate,
        "message type is {}",
    ),
    row(
        "sender_is_member_of",
        "sender is member of",
        B::Rule,
        O::Predicates,
        "senderIsMemberOf",
        Predicate,
        "sender is member of {}",
    ),
    row("from", "from", B::Rule, O::Predicates, "from", Predicate, "from {}"),
    row(
        "sender_address_matches",
        "sender address matches",
        B::Rule,
        O::Predicates,
        "senderAddressMatches",
        Predicate,
        "sender address matches {}",
    ),
    row(
        "message_size_over",
        "message size over",
        B::Rule,
        O::Predicates,
        "messageSizeOver",
        Predicate,
        "message size over {:25MB}",
    ),
    row("other_predicate", "other", B::Rule, O::Predicates, "other", Predicate, "other {name:Name} {}").repeatable(),
    row(
        "set_header_action",
        "set header",
        B::Rule,
        O::Actions,
        "setHeader",
        Setting,
        "set header {name:X-Name} to {value:true}",
    )
    .label("set header \"…\" to \"…\"")
    .group(Group::Actions),
    row("redirect_action", "redirect to", B::Rule, O::Actions, "redirectToConnector", Setting, "redirect to {}")
        .label("redirect to \"…\"")
        .group(Group::Actions),
    row(
        "remove_header_action",
        "remove header",
        B::Rule,
        O::Actions,
        "removeHeader",
        Setting,
        "remove header {:X-Name}",
    )
    .group(Group::Actions),
    row("other_action", "do other", B::Rule, O::Actions, "other", Setting, "do other {name:Name} {}")
        .repeatable()
        .group(Group::Actions),
    row(
        "stop_processing",
        "stop processing",
        B::Rule,
        O::Rule,
        "stopProcessingMoreRules",
        Flag("true"),
        "stop processing",
    )
    .group(Group::Closing),
    row("defer_on_error", "defer on error", B::Rule, O::Rule, "deferOnError", Flag("true"), "defer on error")
        .group(Group::Closing),
    row("comments", "comments", B::Rule, O::Rule, "comments", Setting, "comments {}").group(Group::Closing),
];

/// The statements of a block, in order.
pub fn in_block(block: Block) -> impl Iterator<Item = &'static Statement> {
    STATEMENTS.iter().filter(move |s| s.block == block)
}

/// The statement of this node kind in this block (for a condition: its predicate's kind).
pub fn by_kind(block: Block, kind: &str) -> Option<&'static Statement> {
    in_block(block).find(|s| s.kind == kind)
}

/// The statement that writes `key` of `object` with its own value (not a flag).
pub fn for_key(object: Object, key: &str) -> Option<&'static Statement> {
    STATEMENTS.iter().find(|s| s.object == object && s.key == key && !matches!(s.form, Flag(_)))
}

/// The keys the DSL writes inside another statement rather than with one of their own,
/// with that statement's node kind: names and priorities on their item's first line, a
/// service's kind and vendor as its words, a header's and a test's fields as its values,
/// and the mappings of a rule's conditions, exceptions and actions, whose entries are
/// statements of their own.
pub static WRITTEN_INSIDE: &[(Object, &str, &str)] = &[
    (O::Organization, "name", "organization"),
    (O::Connector, "name", "connector"),
    (O::Rule, "name", "rule"),
    (O::Rule, "priority", "rule"),
    (O::Rule, "conditions", "condition"),
    (O::Rule, "exceptions", "exception"),
    (O::Rule, "actions", "set_header_action"),
    (O::Service, "kind", "service"),
    (O::Service, "vendor", "service"),
    (O::Header, "name", "processed_header"),
    (O::Header, "value", "processed_header"),
    (O::HeaderContains, "header", "header_contains"),
    (O::HeaderContains, "words", "header_contains"),
    (O::HeaderMatches, "header", "header_matches"),
    (O::HeaderMatches, "patterns", "header_matches"),
];

/// Where a statement stands, in a message.
pub fn place_words(block: Block) -> &'static str {
    match block {
        Block::Root => "the top level",
        Block::Organization => "`organization`",
        Block::OnPremises => "`on-premises`",
        Block::Connector => "a connector",
        Block::Service => "a connector's `service`",
        Block::Rule => "a rule",
    }
}

/// What starts each statement of a block, in order, as messages list them: a condition's
/// and an exception's `if` and `except` once each, where the first condition stands.
pub fn written_in(block: Block) -> Vec<&'static str> {
    let mut written = Vec::new();
    for statement in in_block(block) {
        let words: &[&'static str] = match statement.form {
            Predicate => &["if", "except"],
            _ => std::slice::from_ref(&statement.words),
        };
        for word in words {
            if !written.contains(word) {
                written.push(word);
            }
        }
    }
    written
}

/// The blocks a statement starting with this node kind (`condition` and `exception`
/// included) may stand in.
pub fn homes(kind: &str) -> Vec<Block> {
    let mut homes = Vec::new();
    for statement in STATEMENTS {
        let stands =
            statement.kind == kind || (statement.form == Predicate && matches!(kind, "condition" | "exception"));
        if stands && !homes.contains(&statement.block) {
            homes.push(statement.block);
        }
    }
    homes
}

/// The words that start a statement of this node kind, as messages name it.
pub fn starting_words(kind: &str) -> Option<&'static str> {
    match kind {
        "condition" => Some("if"),
        "exception" => Some("except"),
        _ => STATEMENTS.iter().find(|s| s.kind == kind && s.form != Predicate).map(|s| s.words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_key_of_the_catalogue_and_its_placeholders_its_fields() {
        for statement in STATEMENTS {
            let key = statement.catalogue_key();
            for (field, _) in statement.placeholders() {
                if field.is_empty() {
                    continue;
                }
                let fields = match (statement.form, key.shape) {
                    (Form::Item, _) => keys::keys(match statement.block {
                        Block::Root => match statement.key {
                            "organization" => Object::Organization,
                            "connectors" => Object::Connector,
                            _ => Object::Rule,
                        },
                        _ => Object::OnPremises,
                    }),
                    (_, keys::ValueShape::Object(object)) => keys::keys(object),
                    // An open map's entry: its name and its value.
                    (_, keys::ValueShape::OpenMap) => {
                        assert_eq!(field, "name", "{}", statement.template);
                        continue;
                    }
                    _ => panic!("`{}` has a field placeholder but its key takes no mapping", statement.template),
                };
                assert!(fields.iter().any(|k| k.name == field), "`{field}` of `{}`", statement.template);
            }
        }
    }

    #[test]
    fn written_statements_and_their_homes() {
        assert_eq!(
            written_in(Block::Rule),
            [
                "enabled",
                "disabled",
                "mode",
                "if",
                "except",
                "set header",
                "redirect to",
                "remove header",
                "do other",
                "stop processing",
                "defer on error",
                "comments"
            ]
        );
        assert_eq!(homes("enabled"), [Block::Connector, Block::Rule]);
        assert_eq!(homes("exception"), [Block::Rule]);
        let header = for_key(Object::Predicates, "headerContains").unwrap();
        assert_eq!(
            header.write(Some(Place::Exception), &[Some("\"X\""), Some("\"a\" \"b\"")]),
            "except header \"X\" contains \"a\" \"b\""
        );
        let rule = for_key(Object::Root, "transportRules").unwrap();
        assert_eq!(rule.write(None, &[Some("\"R\""), None]), "rule \"R\"");
        assert_eq!(rule.write(None, &[Some("\"R\""), Some("0")]), "rule \"R\" priority 0");
        let organization = for_key(Object::Root, "organization").unwrap();
        assert_eq!(organization.write(None, &[None]), "organization");
        let service = for_key(Object::Connector, "service").unwrap();
        assert_eq!(service.write(None, &[None, Some("codetwo")]), "service codetwo");
    }
}
