//! The model in the mail-flow DSL, in the layout of grammar/README.md: one statement per
//! line, blocks indented by two spaces, settings in the order of the YAML keys they stand
//! for, and a blank line between top-level items.

use super::{spans, Attached, Lines, Output};
use crate::model::dsl_statements::{self, Form, Place, Statement};
use crate::model::keys::{self, Object};
use crate::model::{
    Connector, MailFlow, OnPremises, Organization, OtherParameter, ParameterValue, Predicates, Service, TransportRule,
};
use crate::syntax::dsl::quote;
use crate::text::{Span, Spanned};

/// Parts of a model the DSL has no way to write, each with what it is about and where.
#[derive(Debug)]
pub struct Unwritable(pub Vec<Spanned<String>>);

/// `flow` as a DSL file, with `comments` beside the objects and values they were written
/// beside.
///
/// An explicit `false` for stopping processing or deferring on error is their default, and
/// the DSL says it by leaving the statement out; apart from that, the model holds nothing the
/// DSL cannot write except what [`Unwritable`] lists.
pub fn to_dsl(flow: &MailFlow, comments: &Attached) -> Result<String, Unwritable> {
    let unwritable = unwritable(flow);
    if !unwritable.is_empty() {
        return Err(Unwritable(unwritable));
    }
    // One space before a comment that ends a line, as `mailflow fmt` writes it.
    let mut out = Output::new(" ");
    out.comments(0, without_yaml_modeline(&comments.top));
    if let Some(version) = &flow.version {
        out.separate();
        out.ended_line(
            0,
            &say(Object::Root, "mailflow", &[Some(&version.value.to_string())]),
            comments.version.as_deref(),
        );
    }
    if let Some(organization) = &flow.organization {
        let head = say(Object::Root, "organization", &[organization.name.as_ref().map(|n| quote(&n.value)).as_deref()]);
        item(&mut out, head, organization_body(organization), organization.span, comments);
    }
    for connector in &flow.connectors {
        let head = say(Object::Root, "connectors", &[Some(&quote(connector.name()))]);
        item(&mut out, head, connector_body(connector), connector.span, comments);
    }
    for rule in &flow.rules {
        let priority = rule.priority.as_ref().map(|p| p.value.to_string());
        let head = say(Object::Root, "transportRules", &[Some(&quote(rule.name())), priority.as_deref()]);
        item(&mut out, head, rule_body(rule), rule.span, comments);
    }
    if !comments.bottom.is_empty() {
        out.separate();
        out.comments(0, &comments.bottom);
    }
    Ok(out.text)
}

/// A `# yaml-language-server: $schema=…` first line tells YAML editors which JSON Schema
/// to validate with; in a DSL file it means nothing, so it is left out, with the bare `#`
/// lines that set it apart from the rest of the header.
fn without_yaml_modeline(top: &[String]) -> &[String] {
    match top.split_first() {
        Some((first, rest)) if first.trim_start_matches('#').trim_start().starts_with("yaml-language-server:") => {
            let kept = rest.iter().position(|line| line.trim() != "#" && !line.is_empty()).unwrap_or(rest.len());
            &rest[kept..]
        }
        _ => top,
    }
}

/// A top-level item, `head { … }`, with its comments: above it, at the end of its first
/// line, and among the lines of its body.
fn item(out: &mut Output, head: String, body: Lines, span: Span, comments: &Attached) {
    out.separate();
    let own = comments.of(span);
    out.comments(0, &own.above);
    let placement = comments.place(own, &body.anchors());
    if body.is_empty() && placement.end.is_empty() {
        out.ended_line(0, &format!("{head} {{}}"), own.trailing.as_deref());
        return;
    }
    out.ended_line(0, &format!("{head} {{"), own.trailing.as_deref());
    out.body(0, &body, &placement, 0);
    out.line(0, "}");
}

fn organization_body(organization: &Organization) -> Lines {
    let mut lines = Lines::default();
    if !organization.domains.is_empty() {
        lines.push(
            say(Object::Organization, "domains", &[Some(&strings(&organization.domains))]),
            spans(&organization.domains),
        );
    }
    if let Some(on_premises) = &organization.on_premises {
        block(
            &mut lines,
            say(Object::Organization, "onPremises", &[]),
            [on_premises.span],
            on_premises_body(on_premises),
        );
    }
    lines
}

