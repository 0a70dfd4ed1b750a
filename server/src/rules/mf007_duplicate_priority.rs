//! MF007 duplicate-priority: two transport rules have the same priority, so their order is undefined.

use foldhash::{HashMap, HashMapExt};

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{MailFlow, TransportRule};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF007",
    name: "duplicate-priority",
    severity: Severity::Error,
    summary: "Two rules share a priority, so the order Exchange gives them is undefined",
    doc: r#"# MF007 duplicate-priority

## What it finds
A transport rule whose `priority` is already used by another rule of the file, whether
the rules are enabled or not.

## Why it breaks mail
In Exchange every rule has its own Priority (Microsoft's New-TransportRule and
Set-TransportRule reference): giving a rule a priority that is taken pushes the rule
that held it, and every rule below, one place down. Which of two rules with one number
ends up first therefore depends on the order in which they are deployed, not on the
file. The order is what makes the guide's setup work: the CodeTwo rule must be at the
top (the CodeTwo guide "How to configure smart host (mail relay) services to work with
CodeTwo software", section "Ensuring that messages are always routed to the CodeTwo cloud
service first", step 1). If the smart host rule lands first, mail reaches the smart host
before the signature service: missing or misplaced signatures.

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
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Tag external mail
    priority: 0
    conditions: {senderIs: outside}
    actions: {other: {PrependSubject: "[EXTERNAL] "}}
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
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Tag external mail
    priority: 1
    conditions: {senderIs: outside}
    actions: {other: {PrependSubject: "[EXTERNAL] "}}
```

## Fix safety
There is no automatic fix: only the user knows which of the rules must run first. Give
each rule its own priority, the signature rule 0 and a smart host rule the next number.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    // The first rule of each priority, so that each rule is compared once, not with every rule
    // before it.
    let mut first_of: HashMap<i64, &TransportRule> = HashMap::with_capacity(flow.rules.len());
    for rule in flow.iter_rules() {
        let Some(priority) = &rule.priority else { continue };
        let first = *first_of.entry(priority.value).or_insert(rule);
        if !std::ptr::eq(first, rule) {
            let message = Message::new()
                .written(rule.name())
                .text(format!(" has priority {}, like ", priority.value))
                .written(first.name())
                .text(": Exchange gives every rule its own priority, so one of them would be pushed down");
            out.push(
                Diagnostic::new(&RULE, priority.span, message.render(out.syntax()))
                    .with_related(first.priority.as_ref().map_or(first.span, |p| p.span), "the same priority"),
            );
        }
    }
}
