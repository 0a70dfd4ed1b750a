//! The objects a file describes, as Exchange would hold them: every property the file
//! decides, with Exchange's defaults written out (a rule that says nothing of its mode is
//! `Enforce`), so that two descriptions of one tenant compare property by property.

use super::names::{self, parameter, EXCEPT_IF};
use super::{Kind, Origin, TenantObject, Value};
use crate::model::keys::{without_except_if, Object};
use crate::model::{
    Actions, Connector, ConnectorType, MailFlow, MessageSize, OtherParameter, ParameterValue, Predicates, RuleMode,
    TransportRule,
};

/// The tenant `flow` describes: its connectors, then its rules in priority order, then its
/// accepted domains. `file` names the file in each object's origin.
pub fn objects(flow: &MailFlow, file: &str) -> Vec<TenantObject> {
    let origin = |number| Origin { file: file.to_owned(), number };
    let rules = flow.rules_in_order();
    let connectors = flow.connectors.iter().enumerate().map(|(index, connector)| TenantObject {
        kind: Kind::OutboundConnector,
        properties: connector_properties(connector),
        origin: origin(index + 1),
        absent: false,
    });
    let rules = rules.into_iter().enumerate().map(|(index, rule)| TenantObject {
        kind: Kind::TransportRule,
        properties: rule_properties(rule),
        origin: origin(index + 1),
        absent: false,
    });
    let domains = flow.organization.iter().flat_map(|o| &o.domains).enumerate().map(|(index, domain)| TenantObject {
        kind: Kind::AcceptedDomain,
        properties: vec![("DomainName".to_owned(), Value::Text(domain.value.clone()))],
        origin: origin(index + 1),
        absent: false,
    });
    connectors.chain(rules).chain(domains).collect()
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn texts<'a>(values: impl IntoIterator<Item = &'a String>) -> Value {
    Value::List(values.into_iter().map(|value| text(value)).collect())
}

fn connector_properties(connector: &Connector) -> Vec<(String, Value)> {
    let key = |key, index| parameter(Object::Connector, key, index).to_owned();
    let mut properties = vec![
        (key("name", 0), text(connector.name())),
        (key("enabled", 0), Value::Bool(connector.is_enabled())),
        (
            key("type", 0),
            text(names::connector_type(connector.connector_type.as_ref().map_or(ConnectorType::Partner, |t| t.value))),
        ),
        (key("use", 0), Value::Bool(connector.usage() == crate::model::ConnectorUse::TransportRule)),
    ];
    let domains = connector.recipient_domains.iter().flat_map(|list| &list.value).map(|d| &d.value);
    properties.push((key("recipientDomains", 0), texts(domains)));
    let hosts: Vec<&String> = connector.smart_hosts.iter().flat_map(|list| &list.value).map(|h| &h.value).collect();
    // Without smart hosts a connector delivers by the recipients' MX records.
    properties.push(("UseMXRecord".to_owned(), Value::Bool(hosts.is_empty())));
    properties.push((key("smartHosts", 0), texts(hosts)));
    properties
}

fn rule_properties(rule: &TransportRule) -> Vec<(String, Value)> {
    let key = |key, index| parameter(Object::Rule, key, index).to_owned();
    let mut properties = vec![(key("name", 0), text(rule.name()))];
    if let Some(priority) = &rule.priority {
        properties.push((key("priority", 0), Value::Integer(priority.value)));
    }
    // The rule's switch: `Enabled` is what New-TransportRule takes (`State` is what Get- shows).
    properties.push((key("enabled", 1), Value::Bool(rule.is_enabled())));
    properties.push((key("mode", 0), text(names::mode(rule.mode.as_ref().map_or(RuleMode::Enforce, |m| m.value)))));
    predicates(&mut properties, &rule.conditions, "");
    predicates(&mut properties, &rule.exceptions, EXCEPT_IF);
    actions(&mut properties, &rule.actions);
    properties.push((key("stopProcessingMoreRules", 0), Value::Bool(rule.stops_processing())));
    let error_action = names::RULE_ERROR_ACTIONS[usize::from(rule.defers_on_error())];
    properties.push((key("deferOnError", 0), text(error_action)));
    if let Some(comments) = &rule.comments {
        properties.push((key("comments", 0), text(&comments.value)));
    }
    properties
}

