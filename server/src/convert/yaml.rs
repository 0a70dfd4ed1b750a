//! The model as YAML, in the layout of format.md: block mappings indented by two spaces,
//! keys in the format's order, lists of values in flow style (`[a, b]`), and a blank line
//! between the top-level sections and between the items of a list.

use super::comments::ObjectComments;
use super::{spans, Attached, Lines, Output, STEP};
use crate::fixes::scalar;
use crate::model::keys::{self, Object};
use crate::model::{
    Actions, Connector, Header, MailFlow, OnPremises, Organization, OtherParameter, ParameterValue, Predicates,
    Service, TransportRule,
};
use crate::text::{Span, Spanned};

/// `flow` as a YAML file, with `comments` beside the objects and values they were written
/// beside.
pub fn to_yaml(flow: &MailFlow, comments: &Attached) -> String {
    // Two spaces before a comment that ends a line, as yamllint asks by default.
    let mut out = Output::new("  ");
    out.comments(0, &comments.top);
    if let Some(version) = &flow.version {
        out.separate();
        out.ended_line(0, &format!("mailflow: {}", version.value), comments.version.as_deref());
    }
    if let Some(organization) = &flow.organization {
        out.separate();
        let own = comments.of(organization.span);
        out.comments(0, &own.above);
        let body = organization_body(organization);
        let placement = comments.place(own, &body.anchors());
        if body.is_empty() && !placement.end.is_empty() {
            // Comments inside an empty organization go between the key and its `{}`: after
            // `organization: {}` they would be read as above what follows.
            out.ended_line(0, "organization:", own.trailing.as_deref());
            out.comments(STEP, &placement.end);
            out.line(STEP, "{}");
        } else {
            let head = if body.is_empty() { "organization: {}" } else { "organization:" };
            out.ended_line(0, head, own.trailing.as_deref());
            out.body(0, &body, &placement, 0);
        }
    }
    let connectors = flow.connectors.iter().map(|c| (c.span, connector_body(c)));
    list(&mut out, "connectors", connectors, comments);
    let rules = flow.rules.iter().map(|r| (r.span, rule_body(r)));
    list(&mut out, "transportRules", rules, comments);
    if !comments.bottom.is_empty() {
        out.separate();
        out.comments(0, &comments.bottom);
    }
    out.text
}

/// A top-level list of objects (connectors or rules), each given by its span and body.
fn list(out: &mut Output, key: &str, items: impl ExactSizeIterator<Item = (Span, Lines)>, comments: &Attached) {
    if items.len() == 0 {
        return;
    }
    out.separate();
    out.line(0, &format!("{key}:"));
    for (index, (span, body)) in items.enumerate() {
        if index > 0 {
            out.separate();
        }
        item(out, body, comments.of(span), comments);
    }
}

/// One list item: its first key on the dash's line (`- name: …`), the rest under it.
fn item(out: &mut Output, body: Lines, own: &ObjectComments, comments: &Attached) {
    out.comments(STEP, &own.above);
    let mut anchors = body.anchors();
    // The first line is the item's own: a comment above it would be above the item, where an
    // ignore comment written inside the item would start to apply.
    if let Some(first) = anchors.first_mut() {
        first.clear();
    }
    let placement = comments.place(own, &anchors);
    let first = body.0.first().map_or_else(|| "- {}".to_owned(), |line| format!("- {}", line.text));
    out.ended_line(STEP, &first, own.trailing.as_deref());
    out.body(STEP, &body, &placement, 1);
}

fn organization_body(organization: &Organization) -> Lines {
    let mut lines = Lines::default();
    text(&mut lines, "name", &organization.name);
    if !organization.domains.is_empty() {
        lines.push(format!("domains: {}", text_list(&organization.domains)), spans(&organization.domains));
    }
    if let Some(on_premises) = &organization.on_premises {
        map(&mut lines, "onPremises", Some(on_premises.span), on_premises_body(on_premises));
    }
    lines
}

fn on_premises_body(on_premises: &OnPremises) -> Lines {
    let mut lines = Lines::default();
    text(&mut lines, "relaysThrough", &on_premises.relays_through);
    lines
}

