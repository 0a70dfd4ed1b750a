//! Messages built from typed pieces, worded for the syntax of the checked file.
//!
//! The checks read the model, not the syntax it came from, but their findings and fix
//! titles name keys and settings, which the two syntaxes spell differently: YAML says
//! `deferOnError: true` where the DSL says `defer on error`. So a message is not a finished
//! string but a [`Message`] of pieces that say what each part is, and [`Message::render`]
//! words it for one syntax. The DSL's words for a key come from [`dsl_spelling`], one
//! table tied by tests to the key catalogue and the DSL lowering.
//!
//! # Writing a message
//!
//! A check renders its message for the syntax its [`super::Findings`] carries
//! (`message.render(out.syntax())`), a fix its title for [`FixContext::syntax`]. Build the
//! message piece by piece:
//!
//! - [`Message::text`]: plain words, the same in both syntaxes. Plain text holds no
//!   backticks: whatever is quoted is one of the pieces below. Text that is not ours (a
//!   library's error) is [`Message::verbatim`].
//! - [`Message::written`]: the user's own text, quoted as written (a rule's, connector's or
//!   header's name, a header with its value, a domain): never respelt, even when it reads
//!   like a key; [`Message::written_each`] quotes several.
//! - [`Message::code`]: a word of ours quoted as it is in both syntaxes (a value such as
//!   `inside`, a character such as `:`).
//! - [`Message::key`]: a key of the catalogue, by its object: `recipientDomains` of a
//!   connector is `recipient-domains` in the DSL.
//! - [`Message::setting`]: a key with its value ([`Value`], as the fixes write it):
//!   `mode: enforce` is `mode enforce`. The DSL says `true` of a flag by writing it:
//!   `stopProcessingMoreRules: true` is `stop processing`.
//! - [`Message::predicate`] and [`Message::predicate_setting`]: a condition or exception,
//!   whose YAML key is the same in both places, with its [`Place`] stated: the DSL starts it
//!   with `if` or `except`, or, for [`Place::Either`], gives the words after them.
//! - [`Message::article`]: "a" or "an", agreeing with the piece after it in each syntax
//!   ("a `senderIs`" is "an `if sender is`").
//!
//! A key or setting the DSL cannot say in one statement stays in its YAML words.
//!
//! ```
//! use mailflow::fixes::Value;
//! use mailflow::rules::message::{Message, Place};
//! use mailflow::syntax::Syntax;
//!
//! let message = Message::new()
//!     .written("Mimecast smart host")
//!     .text(" has ")
//!     .article()
//!     .predicate(Place::Condition, "senderIs")
//!     .text(" other than ")
//!     .code("inside")
//!     .text("; set ")
//!     .predicate_setting(Place::Condition, "senderIs", Value::str("inside"));
//! assert_eq!(
//!     message.render(Syntax::Yaml),
//!     "`Mimecast smart host` has a `senderIs` other than `inside`; set `senderIs: inside`"
//! );
//! assert_eq!(
//!     message.render(Syntax::Dsl),
//!     "`Mimecast smart host` has an `if sender is` other than `inside`; set `if sender is inside`"
//! );
//! ```
//!
//! [`FixContext::syntax`]: crate::fixes::FixContext::syntax

use std::borrow::Cow;

use super::dsl_spelling::dsl_spelling;
use crate::fixes::{scalar, Value};
use crate::model::keys::{self, Key, Object, ValueShape};
use crate::syntax::dsl::quote;
use crate::syntax::Syntax;

/// A message of a finding or a fix title, made of typed pieces (see the module's page).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    pieces: Vec<Piece>,
}

/// Where a condition stands. Its YAML key is the same under `conditions` and `exceptions`;
/// in the DSL, it starts with `if` or `except`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Among the conditions: `if …`.
    Condition,
    /// Among the exceptions: `except …`.
    Exception,
    /// Wherever it stands (a message about what is written, which may be either): only the
    /// words after `if` or `except`.
    Either,
}

