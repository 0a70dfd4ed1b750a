//! MF103 smart-host-rule-not-next: another kind of rule sits between the signature rule and a smart host rule.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity, Subject};
use crate::model::{MailFlow, TransportRule};
use crate::rules::recipes::smart_host_rule::move_below_signature;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF103",
    name: "smart-host-rule-not-next",
    severity: Severity::Warning,
    summary: "A non-smart-host rule sits between the signature rule and a smart host rule",
    doc: r#"# MF103 smart-host-rule-not-next

## What it finds
A smart host rule below the signature rule, with at least one rule between them that is
not itself a smart host rule. Several smart host rules may follow each other directly
below the signature rule; any other rule (a disclaimer, a subject tag, a routing rule to
an unclassified connector) in that stretch is reported.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 3, has you move the smart host rule directly below the CodeTwo Exchange transport
rule (priority 1 when CodeTwo's is 0). In the pass after the signature service, every
rule between the two runs before the smart host rule: one that stops processing keeps
the message from the smart host, one that redirects it elsewhere competes with it, and
one that rewrites the message changes what the smart host receives. None of that is
visible from the smart host rule itself.

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
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Legal disclaimer
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Contoso Ltd, Seattle</p>"}}
  - name: Mimecast smart host
    priority: 2
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
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Mimecast smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
  - name: Legal disclaimer
    priority: 2
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Contoso Ltd, Seattle</p>"}}
```

## Fix safety
The fix moves the smart host rule directly below the signature rule and renumbers the
rules in between: only the priority numbers change, every rule keeps its place in the
file. It is unsafe, offered only on request: those rules now run after the smart host
rule, so a stop, a redirect or a header they set no longer decides what the smart host
rule does.
"#,
    fix: Some(move_below_signature),
    check: Check::Model(check),
};

/// How many of the rules between a finding names, in its message and as related places: a
/// file of many smart host rules far below the signature rule would otherwise name, for each,
/// every rule above it (output quadratic in the rules).
const NAMED_BETWEEN: usize = 10;

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    let Some(signature) = roles.signature_rule() else { return };
    let below = roles.position(signature.rule) + 1;
    // Which rules, in evaluation order, are smart host rules: asked once per rule, not once
    // per pair of rules.
    let smart_host_at: Vec<bool> = roles.ordered.iter().map(|r| roles.is_smart_host_rule(r)).collect();
    for smart_host in roles.smart_host_rules() {
        // A smart host rule above the signature rule has no stretch below it (MF104).
        let Some(stretch) = roles.ordered.get(below..roles.position(smart_host.rule)) else { continue };
        let between: Vec<&TransportRule> = stretch
            .iter()
            .zip(&smart_host_at[below..])
            .filter(|(_, &smart_host)| !smart_host)
            .map(|(r, _)| *r)
            .collect();
        if between.is_empty() {
            continue;
        }
        let verb = if between.len() == 1 { "runs" } else { "run" };
        let (name, signature_name) = (smart_host.rule.name(), signature.rule.name());
        let message = Message::new()
            .written(name)
            .text(" is not directly below the signature rule ")
            .written(signature_name)
            .text(": ")
            .written_each(between.iter().take(NAMED_BETWEEN).map(|r| r.name()), ", ")
            .text(match between.len().checked_sub(NAMED_BETWEEN).filter(|&more| more > 0) {
                Some(more) => format!(" and {more} more"),
                None => String::new(),
            })
            .text(format!(
                " {verb} between them and can stop, redirect or change mail before it reaches the smart host; move "
            ))
            .written(name)
            .text(" directly below ")
            .written(signature_name);
        let mut diagnostic = Diagnostic::new(&RULE, smart_host.rule.name_span(), message.render(out.syntax()))
            .with_related(signature.rule.name_span(), "the signature rule")
            .about(Subject::Rule(flow.rule_index(smart_host.rule)));
        for rule in between.into_iter().take(NAMED_BETWEEN) {
            diagnostic = diagnostic.with_related(rule.name_span(), "not a smart host rule, between the two");
        }
        out.push(diagnostic);
    }
}
