//! What each rule and connector is for: the routing, signature and smart host rules of
//! format.md, resolved once per check; and what the checks ask of them in common (header
//! exceptions, where to report a setting).

use crate::model::{Connector, MailFlow, Predicates, ServiceKind, TransportRule};
use crate::text::Span;

/// A routing rule: a rule that redirects to a connector of the file.
#[derive(Clone, Copy, Debug)]
pub struct Routing<'a> {
    pub rule: &'a TransportRule,
    pub connector: &'a Connector,
}

impl Routing<'_> {
    pub fn kind(&self) -> Option<ServiceKind> {
        self.connector.service.as_ref().map(|s| s.kind.value)
    }
}

#[derive(Debug)]
pub struct Roles<'a> {
    /// Rules in evaluation order (by priority; rules without one last).
    pub ordered: Vec<&'a TransportRule>,
    /// Routing rules in evaluation order.
    pub routing: Vec<Routing<'a>>,
    flow: &'a MailFlow,
    /// For each rule of the file, by index, its place in `ordered`: the checks ask it of every
    /// rule, which a search of `ordered` made quadratic.
    places: Vec<usize>,
}

impl<'a> Roles<'a> {
    pub fn of(flow: &'a MailFlow) -> Self {
        let order = flow.order();
        let ordered: Vec<&TransportRule> = order.iter().map(|&index| flow.rules[index].as_ref()).collect();
        let routing = ordered
            .iter()
            .filter_map(|rule| {
                let target = rule.actions.redirect_to_connector.as_ref()?;
                Some(Routing { rule, connector: flow.connector(&target.value)? })
            })
            .collect();
        let mut places = vec![0; flow.rules.len()];
        for (place, &index) in order.iter().enumerate() {
            places[index] = place;
        }
        Roles { ordered, routing, flow, places }
    }

    pub fn signature_rules(&self) -> impl Iterator<Item = Routing<'a>> + '_ {
        self.routing.iter().copied().filter(|r| r.kind() == Some(ServiceKind::Signature))
    }

    pub fn smart_host_rules(&self) -> impl Iterator<Item = Routing<'a>> + '_ {
        self.routing.iter().copied().filter(|r| r.kind() == Some(ServiceKind::SmartHost))
    }

    /// The signature rule the checks measure others against: the first active one in
    /// evaluation order, or the first at all.
    pub fn signature_rule(&self) -> Option<Routing<'a>> {
        self.signature_rules().find(|r| r.rule.is_active()).or_else(|| self.signature_rules().next())
    }

    /// The place of `rule` in evaluation order.
    pub fn position(&self, rule: &TransportRule) -> usize {
        self.places[self.flow.rule_index(rule)]
    }

    pub fn is_smart_host_rule(&self, rule: &TransportRule) -> bool {
        self.smart_host_rules().any(|r| std::ptr::eq(r.rule, rule))
    }

    /// The rules that redirect to `connector`, in evaluation order.
    pub fn rules_to<'b>(&'b self, connector: &'b Connector) -> impl Iterator<Item = &'a TransportRule> + 'b {
        self.routing.iter().filter(move |r| std::ptr::eq(r.connector, connector)).map(|r| r.rule)
    }
}

/// Whether one of `exceptions` matches a message that carries the header `name: value`, as
/// Exchange matches them: header names without regard to case, `headerContains` when the
/// value contains one of its words, `headerMatches` when one of its patterns matches the
/// value. The anti-loop and processed-header exceptions are tested this way.
pub fn excepts_header(exceptions: &Predicates, name: &str, value: &str) -> bool {
    let value_lower = value.to_lowercase();
    let contains = exceptions.header_contains.as_ref().is_some_and(|test| {
        test.header.value.eq_ignore_ascii_case(name)
            && test.words.iter().any(|word| value_lower.contains(&word.value.to_lowercase()))
    });
    // A pattern .NET rejects (MF011) matches nothing; one the tool cannot evaluate (valid
    // .NET the engine has no equivalent of) may match, and is taken to: no finding rests on
    // what the tool cannot tell.
    let matches = exceptions.header_matches.as_ref().is_some_and(|test| {
        test.header.value.eq_ignore_ascii_case(name)
            && test.patterns.iter().any(|p| p.matches(value).unwrap_or(p.error().is_none()))
    });
    contains || matches
}

/// Whether `exceptions` test any header at all: none is MF302, only the wrong ones MF303.
pub fn has_header_exception(exceptions: &Predicates) -> bool {
    exceptions.header_contains.is_some() || exceptions.header_matches.is_some()
}

/// Where a finding about a setting of `rule` goes: the setting's value when it is written in
/// the rule, else the rule's name. A value read through a YAML alias carries the span of its
/// anchor, which may lie in another object.
pub fn rule_span(rule: &TransportRule, value: Option<Span>) -> Span {
    value.filter(|v| rule.span.contains(*v)).unwrap_or_else(|| rule.name_span())
}

/// Where a finding about a setting of `connector` goes, as [`rule_span`] for rules.
pub fn connector_span(connector: &Connector, value: Option<Span>) -> Span {
    value.filter(|v| connector.span.contains(*v)).unwrap_or_else(|| connector.name_span())
}
