//! MF306 smart-host-before-signature: a simulated outgoing message reaches a smart host before the signature service.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF306",
    name: "smart-host-before-signature",
    severity: Severity::Error,
    summary: "A simulated outgoing message reaches a smart host before the signature service",
    doc: r#"# MF306 smart-host-before-signature

## What it finds
A simulated message from an inside sender to an outside recipient (one per outside
domain the file names, and `recipient.example`; no headers at the start) whose hops,
followed pass by pass, reach a smart host before they reach the signature service. A
condition under `other` is followed both ways ("may"). Reported once per cause, on the
rule or connector to change (usually the smart host rule or connector that caught the
message first), with the simulated message and its hops as related information. Unlike
MF104, which compares priorities, this follows what actually happens to the message, so
it also sees a route through a connector or through a rule above the signature rule
that stops processing.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" says in section "Solution" that a message leaving Exchange Online must
go straight to the CodeTwo service before any other smart host, and lists what happens
otherwise: missing signatures because the service never gets the message or gets it
encrypted, and signatures in the wrong place because the smart host changed the body
and the reply separator cannot be found. Below, the Mimecast rule comes first and stops
processing, so the first pass goes to Mimecast; the message reaches CodeTwo only after
Mimecast hands it back.

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
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    stopProcessingMoreRules: true
    deferOnError: true
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
There is no automatic fix for the simulated route itself. Put the signature rule first
and the smart host rule directly below it (MF101, MF104 and MF103 offer those moves),
and route every smart host through a rule rather than by recipient domain (MF201).
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::{describe_message, hops, sender_of, verb};
use crate::analysis::simulate::Simulation;
use crate::diagnostic::Diagnostic;
use crate::model::ServiceKind;

/// For inside-to-outside messages in a file with a signature service: the first smart host
/// reached while the signature service has not yet had the message.
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    let signature_exists = (0..flow.connectors.len()).any(|c| simulation.kind_of(c) == Some(ServiceKind::Signature));
    if !signature_exists {
        return;
    }
    let mut reported = Vec::new();
    // A message kept out of the signature scope on purpose goes to the smart host by design.
    for (message, path) in simulation.paths_in_signature_scope() {
        if !message.from_inside || simulation.is_inside(message.recipient_domain()) {
            continue;
        }
        for pass in &path.passes {
            let Some(connector) = pass.connector() else { continue };
            match simulation.kind_of(connector) {
                Some(ServiceKind::Signature) => break,
                Some(ServiceKind::SmartHost) => {
                    let Some((span, who)) = sender_of(flow, pass) else { break };
                    if !reported.contains(&span) {
                        reported.push(span);
                        let words = Words::new()
                            .verbatim(describe_message(message))
                            .text(format!(" {} smart host ", verb(path.uncertain, "reaches", "reach")))
                            .written(flow.connectors[connector].name())
                            .text(" through ")
                            .then(who)
                            .text(
                                " before the signature service: the signature is missing or misplaced if the smart \
                                 host changes or encrypts the body",
                            );
                        let diagnostic = Diagnostic::new(&RULE, span, words.render(out.syntax()));
                        out.push(
                            hops(flow, message, path, out.syntax())
                                .into_iter()
                                .fold(diagnostic, |d, r| d.with_related(r.span, r.message)),
                        );
                    }
                    break;
                }
                None => {}
            }
        }
    }
}