impl Place {
    fn keyword(self) -> &'static str {
        match self {
            Place::Condition => "if ",
            Place::Exception => "except ",
            Place::Either => "",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(Cow<'static, str>),
    /// Quoted as it is in both syntaxes: the user's text or a word of ours.
    Quoted(String),
    Key {
        at: At,
        key: &'static str,
    },
    Setting {
        at: At,
        key: &'static str,
        value: Value,
    },
    Article,
}

/// Whose key a piece names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Object(Object),
    Predicate(Place),
}

impl At {
    fn object(self) -> Object {
        match self {
            At::Object(object) => object,
            At::Predicate(_) => Object::Predicates,
        }
    }

    /// What the DSL writes before the statement.
    fn keyword(self) -> &'static str {
        match self {
            At::Object(_) => "",
            At::Predicate(place) => place.keyword(),
        }
    }

    fn of(object: Object) -> At {
        debug_assert!(object != Object::Predicates, "a condition or exception says its place: use `predicate`");
        At::Object(object)
    }
}

impl Message {
    pub fn new() -> Message {
        Message::default()
    }

    fn with(mut self, piece: Piece) -> Message {
        self.pieces.push(piece);
        self
    }

    /// Plain words, the same in both syntaxes; they hold no backticks.
    pub fn text(self, words: impl Into<Cow<'static, str>>) -> Message {
        let words = words.into();
        debug_assert!(!words.contains('`'), "quoted text is a piece of its own: {words}");
        self.with(Piece::Text(words))
    }

    /// The user's own text (a name, a header, a domain), quoted as written.
    pub fn written(self, text: impl Into<String>) -> Message {
        self.with(Piece::Quoted(text.into()))
    }

    /// Several texts of the user's, each quoted as written, with `separator` between them.
    pub fn written_each<T: Into<String>>(self, texts: impl IntoIterator<Item = T>, separator: &'static str) -> Message {
        texts.into_iter().enumerate().fold(self, |message, (index, text)| {
            let message = if index == 0 { message } else { message.text(separator) };
            message.written(text)
        })
    }

    /// Text that is not ours, unquoted and as it is (a library's error, an address made of
    /// the file's domains): unlike [`Message::text`], it may hold backticks.
    pub fn verbatim(self, text: impl Into<String>) -> Message {
        self.with(Piece::Text(Cow::Owned(text.into())))
    }

    /// A word of ours quoted as it is in both syntaxes: a value, a character.
    pub fn code(self, word: impl Into<String>) -> Message {
        self.with(Piece::Quoted(word.into()))
    }

    /// The key `key` of `object` (not a condition's: see [`Message::predicate`]).
    pub fn key(self, object: Object, key: &'static str) -> Message {
        self.with(Piece::Key { at: At::of(object), key })
    }

    /// The key `key` of `object` with `value` (not a condition's: see
    /// [`Message::predicate_setting`]).
    pub fn setting(self, object: Object, key: &'static str, value: Value) -> Message {
        self.with(Piece::Setting { at: At::of(object), key, value })
    }

    /// The condition or exception `key` (a key of [`Object::Predicates`]) at `place`.
    pub fn predicate(self, place: Place, key: &'static str) -> Message {
        self.with(Piece::Key { at: At::Predicate(place), key })
    }

    /// The condition or exception `key` with `value`, at `place`.
    pub fn predicate_setting(self, place: Place, key: &'static str, value: Value) -> Message {
        self.with(Piece::Setting { at: At::Predicate(place), key, value })
    }

    /// "a" or "an" and a space, agreeing with the piece that follows.
    pub fn article(self) -> Message {
        self.with(Piece::Article)
    }

    /// This message followed by the pieces of `rest`.
    pub fn then(mut self, rest: Message) -> Message {
        self.pieces.extend(rest.pieces);
        self
    }

    /// The message in the words of `syntax`.
    pub fn render(&self, syntax: Syntax) -> String {
        let mut out = String::with_capacity(128);
        let mut article = false;
        for piece in &self.pieces {
            if let Piece::Article = piece {
                article = true;
                continue;
            }
            let start = out.len();
            piece.say(syntax, &mut out);
            if article {
                // A `u` takes "a": `use` is said with a consonant.
                let word = out[start..].trim_start_matches('`');
                out.insert_str(start, if word.starts_with(['a', 'e', 'i', 'o']) { "an " } else { "a " });
                article = false;
            }
        }
        debug_assert!(!article, "an article ends the message");
        out
    }
}

