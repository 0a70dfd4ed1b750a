//! MF307 shared-anti-loop-header: two smart host rules use the same anti-loop header, so one skips mail the other has handled.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{Header, MailFlow, TransportRule};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF307",
    name: "shared-anti-loop-header",
    severity: Severity::Error,
    summary: "Two smart host rules set the same header; one skips mail the other handled",
    doc: r#"# MF307 shared-anti-loop-header

## What it finds
Two smart host rules whose `setHeader` actions set the same header name (compared
without regard to case). It is read from the file as written, no simulation needed: the
finding sits on the later rule (in priority order), with the first rule that sets the
header as related information. What it costs shows in a simulated message (`mailflow
trace`): mail the first rule marks still carries the mark when the second rule's turn
comes, so the second rule's exception matches and its smart host is skipped. Whether a
header set by one rule is already seen by the rules below it in the same pass is
unconfirmed; the sharing is wrong either way.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Reconfiguring a smart host's outbound connector", has you repeat the
whole procedure for each smart host connector, and the rule of section "Creating a
transport rule to forward messages through a smart host", step 2, recognises its own
mail only by its header. Copying the guide's example name `X-AntiLoop-Smarthost` into
both rules makes the mark of one smart host count as the mark of the other: below, mail
that Barracuda hands back already carries the header, so the Mimecast rule never applies
and the message leaves without passing Mimecast.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda, returnsToExchange: true}
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Barracuda outbound
    stopProcessingMoreRules: true
    deferOnError: true
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
The Mimecast rule gets a header of its own, in its action and in its exception:
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda, returnsToExchange: true}
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Barracuda outbound
    stopProcessingMoreRules: true
    deferOnError: true
  - name: Mimecast smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Mimecast, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix. Give each smart host rule its own header name, and change the
rule's exception to the same new name in the same edit, or MF303 follows.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(_flow: &MailFlow, out: &mut Findings) {
    let mut first_setters: Vec<(&TransportRule, &Header)> = Vec::new();
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        let Some(header) = &rule.actions.set_header else { continue };
        let first = first_setters.iter().find(|(_, h)| h.name.value.eq_ignore_ascii_case(&header.name.value));
        let Some(&(first, first_header)) = first else {
            first_setters.push((rule, header));
            continue;
        };
        let message = Message::new()
            .written(rule.name())
            .text(" uses the anti-loop header ")
            .written(&header.name.value)
            .text(", which ")
            .written(first.name())
            .text(" already sets: mail that rule has handled carries it, so this rule's exception skips it and the smart host ")
            .written(smart_host.connector.name())
            .text(" is bypassed; give this rule a header of its own, in the action and the exception");
        out.push(
            // The name, not the header: an alias would carry the first rule's span.
            Diagnostic::new(&RULE, rule.name_span(), message.render(out.syntax()))
                .with_related(rule_span(first, Some(first_header.name.span)), "first set by this rule"),
        );
    }
}
