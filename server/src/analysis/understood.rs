//! A rule as the analysis reads it: an `other` entry named by the PowerShell parameter of a
//! key (`other: {FromMemberOf: [g]}`) means what the key means (`senderIsMemberOf: [g]`),
//! so that files written before a key existed, and imported files, are simulated right.
//! Where the key is also written, the key wins; MF015 proposes rewriting the entry.

use std::borrow::Cow;

use super::other_effects::{self, ConditionEffect, Place};
use crate::model::{
    HeaderContains, HeaderMatches, MessageSize, MessageType, OtherParameter, ParameterValue, Pattern, Predicates,
    Scope, TransportRule,
};
use crate::text::Spanned;

/// The rule's conditions and exceptions with the `other` entries that have a key read as
/// that key (borrowed from the rule where no entry has one, as in most rules), and the
/// headers its actions remove the same way.
#[derive(Clone, Debug)]
pub struct Understood<'a> {
    pub conditions: Cow<'a, Predicates>,
    pub exceptions: Cow<'a, Predicates>,
    /// The headers its actions remove (lower-cased): `removeHeader` and `RemoveHeader`.
    pub removed_headers: Vec<String>,
}

pub fn understood(rule: &TransportRule) -> Understood<'_> {
    let mut removed_headers: Vec<String> =
        rule.actions.remove_header.iter().map(|h| h.value.to_ascii_lowercase()).collect();
    for parameter in &rule.actions.other {
        let removes =
            other_effects::key_of(Place::Action, &parameter.name.value).is_some_and(|k| k.key.name == "removeHeader");
        if removes {
            removed_headers.extend(texts(parameter).into_iter().map(|text| text.value.to_ascii_lowercase()));
        }
    }
    Understood {
        conditions: predicates(&rule.conditions, Place::Condition),
        exceptions: predicates(&rule.exceptions, Place::Exception),
        removed_headers,
    }
}

/// `predicates` with each `other` entry that has a key moved into that key, where the key
/// is not written already; entries without a key stay under `other`. Copied only when an
/// entry has a key: otherwise they read as written.
fn predicates(predicates: &Predicates, place: Place) -> Cow<'_, Predicates> {
    let has_key = |parameter: &OtherParameter| {
        matches!(other_effects::condition(place, &parameter.name.value), ConditionEffect::HasKey(_))
    };
    if !predicates.other.iter().any(has_key) {
        return Cow::Borrowed(predicates);
    }
    let mut read = predicates.clone();
    read.other.clear();
    // A header test is given by two parameters; they are put together at the end.
    let mut header_parts: Vec<(&'static str, usize, &OtherParameter)> = Vec::new();
    for parameter in &predicates.other {
        let ConditionEffect::HasKey(key) = other_effects::condition(place, &parameter.name.value) else {
            read.other.push(parameter.clone());
            continue;
        };
        if key.is_compound() {
            header_parts.push((key.key.name, key.index, parameter));
            continue;
        }
        if !read_as_key(&mut read, key.key.name, parameter) {
            read.other.push(parameter.clone());
        }
    }
    for test in ["headerContains", "headerMatches"] {
        let part = |index: usize| header_parts.iter().find(|(key, i, _)| *key == test && *i == index).map(|p| p.2);
        let (Some(header), Some(values)) = (part(0), part(1)) else { continue };
        let Some(header) = texts(header).into_iter().next() else { continue };
        let values = texts(values);
        match test {
            "headerContains" if read.header_contains.is_none() => {
                read.header_contains = Some(Box::new(HeaderContains { span: header.span, header, words: values }));
            }
            "headerMatches" if read.header_matches.is_none() => {
                let patterns = values.into_iter().map(Pattern::compile).collect();
                read.header_matches = Some(Box::new(HeaderMatches { span: header.span, header, patterns }));
            }
            _ => {}
        }
    }
    Cow::Owned(read)
}

