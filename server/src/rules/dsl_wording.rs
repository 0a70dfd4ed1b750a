//! The DSL's words in the findings of a DSL file.
//!
//! The checks read the model, not the syntax it came from, and word their findings in the
//! YAML format's keys: "set `deferOnError: true`". A DSL file says `defer on error`. Writing
//! every message twice in the rules would let the two wordings drift apart, so the finished
//! messages of a DSL file's findings are rewritten instead: each backticked snippet that is a
//! key of the format, or `key: value`, becomes the DSL's spelling of it, taken from
//! the table of [`super::dsl_spelling`], which has one entry for every key of the key
//! catalogue (`model/keys.rs`). A snippet the table does not know (a rule's name, a header
//! with its value) stays as it is.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::dsl_spelling::{Spelling, SPELLINGS};
use crate::diagnostic::Diagnostic;
use crate::model::keys::{self, Key, Object, ValueShape};
use crate::model::{MailFlow, Predicates};
use crate::syntax::dsl::quote;
use crate::syntax::scalar::Resolved;
use crate::syntax::yaml::{self, Node, NodeKind};

/// Rewrites, in the messages of a DSL file's findings and of their related places, the
/// YAML snippets into the DSL's words. `flow` is the file's model.
pub fn reword_findings(findings: &mut [Diagnostic], flow: &MailFlow) {
    if findings.is_empty() {
        return;
    }
    let mut rewording = Rewording { written: written_texts(flow), spelt: HashMap::new() };
    for finding in findings {
        finding.message = rewording.reword(&finding.message);
        for related in &mut finding.related {
            related.message = rewording.reword(&related.message);
        }
    }
}

/// The same for the titles of the fixes of a DSL file's findings (fixes are computed later
/// than the findings, when asked for).
pub fn reword_fix_titles(findings: &mut [Diagnostic], flow: &MailFlow) {
    let mut rewording = Rewording { written: written_texts(flow), spelt: HashMap::new() };
    for fix in findings.iter_mut().filter_map(|finding| finding.fix.as_mut()) {
        fix.title = rewording.reword(&fix.title);
    }
}

/// Where a condition stands. Its YAML key is the same under `conditions` and `exceptions`;
/// in the DSL, it starts with `if` or `except`. The words of the message say which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Place {
    /// A condition the message asks to add, set or move somewhere: the checks ask for
    /// conditions unless they say "exception".
    Condition,
    /// The snippet comes right after the word "exception".
    Exception,
    /// The snippet opens the message and names what is written, which may be either, so only
    /// the words after `if` or `except` are given.
    Either,
}

impl Place {
    /// The place of a snippet that comes after `before` in its message.
    fn after(before: &str) -> Place {
        let before = before.trim_end();
        if before.is_empty() {
            Place::Either
        } else if before.ends_with("exception") {
            Place::Exception
        } else {
            Place::Condition
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Place::Condition => "if ",
            Place::Exception => "except ",
            Place::Either => "",
        }
    }
}

/// Rewords the messages of one file's findings.
struct Rewording<'a> {
    /// What the file says itself (see [`written_texts`]).
    written: HashSet<Cow<'a, str>>,
    /// The snippets spelt so far. Many findings name the same snippet, and spelling
    /// `key: value` parses it as YAML.
    spelt: HashMap<(String, Place), Option<String>>,
}

impl Rewording<'_> {
    /// `message` with its YAML snippets in the DSL's words.
    fn reword(&mut self, message: &str) -> String {
        // Split on backticks, the odd parts are quoted, unless the last backtick has no pair.
        let parts: Vec<&str> = message.split('`').collect();
        let mut out = parts[0].to_owned();
        for (index, part) in parts.iter().enumerate().skip(1) {
            let quoted = index % 2 == 1 && index + 1 < parts.len();
            let spelt = if quoted && !self.is_written(part) { self.spell(part, Place::after(&out)) } else { None };
            match spelt {
                Some(dsl) => {
                    agree_article(&mut out, &dsl);
                    out.push('`');
                    out.push_str(&dsl);
                }
                None => {
                    out.push('`');
                    out.push_str(part);
                }
            }
        }
        out
    }

    /// A name, host, domain or header of the file, or a header with its value: the user's
    /// text, even when it is spelt like a key (a rule named `deferOnError`).
    fn is_written(&self, snippet: &str) -> bool {
        self.written.contains(snippet)
    }

    /// [`spell`], once per snippet and place.
    fn spell(&mut self, snippet: &str, place: Place) -> Option<String> {
        self.spelt.entry((snippet.to_owned(), place)).or_insert_with(|| spell(snippet, place)).clone()
    }
}

