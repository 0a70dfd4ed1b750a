//! What several fixes share: finding the object a finding is about, and editing the
//! `conditions`, `exceptions` and `actions` of a rule with the [`super::YamlEditor`] primitives.

use std::sync::Arc;

use crate::diagnostic::{Edit, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::{Connector, MailFlow, TransportRule, Vendor};
use crate::text::Span;

/// The header the CodeTwo guide's smart host rule sets to recognise mail it has routed.
const ANTI_LOOP_HEADER: &str = "X-AntiLoop-Smarthost";

/// The rule a finding is about, when its subject is one.
pub fn rule(flow: &MailFlow, subject: Subject) -> Option<&TransportRule> {
    match subject {
        Subject::Rule(index) => flow.rules.get(index).map(Arc::as_ref),
        _ => None,
    }
}

/// The connector a finding is about, when its subject is one.
pub fn connector(flow: &MailFlow, subject: Subject) -> Option<&Connector> {
    match subject {
        Subject::Connector(index) => flow.connectors.get(index),
        _ => None,
    }
}

/// `span` when it lies inside `object` (a rule's or a connector's item span). A value read
/// through a YAML alias carries its anchor's span: editing it would edit every use of the
/// anchor, not only this object.
pub fn written_in(object: Span, span: Span) -> Option<Span> {
    object.contains(span).then_some(span)
}

/// The mappings of a rule that hold settings of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Conditions,
    Exceptions,
    Actions,
}

impl Block {
    fn key(self) -> &'static str {
        match self {
            Block::Conditions => "conditions",
            Block::Exceptions => "exceptions",
            Block::Actions => "actions",
        }
    }

    fn span(self, rule: &TransportRule) -> Option<Span> {
        match self {
            Block::Conditions => rule.conditions.span,
            Block::Exceptions => rule.exceptions.span,
            Block::Actions => rule.actions.span,
        }
    }
}

/// Gives `key` the value `value` in the rule's `block`, as [`super::YamlEditor::set_entry`]
/// does; when the rule has no such block, adds it holding that one key. `None` when the
/// block is not the rule's own (see [`FixContext::rule_owned`]) or is not a mapping.
pub fn set_in_block(
    context: &FixContext,
    rule: &TransportRule,
    block: Block,
    key: &str,
    value: &Value,
) -> Option<Edit> {
    match block.span(rule) {
        Some(span) => context.editor.set_entry(context.rule_owned(rule, span)?, key, value),
        None => context.editor.insert_entry(rule.span, block.key(), &Value::map([(key, value.clone())])),
    }
}

/// Gives `rule` the exception `headerContains: {header: name, words: [value]}`, which skips
/// mail carrying the header `name` with `value` in it; a `headerContains` exception the rule
/// has is replaced.
pub fn set_header_exception(context: &FixContext, rule: &TransportRule, name: &str, value: &str) -> Option<Edit> {
    set_in_block(context, rule, Block::Exceptions, "headerContains", &header_test(name, value))
}

/// The value of a `headerContains` that tests the header `name` for `value`:
/// `{header: name, words: [value]}`.
pub fn header_test(name: &str, value: &str) -> Value {
    Value::flow_map([("header", Value::str(name)), ("words", Value::List(vec![Value::str(value)]))])
}

/// An anti-loop header name that none of `others` sets or tests: `X-AntiLoop-Smarthost`
/// first, then one named after the smart host's vendor (`X-AntiLoop-Mimecast`), then
/// `X-AntiLoop-Smarthost-2`, `-3`, and so on. Names compare without regard to case, as
/// Exchange compares header names.
pub fn unused_anti_loop_header<'a>(
    others: impl IntoIterator<Item = &'a TransportRule>,
    vendor: Option<Vendor>,
) -> String {
    let used: Vec<&str> = others.into_iter().flat_map(headers_used).collect();
    let by_vendor = vendor.filter(|v| *v != Vendor::Other).map(|v| format!("X-AntiLoop-{}", capitalized(v.key())));
    std::iter::once(ANTI_LOOP_HEADER.to_owned())
        .chain(by_vendor)
        .chain((2..).map(|n| format!("{ANTI_LOOP_HEADER}-{n}")))
        .find(|name| !used.iter().any(|u| u.eq_ignore_ascii_case(name)))
        .expect("the numbered names never run out")
}

/// The header names a rule sets or tests.
fn headers_used(rule: &TransportRule) -> Vec<&str> {
    let set = rule.actions.set_header.iter().map(|h| h.name.value.as_str());
    let tested = [&rule.conditions, &rule.exceptions].into_iter().flat_map(|predicates| {
        let contains = predicates.header_contains.iter().map(|t| t.header.value.as_str());
        contains.chain(predicates.header_matches.iter().map(|t| t.header.value.as_str()))
    });
    set.chain(tested).collect()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower_yaml;
    use crate::syntax::yaml::parse;

    fn flow(text: &str) -> MailFlow {
        lower_yaml::lower(&parse(text), text).0
    }

    #[test]
    fn the_anti_loop_header_is_one_no_other_rule_sets_or_tests() {
        let text = "\
transportRules:
  - name: A
    actions: {setHeader: {name: x-antiloop-smarthost, value: \"true\"}}
  - name: B
    exceptions: {headerMatches: {header: X-AntiLoop-Mimecast, patterns: [t]}}
";
        let flow = flow(text);
        assert_eq!(unused_anti_loop_header([], Some(Vendor::Mimecast)), "X-AntiLoop-Smarthost");
        let rules = || flow.iter_rules();
        assert_eq!(unused_anti_loop_header(rules().take(1), Some(Vendor::Proofpoint)), "X-AntiLoop-Proofpoint");
        assert_eq!(unused_anti_loop_header(rules(), Some(Vendor::Mimecast)), "X-AntiLoop-Smarthost-2");
        assert_eq!(unused_anti_loop_header(rules(), Some(Vendor::Other)), "X-AntiLoop-Smarthost-2");
    }
}
