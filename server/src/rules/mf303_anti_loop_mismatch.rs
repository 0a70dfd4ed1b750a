//! MF303 anti-loop-mismatch: a smart host rule's header exceptions do not test the header and value it sets.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{excepts_header, has_header_exception, rule_span};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::{MailFlow, Service};
use crate::rules::mf301_smart_host_rule_without_anti_loop_header::excepts_processed_header;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF303",
    name: "anti-loop-mismatch",
    severity: Severity::Error,
    summary: "A smart host rule's header exceptions do not test the header and value it sets",
    doc: r#"# MF303 anti-loop-mismatch

## What it finds
A smart host rule with a `setHeader` action and at least one header exception, where no
header exception tests that header for that value, nor the header its smart host stamps
on the mail it hands back (the `processedHeader` of the connector's `service`, such as
SEPPmail's `X-SM-outgoing: yes`) for the value stamped. Header names are compared without
regard to case (`X-AntiLoop-Smarthost` and `x-antiloop-smarthost` are the same header);
a `headerContains` exception matches when its `words` include the value set, a
`headerMatches` exception when one of its `patterns` matches it. Typical causes: the
header was renamed in the action but not in the exception, a typo in one of the two, or
a different value (`"yes"` set, `"true"` tested).

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, asks for the exception to use the same header name and the same value as the
action. When they differ, the exception never matches the mail the rule has marked: the
rule looks protected but is not. An exception on the header the smart host itself stamps on
what it hands back protects the rule as well, so a rule that has one is not reported.
A smart host that returns mail to Exchange Online (the
guide's Fig. 1b) gets each message again in every pass until it is rejected with
`554 5.4.6 Hop count exceeded - possible mail loop` (the guide's "ATTR1").

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
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
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Mimecast, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
The fix makes the exception match the action: its `headerContains` exception (added when
the rule only has `headerMatches`) tests the header name and value that `setHeader`
writes. It is safe, applied by `mailflow check --fix`: the corrected
exception only matches mail this rule has already marked and routed, so no message the
rule routed before stops being routed once. When the `headerContains` exception it would
replace tests a header that another rule sets, there is no automatic fix: the rule would
stop skipping the mail that rule marks, which may be on purpose. When the `headerContains`
exception tests the header the smart host stamps, but for another value, the fix keeps
that header and makes the exception test the value the smart host stamps: it is as safe,
since that exception only matches mail the smart host has already handed back.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let rule = smart_host.rule;
        let Some(header) = &rule.actions.set_header else { continue };
        let exceptions = &rule.exceptions;
        if !has_header_exception(exceptions)
            || excepts_header(exceptions, &header.name.value, &header.value.value)
            || excepts_processed_header(rule, smart_host.connector)
        {
            continue;
        }
        let stamped = smart_host.connector.service.as_ref().and_then(Service::processed_header);
        let message = Message::new()
            .written(rule.name())
            .text(" sets ")
            .written(format!("{}: {}", header.name.value, header.value.value))
            .text(", but none of its header exceptions tests that header for that value");
        let message = match stamped {
            Some((name, value)) => {
                message.text(", nor the header its smart host stamps, ").written(format!("{name}: {value}"))
            }
            None => message,
        };
        let message = message.text(
            ": mail it has already sent to the smart host is sent there again; make the exception match the action",
        );
        let mut diagnostic = Diagnostic::new(&RULE, rule.name_span(), message.render(out.syntax()))
            .with_related(rule_span(rule, Some(header.name.span)), "the header this rule sets");
        let tested = [
            exceptions.header_contains.as_ref().map(|t| t.header.span),
            exceptions.header_matches.as_ref().map(|t| t.header.span),
        ];
        for span in tested.into_iter().flatten() {
            diagnostic =
                diagnostic.with_related(rule_span(rule, Some(span)), "the header exception, which does not match it");
        }
        out.push(diagnostic.about(Subject::Rule(flow.rule_index(rule))));
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let flow = context.flow;
    let rule = rule_edits::rule(flow, subject)?;
    let header = rule.actions.set_header.as_ref()?;
    // Replacing a test on a header another rule sets would stop excepting the mail it marks.
    if let Some(tested) = &rule.exceptions.header_contains {
        let mut others = flow.iter_rules().filter(|r| !std::ptr::eq(*r, rule));
        if others.any(|r| {
            r.actions.set_header.as_ref().is_some_and(|h| h.name.value.eq_ignore_ascii_case(&tested.header.value))
        }) {
            return None;
        }
    }
    // An exception on the header the smart host stamps, for another value, is made to test
    // the value stamped: that is what it was written for.
    let connector = flow.connector(&rule.actions.redirect_to_connector.as_ref()?.value)?;
    let stamped = connector.service.as_ref().and_then(Service::processed_header).filter(|(name, _)| {
        rule.exceptions.header_contains.as_ref().is_some_and(|tested| tested.header.value.eq_ignore_ascii_case(name))
    });
    let (name, value, whose) = match &stamped {
        Some((name, value)) => (name, value, ", the header its smart host stamps"),
        None => (&header.name.value, &header.value.value, ", the header it sets"),
    };
    let edit = rule_edits::set_header_exception(context, rule, name, value)?;
    Some(Fix {
        title: Message::new()
            .text("Make the header exception of ")
            .written(rule.name())
            .text(" test ")
            .written(format!("{name}: {value}"))
            .text(whose)
            .render(context.syntax),
        safe: true,
        edits: vec![edit],
    })
}