/// The texts of `flow` that findings quote: the names of rules and connectors, smart hosts,
/// the signature service's domain, the on-premises relay, header names, and the headers
/// rules set and services stamp with their values, as `name: value`.
fn written_texts(flow: &MailFlow) -> HashSet<Cow<'_, str>> {
    let mut names: Vec<&str> = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    for connector in &flow.connectors {
        names.push(connector.name());
        names.extend(connector.smart_hosts.iter().flat_map(|hosts| &hosts.value).map(|host| host.value.as_str()));
        if let Some(service) = &connector.service {
            names.extend(service.domain.as_ref().map(|domain| domain.value.as_str()));
            names.extend(service.processed_header.as_ref().map(|header| header.name.value.as_str()));
            headers.extend(service.processed_header().map(|(name, value)| format!("{name}: {value}")));
        }
    }
    for rule in &flow.rules {
        names.push(rule.name());
        if let Some(header) = &rule.actions.set_header {
            names.push(&header.name.value);
            headers.push(format!("{}: {}", header.name.value, header.value.value));
        }
        names.extend(tested_headers(&rule.conditions).chain(tested_headers(&rule.exceptions)));
    }
    let relay = flow.organization.as_ref().and_then(|o| o.on_premises.as_ref()?.relays_through.as_ref());
    names.extend(relay.map(|relay| relay.value.as_str()));
    names.into_iter().map(Cow::Borrowed).chain(headers.into_iter().map(Cow::Owned)).collect()
}

/// The headers that `predicates` test.
fn tested_headers(predicates: &Predicates) -> impl Iterator<Item = &str> {
    let contains = predicates.header_contains.as_ref().map(|test| test.header.value.as_str());
    let matches = predicates.header_matches.as_ref().map(|test| test.header.value.as_str());
    contains.into_iter().chain(matches)
}

/// "a `senderIs`" is "an `if sender is`": the article before a rewritten snippet follows
/// its first letter. (A `u` takes "a": `use` is said with a consonant.)
fn agree_article(before: &mut String, dsl: &str) {
    let Some(head) = before.strip_suffix(' ') else { return };
    let start = head.rfind(' ').map_or(0, |space| space + 1);
    if !matches!(&head[start..], "a" | "an") {
        return;
    }
    let article = if dsl.starts_with(['a', 'e', 'i', 'o']) { "an " } else { "a " };
    before.truncate(start);
    before.push_str(article);
}

/// The DSL's words for a YAML snippet: a key alone, or `key: value`; `None` when the table
/// has no spelling for it.
fn spell(snippet: &str, place: Place) -> Option<String> {
    let (spelling, words) = match snippet.split_once(':') {
        None => {
            let spelling = entry(snippet, |s| s.name)?;
            (spelling, spelling.name?.to_owned())
        }
        Some((key, _)) => {
            let spelling = entry(key, |s| s.statement)?;
            (spelling, statement(spelling, snippet)?)
        }
    };
    Some(match spelling.object {
        Object::Predicates => format!("{}{words}", place.keyword()),
        _ => words,
    })
}

