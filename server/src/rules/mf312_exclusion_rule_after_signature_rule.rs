//! MF312 exclusion-rule-after-signature-rule: a rule stamps a header the signature rule excepts, but only after it.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{excepts_header, rule_span, Roles};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::MailFlow;
use crate::rules::recipes::rule_edits;
use crate::rules::recipes::rule_order::{move_fix, Beside};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF312",
    name: "exclusion-rule-after-signature-rule",
    severity: Severity::Warning,
    summary: "A rule sets a header the signature rule's exceptions test, but runs after the signature rule",
    doc: r#"# MF312 exclusion-rule-after-signature-rule

## What it finds
A rule whose `setHeader` writes a header that one of the signature rule's exceptions
tests (the name compared without regard to case, the value as the exception reads it),
evaluated after the signature rule: its `priority` number is larger. Such a rule is an
exclusion rule: vendors' standard setups use one to keep some mail away from the
signature service, as Exclaimer's rule that stamps
`X-ExclaimerHostedSignatures-MessageProcessed: true` on Out of Office replies. A rule
that redirects mail itself is not taken for one: the header it sets marks what it routes.

## Why it breaks mail
An exclusion only works when the header is on the message before the signature rule
looks at it. Exchange evaluates the rules of a pass in priority order; the signature
rule, which should come first and stop processing more rules (the CodeTwo guide "How to
configure smart host (mail relay) services to work with CodeTwo software", section
"Modifying the CodeTwo transport rule", and its "Important" box on the two passes), has
already sent the message to the signature service when the exclusion rule would stamp
it, or, with its stop, the exclusion rule never runs in that pass. The mail the admin
meant to keep away from the service, Out of Office replies for instance, gets a
signature anyway.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Send to Exclaimer Cloud
    type: on-premises
    use: transport-rule
    smartHosts: [smtp.eu1.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Identify messages to send to Exclaimer Cloud
    priority: 0
    conditions: {senderIs: inside}
    exceptions:
      headerMatches: {header: X-ExclaimerHostedSignatures-MessageProcessed, patterns: ["true"]}
    actions: {redirectToConnector: Send to Exclaimer Cloud}
    stopProcessingMoreRules: true
  - name: Prevent Out of Office messages being sent to Exclaimer Cloud
    priority: 1
    conditions: {messageTypeMatches: oof}
    actions:
      setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: "true"}
```

## Fixed
The exclusion rule runs first and stamps Out of Office replies, which the signature
rule's exception then skips. (The fix changes only the two priority numbers; the rules
are shown here in their new order.)

```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Send to Exclaimer Cloud
    type: on-premises
    use: transport-rule
    smartHosts: [smtp.eu1.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Prevent Out of Office messages being sent to Exclaimer Cloud
    priority: 0
    conditions: {messageTypeMatches: oof}
    actions:
      setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: "true"}
  - name: Identify messages to send to Exclaimer Cloud
    priority: 1
    conditions: {senderIs: inside}
    exceptions:
      headerMatches: {header: X-ExclaimerHostedSignatures-MessageProcessed, patterns: ["true"]}
    actions: {redirectToConnector: Send to Exclaimer Cloud}
    stopProcessingMoreRules: true
```

## Fix safety
The fix moves the exclusion rule directly above the signature rule and renumbers the
rules in between: only the priority numbers change, every rule keeps its place in the
file. It is unsafe, offered only on request: the mail the exclusion rule matches stops
going to the signature service, which is what the rule was written for but not what
happens today, and the rules it passes now see the header it sets.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    let Some(signature) = roles.signature_rule() else { return };
    let exceptions = &signature.rule.exceptions;
    let after = roles.position(signature.rule) + 1;
    for rule in roles.ordered.iter().skip(after) {
        // A routing rule's header marks the mail it routes: it is no exclusion.
        let Some(header) = rule.actions.set_header.as_ref().filter(|_| rule.actions.redirect_to_connector.is_none())
        else {
            continue;
        };
        if !excepts_header(exceptions, &header.name.value, &header.value.value) {
            continue;
        }
        let (name, signature_name) = (rule.name(), signature.rule.name());
        let message = Message::new()
            .written(name)
            .text(" sets ")
            .written(format!("{}: {}", header.name.value, header.value.value))
            .text(", which the signature rule ")
            .written(signature_name)
            .text(
                " excepts, but runs after it: the signature rule has already sent the message to its service, so the \
                 exclusion does nothing; move ",
            )
            .written(name)
            .text(" directly above ")
            .written(signature_name);
        out.push(
            Diagnostic::new(&RULE, rule.name_span(), message.render(out.syntax()))
                .with_related(rule_span(rule, Some(header.name.span)), "the header this rule sets")
                .with_related(signature.rule.name_span(), "the signature rule, whose exception tests it")
                .about(Subject::Rule(flow.rule_index(rule))),
        );
    }
}

/// Moves the exclusion rule directly above the signature rule. Unsafe: the mail it matches no
/// longer goes to the signature service.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let signature = Roles::of(context.flow).signature_rule()?.rule;
    move_fix(context, rule, Beside::Above(signature))
}
