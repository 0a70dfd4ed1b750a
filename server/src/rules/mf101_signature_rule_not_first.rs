//! MF101 signature-rule-not-first: a rule evaluated before the signature rule can keep the message
//! from the signature service.

use std::{iter, ptr};

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::other_effects::{headers_set, path_changes, ActionEffect, PathChange};
use crate::analysis::roles::excepts_header;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::{MailFlow, TransportRule};
use crate::rules::recipes::rule_edits;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF101",
    name: "signature-rule-not-first",
    severity: Severity::Error,
    summary: "A rule above the signature rule can redirect, stop, take away or encrypt the message",
    doc: r#"# MF101 signature-rule-not-first

## What it finds
A signature rule (a rule redirecting to a connector whose service is `kind: signature`)
with a rule above it, that is, with a smaller `priority` number, that is enabled, in
`enforce` mode and can change where the message goes:
- it redirects (`redirectToConnector`, or an `other` action such as `RedirectMessageTo`),
  or takes the message away (`DeleteMessage`, `Quarantine`, a reject, moderation);
- it stops processing more rules;
- it encrypts or protects the message (`ApplyOME`, a rights protection template);
- or it has an `other` action whose effect the tool does not know, which may do any of these.

A rule above that only sets or removes headers, changes the body or subject, or adds
recipients is not reported: vendors put rules there on purpose. Exclaimer's and
Letsignit's setups stamp the service's processed header on Out of Office replies in a rule
above theirs, so that those replies stay unsigned; the signature rule's exception on that
header keeps them out of its scope. Disabled rules and rules in `audit` or
`audit-and-notify` mode act on nothing and are not reported either.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Ensuring that messages are always routed to the CodeTwo cloud service
first", step 1, asks for the CodeTwo rule at the top of the list, and section "Modifying
the CodeTwo transport rule" explains why: in the first pass the signature rule must be the
rule that sends the message on. A rule above it that redirects the message, or stops
processing before the signature rule is reached, keeps it from the service: it leaves
without a signature. A rule that encrypts it first leaves the service a message it cannot
read or sign.

## Example
```yaml
mailflow: 1
organization: {domains: [fabrikam.com]}
connectors:
  - name: Send to Exclaimer Cloud
    type: on-premises
    use: transport-rule
    smartHosts: [uk.smtp.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Prevent Out of Office messages being sent to Exclaimer Cloud
    priority: 0
    conditions: {messageTypeMatches: oof}
    actions: {setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: "true"}}
  - name: Encrypt mail to lawyers
    priority: 1
    conditions: {recipientDomainIs: [litwarelaw.com]}
    actions: {other: {ApplyOME: true}}
  - name: Identify messages to send to Exclaimer Cloud
    priority: 2
    conditions: {senderIs: inside}
    exceptions:
      headerContains: {header: X-ExclaimerHostedSignatures-MessageProcessed, words: ["true"]}
    actions: {redirectToConnector: Send to Exclaimer Cloud}
    stopProcessingMoreRules: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [fabrikam.com]}
connectors:
  - name: Send to Exclaimer Cloud
    type: on-premises
    use: transport-rule
    smartHosts: [uk.smtp.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Prevent Out of Office messages being sent to Exclaimer Cloud
    priority: 0
    conditions: {messageTypeMatches: oof}
    actions: {setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: "true"}}
  - name: Encrypt mail to lawyers
    priority: 2
    conditions: {recipientDomainIs: [litwarelaw.com]}
    actions: {other: {ApplyOME: true}}
  - name: Identify messages to send to Exclaimer Cloud
    priority: 1
    conditions: {senderIs: inside}
    exceptions:
      headerContains: {header: X-ExclaimerHostedSignatures-MessageProcessed, words: ["true"]}
    actions: {redirectToConnector: Send to Exclaimer Cloud}
    stopProcessingMoreRules: true
```

