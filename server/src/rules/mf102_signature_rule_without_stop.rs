//! MF102 signature-rule-without-stop: the signature rule does not stop processing more rules.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF102",
    name: "signature-rule-without-stop",
    severity: Severity::Warning,
    summary: "The signature rule lacks stopProcessingMoreRules: true",
    doc: r#"# MF102 signature-rule-without-stop

## What it finds
A signature rule without `stopProcessingMoreRules: true` (StopRuleProcessing, "Stop
processing more rules"); the default is `false`.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Modifying the CodeTwo transport rule", step 2, has you turn the
setting on, and its "Important" box explains the two passes: in the first pass the
signature rule must be the only rule applied, in the second (after the service) it is
excepted and the other rules run as usual. Without the stop, the smart host rule below
also applies in the first pass: two redirects compete for one message (which one Exchange
follows is not documented), and the smart host rule has already stamped its anti-loop
header. If the smart host wins, it gets the message before the signature is added; if
the signature service wins, the message comes back carrying the anti-loop header and
skips the smart host altogether.

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
  - name: Mimecast smart host
    priority: 1
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
```

## Fix safety
The fix sets `stopProcessingMoreRules: true` on the signature rule. It is safe, applied
by `mailflow check --fix`: the stop only takes effect in the pass where the signature rule
sends the message to its service, and the message comes back for a pass in which every
other rule runs as before.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for signature in out.roles().signature_rules() {
        let rule = signature.rule;
        if rule.stops_processing() {
            continue;
        }
        let message = Message::new()
            .written(rule.name())
            .text(
                " does not stop processing more rules: in the pass that sends mail to the signature service, the \
                 rules below it apply too, and a smart host rule competes with its redirect; set ",
            )
            .setting(Object::Rule, "stopProcessingMoreRules", Value::Bool(true));
        let span = rule_span(rule, rule.stop_processing.as_ref().map(|s| s.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = context.editor.set_entry(rule.span, "stopProcessingMoreRules", &Value::Bool(true))?;
    Some(Fix {
        title: Message::new()
            .text("Set \"Stop processing more rules\" on ")
            .written(rule.name())
            .render(context.syntax),
        safe: true,
        edits: vec![edit],
    })
}
