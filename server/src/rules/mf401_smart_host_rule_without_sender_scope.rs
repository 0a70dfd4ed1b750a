//! MF401 smart-host-rule-without-sender-scope: a smart host rule is not limited to senders inside the organization.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::{MailFlow, Scope};
use crate::rules::recipes::rule_edits::{self, Block};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF401",
    name: "smart-host-rule-without-sender-scope",
    severity: Severity::Warning,
    summary: "A smart host rule lacks senderIs: inside",
    doc: r#"# MF401 smart-host-rule-without-sender-scope

## What it finds
A smart host rule whose `conditions` have no `senderIs: inside` (FromScope
InOrganization, "The sender is internal"). A missing `senderIs` and `senderIs: outside`
are both reported.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, makes "the sender is inside the organization" the first condition of the rule,
because an outbound connector is meant only for mail that your organization sends.
Without it, mail from outside senders that Exchange Online passes on to outside
addresses (a mailbox forwarding rule, a distribution list with external members) is
also pushed to the outbound smart host. The gateway then relays mail for senders that
are not yours, which it may reject, flag as spoofing or count against your reputation.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Proofpoint outbound
    use: transport-rule
    smartHosts: [outbound-us1.ppe-hosted.com]
    service: {kind: smart-host, vendor: proofpoint}
transportRules:
  - name: Proofpoint smart host
    priority: 0
    conditions: {recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Proofpoint outbound
    use: transport-rule
    smartHosts: [outbound-us1.ppe-hosted.com]
    service: {kind: smart-host, vendor: proofpoint}
transportRules:
  - name: Proofpoint smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
```

## Fix safety
The fix adds `senderIs: inside` to the rule's conditions. It is unsafe, offered only on
request: mail from outside senders that the rule routed until now stops going through
the smart host, which may be a flow someone relies on.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        let sender = rule.conditions.sender_is.as_ref();
        let (problem, action) = match sender {
            Some(s) if s.value == Scope::Inside => continue,
            Some(_) => {
                let problem = Message::new().text("has ").article().predicate(Place::Condition, "senderIs");
                (problem.text(" other than ").code("inside"), "set")
            }
            None => (Message::new().text("is not limited to senders inside the organization"), "add"),
        };
        let message = Message::new()
            .written(rule.name())
            .text(" ")
            .then(problem)
            .text(", so mail from outside senders can be sent to the smart host ")
            .written(smart_host.connector.name())
            .text(format!("; {action} "))
            .then(inside());
        let span = rule_span(rule, sender.map(|s| s.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

/// The condition `senderIs: inside`.
fn inside() -> Message {
    Message::new().predicate_setting(Place::Condition, "senderIs", Value::str("inside"))
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = rule_edits::set_in_block(context, rule, Block::Conditions, "senderIs", &Value::str("inside"))?;
    let title = Message::new().text("Limit ").written(rule.name()).text(" to senders inside the organization (");
    Some(Fix { title: title.then(inside()).text(")").render(context.syntax), safe: false, edits: vec![edit] })
}