fn on_premises_body(on_premises: &OnPremises) -> Lines {
    let mut lines = Lines::default();
    if let Some(host) = &on_premises.relays_through {
        lines.push(say(Object::OnPremises, "relaysThrough", &[Some(&quote(&host.value))]), Some(host.span));
    }
    lines
}

fn connector_body(connector: &Connector) -> Lines {
    let mut lines = Lines::default();
    enabled(&mut lines, Object::Connector, &connector.enabled);
    if let Some(connector_type) = &connector.connector_type {
        lines.push(say(Object::Connector, "type", &[Some(connector_type.value.key())]), Some(connector_type.span));
    }
    if let Some(usage) = &connector.use_ {
        lines.push(say(Object::Connector, "use", &[Some(usage.value.key())]), Some(usage.span));
    }
    list(&mut lines, Object::Connector, "recipientDomains", &connector.recipient_domains);
    list(&mut lines, Object::Connector, "smartHosts", &connector.smart_hosts);
    if let Some(service) = &connector.service {
        service_lines(&mut lines, service);
    }
    lines
}

/// `service KIND [VENDOR]`, with a block only when there is something to put in it.
fn service_lines(lines: &mut Lines, service: &Service) {
    let vendor = service.vendor.as_ref().map(|v| v.value.key());
    let head = say(Object::Connector, "service", &[Some(service.kind.value.key()), vendor]);
    let mut body = Lines::default();
    if let Some(domain) = &service.domain {
        body.push(say(Object::Service, "domain", &[Some(&quote(&domain.value))]), Some(domain.span));
    }
    if let Some(header) = &service.processed_header {
        let (name, value) = (quote(&header.name.value), quote(&header.value.value));
        let line = say(Object::Service, "processedHeader", &[Some(&name), Some(&value)]);
        body.push(line, [header.span, header.name.span, header.value.span]);
    }
    if let Some(returns) = &service.returns_to_exchange {
        body.push(say(Object::Service, "returnsToExchange", &[Some(&returns.value.to_string())]), Some(returns.span));
    }
    list(&mut body, Object::Service, "relayDomains", &service.relay_domains);
    let anchors = [service.span, service.kind.span].into_iter().chain(service.vendor.as_ref().map(|v| v.span));
    if body.is_empty() {
        lines.push(head, anchors);
    } else {
        block(lines, head, anchors, body);
    }
}

fn rule_body(rule: &TransportRule) -> Lines {
    let mut lines = Lines::default();
    enabled(&mut lines, Object::Rule, &rule.enabled);
    if let Some(mode) = &rule.mode {
        lines.push(say(Object::Rule, "mode", &[Some(mode.value.key())]), Some(mode.span));
    }
    predicates(&mut lines, Place::Condition, &rule.conditions);
    predicates(&mut lines, Place::Exception, &rule.exceptions);
    if let Some(header) = &rule.actions.set_header {
        let (name, value) = (quote(&header.name.value), quote(&header.value.value));
        let line = say(Object::Actions, "setHeader", &[Some(&name), Some(&value)]);
        lines.push(line, [header.span, header.name.span, header.value.span]);
    }
    if let Some(connector) = &rule.actions.redirect_to_connector {
        lines
            .push(say(Object::Actions, "redirectToConnector", &[Some(&quote(&connector.value))]), Some(connector.span));
    }
    if let Some(header) = &rule.actions.remove_header {
        lines.push(say(Object::Actions, "removeHeader", &[Some(&quote(&header.value))]), Some(header.span));
    }
    other(&mut lines, statement(Object::Actions, "other"), None, &rule.actions.other);
    for (key, setting) in [("stopProcessingMoreRules", &rule.stop_processing), ("deferOnError", &rule.defer_on_error)] {
        let statement = flag(key, "true");
        if let Some(setting) = setting.as_ref().filter(|s| s.value) {
            lines.push(statement, Some(setting.span));
        }
    }
    if let Some(comments) = &rule.comments {
        lines.push(say(Object::Rule, "comments", &[Some(&quote(&comments.value))]), Some(comments.span));
    }
    lines
}

