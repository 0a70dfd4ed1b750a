//! A tenant's objects as the model: what `mailflow import` writes.
//!
//! Nothing is dropped without a word: a property is read into its key, or kept under a
//! rule's `other` by its PowerShell name, or it is metadata ([`names::is_metadata`]), or
//! Exchange's default, or (a connector's settings that are not mail routing, an accepted
//! domain outside the organization) it is listed in [`Imported::notes`].

use std::sync::Arc;

use super::names::{self, parameter, EXCEPT_IF};
use super::{Kind, Problem, TenantObject, Value};
use crate::model::keys::{without_except_if, Object};
use crate::model::{
    Actions, Connector, ConnectorType, ConnectorUse, Header, HeaderContains, HeaderMatches, MailFlow, MessageSize,
    MessageType, Organization, OtherParameter, ParameterValue, Pattern, Predicates, RuleMode, Scope, Service,
    ServiceKind, TransportRule, Vendor,
};
use crate::text::{Span, Spanned};

/// What the import read.
#[derive(Debug)]
pub struct Imported {
    pub flow: MailFlow,
    /// What was read but has no place in the file, and what was inferred, one line each.
    pub notes: Vec<String>,
}

/// The model of `objects` (rules, connectors, accepted domains), or every problem that
/// keeps them from being read faithfully. `organization_name` names the tenant.
pub fn import(objects: &[TenantObject], organization_name: Option<&str>) -> Result<Imported, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut flow = MailFlow::default();
    flow.version = Some(spanned(1));
    let mut domains = Vec::new();
    for object in objects {
        if object.absent {
            notes.push(format!("{}: marked absent (Ensure = \"Absent\"): not in the file", object.describe()));
            continue;
        }
        let problems_before = problems.len();
        for (property, value) in &object.properties {
            if !names::is_metadata(property) {
                if let Some(type_name) = type_name_in(value) {
                    problems.push(Problem::in_object(
                        object,
                        Some(property),
                        format!(
                            "holds `{type_name}`, the name of a type instead of its value: the export was made with \
                             too small a `-Depth`; export again with `ConvertTo-Json -Depth 6`"
                        ),
                    ));
                }
            }
        }
        if problems.len() > problems_before {
            // Read no further: what else it says wrong follows from the missing values.
            continue;
        }
        let mut reader = Reader { object, used: vec![false; object.properties.len()], problems: &mut problems };
        match object.kind {
            Kind::TransportRule => {
                let rule = reader.rule();
                flow.rules.push(Arc::new(rule));
            }
            Kind::OutboundConnector => {
                let connector = reader.connector(&mut notes);
                flow.connectors.push(connector);
            }
            Kind::AcceptedDomain => {
                if let Some(domain) = reader.accepted_domain(&mut notes) {
                    domains.push(spanned(domain));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    flow.rules.sort_by_key(|rule| rule.priority.as_ref().map_or(i64::MAX, |p| p.value));
    if !domains.is_empty() || organization_name.is_some() {
        flow.organization = Some(Organization {
            span: Span::default(),
            name: organization_name.map(|name| spanned(name.to_owned())),
            domains,
            on_premises: None,
        });
    }
    Ok(Imported { flow, notes })
}

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

/// The .NET type name a too shallow `ConvertTo-Json -Depth` writes in place of a nested
/// value (`System.Collections.Hashtable`, `System.Object[]`), if `value` holds one.
fn type_name_in(value: &Value) -> Option<&str> {
    match value {
        Value::Text(text) => {
            let name = text.trim();
            let is_type = (name.starts_with("System.") || name.starts_with("Microsoft."))
                && name.split('.').all(|part| {
                    let part = part.strip_suffix("[]").unwrap_or(part);
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '`' || c == '+')
                });
            is_type.then_some(name)
        }
        Value::List(items) => items.iter().find_map(type_name_in),
        Value::Map(entries) => entries.iter().find_map(|(_, value)| type_name_in(value)),
        _ => None,
    }
}

/// Reads one object's properties, remembering which it used.
struct Reader<'a> {
    object: &'a TenantObject,
    used: Vec<bool>,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem::in_object(self.object, Some(field), message));
    }

    /// The property `name`, marked used; `None` when it is missing or unset.
    fn take(&mut self, name: &str) -> Option<&'a Value> {
        let object = self.object;
        let index = object.properties.iter().position(|(property, _)| property.eq_ignore_ascii_case(name))?;
        self.used[index] = true;
        let value = &object.properties[index].1;
        (!value.is_unset()).then_some(value)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::Text(text) => Some(text.clone()),
            Value::Integer(number) => Some(number.to_string()),
            Value::List(items) if items.len() == 1 => match &items[0] {
                Value::Text(text) => Some(text.clone()),
                _ => self.wrong(name, "a text"),
            },
            _ => self.wrong(name, "a text"),
        }
    }

    fn texts(&mut self, name: &str) -> Option<Vec<String>> {
        let items: Vec<&Value> = match self.take(name)? {
            Value::List(items) => items.iter().filter(|item| !item.is_unset()).collect(),
            one => vec![one],
        };
        let mut texts = Vec::new();
        for item in items {
            match item {
                Value::Text(text) => texts.push(text.clone()),
                Value::Integer(number) => texts.push(number.to_string()),
                _ => return self.wrong(name, "a list of texts"),
            }
        }
        Some(texts)
    }

    fn integer(&mut self, name: &str) -> Option<i64> {
        match self.take(name)? {
            Value::Integer(number) => Some(*number),
            Value::Text(text) if text.trim().parse::<i64>().is_ok() => text.trim().parse().ok(),
            _ => self.wrong(name, "a whole number"),
        }
    }

    fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.take(name)? {
            Value::Bool(flag) => Some(*flag),
            Value::Text(text) if text.trim().trim_start_matches('$').eq_ignore_ascii_case("true") => Some(true),
            Value::Text(text) if text.trim().trim_start_matches('$').eq_ignore_ascii_case("false") => Some(false),
            _ => self.wrong(name, "$true or $false"),
        }
    }

    /// An enumeration written by its name, or as a number where Exchange documents the
    /// order of its members (`numbered`).
    fn enumerated<T: Copy + PartialEq>(
        &mut self,
        name: &str,
        all: &[T],
        name_of: fn(T) -> &'static str,
        numbered: Option<fn(i64) -> Option<T>>,
    ) -> Option<T> {
        let allowed = names::names(all, name_of);
        match self.take(name)? {
            Value::Text(text) => match names::named(all, name_of, text) {
                Some(value) => Some(value),
                None => self.invalid(name, &format!("`{text}` is not one of {allowed}")),
            },
            Value::Integer(number) => match numbered.and_then(|read| read(*number)).filter(|v| all.contains(v)) {
                Some(value) => Some(value),
                None => self.invalid(name, &numeric_enum(*number, &allowed)),
            },
            _ => self.wrong(name, &format!("one of {allowed}")),
        }
    }

    /// A value from a fixed list of words (`State`, `RuleErrorAction`), by its index there.
    fn word(&mut self, name: &str, words: &[&'static str]) -> Option<usize> {
        let allowed = words.join(", ");
        match self.take(name)? {
            Value::Text(text) => match words.iter().position(|word| word.eq_ignore_ascii_case(text.trim())) {
                Some(index) => Some(index),
                None => self.invalid(name, &format!("`{text}` is not one of {allowed}")),
            },
            Value::Integer(number) => self.invalid(name, &numeric_enum(*number, &allowed)),
            _ => self.wrong(name, &format!("one of {allowed}")),
        }
    }

    fn wrong<T>(&mut self, name: &str, expected: &str) -> Option<T> {
        let found = self.object.get(name).map_or_else(String::new, Value::shown);
        self.problem(name, format!("expected {expected}, found `{found}`"));
        None
    }

    fn invalid<T>(&mut self, name: &str, message: &str) -> Option<T> {
        self.problem(name, message);
        None
    }

    /// Every property not used yet that is neither metadata nor unset nor `is_default`.
    fn rest(&mut self, is_default: impl Fn(&str, &Value) -> bool) -> Vec<&'a (String, Value)> {
        let object = self.object;
        object
            .properties
            .iter()
            .zip(&self.used)
            .filter(|((property, value), used)| {
                !**used && !names::is_metadata(property) && !value.is_unset() && !is_default(property, value)
            })
            .map(|(entry, _)| entry)
            .collect()
    }

    fn rule(&mut self) -> TransportRule {
        let key = |key, index| parameter(Object::Rule, key, index);
        let name = self.text(key("name", 0));
        if name.is_none() {
            self.problem(key("name", 0), "a transport rule needs a name");
        }
        let priority = self.integer(key("priority", 0));
        // Get-TransportRule shows `State`; Microsoft365DSC and New-TransportRule say `Enabled`.
        let state = self.word(key("enabled", 0), &names::RULE_STATES).map(|index| index == 0);
        let enabled = state.or_else(|| self.boolean(key("enabled", 1)));
        let mode = self.enumerated(key("mode", 0), &RuleMode::ALL, names::mode, None);
        let error_action = self.word(key("deferOnError", 0), &names::RULE_ERROR_ACTIONS);
        let stop = self.boolean(key("stopProcessingMoreRules", 0));
        let comments = self.text(key("comments", 0));
        let mut conditions = self.predicates("");
        let mut exceptions = self.predicates(EXCEPT_IF);
        let mut actions = self.actions();
        let action_classes: Vec<String> = match self.object.get("Actions") {
            Some(Value::List(classes)) => classes.iter().map(Value::shown).collect(),
            _ => Vec::new(),
        };
        for (property, value) in self.rest(names::is_rule_default) {
            let Some(values) = self.other_values(property, value) else { continue };
            let (list, name) = match without_except_if(property) {
                Some(bare) => (&mut exceptions.other, bare),
                None if names::is_action(property, &action_classes) => (&mut actions.other, property.as_str()),
                None => (&mut conditions.other, property.as_str()),
            };
            list.push(OtherParameter { name: spanned(name.to_owned()), values, span: Span::default() });
        }
        TransportRule {
            name: name.map(spanned),
            priority: priority.map(spanned),
            // Only what differs from Exchange's defaults is written.
            enabled: enabled.filter(|on| !on).map(spanned),
            mode: mode.filter(|m| *m != RuleMode::Enforce).map(spanned),
            conditions,
            exceptions,
            actions,
            stop_processing: stop.filter(|stop| *stop).map(spanned),
            defer_on_error: error_action.filter(|index| *index == 1).map(|_| spanned(true)),
            comments: comments.map(spanned),
            ..TransportRule::default()
        }
    }

    /// The conditions (`prefix` empty) or exceptions (`ExceptIf`) of a rule.
    fn predicates(&mut self, prefix: &str) -> Predicates {
        let name = |key, index| format!("{prefix}{}", parameter(Object::Predicates, key, index));
        let sender_is = self
            .enumerated(&name("senderIs", 0), &Scope::ALL[..2], names::scope, Some(names::scope_numbered))
            .map(spanned);
        let recipient_is = self
            .enumerated(&name("recipientIs", 0), &Scope::ALL, names::scope, Some(names::scope_numbered))
            .map(spanned);
        let mut predicates = Predicates { sender_is, recipient_is, ..Predicates::default() };
        for (key, list) in predicates.text_lists_mut() {
            *list = self.texts(&name(key, 0)).map(|texts| Box::new(spanned(texts.into_iter().map(spanned).collect())));
        }
        for (key, list) in predicates.pattern_lists_mut() {
            *list = self.texts(&name(key, 0)).map(|texts| Box::new(spanned(patterns(texts))));
        }
        let header = self.text(&name("headerContains", 0));
        let words = self.texts(&name("headerContains", 1));
        predicates.header_contains = self.pair(&name("headerContains", 0), header, words).map(|(header, words)| {
            Box::new(HeaderContains {
                span: Span::default(),
                header: spanned(header),
                words: words.into_iter().map(spanned).collect(),
            })
        });
        let header = self.text(&name("headerMatches", 0));
        let words = self.texts(&name("headerMatches", 1));
        predicates.header_matches = self.pair(&name("headerMatches", 0), header, words).map(|(header, texts)| {
            Box::new(HeaderMatches { span: Span::default(), header: spanned(header), patterns: patterns(texts) })
        });
        predicates.message_type_matches =
            self.enumerated(&name("messageTypeMatches", 0), &MessageType::ALL, names::message_type, None).map(spanned);
        predicates.message_size_over = self.size(&name("messageSizeOver", 0)).map(spanned);
        predicates
    }

    /// A header test's two halves: both, or a problem when only one is set.
    fn pair(
        &mut self,
        header_field: &str,
        header: Option<String>,
        values: Option<Vec<String>>,
    ) -> Option<(String, Vec<String>)> {
        match (header, values) {
            (Some(header), Some(values)) => Some((header, values)),
            (None, None) => None,
            (Some(_), None) => self.invalid(header_field, "names a header but no words or patterns to look for"),
            (None, Some(_)) => self.invalid(header_field, "is missing: words or patterns to look for, but no header"),
        }
    }

    /// `MessageSizeOver`: the text an export writes (`22.5 MB (23,592,960 bytes)`), a number
    /// of bytes, or an object carrying a byte count.
    fn size(&mut self, name: &str) -> Option<MessageSize> {
        let value = self.take(name)?;
        match size_of(value) {
            Some(bytes) => {
                let size = MessageSize { bytes, written: String::new() };
                Some(MessageSize { written: super::to_tenant::size_text(&size), ..size })
            }
            None => self.wrong(name, crate::model::SIZE),
        }
    }

    fn actions(&mut self) -> Actions {
        let name = |key, index| parameter(Object::Actions, key, index);
        let mut actions = Actions::default();
        let header = self.text(name("setHeader", 0));
        let value = self.take(name("setHeader", 1)).map(Value::shown);
        actions.set_header = match (header, value) {
            (Some(header), value) => {
                Some(Header { span: Span::default(), name: spanned(header), value: spanned(value.unwrap_or_default()) })
            }
            (None, Some(_)) => self.invalid(name("setHeader", 0), "is missing: a header value to set, but no header"),
            (None, None) => None,
        };
        actions.redirect_to_connector = self.text(name("redirectToConnector", 0)).map(spanned);
        actions.remove_header = self.text(name("removeHeader", 0)).map(spanned);
        actions
    }

    /// An `other` parameter's values: scalars, or a list of them.
    fn other_values(&mut self, property: &str, value: &Value) -> Option<Vec<Spanned<ParameterValue>>> {
        let scalar = |value: &Value| match value {
            Value::Text(text) => Some(ParameterValue::Text(text.clone())),
            Value::Integer(number) => Some(ParameterValue::Integer(*number)),
            Value::Bool(flag) => Some(ParameterValue::Boolean(*flag)),
            _ => None,
        };
        let values: Option<Vec<ParameterValue>> = match value {
            Value::List(items) => items.iter().filter(|item| !item.is_unset()).map(scalar).collect(),
            Value::Map(_) => size_of(value).map(|bytes| {
                vec![ParameterValue::Text(super::to_tenant::size_text(&MessageSize { bytes, written: String::new() }))]
            }),
            one => scalar(one).map(|one| vec![one]),
        };
        match values {
            Some(values) => Some(values.into_iter().map(spanned).collect()),
            None => self.wrong(property, "a text, number, $true/$false or a list of them"),
        }
    }

    fn connector(&mut self, notes: &mut Vec<String>) -> Connector {
        let key = |key, index| parameter(Object::Connector, key, index);
        let name = self.text(key("name", 0));
        if name.is_none() {
            self.problem(key("name", 0), "an outbound connector needs a name");
        }
        let enabled = self.boolean(key("enabled", 0));
        let connector_type = self.enumerated(key("type", 0), &ConnectorType::ALL, names::connector_type, None);
        let scoped = self.boolean(key("use", 0));
        let recipient_domains = self.texts(key("recipientDomains", 0));
        let use_mx = self.boolean("UseMXRecord");
        let smart_hosts = self.texts(key("smartHosts", 0)).filter(|_| use_mx != Some(true));
        let service = smart_hosts.as_deref().and_then(inferred_service);
        let connector = Connector {
            span: Span::default(),
            name: name.map(spanned),
            enabled: enabled.filter(|on| !on).map(spanned),
            connector_type: connector_type.filter(|t| *t != ConnectorType::Partner).map(spanned),
            use_: scoped
                .map(|scoped| {
                    spanned(if scoped { ConnectorUse::TransportRule } else { ConnectorUse::RecipientDomains })
                })
                .filter(|u| u.value != ConnectorUse::RecipientDomains),
            recipient_domains: recipient_domains.map(|domains| spanned(domains.into_iter().map(spanned).collect())),
            smart_hosts: smart_hosts.map(|hosts| spanned(hosts.into_iter().map(spanned).collect())),
            service,
        };
        // A signature service always hands mail back; whether a smart host does, only the
        // admin knows (the guide's Fig. 1a or 1b).
        if let Some(service) = connector.service.as_ref().filter(|s| s.kind.value == ServiceKind::SmartHost) {
            let vendor = service.vendor.as_ref().map_or("", |v| v.value.key());
            notes.push(format!(
                "{}: `service: {{kind: {}, vendor: {vendor}}}` inferred from its smart hosts; say whether the service \
                 delivers mail itself or hands it back (`returnsToExchange`, default false)",
                self.object.describe(),
                service.kind.value.key()
            ));
        }
        self.note_rest(notes);
        connector
    }

    fn accepted_domain(&mut self, notes: &mut Vec<String>) -> Option<String> {
        let domain = self.text("DomainName");
        if domain.is_none() {
            self.problem("DomainName", "an accepted domain needs its domain name");
        }
        // An external relay domain is the tenant's but its mail is delivered elsewhere: its
        // addresses are outside the organization (DomainType Authoritative / InternalRelay are
        // inside).
        let kind = self.word("DomainType", &["Authoritative", "InternalRelay", "ExternalRelay"]);
        if kind == Some(2) {
            notes.push(format!(
                "{}: an external relay domain, outside the organization: not listed",
                self.object.describe()
            ));
            return None;
        }
        // `Name` identifies the domain, as `Identity` does: it is the domain name unless renamed.
        self.take("Name");
        self.note_rest(notes);
        domain
    }

    /// Notes the properties not read (neither metadata, nor unset, nor `false`): the
    /// format has no key for them.
    fn note_rest(&mut self, notes: &mut Vec<String>) {
        let rest: Vec<&str> =
            self.rest(|_, value| matches!(value, Value::Bool(false))).iter().map(|(p, _)| p.as_str()).collect();
        if !rest.is_empty() {
            notes.push(format!(
                "{}: not imported (the format has no key for them; they do not decide where mail goes): {}",
                self.object.describe(),
                rest.join(", ")
            ));
        }
    }
}

