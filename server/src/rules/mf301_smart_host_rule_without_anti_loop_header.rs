//! MF301 smart-host-rule-without-anti-loop-header: a smart host rule does not mark the mail it routes.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::Roles;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{join_insertions, FixContext, Value};
use crate::model::keys::Object;
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits::{self, Block};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF301",
    name: "smart-host-rule-without-anti-loop-header",
    severity: Severity::Error,
    summary: "A smart host rule has no setHeader action to mark the mail it has routed",
    doc: r#"# MF301 smart-host-rule-without-anti-loop-header

## What it finds
A smart host rule with no `setHeader` action. Without a header of its own there is
nothing an exception could test to recognise mail the rule has already routed.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, builds the smart host rule in two halves: an action that sets a header (the
guide's example is `X-AntiLoop-Smarthost` with the value `true`) and an exception on
that same header. The guide states that this is what keeps messages from looping when
the smart host hands them back to Exchange Online (its Fig. 1b): each return is a new
pass, the rule applies again and sends the message back to the smart host, until
Exchange rejects it with an NDR such as `554 5.4.6 Hop count exceeded - possible mail
loop` (the guide's "ATTR1"). A smart host that delivers mail itself does not loop today,
but changing its setup later would.

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
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
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
    actions: {redirectToConnector: Mimecast outbound}
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
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
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
The fix adds `setHeader` with a header name no other rule sets or tests
(`X-AntiLoop-Smarthost` first, then one named after the vendor such as
`X-AntiLoop-Mimecast`, then `X-AntiLoop-Smarthost-2` and so on) and the value `"true"`,
plus the `headerContains` exception that tests it. It is safe, applied by
`mailflow check --fix`: the exception only matches mail this rule has already sent to
its smart host, so every message it routed before is still routed once. A rule has one
`headerContains` exception: when it already has one, there is no automatic fix.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in Roles::of(flow).smart_host_rules().filter(|r| r.rule.actions.set_header.is_none()) {
        let message = Message::new()
            .written(smart_host.rule.name())
            .text(" sends mail to the smart host ")
            .written(smart_host.connector.name())
            .text(
                " without marking it with an anti-loop header: mail that comes back to Exchange is sent to the smart \
                 host again; add ",
            )
            .key(Object::Actions, "setHeader")
            .text(" with a header unique to this smart host (value \"true\") and the exception on it");
        let diagnostic = Diagnostic::new(&RULE, smart_host.rule.name_span(), message.render(out.syntax()));
        out.push(diagnostic.about(Subject::Rule(flow.rule_index(smart_host.rule))));
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let flow = context.flow;
    let rule = rule_edits::rule(flow, subject)?;
    // A rule has one `headerContains`: replacing the one it has would drop that exception.
    if rule.exceptions.header_contains.is_some() {
        return None;
    }
    let connector = flow.connector(&rule.actions.redirect_to_connector.as_ref()?.value)?;
    let vendor = connector.service.as_ref()?.vendor.as_ref().map(|v| v.value);
    let header = rule_edits::unused_anti_loop_header(flow.rules.iter().filter(|r| !std::ptr::eq(*r, rule)), vendor);
    let mark = Value::flow_map([("name", Value::str(&header)), ("value", Value::str("true"))]);
    let set = rule_edits::set_in_block(context, rule, Block::Actions, "setHeader", &mark)?;
    let except = rule_edits::set_header_exception(context, rule, &header, "true")?;
    Some(Fix {
        title: Message::new()
            .text("Mark mail ")
            .written(rule.name())
            .text(" routes with the anti-loop header ")
            .written(&header)
            .text(", and except mail that has it")
            .render(context.syntax),
        safe: true,
        // When `actions` ends the rule, the new `exceptions` goes after the new `setHeader`.
        edits: join_insertions(vec![set, except]),
    })
}