/// Conditions or exceptions (by `place`), one statement each, in the catalogue's order; the
/// lists are written by their shape, the rest one by one.
fn predicates(lines: &mut Lines, place: Place, predicates: &Predicates) {
    let say = |key: &str, values: &[Option<&str>]| statement(Object::Predicates, key).write(Some(place), values);
    let (text_lists, pattern_lists) = (predicates.text_lists(), predicates.pattern_lists());
    for key in keys::keys(Object::Predicates).iter().map(|key| key.name) {
        if let Some((_, Some(list))) = text_lists.iter().find(|(listed, _)| *listed == key) {
            lines.push(say(key, &[Some(&strings(&list.value))]), spans(&list.value).chain([list.span]));
            continue;
        }
        if let Some((_, Some(patterns))) = pattern_lists.iter().find(|(listed, _)| *listed == key) {
            let sources = strings(patterns.value.iter().map(|p| &p.source));
            let anchors = spans(patterns.value.iter().map(|p| &p.source)).chain([patterns.span]);
            lines.push(say(key, &[Some(&sources)]), anchors);
            continue;
        }
        match key {
            "senderIs" | "recipientIs" => {
                let scope = if key == "senderIs" { &predicates.sender_is } else { &predicates.recipient_is };
                if let Some(scope) = scope {
                    lines.push(say(key, &[Some(scope.value.key())]), Some(scope.span));
                }
            }
            "headerContains" => {
                if let Some(test) = &predicates.header_contains {
                    let line = say(key, &[Some(&quote(&test.header.value)), Some(&strings(&test.words))]);
                    lines.push(line, spans(&test.words).chain([test.span, test.header.span]));
                }
            }
            "headerMatches" => {
                if let Some(test) = &predicates.header_matches {
                    let patterns = strings(test.patterns.iter().map(|p| &p.source));
                    let anchors = spans(test.patterns.iter().map(|p| &p.source)).chain([test.span, test.header.span]);
                    lines.push(say(key, &[Some(&quote(&test.header.value)), Some(&patterns)]), anchors);
                }
            }
            "messageSizeOver" => {
                if let Some(size) = &predicates.message_size_over {
                    lines.push(say(key, &[Some(&quote(&size.value.written))]), Some(size.span));
                }
            }
            "messageTypeMatches" => {
                if let Some(message_type) = &predicates.message_type_matches {
                    lines.push(say(key, &[Some(message_type.value.key())]), Some(message_type.span));
                }
            }
            "other" => other(lines, statement(Object::Predicates, key), Some(place), &predicates.other),
            _ => {}
        }
    }
}

/// The `other` statement for each parameter: its name, then its values.
fn other(lines: &mut Lines, statement: &Statement, place: Option<Place>, parameters: &[OtherParameter]) {
    for parameter in parameters {
        let values: Vec<String> = parameter
            .values
            .iter()
            .map(|value| match &value.value {
                ParameterValue::Text(text) => quote(text),
                ParameterValue::Integer(integer) => integer.to_string(),
                ParameterValue::Boolean(boolean) => boolean.to_string(),
            })
            .collect();
        let line = statement.write(place, &[Some(&quote(&parameter.name.value)), Some(&values.join(" "))]);
        lines.push(line, parameter.values.iter().map(|v| v.span).chain([parameter.span]));
    }
}

/// The table's statement for `key` of `object`.
fn statement(object: Object, key: &str) -> &'static Statement {
    dsl_statements::for_key(object, key).expect("every key the model writes has its statement")
}

/// The statement for `key` of `object`, written with `values`.
fn say(object: Object, key: &str, values: &[Option<&str>]) -> String {
    statement(object, key).write(None, values)
}

/// The statement that says `key` is `value` by being there.
fn flag(key: &str, value: &str) -> &'static str {
    let flag =
        dsl_statements::STATEMENTS.iter().find(|s| s.key == key && matches!(s.form, Form::Flag(says) if says == value));
    flag.expect("the table has the flag").template
}