fn patterns(texts: Vec<String>) -> Vec<Pattern> {
    texts.into_iter().map(|text| Pattern::compile(spanned(text))).collect()
}

/// The message for an enumeration written as a number the tool cannot map.
fn numeric_enum(number: i64, allowed: &str) -> String {
    format!(
        "is the number {number}: PowerShell wrote the enumeration's value, not its name, and this one's numbering \
         is not documented; export again with `ConvertTo-Json -EnumsAsStrings` (PowerShell 7), or write the name \
         ({allowed})"
    )
}

/// The number of bytes a size holds, however the export wrote it.
fn size_of(value: &Value) -> Option<u64> {
    match value {
        Value::Integer(bytes) => u64::try_from(*bytes).ok(),
        Value::Text(text) => MessageSize::parse(text).map(|size| size.bytes),
        Value::Map(entries) => {
            let byte_count = entries.iter().find(|(name, _)| name.to_ascii_lowercase().contains("byte"));
            byte_count
                .or_else(|| entries.iter().find(|(name, _)| name.eq_ignore_ascii_case("Value")))
                .and_then(|(_, value)| size_of(value))
        }
        _ => None,
    }
}

/// What sits behind a connector, from the first of its smart hosts that names a known vendor.
fn inferred_service(hosts: &[String]) -> Option<Service> {
    let (host, vendor) = hosts.iter().find_map(|host| Some((host, Vendor::from_host(host)?)))?;
    let kind = vendor.kind()?;
    Some(Service {
        span: Span::default(),
        kind: spanned(kind),
        vendor: Some(spanned(vendor)),
        // A signature service's smart host is the tenant's own service domain.
        domain: (kind == ServiceKind::Signature).then(|| spanned(host.clone())),
        processed_header: None,
        returns_to_exchange: None,
        relay_domains: None,
    })
}
