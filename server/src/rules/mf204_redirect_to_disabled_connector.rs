//! MF204 redirect-to-disabled-connector: a rule redirects mail to a connector that is turned off.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{connector_span, rule_span};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::{MailFlow, TransportRule};
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF204",
    name: "redirect-to-disabled-connector",
    severity: Severity::Error,
    summary: "A rule redirects to a connector with enabled: false",
    doc: r#"# MF204 redirect-to-disabled-connector

## What it finds
A rule whose `redirectToConnector` names a connector that has `enabled: false`
(connectors are enabled by default).

## Why it breaks mail
A disabled outbound connector (Enabled $false in Microsoft's New-OutboundConnector and
Set-OutboundConnector reference) carries no mail, so the rule's redirect
(RouteMessageOutboundConnector) cannot reach the service behind it. The mail flow the
CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" describes (Fig. 1, and section "Creating a transport rule to forward messages
through a smart host") relies on each redirect arriving: for the signature connector the
messages get no signature, for a smart host connector they are not filtered or archived.
Microsoft does not document what Exchange does with a message whose redirect target is
disabled, so depending on that is fragile in any case.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    enabled: false
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
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
    enabled: true
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fix safety
The fix enables the connector. It is unsafe, offered only on request: mail starts to flow
through a connector someone may have turned off on purpose (during a migration or an
outage at the vendor); in that case disable or change the rule instead.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    for connector in flow.connectors.iter().filter(|c| !c.is_enabled()) {
        let rules: Vec<&TransportRule> = roles.rules_to(connector).collect();
        let who = match rules.as_slice() {
            [] => continue,
            [rule] => Message::new().written(rule.name()).text(" redirects"),
            rules => Message::new().text(format!("{} rules redirect", rules.len())),
        };
        let message = Message::new()
            .written(connector.name())
            .text(" is disabled, but ")
            .then(who)
            .text(" mail to it: that mail cannot reach the service behind it; enable the connector");
        let span = connector_span(connector, connector.enabled.as_ref().map(|e| e.span));
        let mut diagnostic = Diagnostic::new(&RULE, span, message.render(out.syntax()))
            .about(Subject::Connector(flow.connector_index(connector)));
        for rule in rules {
            let redirect = rule.actions.redirect_to_connector.as_ref().map(|r| r.span);
            diagnostic = diagnostic.with_related(rule_span(rule, redirect), "redirects to the disabled connector");
        }
        out.push(diagnostic);
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let edit = context.editor.set_entry(connector.span, "enabled", &Value::Bool(true))?;
    let title = Message::new().text("Enable the connector ").written(connector.name());
    Some(Fix { title: title.render(context.syntax), safe: false, edits: vec![edit] })
}
