//! MF308 rule-never-reached: a routing rule that would apply is cut off by a rule above it that stops processing.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF308",
    name: "rule-never-reached",
    severity: Severity::Warning,
    summary: "A routing rule never applies because a rule above it stops processing first",
    doc: r#"# MF308 rule-never-reached

## What it finds
A routing rule that applies to none of the simulated messages (from an inside and an
outside sender, to a recipient in each accepted domain, in each domain the file names and
in `recipient.example`, no headers at the start, followed pass by pass until delivered),
although in some message's last pass its conditions match and none of its exceptions
does: a rule above it applied and stopped processing first. A routing rule that still
applies to some other message is not reported. A stop in an earlier pass is not reported
either: the signature rule stops in the first pass by design, and the message comes back
for another pass. A condition under `other` is followed both ways ("may"). Reported once
per cause, on the rule or connector to change, with the rule that stopped, the simulated
message and its hops as related information.

## Why it breaks mail
In the pass after the signature service, the CodeTwo guide "How to configure smart host
(mail relay) services to work with CodeTwo software" expects every other rule to run as
usual (section "Modifying the CodeTwo transport rule", the "Important" box on the two
passes), and places the smart host rule directly below the CodeTwo rule (section
"Creating a transport rule to forward messages through a smart host", step 3). A rule in
between that stops processing in that last pass means the smart host rule is never
evaluated for those messages: below, all mail to outside recipients is encrypted and
leaves without passing Mimecast, unscanned and unarchived.

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
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Encrypt outbound mail
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyOME: true}}
    stopProcessingMoreRules: true
  - name: Mimecast smart host
    priority: 2
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fixed
The smart host rule moves directly below the signature rule:
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
    service: {kind: smart-host, vendor: mimecast}
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
  - name: Encrypt outbound mail
    priority: 2
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyOME: true}}
    stopProcessingMoreRules: true
```

## Fix safety
There is no automatic fix: either the stop or the order may be what was intended. Move
the routing rule above the rule that stops (MF103 offers the move when it sits below the
signature rule), narrow that rule's conditions, or drop its stop.
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::describe_message;
use crate::analysis::simulate::{Headers, Message, Simulation};
use crate::diagnostic::Diagnostic;

/// A routing rule that applies to no simulated message, although in some message's last
/// pass its conditions match and no exception does: a rule above it stopped processing.
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    // Which rules applied on some path, worked out in one pass over the paths rather than one
    // per rule (a tenant with thousands of connectors has a rule and two messages for each).
    let mut applied_somewhere = vec![false; flow.rules.len()];
    for (_, path) in simulation.paths() {
        for applied in path.passes.iter().flat_map(|pass| &pass.applied) {
            applied_somewhere[applied.rule] = true;
        }
    }
    let mut stopped = None;
    for (index, rule) in flow.rules.iter().enumerate() {
        if rule.actions.redirect_to_connector.is_none() || !rule.is_active() || applied_somewhere[index] {
            continue;
        }
        let stopped = stopped.get_or_insert_with(|| stopped_passes(simulation));
        let blocked =
            stopped.iter().find(|(message, _, _, headers)| simulation.simulator.would_apply(rule, message, headers));
        if let Some(&(message, pass, stopper, _)) = blocked {
            let stopper = &flow.rules[stopper];
            let words = Words::new()
                .written(rule.name())
                .text(" never applies: for ")
                .verbatim(describe_message(message))
                .text(format!(" its conditions match in pass {pass}, the message's last pass, but "))
                .written(stopper.name())
                .text(" above it stops processing more rules first");
            out.push(
                Diagnostic::new(&RULE, rule.name_span(), words.render(out.syntax()))
                    .with_related(stopper.name_span(), "stops processing more rules here"),
            );
        }
    }
}

/// Each path's last pass that a rule stopped: the message, the pass's number, the rule that
/// stopped it, and the headers the rules below the stopper would have seen (the message's at
/// the start of the pass and those the pass set). Worked out once for all the rules checked.
fn stopped_passes<'s>(simulation: &'s Simulation) -> Vec<(&'s Message, usize, usize, Headers)> {
    simulation
        .paths()
        .filter_map(|(message, path)| {
            let last = path.passes.last()?;
            let stopper = last.stopped_by?;
            Some((message, last.number, stopper, simulation.simulator.headers_with_sets(last)))
        })
        .collect()
}