impl Piece {
    /// Writes the piece in the words of `syntax` to `out` (a finding's message is rendered
    /// for every finding of every check: no piece is built apart first).
    fn say(&self, syntax: Syntax, out: &mut String) {
        let dsl = syntax == Syntax::Dsl;
        let quoted = |out: &mut String, parts: &[&str]| {
            out.push('`');
            parts.iter().for_each(|part| out.push_str(part));
            out.push('`');
        };
        match self {
            Piece::Text(words) => out.push_str(words),
            Piece::Quoted(text) => quoted(out, &[text]),
            Piece::Key { at, key } => match dsl.then(|| dsl_spelling(at.object(), key)?.0).flatten() {
                Some(name) => quoted(out, &[at.keyword(), name]),
                None => quoted(out, &[key]),
            },
            Piece::Setting { at, key, value } => match dsl.then(|| dsl_statement(at.object(), key, value)).flatten() {
                Some(statement) => quoted(out, &[at.keyword(), &statement]),
                None => quoted(out, &[key, ": ", &yaml_value(value)]),
            },
            Piece::Article => {}
        }
    }
}

/// A value as YAML writes it in a message: in flow style, strings plain where YAML reads
/// them back as the same string.
fn yaml_value(value: &Value) -> String {
    let joined = |items: Vec<String>| items.join(", ");
    match value {
        Value::Str(text) => scalar(text),
        Value::Bool(value) => value.to_string(),
        Value::Int(number) => number.to_string(),
        Value::List(items) => format!("[{}]", joined(items.iter().map(yaml_value).collect())),
        Value::Map(entries) | Value::FlowMap(entries) => {
            format!(
                "{{{}}}",
                joined(entries.iter().map(|(key, value)| format!("{key}: {}", yaml_value(value))).collect())
            )
        }
    }
}

/// The DSL statement that gives the key `key` of `object` the value `value`; `None` when no
/// single statement says it.
fn dsl_statement(object: Object, key: &str, value: &Value) -> Option<String> {
    let template = dsl_spelling(object, key)?.1?;
    fill(&template, keys::lookup(object, key)?, value)
}

/// `template` with its placeholders filled in from `value`, the value of `key`: `{}` stands
/// for the value, `{field}` for a field of a mapping value. A template with no placeholder,
/// for a boolean key, says `true`.
fn fill(template: &str, key: &Key, value: &Value) -> Option<String> {
    if !template.contains('{') {
        return matches!(value, Value::Bool(true)).then(|| template.to_owned());
    }
    let fields: &[(String, Value)] = match value {
        Value::Map(entries) | Value::FlowMap(entries) => entries,
        _ => &[],
    };
    // Every field of a mapping must have its place in the statement.
    let placed = |field: &str| template.split(' ').any(|word| word == format!("{{{field}}}"));
    if !fields.iter().all(|(field, _)| placed(field)) {
        return None;
    }
    let mut words = Vec::new();
    let mut filled = false;
    for word in template.split(' ') {
        let Some(placeholder) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) else {
            words.push(word.to_owned());
            continue;
        };
        if placeholder.is_empty() {
            words.push(value_words(key.shape, value)?);
            filled = true;
            continue;
        }
        let ValueShape::Object(object) = key.shape else { return None };
        let field = keys::lookup(object, placeholder)?;
        match fields.iter().find(|(name, _)| name == placeholder) {
            Some((_, value)) => {
                words.push(value_words(field.shape, value)?);
                filled = true;
            }
            None if field.required => return None,
            None => {}
        }
    }
    filled.then(|| words.join(" "))
}

/// A value as the DSL writes it for a key of this shape: a word of its enumeration or a
/// boolean bare, text in double quotes, a list as its items one after the other.
fn value_words(shape: ValueShape, value: &Value) -> Option<String> {
    match (shape, value) {
        (ValueShape::Bool { .. }, Value::Bool(value)) => Some(value.to_string()),
        (ValueShape::OneOf(allowed), Value::Str(word)) => {
            allowed.iter().any(|(allowed, _)| allowed == word).then(|| word.clone())
        }
        (ValueShape::Integer { min }, Value::Int(number)) => (*number >= min).then(|| number.to_string()),
        (ValueShape::Text { .. } | ValueShape::TextList | ValueShape::Size, Value::Str(_) | Value::Int(_)) => {
            text(value).map(|t| quote(&t))
        }
        (ValueShape::TextList, Value::List(items)) if !items.is_empty() => {
            let quoted: Option<Vec<String>> = items.iter().map(|item| text(item).map(|t| quote(&t))).collect();
            Some(quoted?.join(" "))
        }
        _ => None,
    }
}

