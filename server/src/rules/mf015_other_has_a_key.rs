//! MF015 other-has-a-key: an `other` entry names a PowerShell parameter that has a key of its own.

use super::message::{Message, Place as Where};
use super::{Check, Findings, RuleMeta};
use crate::analysis::other_effects::{key_of, KeyParameter, Place};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{Edit, FixContext, Value};
use crate::model::keys::{self, Key, Object, ValueShape};
use crate::model::{MailFlow, OtherParameter, ParameterValue, TransportRule};
use crate::rules::recipes::rule_edits;
use crate::text::{Span, Spanned};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF015",
    name: "other-has-a-key",
    severity: Severity::Hint,
    summary: "An other entry names a PowerShell parameter that has a key of its own",
    doc: r#"# MF015 other-has-a-key

## What it finds
An entry under `other`, in a rule's conditions, exceptions or actions, whose name is the
PowerShell parameter of a key the format has: `FromMemberOf` for `senderIsMemberOf`,
`FromScope` for `senderIs`, `RemoveHeader` for `removeHeader`, `SetHeaderName` and
`SetHeaderValue` for `setHeader`, and so on (names compare without regard to case; in
exceptions, with or without `ExceptIf` in front). One finding per rule names every such
entry.

## Why it breaks mail
It does not: such an entry means exactly what the key means, and the analysis reads it so.
Files written before the key existed, and files made from an export of PowerShell's
output, carry entries like these. Written as the key, the setting is checked for its
values, completed and explained by the editor, and reads the same as in the CodeTwo guide
"How to configure smart host (mail relay) services to work with CodeTwo software" and in
the admin center.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions:
      senderIs: inside
      other: {FromMemberOf: licensed-users@contoso.com}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions:
      senderIs: inside
      senderIsMemberOf: [licensed-users@contoso.com]
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fix safety
The fix writes each entry as its key, in the same place, and removes the entry (and
`other` with it, when nothing else is left there). It is safe: the rule means what it
meant. An entry is left as it is when the rule already has its key there, when its value
is not one the key takes (`FromScope: Sideways`), or when it is one part of a key made of
two parameters (`HeaderContainsWords` without `HeaderContainsMessageHeader`); when no entry
of the rule can be written as its key, no fix is offered.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

/// The `other` entries of one block of a rule that stand for one key.
struct Group<'a> {
    place: Place,
    key: &'static Key,
    /// Each with its index among the key's parameters, in the order written.
    parameters: Vec<(&'a OtherParameter, usize)>,
}

/// The entries of `rule`'s `other` mappings that name keys, grouped by place and key.
fn groups(rule: &TransportRule) -> Vec<Group<'_>> {
    let blocks = [
        (Place::Condition, &rule.conditions.other),
        (Place::Exception, &rule.exceptions.other),
        (Place::Action, &rule.actions.other),
    ];
    let mut groups: Vec<Group> = Vec::new();
    for (place, others) in blocks {
        for parameter in others {
            let Some(KeyParameter { key, index }) = key_of(place, &parameter.name.value) else { continue };
            match groups.iter_mut().find(|group| group.place == place && std::ptr::eq(group.key, key)) {
                Some(group) => group.parameters.push((parameter, index)),
                None => groups.push(Group { place, key, parameters: vec![(parameter, index)] }),
            }
        }
    }
    groups
}

/// The key as a message names it, at its place.
fn key_piece(message: Message, group: &Group) -> Message {
    match group.place {
        Place::Condition => message.predicate(Where::Condition, group.key.name),
        Place::Exception => message.predicate(Where::Exception, group.key.name),
        Place::Action => message.key(Object::Actions, group.key.name),
    }
}

/// `key: value` as a message writes it, at the group's place.
fn setting_piece(message: Message, group: &Group, value: Value) -> Message {
    match group.place {
        Place::Condition => message.predicate_setting(Where::Condition, group.key.name, value),
        Place::Exception => message.predicate_setting(Where::Exception, group.key.name, value),
        Place::Action => message.setting(Object::Actions, group.key.name, value),
    }
}

