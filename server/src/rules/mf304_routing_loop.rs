//! MF304 routing-loop: a simulated message keeps coming back to a state it was already in.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF304",
    name: "routing-loop",
    severity: Severity::Error,
    summary: "A simulated message loops through Exchange Online, or passes the hop cap",
    doc: r#"# MF304 routing-loop

## What it finds
A loop found by simulation. The tool sends simulated messages through the file pass by
pass: from an inside sender and from an outside sender, to a recipient in each accepted
domain, in each domain any rule or connector names, and in `recipient.example` (a domain
nothing names), each starting with no headers. Each pass runs the rules, then routes the
message to a connector or delivers it; a service that hands mail back starts a new pass.
A loop is a message that returns to a state it was in (the same place with the same
values of every header some rule tests), or that passes the hop cap. The cap stands in
for Exchange's hop limit, which is not documented for Exchange Online (unconfirmed;
Exchange Server's default is 30). A condition under `other` is followed both ways, and
the finding then says the loop "may" happen. Reported once per cause, on the rule or
connector to change, with the simulated message and its hops as related information.

## Why it breaks mail
A looping message is never delivered: Exchange rejects it and the sender gets an NDR
such as `554 5.4.6 Hop count exceeded - possible mail loop` (or 5.4.14), the "ATTR1"
error of the CodeTwo guide "How to configure smart host (mail relay) services to work
with CodeTwo software" (section "Solution"). Its section "Creating a transport rule
to forward messages through a smart host" is about preventing exactly this: route the
smart host through a rule that marks the message and excepts marked mail. Below, a
smart host that hands mail back (Fig. 1b) is used by recipient domain, so every pass
sends the message to it again.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: recipient-domains
    recipientDomains: ["*"]
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
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
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix for the loop itself: the way out depends on its cause, shown
in the hops. The usual changes are those of MF301, MF302 and MF303 (an anti-loop header
and its matching exception on the smart host rule), MF309 (the processed-header
exception on the signature rule) and MF201 (routing the smart host through a rule), and
those codes carry their own fixes.
"#,
    fix: None,
    check: Check::Simulation(check),
};

use super::message::Message as Words;
use super::simulation_wording::{describe_message, hops, sender_of, verb};
use crate::analysis::simulate::Simulation;
use crate::diagnostic::Diagnostic;

/// One finding per object that sends a looping message round again.
pub fn check(simulation: &Simulation, out: &mut Findings) {
    let flow = simulation.flow;
    let mut reported = Vec::new();
    for (message, path) in simulation.paths() {
        if !path.ending.is_loop() {
            continue;
        }
        // The last pass that sent the message to a service which handed it back.
        let Some((span, who)) = path.passes.iter().rev().find_map(|pass| sender_of(flow, pass)) else { continue };
        if reported.contains(&span) {
            continue;
        }
        reported.push(span);
        let words = Words::new()
            .verbatim(describe_message(message))
            .text(format!(" {}: ", verb(path.uncertain, "loops", "loop")))
            .then(who)
            .text(
                " sends it out again every time it comes back, until Exchange gives up with an NDR (554 5.4.6 hop \
                 count exceeded, ATTR1)",
            );
        let diagnostic = Diagnostic::new(&RULE, span, words.render(out.syntax()));
        out.push(
            hops(flow, message, path, out.syntax())
                .into_iter()
                .fold(diagnostic, |d, r| d.with_related(r.span, r.message)),
        );
    }
}