/// The entry for `key` with `part` (its name or its statement), when the DSL says that part
/// one way wherever the key stands: `other` is `other` after `if` but `do other` among the
/// actions, and a snippet does not say which it is.
fn entry(key: &str, part: fn(&Spelling) -> Option<&'static str>) -> Option<&'static Spelling> {
    let mut entries = SPELLINGS.iter().filter(|s| s.key == key);
    let first = entries.next()?;
    let predicate = |s: &Spelling| s.object == Object::Predicates;
    let agree = entries.all(|s| part(s) == part(first) && predicate(s) == predicate(first));
    (agree && part(first).is_some()).then_some(first)
}

/// The statement that writes `snippet`, a `key: value` of the spelling's key, read as YAML.
fn statement(spelling: &Spelling, snippet: &str) -> Option<String> {
    let template = spelling.statement?;
    let key = keys::lookup(spelling.object, spelling.key)?;
    let file = yaml::parse(snippet);
    if !file.errors.is_empty() {
        return None;
    }
    let root = file.root?;
    let [entry] = root.as_map()? else { return None };
    if entry.key.as_str()? != spelling.key {
        return None;
    }
    fill(template, key, &entry.value)
}

/// `template` with its placeholders filled in from `value`, the value of `key`.
fn fill(template: &str, key: &Key, value: &Node) -> Option<String> {
    if !template.contains('{') {
        return matches!(value.as_scalar(), Some(Resolved::Bool(true))).then(|| template.to_owned());
    }
    let fields = match &value.kind {
        NodeKind::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    // Every field of a mapping must have its place in the statement.
    let placed = |field: &str| template.split(' ').any(|word| word == format!("{{{field}}}"));
    if !fields.iter().all(|entry| entry.key.as_str().is_some_and(placed)) {
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
        match fields.iter().find(|entry| entry.key.as_str() == Some(placeholder)) {
            Some(entry) => {
                words.push(value_words(field.shape, &entry.value)?);
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
fn value_words(shape: ValueShape, value: &Node) -> Option<String> {
    match (shape, value.as_scalar()) {
        (ValueShape::Bool { .. }, Some(Resolved::Bool(value))) => Some(value.to_string()),
        (ValueShape::OneOf(allowed), Some(Resolved::Str(word))) => {
            allowed.iter().any(|(allowed, _)| allowed == word).then(|| word.clone())
        }
        (ValueShape::Integer { min }, Some(Resolved::Int(number))) => (*number >= min).then(|| number.to_string()),
        (ValueShape::Text { .. } | ValueShape::TextList, Some(_)) => text(value).map(|text| quote(&text)),
        (ValueShape::TextList, None) => match &value.kind {
            NodeKind::Seq(items) if !items.is_empty() => {
                let quoted: Option<Vec<String>> = items.iter().map(|item| text(item).map(|t| quote(&t))).collect();
                Some(quoted?.join(" "))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A string, or an integer taken as the text it is (as both syntaxes read one where text
/// belongs).
fn text(node: &Node) -> Option<String> {
    match node.as_scalar()? {
        Resolved::Str(text) => Some(text.clone()),
        Resolved::Int(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Selection, Syntax};

    /// `message` as a DSL file's finding words it, in a file that names none of its snippets.
    fn reworded(message: &str) -> String {
        Rewording { written: HashSet::new(), spelt: HashMap::new() }.reword(message)
    }

    fn assert_reworded(pairs: &[(&str, &str)]) {
        for (yaml, dsl) in pairs {
            assert_eq!(reworded(yaml), *dsl, "{yaml}");
        }
    }

    #[test]
    fn a_setting_is_its_statement_and_a_flag_says_true_by_being_there() {
        assert_reworded(&[
            ("set `deferOnError: true`", "set `defer on error`"),
            ("set `stopProcessingMoreRules: true`", "set `stop processing`"),
            ("set `use: transport-rule`", "set `use transport-rule`"),
            ("set `mode: enforce`", "set `mode enforce`"),
            ("`enabled: false`", "`enabled false`"),
            ("`mailflow: 1`", "`mailflow 1`"),
            ("`returnsToExchange: false`", "`returns-to-exchange false`"),
            ("add a `service` block with `vendor: mimecast`", "add a `service` block with `service mimecast`"),
            ("`kind: smart-host`", "`service smart-host`"),
            ("`service: {kind: smart-host, vendor: mimecast}`", "`service smart-host mimecast`"),
            ("`service: {vendor: codetwo}`", "`service codetwo`"),
        ]);
    }

    #[test]
    fn quoted_and_plain_yaml_values_become_dsl_strings() {
        assert_reworded(&[
            (r#"`redirectToConnector: "Mimecast outbound"`"#, r#"`redirect to "Mimecast outbound"`"#),
            ("`redirectToConnector: Mimecast outbound`", r#"`redirect to "Mimecast outbound"`"#),
            (r#"`comments: 'say "hi"'`"#, r#"`comments "say \"hi\""`"#),
            (r#"`comments: "one\ttwo \\ three"`"#, r#"`comments "one\ttwo \\ three"`"#),
            ("`relaysThrough: 2024`", r#"`relays-through "2024"`"#),
            ("`relayDomains: x.example`", r#"`relay-domains "x.example"`"#),
            (
                r#"`smartHosts: [a.example, "b.example", 'c.example']`"#,
                r#"`smart-hosts "a.example" "b.example" "c.example"`"#,
            ),
            (r#"`setHeader: {name: X-AntiLoop, value: "true"}`"#, r#"`set header "X-AntiLoop" to "true"`"#),
            ("`processedHeader: {value: 1, name: X-Processed}`", r#"`processed-header "X-Processed" "1"`"#),
        ]);
    }

    #[test]
    fn a_condition_starts_with_if_or_except_as_the_message_says() {
        assert_reworded(&[
            ("add `senderIs: inside`", "add `if sender is inside`"),
            ("set `recipientIs: outside`", "set `if recipient is outside`"),
            // Opening the message, it names what is written, under either keyword.
            ("`recipientIs: external-partner` exists only", "`recipient is external-partner` exists only"),
            ("`messageTypeMatches: oof` is", "`message type is oof` is"),
            (
                r#"add the exception `headerContains: {header: X-CodeTwoProcessed, words: ["true"]}`"#,
                r#"add the exception `except header "X-CodeTwoProcessed" contains "true"`"#,
            ),
            (
                r#"add `headerMatches: {header: X-Spam, patterns: ['^yes$', "a\\.b"]}`"#,
                r#"add `if header "X-Spam" matches "^yes$" "a\\.b"`"#,
            ),
            (
                r#"add `recipientDomainIs: [contoso.com, "*.fabrikam.com"]`"#,
                r#"add `if recipient domain is "contoso.com" "*.fabrikam.com"`"#,
            ),
            ("add `recipientAddressMatches: '^billing@'`", r#"add `if recipient address matches "^billing@"`"#),
        ]);
    }

    #[test]
    fn a_key_alone_is_its_statements_name_and_the_article_follows() {
        assert_reworded(&[
            (
                "its `recipientDomains` do nothing; move them into its rule as `recipientDomainIs`",
                "its `recipient-domains` do nothing; move them into its rule as `if recipient domain is`",
            ),
            ("add it to `relayDomains`", "add it to `relay-domains`"),
            ("add `setHeader` with a header", "add `set header` with a header"),
            ("no `smartHosts`", "no `smart-hosts`"),
            ("the exception `headerContains`", "the exception `except header … contains`"),
            ("has a `senderIs` other than `inside`", "has an `if sender is` other than `inside`"),
            ("an `onPremises` block", "an `on-premises` block"),
            ("an `stopProcessingMoreRules`", "a `stop processing`"),
            ("the `transportRules` and `connectors`", "the `rule` and `connector`"),
        ]);
    }

    #[test]
    fn what_the_table_cannot_say_stays_as_written() {
        for message in [
            "`kind` and `vendor` and `priority` and `name`",
            // `other` or `do other`: the snippet does not say which.
            "an `other` condition",
            "`X-CodeTwoProcessed: true`",
            // The DSL says false by leaving the statement out.
            "`stopProcessingMoreRules: false`",
            "`mode: enforcee`",
            "`senderIs: [inside]`",
            "`comments: [a, b]`",
            "`setHeader: {name: X-A}`",
            "`service: {kind: signature, domain: d.example}`",
            "`service: {}`",
            "`senderIs: {`",
            "`other: {SubjectContainsWords: invoice}`",
            "`colour: blue`",
            "set `deferOnError: true",
            "an `if sender is` and a `mode enforce`",
        ] {
            assert_eq!(reworded(message), message);
        }
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
    fn a_yaml_file_keeps_the_yaml_words_and_its_dsl_twin_gets_the_dsl_words() {
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