/// "`A`", "`A` and `B`": the names of a group's entries as written.
fn names(group: &Group) -> Message {
    let names: Vec<&str> = group.parameters.iter().map(|(parameter, _)| parameter.name.value.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => Message::new().written(*last),
        Some((last, rest)) => Message::new().written_each(rest.iter().copied(), ", ").text(" and ").written(*last),
        None => Message::new(),
    }
}

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for (index, rule) in flow.rules.iter().enumerate() {
        let groups = groups(rule);
        let Some(first) = groups.first().and_then(|group| group.parameters.first()) else { continue };
        let mut message = Message::new().text("In ").written(rule.name()).text(", ");
        let last = groups.len() - 1;
        for (number, group) in groups.iter().enumerate() {
            let plural = group.parameters.len() > 1;
            message = match number {
                0 if plural => key_piece(message.then(names(group)).text(" are PowerShell's names for "), group),
                0 => key_piece(message.then(names(group)).text(" is PowerShell's name for "), group),
                n if n == last => key_piece(message.text(", and ").then(names(group)).text(" for "), group),
                _ => key_piece(message.text(", ").then(names(group)).text(" for "), group),
            };
        }
        let one = groups.len() == 1 && groups[0].parameters.len() == 1;
        message = message.text(match one {
            true => ": understood either way, but the key says it in the format's own words; write it as the key",
            false => ": understood either way, but the keys say it in the format's own words; write them as the keys",
        });
        let mut diagnostic =
            Diagnostic::new(&RULE, first.0.span, message.render(out.syntax())).about(Subject::Rule(index));
        for (parameter, _) in groups.iter().flat_map(|group| &group.parameters).skip(1) {
            diagnostic = diagnostic.with_related(parameter.span, "another entry that has a key of its own");
        }
        out.push(diagnostic);
    }
}

/// Writes every group of the rule that can be written as its key so, block by block.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let groups = groups(rule);
    let mut edits = Vec::new();
    let mut done: Vec<(&Group, Value)> = Vec::new();
    let blocks = [
        (Place::Condition, rule.conditions.span),
        (Place::Exception, rule.exceptions.span),
        (Place::Action, rule.actions.span),
    ];
    for (place, block) in blocks {
        let Some(block) = block.and_then(|span| context.rule_owned(rule, span)) else { continue };
        // Each group on its own first: the editor says whether its key can go there.
        let fitting: Vec<(&Group, Value)> = groups
            .iter()
            .filter(|group| group.place == place)
            .filter_map(|group| Some((group, value(group)?)))
            .filter(|(group, value)| replace(context, block, &[(group, value.clone())]).is_some())
            .collect();
        if fitting.is_empty() {
            continue;
        }
        edits.extend(replace(context, block, &fitting)?);
        done.extend(fitting);
    }
    let title = match done.as_slice() {
        [] => return None,
        [(group, value)] => {
            setting_piece(Message::new().text("Write ").then(names(group)).text(" as "), group, value.clone())
        }
        _ => {
            let all: Vec<&str> = done
                .iter()
                .flat_map(|(group, _)| &group.parameters)
                .map(|(parameter, _)| parameter.name.value.as_str())
                .collect();
            Message::new().text("Write ").written_each(all, ", ").text(" as their keys")
        }
    };
    Some(Fix { title: title.render(context.syntax), safe: true, edits })
}

/// The edits that write `groups` (all of one block) as their keys.
fn replace(context: &FixContext, block: Span, groups: &[(&Group, Value)]) -> Option<Vec<Edit>> {
    let parameters: Vec<Span> =
        groups.iter().flat_map(|(group, _)| &group.parameters).map(|(parameter, _)| parameter.span).collect();
    let entries: Vec<(String, Value)> =
        groups.iter().map(|(group, value)| (group.key.name.to_owned(), value.clone())).collect();
    context.editor.replace_others(block, &parameters, &entries)
}

