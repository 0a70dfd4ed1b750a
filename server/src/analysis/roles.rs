//! What each rule and connector is for: the routing, signature and smart host rules of
//! format.md, resolved once per check.

use crate::model::{Connector, MailFlow, ServiceKind, TransportRule};

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
}

impl<'a> Roles<'a> {
    pub fn of(flow: &'a MailFlow) -> Self {
        let ordered = flow.rules_in_order();
        let routing = ordered
            .iter()
            .filter_map(|rule| {
                let target = rule.actions.redirect_to_connector.as_ref()?;
                Some(Routing { rule, connector: flow.connector(&target.value)? })
            })
            .collect();
        Roles { ordered, routing }
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
        self.ordered.iter().position(|r| std::ptr::eq(*r, rule)).expect("the rule belongs to this model")
    }

    pub fn is_smart_host_rule(&self, rule: &TransportRule) -> bool {
        self.smart_host_rules().any(|r| std::ptr::eq(r.rule, rule))
    }
}
