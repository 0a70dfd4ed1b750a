//! The simulation stays linear in the size of a file (issues 14 and 15): many accepted
//! domains, many recipient domains on one connector, many connectors, long lists in a
//! rule. Nothing here is timed: the simulator counts what it does (messages followed, rules
//! evaluated, conditions tested, look-ups in its indexed lists), and each count for a file
//! four times as large must be at most four times as large. A quadratic count grows
//! sixteenfold. benchmarks/check_scaling.py times the same shapes.

use mailflow::analysis::simulate::{Simulation, Work};
use mailflow::check::{check_yaml, Selection};
use mailflow::rules::{Check, Findings, ALL};
use mailflow::syntax::Syntax;

/// The usual signature rule and smart host rule, with `accepted` and `connectors` written
/// in and `rules` after them.
fn file(accepted: &str, connectors: &str, rules: &str) -> String {
    format!(
        "mailflow: 1
organization:
  domains:
    - contoso.com
{accepted}connectors:
  - name: CodeTwo
    use: transport-rule
    service: {{kind: signature, vendor: codetwo}}
  - name: Mimecast
    use: transport-rule
    service: {{kind: smart-host, vendor: mimecast, returnsToExchange: false}}
{connectors}transportRules:
  - name: CodeTwo rule
    priority: 0
    conditions: {{senderIs: inside}}
    exceptions: {{headerContains: {{header: X-CodeTwoProcessed, words: ['true']}}}}
    actions: {{redirectToConnector: CodeTwo}}
    stopProcessingMoreRules: true
  - name: Mimecast rule
    priority: 1
    conditions: {{senderIs: inside, recipientIs: outside}}
    exceptions: {{headerContains: {{header: X-AntiLoop, words: ['true']}}}}
    actions:
      setHeader: {{name: X-AntiLoop, value: 'true'}}
      redirectToConnector: Mimecast
    deferOnError: true
{rules}"
    )
}

fn lines(n: usize, line: impl Fn(usize) -> String) -> String {
    (0..n).map(line).collect()
}

/// The shapes of benchmarks/generate.py, and long lists in a rule.
fn shape(name: &str, n: usize) -> String {
    let accepted = || lines(n, |i| format!("    - dept{i}.contoso.com\n"));
    let partners = || {
        format!("  - name: Partners\n    recipientDomains:\n{}", lines(n, |i| format!("      - partner{i}.example\n")))
    };
    match name {
        "domains" => file(&accepted(), &partners(), ""),
        "accepted-domains" => file(&accepted(), "", ""),
        "recipient-domains" => file("", &partners(), ""),
        "connectors" => file(
            "",
            &lines(n, |i| format!("  - name: Partner {i}\n    recipientDomains: [partner{i}.example]\n")),
            &lines(10, |i| {
                format!(
                    "  - name: To partner {i}\n    priority: {}\n    conditions: {{senderDomainIs: [sales.contoso.com], \
                     recipientDomainIs: [partner{i}.example]}}\n    actions: {{redirectToConnector: Partner {i}}}\n",
                    i + 2
                )
            }),
        ),
        // A rule naming many recipient domains, sender domains and senders: each sender it
        // names is a class of message of its own.
        "rule-lists" => file(
            "",
            "",
            &format!(
                "  - name: Partner disclaimer\n    priority: 2\n    conditions:\n      recipientDomainIs: [{}]\n      \
                 senderDomainIs: [{}]\n      from: [{}]\n    actions: {{setHeader: {{name: X-Partner, value: 'yes'}}}}\n",
                lines(n, |i| format!("partner{i}.example, ")).trim_end_matches(", "),
                lines(n, |i| format!("dept{i}.contoso.com, ")).trim_end_matches(", "),
                lines(n, |i| format!("user{i}@contoso.com, ")).trim_end_matches(", "),
            ),
        ),
        _ => unreachable!("{name}"),
    }
}

/// What the simulation and the checks that read it do for `text`.
fn work(text: &str) -> Work {
    let checked = check_yaml(text, &Selection::default());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let simulation = Simulation::of(&checked.flow);
    let mut findings = Findings::new(Syntax::Yaml);
    for rule in ALL {
        if let Check::Simulation(check) = rule.check {
            check(&simulation, &mut findings);
        }
    }
    simulation.simulator.work()
}

#[test]
fn the_simulation_is_linear_in_domains_connectors_and_lists() {
    const N: usize = 60;
    for name in ["domains", "accepted-domains", "recipient-domains", "connectors", "rule-lists"] {
        let (small, large) = (work(&shape(name, N)), work(&shape(name, 4 * N)));
        let counts = |w: Work| [w.messages, w.rule_evaluations, w.predicate_tests, w.lookups];
        for (what, (s, l)) in ["messages", "rule evaluations", "predicate tests", "look-ups"]
            .iter()
            .zip(counts(small).into_iter().zip(counts(large)))
        {
            assert!(s > 0, "{name}: no {what} at all");
            assert!(l <= 4 * s, "{name}: {s} {what} for N = {N}, {l} for 4N: more than linear");
        }
    }
}

/// Recipients the simulation cannot tell apart are followed once: thousands of accepted
/// domains, or of domains one connector serves, add no message.
#[test]
fn domains_alike_add_no_message() {
    for name in ["domains", "accepted-domains", "recipient-domains"] {
        assert_eq!(work(&shape(name, 10)).messages, work(&shape(name, 40)).messages, "{name}");
    }
}