/// Sets `key` of `read` from the parameter's values, when the key is not set and the values
/// say something it can hold; whether it did.
fn read_as_key(read: &mut Predicates, key: &str, parameter: &OtherParameter) -> bool {
    let values = texts(parameter);
    let span = parameter.span;
    if let Some((_, list)) = read.text_lists_mut().into_iter().find(|(k, _)| *k == key) {
        if list.is_none() {
            *list = Some(Box::new(Spanned::new(values, span)));
        }
        return true;
    }
    if let Some((_, list)) = read.pattern_lists_mut().into_iter().find(|(k, _)| *k == key) {
        if list.is_none() {
            *list = Some(Box::new(Spanned::new(values.into_iter().map(Pattern::compile).collect(), span)));
        }
        return true;
    }
    let first = values.first().map(|v| v.value.as_str()).unwrap_or("");
    match key {
        "senderIs" | "recipientIs" => {
            let Some(scope) = scope(first) else { return false };
            let slot = if key == "senderIs" { &mut read.sender_is } else { &mut read.recipient_is };
            slot.get_or_insert(Spanned::new(scope, span));
            true
        }
        "messageTypeMatches" => {
            let Some(message_type) = MessageType::from_key(&kebab(first)) else { return false };
            read.message_type_matches.get_or_insert(Spanned::new(message_type, span));
            true
        }
        "messageSizeOver" => {
            let Some(size) = MessageSize::parse(first) else { return false };
            read.message_size_over.get_or_insert(Spanned::new(size, span));
            true
        }
        _ => false,
    }
}

/// FromScope and SentToScope as PowerShell writes them.
fn scope(value: &str) -> Option<Scope> {
    match value.to_ascii_lowercase().as_str() {
        "inorganization" => Some(Scope::Inside),
        "notinorganization" => Some(Scope::Outside),
        "externalpartner" => Some(Scope::ExternalPartner),
        "externalnonpartner" => Some(Scope::ExternalNonPartner),
        _ => None,
    }
}

/// `AutoForward` as the format writes it: `auto-forward`; `OOF` is `oof`.
fn kebab(value: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = value.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = i > 0 && c.is_ascii_uppercase() && chars[i - 1].is_ascii_lowercase();
        if starts_word {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A parameter's values as text (a number or a boolean as written).
fn texts(parameter: &OtherParameter) -> Vec<Spanned<String>> {
    parameter
        .values
        .iter()
        .map(|value| {
            let text = match &value.value {
                ParameterValue::Text(text) => text.clone(),
                ParameterValue::Integer(number) => number.to_string(),
                ParameterValue::Boolean(flag) => flag.to_string(),
            };
            Spanned::new(text, value.span)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower_yaml::lower;
    use crate::syntax::yaml::parse;

    fn rule(text: &str) -> TransportRule {
        let text = format!("mailflow: 1\ntransportRules:\n  - name: R\n    priority: 0\n{text}");
        let (flow, problems) = lower(&parse(&text), &text);
        assert!(problems.is_empty(), "{problems:?}");
        std::sync::Arc::unwrap_or_clone(flow.rules.into_iter().next().unwrap())
    }

    #[test]
    fn other_entries_with_a_key_mean_the_key() {
        let rule = rule(
            "    conditions: {other: {FromMemberOf: [signatures@contoso.com], FromScope: InOrganization, SubjectContainsWords: x}}\n    exceptions: {other: {ExceptIfMessageSizeOver: 22.5 MB, ExceptIfMessageTypeMatches: AutoForward, ExceptIfHeaderContainsMessageHeader: X-A, ExceptIfHeaderContainsWords: 'true'}}\n    actions: {other: {RemoveHeader: X-SM-outgoing}}\n",
        );
        let read = understood(&rule);
        let groups: Vec<&str> =
            read.conditions.sender_is_member_of.iter().flat_map(|l| &l.value).map(|g| g.value.as_str()).collect();
        assert_eq!(groups, ["signatures@contoso.com"]);
        assert_eq!(read.conditions.sender_is.as_ref().map(|s| s.value), Some(Scope::Inside));
        assert_eq!(read.conditions.other.len(), 1, "the condition without a key stays");
        assert_eq!(read.exceptions.message_size_over.as_ref().map(|s| s.value.bytes), Some(23_592_960));
        assert_eq!(read.exceptions.message_type_matches.as_ref().map(|m| m.value), Some(MessageType::AutoForward));
        assert_eq!(read.exceptions.header_contains.as_ref().map(|h| h.header.value.as_str()), Some("X-A"));
        assert!(read.exceptions.other.is_empty());
        assert_eq!(read.removed_headers, ["x-sm-outgoing"]);
    }

    #[test]
    fn a_written_key_wins_over_its_other_entry() {
        let rule = rule("    conditions: {senderIsMemberOf: [a@x.com], other: {FromMemberOf: [b@x.com]}}\n");
        let read = understood(&rule);
        let groups: Vec<&str> =
            read.conditions.sender_is_member_of.iter().flat_map(|l| &l.value).map(|g| g.value.as_str()).collect();
        assert_eq!(groups, ["a@x.com"]);
    }
}
