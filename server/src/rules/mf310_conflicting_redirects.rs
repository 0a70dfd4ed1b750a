//! MF310 conflicting-redirects: two routing rules redirect the same message in the same pass.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF310",
    name: "conflicting-redirects",
    severity: Severity::Warning,
    summary: "Two routing rules apply to the same message in one pass; only one route can win",
    doc: r#"# MF310 conflicting-redirects

## What it finds
Two routing rules that both apply to the same simulated message in the same pass. The
simulated messages are sent from an inside and from an outside sender to a recipient in
each accepted domain, in each domain the file names and in `recipient.example`, with no
headers at the start, and followed pass by pass until delivered. A condition under
`other` is followed both ways ("may"). Reported once per cause (per pair of rules), on
the rule or connector to change, with the simulated message and its hops as related
information.

## Why it breaks mail
A message leaves a pass by one route only. Which of two applied redirects Exchange
follows is not documented (unconfirmed), so the file cannot say where the message goes,
and the answer may change with a service update. The CodeTwo guide "How to configure
smart host (mail relay) services to work with CodeTwo software" builds its setup so that
exactly one rule routes a message in each pass: the CodeTwo rule alone in the first
(section "Modifying the CodeTwo transport rule", step 2 and the "Important" box), a smart
host rule in the next. Below, mail to fabrikam.com matches both the general Mimecast
rule and the Barracuda rule meant for that domain; one of the two gateways is skipped,
and both rules have set their anti-loop headers anyway.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Mimecast, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
  - name: Barracuda for fabrikam.com
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com]}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fixed
The general rule leaves fabrikam.com to the Barracuda rule:
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions:
      headerContains: {header: X-AntiLoop-Mimecast, words: ["true"]}
      recipientDomainIs: [fabrikam.com]
    actions:
      setHeader: {name: X-AntiLoop-Mimecast, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
  - name: Barracuda for fabrikam.com
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com]}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix: only the user knows which route the message should take. Add
an exception to one rule (as above), narrow its conditions, or, when the message should
visit both services one after the other, stop processing in the first rule and let the
service hand the message back for the second.
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::describe_message;
use crate::analysis::simulate::Simulation;
use crate::diagnostic::Diagnostic;

/// One finding per rule that redirects a message another routing rule already redirected
/// in the same pass.
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    let mut reported = Vec::new();
    for (message, path) in simulation.paths() {
        for pass in &path.passes {
            let mut routing =
                pass.applied.iter().filter(|a| flow.rules[a.rule].actions.redirect_to_connector.is_some());
            let Some(first) = routing.next() else { continue };
            for second in routing {
                if reported.contains(&second.rule) {
                    continue;
                }
                reported.push(second.rule);
                let (a, b) = (&flow.rules[first.rule], &flow.rules[second.rule]);
                let may = if first.uncertain || second.uncertain { "may " } else { "" };
                let words = Words::new()
                    .written(a.name())
                    .text(" and ")
                    .written(b.name())
                    .text(format!(" {may}both redirect "))
                    .verbatim(describe_message(message))
                    .text(format!(
                        " in pass {}: only one route can win, and which one is not documented; give them exclusive \
                         conditions, or stop processing in the first",
                        pass.number
                    ));
                out.push(
                    Diagnostic::new(&RULE, b.name_span(), words.render(out.syntax()))
                        .with_related(a.name_span(), "the other redirect in the same pass"),
                );
            }
        }
    }
}