/// `enabled true`, or `disabled`.
fn enabled(lines: &mut Lines, object: Object, enabled: &Option<Spanned<bool>>) {
    if let Some(enabled) = enabled {
        let line = match enabled.value {
            true => say(object, "enabled", &[Some("true")]),
            false => flag("enabled", "false").to_owned(),
        };
        lines.push(line, Some(enabled.span));
    }
}

fn list(lines: &mut Lines, object: Object, key: &str, list: &Option<Spanned<Vec<Spanned<String>>>>) {
    if let Some(list) = list {
        lines.push(say(object, key, &[Some(&strings(&list.value))]), spans(&list.value).chain([list.span]));
    }
}

/// `head { … }`; `head {}` when the body is empty.
fn block(lines: &mut Lines, head: String, anchors: impl IntoIterator<Item = Span>, body: Lines) {
    if body.is_empty() {
        lines.push(format!("{head} {{}}"), anchors);
    } else {
        lines.push(format!("{head} {{"), anchors);
        lines.nest(body);
        lines.push("}", None);
    }
}

/// Strings separated by spaces.
fn strings<'a>(values: impl IntoIterator<Item = &'a Spanned<String>>) -> String {
    values.into_iter().map(|v| quote(&v.value)).collect::<Vec<_>>().join(" ")
}

/// What the DSL cannot write: an object without a name (the DSL names every connector and
/// rule) and an empty list (a DSL list holds one value or more). Both come from YAML only.
fn unwritable(flow: &MailFlow) -> Vec<Spanned<String>> {
    let mut found = Vec::new();
    let mut report_empty = |owner: &str, key: &str, span: Span, is_empty: bool| {
        if is_empty {
            found.push(Spanned::new(
                format!(
                    "{owner}: `{key}` is an empty list, which the DSL cannot write (a list there holds one value or \
                     more); give it a value or leave it out"
                ),
                span,
            ));
        }
    };
    let list = |list: Option<&Spanned<Vec<Spanned<String>>>>| list.map(|l| (l.span, l.value.is_empty()));
    for connector in &flow.connectors {
        let owner = format!("connector `{}`", connector.name());
        for (key, values) in
            [("recipientDomains", &connector.recipient_domains), ("smartHosts", &connector.smart_hosts)]
                .into_iter()
                .chain(connector.service.as_ref().map(|s| ("relayDomains", &s.relay_domains)))
        {
            if let Some((span, is_empty)) = list(values.as_ref()) {
                report_empty(&owner, key, span, is_empty);
            }
        }
    }
    for rule in &flow.rules {
        let owner = format!("rule `{}`", rule.name());
        for (block, predicates) in [("conditions", &rule.conditions), ("exceptions", &rule.exceptions)] {
            for (key, values) in predicates.text_lists() {
                if let Some((span, is_empty)) = list(values.as_deref()) {
                    report_empty(&owner, &format!("{block}.{key}"), span, is_empty);
                }
            }
            for (key, patterns) in predicates.pattern_lists() {
                if let Some(patterns) = patterns {
                    report_empty(&owner, &format!("{block}.{key}"), patterns.span, patterns.value.is_empty());
                }
            }
            if let Some(test) = &predicates.header_contains {
                report_empty(&owner, &format!("{block}.headerContains.words"), test.span, test.words.is_empty());
            }
            if let Some(test) = &predicates.header_matches {
                report_empty(&owner, &format!("{block}.headerMatches.patterns"), test.span, test.patterns.is_empty());
            }
            for parameter in &predicates.other {
                let key = format!("{block}.other.{}", parameter.name.value);
                report_empty(&owner, &key, parameter.span, parameter.values.is_empty());
            }
        }
        for parameter in &rule.actions.other {
            let key = format!("actions.other.{}", parameter.name.value);
            report_empty(&owner, &key, parameter.span, parameter.values.is_empty());
        }
    }
    let unnamed = |span: Span, what: &str| {
        Spanned::new(format!("a {what} without a name, which the DSL cannot write: it names every {what}"), span)
    };
    found.extend(flow.connectors.iter().filter(|c| c.name.is_none()).map(|c| unnamed(c.span, "connector")));
    found.extend(flow.rules.iter().filter(|r| r.name.is_none()).map(|r| unnamed(r.span, "rule")));
    found.sort_by_key(|f| f.span);
    found
}
