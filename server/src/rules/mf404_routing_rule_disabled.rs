//! MF404 routing-rule-disabled: a rule that redirects mail to a connector is turned off.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF404",
    name: "routing-rule-disabled",
    severity: Severity::Warning,
    summary: "A routing rule has enabled: false",
    doc: r#"# MF404 routing-rule-disabled

## What it finds
A routing rule (any rule with `redirectToConnector`: signature rules, smart host rules
and rules to unclassified connectors) that has `enabled: false`. If no other enabled,
enforcing rule redirects to the same connector, MF202 also fires on the connector.

## Why it breaks mail
Exchange skips a disabled rule (State Disabled; Disable-TransportRule), so its connector
gets no mail from it. The CodeTwo guide "How to configure smart host (mail relay)
services to work with CodeTwo software", section "Creating a transport rule to forward
messages through a smart host", step 3, warns that a newly created rule lands at the
bottom of the list and turned off, and ends with switching it on. A file copied from
the admin center right after creating the rule keeps that state: a disabled signature
rule means no signatures at all; a disabled smart host rule means mail bypasses the
smart host.

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
    enabled: false
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
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    enabled: true
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fix safety
The fix sets `enabled: true`. It is unsafe, offered only on request: the rule starts
routing mail, and a rule can be off on purpose (a service being tested, or retired).
Check the rule's conditions and place first, or delete the rule if it is a leftover.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for routing in out.roles().routing.iter().filter(|r| !r.rule.is_enabled()) {
        let rule = routing.rule;
        let message = Message::new()
            .written(rule.name())
            .text(" is disabled, so no mail reaches ")
            .written(routing.connector.name())
            .text(" through it; enable the rule");
        let span = rule_span(rule, rule.enabled.as_ref().map(|e| e.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = context.editor.set_entry(rule.span, "enabled", &Value::Bool(true))?;
    let title = Message::new().text("Enable the rule ").written(rule.name());
    Some(Fix { title: title.render(context.syntax), safe: false, edits: vec![edit] })
}