/// The value of the group's key, from the values of its entries: `None` when a key of
/// several parameters lacks one, an entry is written twice, or a value is not one the key
/// takes.
fn value(group: &Group) -> Option<Value> {
    let count = KeyParameter { key: group.key, index: 0 }.parameters().len();
    let mut parts: Vec<Option<&[Spanned<ParameterValue>]>> = vec![None; count];
    for (parameter, index) in &group.parameters {
        let slot = parts.get_mut(*index)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(&parameter.values);
    }
    let parts: Vec<&[Spanned<ParameterValue>]> = parts.into_iter().collect::<Option<_>>()?;
    match (group.key.shape, parts.as_slice()) {
        (ValueShape::Object(object), parts) => {
            let fields = keys::keys(object);
            if fields.len() != parts.len() {
                return None;
            }
            let entries = fields.iter().zip(parts).map(|(field, part)| Some((field.name, shaped(field.shape, part)?)));
            Some(Value::flow_map(entries.collect::<Option<Vec<_>>>()?))
        }
        (shape, [part]) => shaped(shape, part),
        _ => None,
    }
}

/// An `other` entry's values as the value of a key of `shape`.
fn shaped(shape: ValueShape, values: &[Spanned<ParameterValue>]) -> Option<Value> {
    let one = match values {
        [one] => Some(&one.value),
        _ => None,
    };
    match (shape, one) {
        (ValueShape::TextList, _) if !values.is_empty() => Some(Value::List(
            values
                .iter()
                .map(|value| match &value.value {
                    ParameterValue::Text(text) => Some(Value::str(text)),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        )),
        (ValueShape::Text { .. }, Some(ParameterValue::Text(text))) => Some(Value::str(text)),
        (ValueShape::Text { .. }, Some(ParameterValue::Integer(number))) => Some(Value::str(number.to_string())),
        (ValueShape::Size, Some(ParameterValue::Text(text))) => Some(Value::str(text)),
        (ValueShape::Size, Some(ParameterValue::Integer(number))) => Some(Value::Int(*number)),
        (ValueShape::Bool { .. }, Some(ParameterValue::Boolean(value))) => Some(Value::Bool(*value)),
        (ValueShape::Integer { min }, Some(ParameterValue::Integer(number))) if *number >= min => {
            Some(Value::Int(*number))
        }
        (ValueShape::OneOf(allowed), Some(ParameterValue::Text(word))) => enumerated(allowed, word).map(Value::str),
        _ => None,
    }
}

/// PowerShell's word for a value of an enumeration (`InOrganization`, `AutoForward`) as the
/// format writes it (`inside`, `auto-forward`).
fn enumerated(allowed: &[(&'static str, &str)], word: &str) -> Option<&'static str> {
    const SCOPES: &[(&str, &str)] = &[("InOrganization", "inside"), ("NotInOrganization", "outside")];
    let bare = |text: &str| text.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let word = SCOPES
        .iter()
        .find(|(powershell, _)| powershell.eq_ignore_ascii_case(word.trim()))
        .map_or(word, |(_, ours)| ours);
    allowed.iter().map(|(value, _)| *value).find(|value| bare(value) == bare(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_words_read_as_the_formats_values() {
        assert_eq!(enumerated(keys::SENDER_SCOPES, "InOrganization"), Some("inside"));
        assert_eq!(enumerated(keys::SCOPES, "notinorganization"), Some("outside"));
        assert_eq!(enumerated(keys::SCOPES, "ExternalPartner"), Some("external-partner"));
        assert_eq!(enumerated(keys::MESSAGE_TYPES, "OOF"), Some("oof"));
        assert_eq!(enumerated(keys::MESSAGE_TYPES, "AutoForward"), Some("auto-forward"));
        assert_eq!(enumerated(keys::SENDER_SCOPES, "Sideways"), None);
        assert_eq!(enumerated(keys::SENDER_SCOPES, "ExternalPartner"), None);
    }
}