fn connector_body(connector: &Connector) -> Lines {
    let mut lines = Lines::default();
    text(&mut lines, "name", &connector.name);
    boolean(&mut lines, "enabled", &connector.enabled);
    word(&mut lines, "type", connector.connector_type.as_ref().map(|t| Spanned::new(t.value.key(), t.span)));
    word(&mut lines, "use", connector.use_.as_ref().map(|u| Spanned::new(u.value.key(), u.span)));
    list_of_text(&mut lines, "recipientDomains", connector.recipient_domains.as_ref());
    list_of_text(&mut lines, "smartHosts", connector.smart_hosts.as_ref());
    if let Some(service) = &connector.service {
        map(&mut lines, "service", Some(service.span), service_body(service));
    }
    lines
}

fn service_body(service: &Service) -> Lines {
    let mut lines = Lines::default();
    lines.push(format!("kind: {}", service.kind.value.key()), Some(service.kind.span));
    word(&mut lines, "vendor", service.vendor.as_ref().map(|v| Spanned::new(v.value.key(), v.span)));
    text(&mut lines, "domain", &service.domain);
    if let Some(header) = &service.processed_header {
        map(&mut lines, "processedHeader", Some(header.span), header_body(header));
    }
    boolean(&mut lines, "returnsToExchange", &service.returns_to_exchange);
    list_of_text(&mut lines, "relayDomains", service.relay_domains.as_ref());
    lines
}

fn header_body(header: &Header) -> Lines {
    let mut lines = Lines::default();
    lines.push(format!("name: {}", scalar(&header.name.value)), Some(header.name.span));
    lines.push(format!("value: {}", scalar(&header.value.value)), Some(header.value.span));
    lines
}

fn rule_body(rule: &TransportRule) -> Lines {
    let mut lines = Lines::default();
    text(&mut lines, "name", &rule.name);
    if let Some(priority) = &rule.priority {
        lines.push(format!("priority: {}", priority.value), Some(priority.span));
    }
    boolean(&mut lines, "enabled", &rule.enabled);
    word(&mut lines, "mode", rule.mode.as_ref().map(|m| Spanned::new(m.value.key(), m.span)));
    for (key, predicates) in [("conditions", &rule.conditions), ("exceptions", &rule.exceptions)] {
        if !predicates.is_empty() {
            map(&mut lines, key, predicates.span, predicates_body(predicates));
        }
    }
    let actions = actions_body(&rule.actions);
    if !actions.is_empty() {
        map(&mut lines, "actions", rule.actions.span, actions);
    }
    boolean(&mut lines, "stopProcessingMoreRules", &rule.stop_processing);
    boolean(&mut lines, "deferOnError", &rule.defer_on_error);
    text(&mut lines, "comments", &rule.comments);
    lines
}

/// The conditions or exceptions in the catalogue's order; the lists are written by their
/// shape, the rest one by one.
fn predicates_body(predicates: &Predicates) -> Lines {
    let mut lines = Lines::default();
    let scope =
        |scope: &Option<Spanned<crate::model::Scope>>| scope.as_ref().map(|s| Spanned::new(s.value.key(), s.span));
    let (text_lists, pattern_lists) = (predicates.text_lists(), predicates.pattern_lists());
    for key in keys::keys(Object::Predicates).iter().map(|key| key.name) {
        if let Some((_, list)) = text_lists.iter().find(|(listed, _)| *listed == key) {
            list_of_text(&mut lines, key, list.as_deref());
            continue;
        }
        if let Some((_, Some(patterns))) = pattern_lists.iter().find(|(listed, _)| *listed == key) {
            let sources = text_list(patterns.value.iter().map(|p| &p.source));
            let anchors = spans(patterns.value.iter().map(|p| &p.source)).chain([patterns.span]);
            lines.push(format!("{key}: {sources}"), anchors);
            continue;
        }
        match key {
            "senderIs" => word(&mut lines, key, scope(&predicates.sender_is)),
            "recipientIs" => word(&mut lines, key, scope(&predicates.recipient_is)),
            "headerContains" => {
                if let Some(test) = &predicates.header_contains {
                    let mut body = Lines::default();
                    body.push(format!("header: {}", scalar(&test.header.value)), Some(test.header.span));
                    body.push(format!("words: {}", text_list(&test.words)), spans(&test.words));
                    map(&mut lines, key, Some(test.span), body);
                }
            }
            "headerMatches" => {
                if let Some(test) = &predicates.header_matches {
                    let mut body = Lines::default();
                    body.push(format!("header: {}", scalar(&test.header.value)), Some(test.header.span));
                    let patterns = text_list(test.patterns.iter().map(|p| &p.source));
                    body.push(format!("patterns: {patterns}"), spans(test.patterns.iter().map(|p| &p.source)));
                    map(&mut lines, key, Some(test.span), body);
                }
            }
            "messageSizeOver" => {
                let size = predicates.message_size_over.as_ref().map(|m| Spanned::new(m.value.written.clone(), m.span));
                text(&mut lines, key, &size);
            }
            "messageTypeMatches" => {
                let message_type =
                    predicates.message_type_matches.as_ref().map(|m| Spanned::new(m.value.key(), m.span));
                word(&mut lines, key, message_type);
            }
            "other" => other(&mut lines, &predicates.other),
            _ => {}
        }
    }
    lines
}

