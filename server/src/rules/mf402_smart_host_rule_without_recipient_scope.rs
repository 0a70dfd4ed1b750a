//! MF402 smart-host-rule-without-recipient-scope: a smart host rule is not limited to recipients outside the organization.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::{MailFlow, Scope};
use crate::rules::recipes::rule_edits::{self, Block};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF402",
    name: "smart-host-rule-without-recipient-scope",
    severity: Severity::Warning,
    summary: "A smart host rule lacks recipientIs: outside",
    doc: r#"# MF402 smart-host-rule-without-recipient-scope

## What it finds
A smart host rule whose `conditions` have no `recipientIs: outside` (SentToScope
NotInOrganization, "The recipient is external"). This is reported even when the rule
has a `recipientDomainIs` list of outside domains: the scope condition is what
guarantees that internal mail is never matched.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, adds "the recipient is outside the organization" as the second condition,
because an outbound connector should only carry mail leaving your organization. Without
it, mail between colleagues is redirected to the outbound gateway: a smart host that
delivers mail itself (the guide's Fig. 1a) sends it back in from the internet, slower
and exposed to your own inbound filtering; one that hands mail back (Fig. 1b) adds a
round trip to every internal message.

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
    conditions: {senderIs: inside}
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
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
The fix adds `recipientIs: outside` to the rule's conditions. It is unsafe, offered only
on request: internal mail that the rule sent to the smart host until now stays inside,
which changes what the smart host sees (journaling or archiving of internal mail, for
instance).
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        let recipient = rule.conditions.recipient_is.as_ref();
        let (problem, action) = match recipient {
            Some(r) if r.value == Scope::Outside => continue,
            Some(_) => {
                let problem = Message::new().text("has ").article().predicate(Place::Condition, "recipientIs");
                (problem.text(" other than ").code("outside"), "set")
            }
            None => (Message::new().text("is not limited to recipients outside the organization"), "add"),
        };
        let message = Message::new()
            .written(rule.name())
            .text(" ")
            .then(problem)
            .text(", so mail between users of the organization can be sent to the smart host ")
            .written(smart_host.connector.name())
            .text(format!("; {action} "))
            .then(outside());
        let span = rule_span(rule, recipient.map(|r| r.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

/// The condition `recipientIs: outside`.
fn outside() -> Message {
    Message::new().predicate_setting(Place::Condition, "recipientIs", Value::str("outside"))
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = rule_edits::set_in_block(context, rule, Block::Conditions, "recipientIs", &Value::str("outside"))?;
    let title = Message::new().text("Limit ").written(rule.name()).text(" to recipients outside the organization (");
    Some(Fix { title: title.then(outside()).text(")").render(context.syntax), safe: false, edits: vec![edit] })
}
