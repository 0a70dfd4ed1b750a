//! MF101 signature-rule-not-first: an enabled rule is evaluated before the signature rule.

use std::{iter, ptr};

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::Roles;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::{MailFlow, TransportRule};
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF101",
    name: "signature-rule-not-first",
    severity: Severity::Error,
    summary: "An enabled rule has a smaller priority number than the signature rule",
    doc: r#"# MF101 signature-rule-not-first

## What it finds
A signature rule (a rule redirecting to a connector whose service is `kind: signature`)
with any enabled rule above it, that is, with a smaller `priority` number. Every enabled
rule counts, routing or not: a subject tag, a disclaimer, a smart host rule. Disabled
rules are ignored, as Exchange skips them.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Ensuring that messages are always routed to the CodeTwo cloud service
first", step 1, asks for the CodeTwo rule at the very top of the list, and section
"Modifying the CodeTwo transport rule" explains why: in the first pass the signature rule
must be the only rule that acts. A rule above it acts on the message before the
signature service sees it. A disclaimer or body change puts text where the service
expects the reply separator, so the signature lands in the wrong place; a rule that
redirects to a smart host or stops processing keeps the message from the service, and
it leaves without a signature.

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
transportRules:
  - name: Legal disclaimer
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Contoso Ltd, Seattle</p>"}}
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
```

## Fix safety
The fix moves the signature rule to priority 0 and renumbers the others in their order:
only the priority numbers change, every rule keeps its place in the file. It is unsafe,
offered only on request: the rules that were above now run after the signature rule (with
its stop setting, only once the message is back from the service), so which messages they
act on, and in what state, changes.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = Roles::of(flow);
    let Some(signature) = roles.signature_rule() else { return };
    // Exchange skips disabled rules. A rule in audit mode counts: it is one switch away from
    // acting on mail before the service sees it.
    let above: Vec<&TransportRule> =
        roles.ordered[..roles.position(signature.rule)].iter().copied().filter(|r| r.is_enabled()).collect();
    if above.is_empty() {
        return;
    }
    let names = Message::new().written_each(above.iter().map(|r| r.name()), ", ");
    let who = match above.len() {
        1 => Message::new().text("the enabled rule ").then(names).text(" runs"),
        n => Message::new().text(format!("{n} enabled rules (")).then(names).text(") run"),
    };
    let name = signature.rule.name();
    let message = Message::new()
        .written(name)
        .text(" sends mail to the signature service, but ")
        .then(who)
        .text(" before it and can change, redirect or stop the message before the service sees it; move ")
        .written(name)
        .text(" to priority 0");
    let mut diagnostic = Diagnostic::new(&RULE, signature.rule.name_span(), message.render(out.syntax()))
        .about(Subject::Rule(flow.rule_index(signature.rule)));
    for rule in above {
        diagnostic = diagnostic.with_related(rule.name_span(), "an enabled rule evaluated before the signature rule");
    }
    out.push(diagnostic);
}

/// Moves the signature rule to priority 0; the others follow in their order.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let signature = rule_edits::rule(context.flow, subject)?;
    let others = context.flow.rules_in_order().into_iter().filter(|rule| !ptr::eq(*rule, signature));
    let order: Vec<Option<&TransportRule>> = iter::once(signature).chain(others).map(Some).collect();
    Some(Fix {
        title: Message::new().text("Move ").written(signature.name()).text(" to priority 0").render(context.syntax),
        safe: false,
        edits: context.editor.renumber_priorities(&order)?,
    })
}
