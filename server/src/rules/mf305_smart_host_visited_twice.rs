//! MF305 smart-host-visited-twice: a simulated message is sent to the same smart host more than once.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF305",
    name: "smart-host-visited-twice",
    severity: Severity::Error,
    summary: "A simulated message reaches the same smart host more than once (duplicated messages)",
    doc: r#"# MF305 smart-host-visited-twice

## What it finds
A simulated message that reaches one smart host two or more times without looping. The
simulated messages are those of every simulation check: from an inside and from an
outside sender, to a recipient in each accepted domain, in each domain any rule or
connector names, and in `recipient.example`, starting with no headers, followed pass by
pass until delivered. Each visit changes the message's headers, so it is not a loop
(that is MF304), but the smart host still handles it again. A condition under `other` is
followed both ways ("may"). Reported once per cause, on the rule or connector to change,
with the simulated message and its hops as related information.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Ensuring that messages are always routed to the CodeTwo cloud service
first", lists messages that reach the smart host several times, seen as duplicated
messages, among the signs of a broken mail flow; section "Creating a transport rule to
forward messages through a smart host" sets up its rule so that a message goes to the
smart host only once. Below, two rules send mail for fabrikam.com to the same Mimecast
connector, each with its own anti-loop header: the first marks and routes the message,
Mimecast hands it back, and the second rule, which does not know the first rule's mark,
routes it to Mimecast again, which archives and scans it twice.

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
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    stopProcessingMoreRules: true
    deferOnError: true
  - name: Mimecast for fabrikam.com
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com]}
    exceptions: {headerContains: {header: X-AntiLoop-Fabrikam, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Fabrikam, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fixed
The general rule already covers fabrikam.com; the second rule is gone:
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
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    stopProcessingMoreRules: true
    deferOnError: true
```

## Fix safety
There is no automatic fix: which route to keep is the user's choice. Give a smart host
one rule (merge the conditions), or make every rule that routes to it except the
header that rule's siblings set, and make sure no recipient-domain connector sends the
mail there again after a rule did.
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::{describe_message, hops, sender_of, verb};
use crate::analysis::simulate::Simulation;
use crate::diagnostic::Diagnostic;
use crate::model::ServiceKind;

/// One finding per object that sends a message to a smart host it has already passed.
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    let mut reported = Vec::new();
    for (message, path) in simulation.paths() {
        let mut visited = Vec::new();
        for pass in &path.passes {
            let Some(connector) = pass.connector() else { continue };
            if simulation.kind_of(connector) != Some(ServiceKind::SmartHost) {
                continue;
            }
            if !visited.contains(&connector) {
                visited.push(connector);
                continue;
            }
            let Some((span, who)) = sender_of(flow, pass) else { continue };
            if reported.contains(&span) {
                break;
            }
            reported.push(span);
            let words = Words::new()
                .verbatim(describe_message(message))
                .text(format!(" {} smart host ", verb(path.uncertain, "reaches", "reach")))
                .written(flow.connectors[connector].name())
                .text(" a second time through ")
                .then(who)
                .text(": recipients get duplicates, or the message loops");
            let diagnostic = Diagnostic::new(&RULE, span, words.render(out.syntax()));
            out.push(
                hops(flow, message, path, out.syntax())
                    .into_iter()
                    .fold(diagnostic, |d, r| d.with_related(r.span, r.message)),
            );
            break;
        }
    }
}