/// The conditions (`prefix` empty) or the exceptions (`ExceptIf`) as parameters.
fn predicates(properties: &mut Vec<(String, Value)>, predicates: &Predicates, prefix: &str) {
    let mut push = |key: &str, index: usize, value: Value| {
        properties.push((format!("{prefix}{}", parameter(Object::Predicates, key, index)), value));
    };
    if let Some(scope) = &predicates.sender_is {
        push("senderIs", 0, text(names::scope(scope.value)));
    }
    if let Some(scope) = &predicates.recipient_is {
        push("recipientIs", 0, text(names::scope(scope.value)));
    }
    for (key, list) in predicates.text_lists() {
        if let Some(list) = list {
            push(key, 0, texts(list.value.iter().map(|v| &v.value)));
        }
    }
    for (key, list) in predicates.pattern_lists() {
        if let Some(list) = list {
            push(key, 0, texts(list.value.iter().map(|p| &p.source.value)));
        }
    }
    if let Some(test) = &predicates.header_contains {
        push("headerContains", 0, text(&test.header.value));
        push("headerContains", 1, texts(test.words.iter().map(|w| &w.value)));
    }
    if let Some(test) = &predicates.header_matches {
        push("headerMatches", 0, text(&test.header.value));
        push("headerMatches", 1, texts(test.patterns.iter().map(|p| &p.source.value)));
    }
    if let Some(message_type) = &predicates.message_type_matches {
        push("messageTypeMatches", 0, text(names::message_type(message_type.value)));
    }
    if let Some(size) = &predicates.message_size_over {
        push("messageSizeOver", 0, text(&size_text(&size.value)));
    }
    for other in &predicates.other {
        let name = other.name.value.trim();
        let bare = without_except_if(name).unwrap_or(name);
        properties.push((format!("{prefix}{bare}"), other_value(other)));
    }
}

fn actions(properties: &mut Vec<(String, Value)>, actions: &Actions) {
    let mut push = |key: &str, index: usize, value: Value| {
        properties.push((parameter(Object::Actions, key, index).to_owned(), value));
    };
    if let Some(header) = &actions.set_header {
        push("setHeader", 0, text(&header.name.value));
        push("setHeader", 1, text(&header.value.value));
    }
    if let Some(connector) = &actions.redirect_to_connector {
        push("redirectToConnector", 0, text(&connector.value));
    }
    if let Some(header) = &actions.remove_header {
        push("removeHeader", 0, text(&header.value));
    }
    for other in &actions.other {
        properties.push((other.name.value.trim().to_owned(), other_value(other)));
    }
}

/// An `other` parameter's value: one value as itself, several as a list.
fn other_value(other: &OtherParameter) -> Value {
    let value = |value: &ParameterValue| match value {
        ParameterValue::Text(text) => Value::Text(text.clone()),
        ParameterValue::Integer(number) => Value::Integer(*number),
        ParameterValue::Boolean(flag) => Value::Bool(*flag),
    };
    match other.values.as_slice() {
        [one] => value(&one.value),
        many => Value::List(many.iter().map(|v| value(&v.value)).collect()),
    }
}

/// A size as Exchange takes it, the same text for the same number of bytes: in the largest
/// unit that writes it with at most two decimals (`22.5 MB`), else in bytes (`1000 B`).
pub fn size_text(size: &MessageSize) -> String {
    for (unit, scale) in [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
        let hundredths = size.bytes as u128 * 100;
        if size.bytes >= scale && hundredths.is_multiple_of(scale as u128) {
            let whole = size.bytes / scale;
            let fraction = (hundredths / scale as u128 % 100) as u64;
            return match fraction {
                0 => format!("{whole} {unit}"),
                f if f % 10 == 0 => format!("{whole}.{} {unit}", f / 10),
                f => format!("{whole}.{f:02} {unit}"),
            };
        }
    }
    format!("{} B", size.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_in_the_largest_exact_unit() {
        let size = |text| size_text(&MessageSize::parse(text).unwrap());
        assert_eq!(size("22.5 MB (23,592,960 bytes)"), "22.5 MB");
        assert_eq!(size("23592960"), "22.5 MB");
        assert_eq!(size("1 GB"), "1 GB");
        assert_eq!(size("1.25 KB"), "1.25 KB");
        assert_eq!(size("1000"), "1000 B");
        assert_eq!(size("0"), "0 B");
    }
}
