//! MF311 signature-service-bypassed: a simulated outgoing message is delivered without ever reaching the signature service.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF311",
    name: "signature-service-bypassed",
    severity: Severity::Warning,
    summary:
        "A simulated inside-to-outside message the signature rule means to take never reaches the signature service",
    doc: r#"# MF311 signature-service-bypassed

## What it finds
A file with a signature service where a simulated message from an inside sender to an
outside recipient, one the signature rule means to take, is followed pass by pass until
delivered and never reaches that service, or reaches it encrypted. Typical causes: the
signature rule is disabled or in audit mode, a rule above it redirects the message, takes
it away, stops processing or encrypts it, or a connector takes it by its recipient domain
first. A condition under `other` is followed both ways ("may").

Mail the signature rule keeps out on purpose is not reported: a message its own conditions
do not match or its own exceptions match (a licensed-users group, the null sender, very
large messages), or one excepted by a header that an exclusion rule above it stamps (an Out
of Office rule). `mailflow trace` shows those messages and why they leave unsigned.
Reported once per cause, on the rule or connector to change, with the simulated message
and its hops as related information.

## Why it breaks mail
The message goes out without a signature. The CodeTwo guide "How to configure smart host
(mail relay) services to work with CodeTwo software" names missing signatures first among
the problems of a wrong mail flow, and its section "Ensuring that messages are always
routed to the CodeTwo cloud service first" expects every message leaving Exchange Online
to pass the service. Below, a rule above the CodeTwo rule encrypts mail to fabrikam.com:
the service gets the message encrypted and cannot add a signature to it.

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
  - name: Encrypt mail to Fabrikam
    priority: 0
    conditions: {recipientDomainIs: [fabrikam.com]}
    actions: {other: {ApplyOME: true}}
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
  - name: Encrypt mail to Fabrikam
    priority: 1
    conditions: {recipientDomainIs: [fabrikam.com]}
    actions: {other: {ApplyOME: true}}
```
The encryption now runs in the pass after the service, on the signed message. If some mail
is meant to leave unsigned, say so in the signature rule's own conditions or exceptions.

## Fix safety
There is no automatic fix: which rule should give way is the admin's choice. Move the
signature rule above the rule that changes the path (MF101), enable it or set it to
enforce (MF404, MF405), or scope the connector to a transport rule (MF201).
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::{describe_message, hops, verb};
use crate::analysis::simulate::Simulation;
use crate::diagnostic::Diagnostic;
use crate::model::ServiceKind;

/// An inside-to-outside message that never reaches a signature service of the file; one
/// finding per signature connector, on its rule (or on the connector when no rule uses it).
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    for (index, connector) in flow.connectors.iter().enumerate() {
        if simulation.kind_of(index) != Some(ServiceKind::Signature) {
            continue;
        }
        // Messages kept out of the signature scope on purpose are not reported; one that
        // reaches the service only encrypted leaves without a signature too.
        let bypassed = simulation.paths_in_signature_scope().find(|(message, path)| {
            message.from_inside
                && !simulation.is_inside(message.recipient_domain())
                && !path.passes.iter().any(|p| {
                    !p.encrypted && p.connector().is_some_and(|c| simulation.kind_of(c) == Some(ServiceKind::Signature))
                })
        });
        let Some((message, path)) = bypassed else { continue };
        let rule = flow.rules_in_order().into_iter().find(|r| {
            r.actions.redirect_to_connector.as_ref().is_some_and(|t| t.value.eq_ignore_ascii_case(connector.name()))
        });
        let span = rule.map_or(connector.name_span(), |r| r.name_span());
        let reached_encrypted = path.passes.iter().any(|p| {
            p.encrypted && p.connector().is_some_and(|c| simulation.kind_of(c) == Some(ServiceKind::Signature))
        });
        let words = match reached_encrypted {
            true => Words::new()
                .verbatim(describe_message(message))
                .text(format!(" {} signature service ", verb(path.uncertain, "reaches", "reach")))
                .written(connector.name())
                .text(" encrypted: the service cannot add a signature to it"),
            false => Words::new()
                .verbatim(describe_message(message))
                .text(format!(" {} signature service ", verb(path.uncertain, "never reaches", "never reach")))
                .written(connector.name())
                .text(": it leaves without a signature"),
        };
        let diagnostic = Diagnostic::new(&RULE, span, words.render(out.syntax()));
        out.push(
            hops(flow, message, path, out.syntax())
                .into_iter()
                .fold(diagnostic, |d, r| d.with_related(r.span, r.message)),
        );
    }
}