fn actions_body(actions: &Actions) -> Lines {
    let mut lines = Lines::default();
    if let Some(header) = &actions.set_header {
        map(&mut lines, "setHeader", Some(header.span), header_body(header));
    }
    text(&mut lines, "redirectToConnector", &actions.redirect_to_connector);
    text(&mut lines, "removeHeader", &actions.remove_header);
    other(&mut lines, &actions.other);
    lines
}

/// `other:` with each parameter by name: one value as a scalar, any other number as a list.
fn other(lines: &mut Lines, parameters: &[OtherParameter]) {
    let mut body = Lines::default();
    for parameter in parameters {
        let value = match parameter.values.as_slice() {
            [one] => parameter_value(&one.value),
            values => format!("[{}]", values.iter().map(|v| parameter_value(&v.value)).collect::<Vec<_>>().join(", ")),
        };
        let anchors = parameter.values.iter().map(|v| v.span).chain([parameter.span]);
        body.push(format!("{}: {value}", key(&parameter.name.value)), anchors);
    }
    if !body.is_empty() {
        map(lines, "other", None, body);
    }
}

fn parameter_value(value: &ParameterValue) -> String {
    match value {
        ParameterValue::Text(text) => scalar(text),
        ParameterValue::Integer(integer) => integer.to_string(),
        ParameterValue::Boolean(boolean) => boolean.to_string(),
    }
}

/// A parameter name as a mapping key. A plain `<<` key is YAML's merge key, so it is quoted.
fn key(name: &str) -> String {
    match name {
        "<<" => "\"<<\"".to_owned(),
        name => scalar(name),
    }
}

/// `key:` with `body` nested under it, or `key: {}` when the body is empty.
fn map(lines: &mut Lines, key: &str, anchor: Option<Span>, body: Lines) {
    if body.is_empty() {
        lines.push(format!("{key}: {{}}"), anchor);
    } else {
        lines.push(format!("{key}:"), anchor);
        lines.nest(body);
    }
}

fn text(lines: &mut Lines, key: &str, value: &Option<Spanned<String>>) {
    if let Some(value) = value {
        lines.push(format!("{key}: {}", scalar(&value.value)), Some(value.span));
    }
}

fn boolean(lines: &mut Lines, key: &str, value: &Option<Spanned<bool>>) {
    if let Some(value) = value {
        lines.push(format!("{key}: {}", value.value), Some(value.span));
    }
}

/// An enumerated value, by its word in the format.
fn word(lines: &mut Lines, key: &str, value: Option<Spanned<&str>>) {
    if let Some(value) = value {
        lines.push(format!("{key}: {}", value.value), Some(value.span));
    }
}

fn list_of_text(lines: &mut Lines, key: &str, list: Option<&Spanned<Vec<Spanned<String>>>>) {
    if let Some(list) = list {
        lines.push(format!("{key}: {}", text_list(&list.value)), spans(&list.value).chain([list.span]));
    }
}

/// Strings as a flow list: `[a, "b, c"]`.
fn text_list<'a>(values: impl IntoIterator<Item = &'a Spanned<String>>) -> String {
    let items: Vec<String> = values.into_iter().map(|v| scalar(&v.value)).collect();
    format!("[{}]", items.join(", "))
}
