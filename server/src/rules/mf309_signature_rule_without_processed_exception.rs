//! MF309 signature-rule-without-processed-exception: the signature rule sends mail back to its service even after the service has processed it.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::excepts_header;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF309",
    name: "signature-rule-without-processed-exception",
    severity: Severity::Error,
    summary: "The signature rule has no exception on its service's processed header",
    doc: r#"# MF309 signature-rule-without-processed-exception

## What it finds
A signature rule without an exception on the header its service stamps on processed
mail: `service.processedHeader` if given, otherwise the vendor's default
(`X-CodeTwoProcessed: true` for CodeTwo,
`X-ExclaimerHostedSignatures-MessageProcessed: true` for Exclaimer). Header names are
compared without regard to case. It is read from the file as written: the finding sits
on the signature rule, with the service's processed header (or its connector) as related
information. The loop it causes is found by simulation too (MF304, with the hops): every
message the rule sends to the service comes back stamped and is sent again.

## Why it breaks mail
A signature service adds the signature, stamps its header and hands the message back to
Exchange Online, which runs the rules again: the second pass that the CodeTwo guide "How
to configure smart host (mail relay) services to work with CodeTwo software" describes in
section "Modifying the CodeTwo transport rule" (the "Important" box), where the CodeTwo
rule is expected not to apply again. Microsoft's pattern for add-on services likewise
excepts mail that already carries the service's header. Without that exception the rule
matches the returned message as it did the first time and the message circles between
Exchange and the service until it is rejected with `554 5.4.6 Hop count exceeded -
possible mail loop` (the guide's "ATTR1").

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Exclaimer connector
    type: on-premises
    use: transport-rule
    smartHosts: [eu.smtp.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Exclaimer signature rule
    priority: 0
    conditions: {senderIs: inside}
    actions: {redirectToConnector: Exclaimer connector}
    stopProcessingMoreRules: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Exclaimer connector
    type: on-premises
    use: transport-rule
    smartHosts: [eu.smtp.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Exclaimer signature rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-ExclaimerHostedSignatures-MessageProcessed, words: ["true"]}}
    actions: {redirectToConnector: Exclaimer connector}
    stopProcessingMoreRules: true
```

## Fix safety
The fix adds `exceptions.headerContains` with the service's processed header and value;
when the rule already has a `headerContains` exception on that header for other words,
it adds the value to its `words`. It is safe, applied by `mailflow check --fix`: only
messages the service has already processed carry that header, so every message that
went to the service the first time still goes there once. A rule has one
`headerContains` exception: when it tests another header, there is no automatic fix
(replacing it would drop that test); add the exception on the processed header with
`headerMatches`, or move the other test there.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for signature in out.roles().signature_rules() {
        let Some(service) = &signature.connector.service else { continue };
        // A service of vendor `other` without `processedHeader`: nothing to check against.
        let Some((name, value)) = service.processed_header() else { continue };
        if excepts_header(&signature.rule.exceptions, &name, &value) {
            continue;
        }
        let stamped_at = service.processed_header.as_ref().map_or(signature.connector.name_span(), |h| h.span);
        let header = format!("{name}: {value}");
        let message = Message::new()
            .written(signature.rule.name())
            .text(" has no exception on ")
            .written(&header)
            .text(
                ", the header the signature service stamps on mail it has processed: mail coming back from the \
                 service is sent to it again, in a loop; add the exception ",
            )
            .predicate_setting(Place::Exception, "headerContains", rule_edits::header_test(&name, &value));
        let stamps = Message::new().text("the signature service stamps ").written(header);
        out.push(
            Diagnostic::new(&RULE, signature.rule.name_span(), message.render(out.syntax()))
                .with_related(stamped_at, stamps.render(out.syntax()))
                .about(Subject::Rule(flow.rule_index(signature.rule))),
        );
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let flow = context.flow;
    let rule = rule_edits::rule(flow, subject)?;
    let connector = flow.connector(&rule.actions.redirect_to_connector.as_ref()?.value)?;
    let (name, value) = connector.service.as_ref()?.processed_header()?;
    let edit = match &rule.exceptions.header_contains {
        None => rule_edits::set_header_exception(context, rule, &name, &value)?,
        // The exception tests the right header for other words: the value joins them.
        Some(test) if test.header.value.eq_ignore_ascii_case(&name) => {
            let words = test.words.iter().map(|word| Value::str(&word.value)).chain([Value::str(&value)]);
            context.editor.set_entry(context.rule_owned(rule, test.span)?, "words", &Value::List(words.collect()))?
        }
        // A rule has one `headerContains`: replacing the one on another header would drop it.
        Some(_) => return None,
    };
    Some(Fix {
        title: Message::new()
            .text("Add the exception on the processed header ")
            .written(format!("{name}: {value}"))
            .text(" to ")
            .written(rule.name())
            .render(context.syntax),
        safe: true,
        edits: vec![edit],
    })
}
