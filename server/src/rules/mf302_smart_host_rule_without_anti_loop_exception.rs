//! MF302 smart-host-rule-without-anti-loop-exception: a smart host rule marks mail but never checks the mark.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{has_header_exception, rule_span};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::MailFlow;
use crate::rules::mf301_smart_host_rule_without_anti_loop_header::anti_loop_severity;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF302",
    name: "smart-host-rule-without-anti-loop-exception",
    severity: Severity::Error,
    summary: "A smart host rule sets a header but has no header exception",
    doc: r#"# MF302 smart-host-rule-without-anti-loop-exception

## What it finds
A smart host rule that has a `setHeader` action but no header exception at all: neither
`headerContains` nor `headerMatches` under `exceptions`. (A rule that has header
exceptions, none of them on its own header nor on the header its smart host stamps, is
MF303.)

The finding is an error when the smart host hands mail back to Exchange Online
(`returnsToExchange: true`), and a warning when it delivers mail to the recipients itself
(`returnsToExchange: false`, the default for a smart host): there a step of the guide is
half done, but nothing loops today.

## Why it breaks mail
Setting the header only half-does the guide's anti-loop step. The CodeTwo guide "How to
configure smart host (mail relay) services to work with CodeTwo software", section
"Creating a transport rule to forward messages through a smart host", step 2, pairs the
action with an "Except if" on the same header and value, and says that the pair is what
lets the smart host return mail to Exchange Online without a loop, so that each message
goes to the smart host only once. Without the exception the mark is there but nothing
reads it: a smart host that hands mail back (the guide's Fig. 1b) gets it again in every
pass, until the message is rejected with `554 5.4.6 Hop count exceeded - possible mail
loop` (the guide's "ATTR1"). A smart host that delivers mail itself (Fig. 1a) never sees
the message twice today, but would as soon as it is set up to hand mail back.

## Example
Barracuda hands mail back to Exchange Online here (`returnsToExchange: true`), so this is
an error; without that line it would be a warning.

```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda, returnsToExchange: true}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Barracuda smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fixed
The exception tests the header and value the rule sets.

```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda, returnsToExchange: true}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Barracuda smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fix safety
The fix adds `exceptions.headerContains` on the header and value the rule sets. It is
safe, applied by `mailflow check --fix`: the exception only matches mail that already
carries this rule's own mark, that is, mail the rule has already sent to its smart
host.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        let Some(header) = &rule.actions.set_header else { continue };
        if has_header_exception(&rule.exceptions) {
            continue;
        }
        let severity = anti_loop_severity(smart_host.connector);
        let consequence = match severity {
            Severity::Error => {
                " but has no exception on it: mail that already carries the header is sent to the smart host again; \
                 add the exception "
            }
            _ => {
                " but has no exception on it: the smart host delivers mail itself, so nothing loops today, but mail \
                 it handed back would be sent to it again; add the exception "
            }
        };
        let (name, value) = (&header.name.value, &header.value.value);
        let message = Message::new()
            .written(rule.name())
            .text(" sets ")
            .written(name)
            .text(consequence)
            .predicate_setting(Place::Exception, "headerContains", rule_edits::header_test(name, value));
        out.push(
            Diagnostic::new(&RULE, rule.name_span(), message.render(out.syntax()))
                .with_severity(severity)
                .with_related(rule_span(rule, Some(header.name.span)), "the anti-loop header this rule sets")
                .about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let header = rule.actions.set_header.as_ref()?;
    let (name, value) = (&header.name.value, &header.value.value);
    let edit = rule_edits::set_header_exception(context, rule, name, value)?;
    Some(Fix {
        title: Message::new()
            .text("Add the exception on ")
            .written(format!("{name}: {value}"))
            .text(" to ")
            .written(rule.name())
            .render(context.syntax),
        safe: true,
        edits: vec![edit],
    })
}
