//! MF405 routing-rule-not-enforced: a rule that redirects mail runs in a test mode that takes no action.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::{MailFlow, RuleMode};
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF405",
    name: "routing-rule-not-enforced",
    severity: Severity::Warning,
    summary: "A routing rule's mode is not enforce, so it redirects nothing",
    doc: r#"# MF405 routing-rule-not-enforced

## What it finds
A routing rule (any rule with `redirectToConnector`) whose `mode` is `audit` or
`audit-and-notify` instead of `enforce` (the default). If no other enabled, enforcing
rule redirects to the same connector, MF202 also fires on the connector.

## Why it breaks mail
Mode (Microsoft's New-TransportRule reference) decides whether a rule acts: Enforce
carries out its actions, while Audit and AuditAndNotify are test modes that only record
matches (the second also shows policy tips) and redirect nothing. A smart host rule
left in a test mode after trying it out looks complete in the admin center but sends no
mail to the smart host: the setup of the CodeTwo guide "How to configure smart host
(mail relay) services to work with CodeTwo software", section "Creating a transport rule
to forward messages through a smart host", is in place on paper only, and outgoing mail
skips the gateway. A signature rule in a test mode adds no signatures.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    mode: audit
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    mode: enforce
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
The fix sets `mode: enforce`. It is unsafe, offered only on request: the rule starts
redirecting the mail it only observed until now, and a test mode is often chosen on
purpose while a service is being introduced.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for routing in out.roles().routing.iter() {
        let rule = routing.rule;
        let mode = match rule.mode() {
            RuleMode::Enforce => continue,
            RuleMode::Audit => "audit",
            RuleMode::AuditAndNotify => "audit-and-notify",
        };
        let message = Message::new()
            .written(rule.name())
            .text(" is in ")
            .code(mode)
            .text(" mode: it only records what it would do and redirects no mail to ")
            .written(routing.connector.name())
            .text("; set ")
            .setting(Object::Rule, "mode", enforce());
        let span = rule_span(rule, rule.mode.as_ref().map(|m| m.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

/// The mode in which a rule acts on mail.
fn enforce() -> Value {
    Value::str("enforce")
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = context.editor.set_entry(rule.span, "mode", &enforce())?;
    let title = Message::new().text("Switch ").written(rule.name()).text(" from its test mode to enforce (");
    Some(Fix {
        title: title.setting(Object::Rule, "mode", enforce()).text(")").render(context.syntax),
        safe: false,
        edits: vec![edit],
    })
}
