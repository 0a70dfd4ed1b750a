//! MF104 smart-host-rule-before-signature: a smart host rule is evaluated before the signature rule.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity, Subject};
use crate::model::MailFlow;
use crate::rules::recipes::smart_host_rule::move_below_signature;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF104",
    name: "smart-host-rule-before-signature",
    severity: Severity::Error,
    summary: "A smart host rule has a smaller priority number than the signature rule",
    doc: r#"# MF104 smart-host-rule-before-signature

## What it finds
A smart host rule (a rule redirecting to a connector whose service is `kind: smart-host`)
with a smaller `priority` number than the signature rule. MF101 usually fires on the
signature rule as well; this code points at the smart host rule that has to move.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" insists, in section "Solution" and again in section "Ensuring that messages
are always routed to the CodeTwo cloud service first", that mail leaving Exchange
Online goes to the CodeTwo service before any other smart host, and section "Creating a
transport rule to forward messages through a smart host", step 3, places the smart host
rule directly below the CodeTwo rule. With the order reversed, the smart host rule acts
in the first pass. A smart host that delivers mail itself (the guide's Fig. 1a) sends it
out with no signature; one that hands it back (Fig. 1b) may have rewritten or encrypted
the body, so the signature is misplaced or cannot be added. The smart host rule does not
stop processing, so the signature rule also applies in that pass and two redirects
compete.

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
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
  - name: CodeTwo Exchange transport rule
    priority: 1
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
```

## Fix safety
The fix moves the smart host rule directly below the signature rule and renumbers the
rules between: only the priority numbers change, every rule keeps its place in the file.
It is unsafe, offered only on request: the smart host rule stops acting in the first pass
and acts once the message is back from the signature service, so the mail it routes, and
when, changes.
"#,
    fix: Some(move_below_signature),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    let Some(signature) = roles.signature_rule() else { return };
    let position = roles.position(signature.rule);
    for smart_host in roles.smart_host_rules().filter(|r| roles.position(r.rule) < position) {
        let (name, signature_name) = (smart_host.rule.name(), signature.rule.name());
        let message = Message::new()
            .written(name)
            .text(" is evaluated before the signature rule ")
            .written(signature_name)
            .text(": mail can reach the smart host ")
            .written(smart_host.connector.name())
            .text(" before it has its signature; move ")
            .written(name)
            .text(" directly below ")
            .written(signature_name);
        out.push(
            Diagnostic::new(&RULE, smart_host.rule.name_span(), message.render(out.syntax()))
                .with_related(signature.rule.name_span(), "the signature rule")
                .about(Subject::Rule(flow.rule_index(smart_host.rule))),
        );
    }
}