## Fix safety
The fix moves the signature rule up and renumbers the others in their order: only the
priority numbers change, every rule keeps its place in the file. It goes to priority 0,
except when a rule above it sets a header that its conditions or exceptions test (an
exclusion rule such as the one above): it then goes directly below the last such rule,
which keeps running first. When a reported rule sits above that exclusion rule, the
signature rule cannot pass the one without the other and no fix is offered. The fix is
unsafe, offered only on request: the rules it passes now run after the signature rule
(with its stop setting, only once the message is back from the service), so which messages
they act on, and in what state, changes.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    let Some(signature) = roles.signature_rule() else { return };
    // Only enabled rules in enforce mode act. A rule that acts only on headers, the body or
    // the recipients leaves the path alone: vendors put their exclusion rules there.
    let above: Vec<(&TransportRule, Vec<PathChange>)> = roles.ordered[..roles.position(signature.rule)]
        .iter()
        .filter(|rule| rule.is_active())
        .map(|rule| (*rule, path_changes(rule)))
        .filter(|(_, changes)| !changes.is_empty())
        .collect();
    let syntax = out.syntax();
    let name = signature.rule.name();
    let message = match above.as_slice() {
        [] => return,
        [(rule, changes)] => Message::new()
            .written(name)
            .text(" sends mail to the signature service, but ")
            .written(rule.name())
            .text(" runs before it and ")
            .then(what_it_does(changes))
            .text(", so the message may leave without a signature; move ")
            .written(name)
            .text(" above it"),
        _ => Message::new()
            .written(name)
            .text(format!(" sends mail to the signature service, but {} rules run before it that can ", above.len()))
            .text("redirect, stop, take away or encrypt the message (")
            .written_each(above.iter().map(|(rule, _)| rule.name()), ", ")
            .text("), so it may leave without a signature; move ")
            .written(name)
            .text(" above them"),
    };
    let mut diagnostic = Diagnostic::new(&RULE, signature.rule.name_span(), message.render(syntax))
        .about(Subject::Rule(flow.rule_index(signature.rule)));
    for (rule, changes) in &above {
        let related = Message::new().text("evaluated before the signature rule; it ").then(what_it_does(changes));
        diagnostic = diagnostic.with_related(rule.name_span(), related.render(syntax));
    }
    out.push(diagnostic);
}

/// What a rule does to the path, one clause per change: "redirects the message to its
/// connector and stops processing more rules".
fn what_it_does(changes: &[PathChange]) -> Message {
    let clauses = changes.iter().map(|change| match change {
        PathChange::Redirects => Message::new().text("redirects the message to its connector"),
        PathChange::Stops => Message::new().text("stops processing more rules"),
        PathChange::Other(parameter, effect) => {
            let what = match effect {
                ActionEffect::Encrypts => "encrypts the message with ",
                ActionEffect::TakesAway => "takes the message away with ",
                ActionEffect::Redirects => "redirects the message with ",
                _ => "may change anything with the action ",
            };
            Message::new().text(what).written(parameter.name.value.as_str())
        }
    });
    let clauses: Vec<Message> = clauses.collect();
    let last = clauses.len().saturating_sub(1);
    clauses.into_iter().enumerate().fold(Message::new(), |message, (index, clause)| {
        let joint = match index {
            0 => "",
            i if i == last => " and ",
            _ => ", ",
        };
        message.text(joint).then(clause)
    })
}

/// Moves the signature rule above the rules that can keep the message from the service,
/// renumbering the rest in their order: to priority 0, or directly below the last rule
/// above it that sets a header its conditions or exceptions test (a vendor's exclusion
/// rule), which must keep running first. `None` when a rule that can change the path sits
/// above such an exclusion rule: the signature rule cannot pass the one without the other.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let signature = rule_edits::rule(context.flow, subject)?;
    let ordered = context.flow.rules_in_order();
    let position = ordered.iter().position(|rule| ptr::eq(*rule, signature))?;
    let above = &ordered[..position];
    let kept = above.iter().rposition(|rule| relied_on(signature, rule)).map_or(0, |last| last + 1);
    if above[..kept].iter().any(|rule| rule.is_active() && !path_changes(rule).is_empty()) || kept == position {
        return None;
    }
    let others = ordered.iter().copied().filter(|rule| !ptr::eq(*rule, signature));
    let order: Vec<Option<&TransportRule>> =
        others.clone().take(kept).chain(iter::once(signature)).chain(others.skip(kept)).map(Some).collect();
    let title = Message::new().text("Move ").written(signature.name()).text(format!(" to priority {kept}"));
    let title = match above[..kept].last() {
        Some(exclusion) => title.text(", below ").written(exclusion.name()).text(", whose header it tests"),
        None => title,
    };
    Some(Fix { title: title.render(context.syntax), safe: false, edits: context.editor.renumber_priorities(&order)? })
}

/// Whether `rule` sets a header that the signature rule's conditions or exceptions test:
/// the signature rule relies on it running first.
fn relied_on(signature: &TransportRule, rule: &TransportRule) -> bool {
    headers_set(rule).into_iter().any(|(name, value)| {
        excepts_header(&signature.exceptions, name, value) || excepts_header(&signature.conditions, name, value)
    })
}
