//! MF403 smart-host-rule-without-defer: a smart host rule lets mail go on without it when rule processing fails.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::rule_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF403",
    name: "smart-host-rule-without-defer",
    severity: Severity::Warning,
    summary: "A smart host rule lacks deferOnError: true",
    doc: r#"# MF403 smart-host-rule-without-defer

## What it finds
A smart host rule without `deferOnError: true` (RuleErrorAction Defer, "Defer the
message if rule processing doesn't complete"). The default, `false`, is RuleErrorAction
Ignore.

## Why it breaks mail
With Ignore, a message for which Exchange cannot finish processing the rule simply goes
on as if the rule did not exist: it is delivered directly, without passing the smart
host, so it escapes the gateway's scanning, archiving or encryption, and nobody is told.
With Defer, Exchange keeps the message and tries again later. The CodeTwo guide "How to
configure smart host (mail relay) services to work with CodeTwo software", section
"Creating a transport rule to forward messages through a smart host", step 2, has you
select the defer option in the rule settings so that the message keeps trying to use
the smart host after a failed attempt.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Reflexion outbound
    use: transport-rule
    smartHosts: [outbound.asp.reflexion.net]
    service: {kind: smart-host, vendor: reflexion}
transportRules:
  - name: Reflexion smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Reflexion, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Reflexion, value: "true"}
      redirectToConnector: Reflexion outbound
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Reflexion outbound
    use: transport-rule
    smartHosts: [outbound.asp.reflexion.net]
    service: {kind: smart-host, vendor: reflexion}
transportRules:
  - name: Reflexion smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Reflexion, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Reflexion, value: "true"}
      redirectToConnector: Reflexion outbound
    deferOnError: true
```

## Fix safety
The fix sets `deferOnError: true`. It is safe, applied by `mailflow check --fix`: it
only changes what happens when processing the rule fails; the messages the rule acts on
are exactly the same.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        if rule.defers_on_error() {
            continue;
        }
        let message = Message::new()
            .written(rule.name())
            .text(" does not defer mail when rule processing fails: the message then goes on without the smart host ")
            .written(smart_host.connector.name())
            .text("; set ")
            .setting(Object::Rule, "deferOnError", Value::Bool(true));
        let span = rule_span(rule, rule.defer_on_error.as_ref().map(|d| d.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let edit = context.editor.set_entry(rule.span, "deferOnError", &Value::Bool(true))?;
    Some(Fix {
        title: Message::new()
            .text("Set \"Defer the message if rule processing doesn't complete\" on ")
            .written(rule.name())
            .render(context.syntax),
        safe: true,
        edits: vec![edit],
    })
}