/// A string, or an integer taken as the text it is (as both syntaxes read one where text
/// belongs).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Str(text) => Some(text.clone()),
        Value::Int(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Selection};

    /// `message` is `yaml` in a YAML file and `dsl` in a DSL file.
    fn said(message: Message, yaml: &str, dsl: &str) {
        assert_eq!(message.render(Syntax::Yaml), yaml);
        assert_eq!(message.render(Syntax::Dsl), dsl, "{yaml}");
    }

    fn words(text: &'static str) -> Message {
        Message::new().text(text)
    }

    #[test]
    fn a_setting_is_its_statement_and_a_flag_says_true_by_being_there() {
        let setting = |object, key, value| Message::new().setting(object, key, value);
        said(
            words("set ").setting(Object::Rule, "deferOnError", Value::Bool(true)),
            "set `deferOnError: true`",
            "set `defer on error`",
        );
        said(
            words("set ").setting(Object::Rule, "stopProcessingMoreRules", Value::Bool(true)),
            "set `stopProcessingMoreRules: true`",
            "set `stop processing`",
        );
        said(
            words("set ").setting(Object::Connector, "use", Value::str("transport-rule")),
            "set `use: transport-rule`",
            "set `use transport-rule`",
        );
        said(
            words("set ").setting(Object::Rule, "mode", Value::str("enforce")),
            "set `mode: enforce`",
            "set `mode enforce`",
        );
        said(setting(Object::Connector, "enabled", Value::Bool(false)), "`enabled: false`", "`enabled false`");
        said(setting(Object::Root, "mailflow", Value::Int(1)), "`mailflow: 1`", "`mailflow 1`");
        said(
            setting(Object::Service, "returnsToExchange", Value::Bool(false)),
            "`returnsToExchange: false`",
            "`returns-to-exchange false`",
        );
        said(
            words("add ").article().key(Object::Connector, "service").text(" block with ").setting(
                Object::Service,
                "vendor",
                Value::str("mimecast"),
            ),
            "add a `service` block with `vendor: mimecast`",
            "add a `service` block with `service mimecast`",
        );
        said(setting(Object::Service, "kind", Value::str("smart-host")), "`kind: smart-host`", "`service smart-host`");
        let service = Value::flow_map([("kind", Value::str("smart-host")), ("vendor", Value::str("mimecast"))]);
        said(
            setting(Object::Connector, "service", service),
            "`service: {kind: smart-host, vendor: mimecast}`",
            "`service smart-host mimecast`",
        );
        said(
            setting(Object::Connector, "service", Value::flow_map([("vendor", Value::str("codetwo"))])),
            "`service: {vendor: codetwo}`",
            "`service codetwo`",
        );
    }

    #[test]
    fn text_is_quoted_in_the_dsl_and_where_yaml_needs_it() {
        let setting = |object, key, value| Message::new().setting(object, key, value);
        said(
            setting(Object::Actions, "redirectToConnector", Value::str("Mimecast outbound")),
            "`redirectToConnector: Mimecast outbound`",
            r#"`redirect to "Mimecast outbound"`"#,
        );
        said(
            setting(Object::Rule, "comments", Value::str(r#"say "hi""#)),
            r#"`comments: say "hi"`"#,
            r#"`comments "say \"hi\""`"#,
        );
        said(
            setting(Object::Rule, "comments", Value::str("one\ttwo \\ three")),
            r#"`comments: "one\ttwo \\ three"`"#,
            r#"`comments "one\ttwo \\ three"`"#,
        );
        // A number where text belongs is the text it is.
        said(
            setting(Object::OnPremises, "relaysThrough", Value::Int(2024)),
            "`relaysThrough: 2024`",
            r#"`relays-through "2024"`"#,
        );
        said(
            setting(Object::Service, "relayDomains", Value::str("x.example")),
            "`relayDomains: x.example`",
            r#"`relay-domains "x.example"`"#,
        );
        let hosts = Value::List(["a.example", "b.example", "c.example"].map(Value::str).to_vec());
        said(
            setting(Object::Connector, "smartHosts", hosts),
            "`smartHosts: [a.example, b.example, c.example]`",
            r#"`smart-hosts "a.example" "b.example" "c.example"`"#,
        );
        let mark = Value::flow_map([("name", Value::str("X-AntiLoop")), ("value", Value::str("true"))]);
        said(
            setting(Object::Actions, "setHeader", mark),
            r#"`setHeader: {name: X-AntiLoop, value: "true"}`"#,
            r#"`set header "X-AntiLoop" to "true"`"#,
        );
        let processed = Value::flow_map([("value", Value::Int(1)), ("name", Value::str("X-Processed"))]);
        said(
            setting(Object::Service, "processedHeader", processed),
            "`processedHeader: {value: 1, name: X-Processed}`",
            r#"`processed-header "X-Processed" "1"`"#,
        );
    }

    #[test]
    fn a_condition_starts_with_if_or_except_as_the_rule_says() {
        said(
            words("add ").predicate_setting(Place::Condition, "senderIs", Value::str("inside")),
            "add `senderIs: inside`",
            "add `if sender is inside`",
        );
        said(
            words("set ").predicate_setting(Place::Condition, "recipientIs", Value::str("outside")),
            "set `recipientIs: outside`",
            "set `if recipient is outside`",
        );
        // Naming what is written, under either keyword.
        said(
            Message::new()
                .predicate_setting(Place::Either, "recipientIs", Value::str("external-partner"))
                .text(" exists only"),
            "`recipientIs: external-partner` exists only",
            "`recipient is external-partner` exists only",
        );
        said(
            Message::new().predicate_setting(Place::Either, "messageTypeMatches", Value::str("oof")).text(" is"),
            "`messageTypeMatches: oof` is",
            "`message type is oof` is",
        );
        let test = Value::flow_map([
            ("header", Value::str("X-CodeTwoProcessed")),
            ("words", Value::List(vec![Value::str("true")])),
        ]);
        said(
            words("add the exception ").predicate_setting(Place::Exception, "headerContains", test),
            r#"add the exception `headerContains: {header: X-CodeTwoProcessed, words: ["true"]}`"#,
            r#"add the exception `except header "X-CodeTwoProcessed" contains "true"`"#,
        );
        let test = Value::flow_map([
            ("header", Value::str("X-Spam")),
            ("patterns", Value::List(vec![Value::str("^yes$"), Value::str("a\\.b")])),
        ]);
        said(
            words("add ").predicate_setting(Place::Condition, "headerMatches", test),
            r#"add `headerMatches: {header: X-Spam, patterns: [^yes$, a\.b]}`"#,
            r#"add `if header "X-Spam" matches "^yes$" "a\\.b"`"#,
        );
        let domains = Value::List(vec![Value::str("contoso.com"), Value::str("*.fabrikam.com")]);
        said(
            words("add ").predicate_setting(Place::Condition, "recipientDomainIs", domains),
            r#"add `recipientDomainIs: [contoso.com, "*.fabrikam.com"]`"#,
            r#"add `if recipient domain is "contoso.com" "*.fabrikam.com"`"#,
        );
        said(
            words("add ").predicate_setting(Place::Condition, "recipientAddressMatches", Value::str("^billing@")),
            "add `recipientAddressMatches: ^billing@`",
            r#"add `if recipient address matches "^billing@"`"#,
        );
    }

    #[test]
    fn a_key_alone_is_its_statements_name_and_the_article_follows() {
        said(
            words("its ")
                .key(Object::Connector, "recipientDomains")
                .text(" do nothing; move them into its rule as ")
                .predicate(Place::Condition, "recipientDomainIs"),
            "its `recipientDomains` do nothing; move them into its rule as `recipientDomainIs`",
            "its `recipient-domains` do nothing; move them into its rule as `if recipient domain is`",
        );
        said(
            words("add it to ").key(Object::Service, "relayDomains"),
            "add it to `relayDomains`",
            "add it to `relay-domains`",
        );
        said(
            words("add ").key(Object::Actions, "setHeader").text(" with a header"),
            "add `setHeader` with a header",
            "add `set header` with a header",
        );
        said(words("no ").key(Object::Connector, "smartHosts"), "no `smartHosts`", "no `smart-hosts`");
        said(
            words("the exception ").predicate(Place::Exception, "headerContains"),
            "the exception `headerContains`",
            "the exception `except header … contains`",
        );
        said(
            words("has ").article().predicate(Place::Condition, "senderIs").text(" other than ").code("inside"),
            "has a `senderIs` other than `inside`",
            "has an `if sender is` other than `inside`",
        );
        said(
            Message::new().article().key(Object::Organization, "onPremises").text(" block"),
            "an `onPremises` block",
            "an `on-premises` block",
        );
        said(
            Message::new().article().key(Object::Rule, "stopProcessingMoreRules"),
            "a `stopProcessingMoreRules`",
            "a `stop processing`",
        );
        // The object says which `other` it is.
        said(Message::new().article().key(Object::Actions, "other"), "an `other`", "a `do other`");
        said(Message::new().article().predicate(Place::Condition, "other"), "an `other`", "an `if other`");
        said(
            words("the ").key(Object::Root, "transportRules").text(" and ").key(Object::Root, "connectors"),
            "the `transportRules` and `connectors`",
            "the `rule` and `connector`",
        );
    }

    #[test]
    fn what_the_dsl_cannot_say_in_one_statement_stays_in_yaml_words() {
        let same = |message: Message, yaml: &str| said(message, yaml, yaml);
        same(
            Message::new()
                .key(Object::Service, "kind")
                .text(" and ")
                .key(Object::Service, "vendor")
                .text(" and ")
                .key(Object::Rule, "priority")
                .text(" and ")
                .key(Object::Rule, "name"),
            "`kind` and `vendor` and `priority` and `name`",
        );
        let setting = |object, key, value| Message::new().setting(object, key, value);
        // The DSL says false by leaving the statement out.
        same(setting(Object::Rule, "stopProcessingMoreRules", Value::Bool(false)), "`stopProcessingMoreRules: false`");
        same(setting(Object::Rule, "mode", Value::str("enforcee")), "`mode: enforcee`");
        same(
            Message::new().predicate_setting(Place::Condition, "senderIs", Value::List(vec![Value::str("inside")])),
            "`senderIs: [inside]`",
        );
        same(
            setting(Object::Rule, "comments", Value::List(vec![Value::str("a"), Value::str("b")])),
            "`comments: [a, b]`",
        );
        same(
            setting(Object::Actions, "setHeader", Value::flow_map([("name", Value::str("X-A"))])),
            "`setHeader: {name: X-A}`",
        );
        let service = Value::flow_map([("kind", Value::str("signature")), ("domain", Value::str("d.example"))]);
        same(setting(Object::Connector, "service", service), "`service: {kind: signature, domain: d.example}`");
        same(setting(Object::Connector, "service", Value::FlowMap(vec![])), "`service: {}`");
        let other = Value::flow_map([("SubjectContainsWords", Value::str("invoice"))]);
        same(
            Message::new().predicate_setting(Place::Condition, "other", other),
            "`other: {SubjectContainsWords: invoice}`",
        );
        same(setting(Object::Rule, "colour", Value::str("blue")), "`colour: blue`");
    }

    #[test]
    fn the_users_text_stays_as_written_even_when_spelt_like_a_key() {
        let message =
            Message::new().written("deferOnError").text(" sets ").written("mode: enforce").text(" with ").code("use");
        said(
            message,
            "`deferOnError` sets `mode: enforce` with `use`",
            "`deferOnError` sets `mode: enforce` with `use`",
        );
    }

    const SMART_HOST_YAML: &str = r#"mailflow: 1
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    mode: audit
    conditions: {senderIs: outside}
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
      redirectToConnector: Mimecast outbound
"#;

    const SMART_HOST_DSL: &str = r#"mailflow 1
connector "Mimecast outbound" {
  use transport-rule
  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast
}
rule "Mimecast smart host" priority 0 {
  mode audit
  if sender is outside
  set header "X-AntiLoop-Mimecast" to "true"
  redirect to "Mimecast outbound"
}
"#;

    fn messages(text: &str, syntax: Syntax) -> Vec<String> {
        let checked = check(text, syntax, &Selection::default());
        checked.diagnostics.iter().map(|d| format!("{} {}", d.code(), d.message)).collect()
    }

    #[test]
    fn a_yaml_file_gets_the_yaml_words_and_its_dsl_twin_the_dsl_words() {
        let yaml = messages(SMART_HOST_YAML, Syntax::Yaml);
        let swaps = [
            ("`senderIs`", "`if sender is`"),
            ("`senderIs: inside`", "`if sender is inside`"),
            ("`recipientIs: outside`", "`if recipient is outside`"),
            ("`deferOnError: true`", "`defer on error`"),
            ("`mode: enforce`", "`mode enforce`"),
            (
                r#"`headerContains: {header: X-AntiLoop-Mimecast, words: ["true"]}`"#,
                r#"`except header "X-AntiLoop-Mimecast" contains "true"`"#,
            ),
        ];
        for (from, _) in swaps {
            assert!(yaml.iter().any(|m| m.contains(from)), "no YAML message says {from}: {yaml:#?}");
        }
        let expected: Vec<String> = yaml
            .iter()
            .map(|message| swaps.iter().fold(message.clone(), |m, (from, to)| m.replace(from, to)))
            .map(|message| message.replace("has a `if", "has an `if"))
            .collect();
        assert_eq!(messages(SMART_HOST_DSL, Syntax::Dsl), expected);
    }

    #[test]
    fn the_fixes_of_a_dsl_file_are_titled_in_dsl_words() {
        let titles = |text: &str, syntax: Syntax| -> Vec<String> {
            let checked = check(text, syntax, &Selection::default());
            checked.diagnostics.iter().filter_map(|d| Some(d.fix.as_ref()?.title.clone())).collect()
        };
        let yaml = titles(SMART_HOST_YAML, Syntax::Yaml);
        assert!(yaml.iter().any(|t| t.contains("(`senderIs: inside`)")), "{yaml:#?}");
        let dsl = titles(SMART_HOST_DSL, Syntax::Dsl);
        assert!(dsl.iter().any(|t| t.contains("(`if sender is inside`)")), "{dsl:#?}");
        assert!(dsl.iter().all(|t| !t.contains("senderIs") && !t.contains("mode:")), "{dsl:#?}");
    }

    #[test]
    fn names_the_file_gives_stay_as_written_even_when_spelt_like_keys() {
        let text = SMART_HOST_DSL
            .replace("Mimecast outbound", "relayDomains")
            .replace("Mimecast smart host", "deferOnError")
            .replace("X-AntiLoop-Mimecast", "setHeader");
        let messages = messages(&text, Syntax::Dsl);
        let said = |code: &str| messages.iter().find(|m| m.starts_with(code)).unwrap_or_else(|| panic!("{code}"));
        assert!(said("MF401").starts_with("MF401 `deferOnError` has an `if sender is` other than"), "{messages:#?}");
        assert!(said("MF401").ends_with("the smart host `relayDomains`; set `if sender is inside`"), "{messages:#?}");
        assert!(said("MF302").starts_with("MF302 `deferOnError` sets `setHeader` but"), "{messages:#?}");
        assert!(said("MF302").ends_with(r#"`except header "setHeader" contains "true"`"#), "{messages:#?}");
        assert!(said("MF403").ends_with("`relayDomains`; set `defer on error`"), "{messages:#?}");
    }

    #[test]
    fn a_header_the_file_sets_stays_with_its_value_even_when_spelt_like_a_setting() {
        let text = SMART_HOST_DSL.replace(r#""X-AntiLoop-Mimecast" to "true""#, r#""mode" to "enforce""#);
        let messages = messages(&text, Syntax::Dsl);
        let said = |code: &str| messages.iter().find(|m| m.starts_with(code)).unwrap_or_else(|| panic!("{code}"));
        // The same words are the header this rule sets in one message, which stays as
        // written, and the setting to change in another, which is spelt for the DSL.
        assert!(said("MF405").ends_with("set `mode enforce`"), "{messages:#?}");
        assert!(said("MF302").ends_with(r#"`except header "mode" contains "enforce"`"#), "{messages:#?}");
    }
}
