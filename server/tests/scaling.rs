//! The simulation stays linear in the size of a file (issues 14 and 15): many accepted
//! domains, many recipient domains on one connector, many connectors, long lists in a
//! rule. Nothing here is timed: the simulator counts what it does (messages followed, rules
//! evaluated, conditions tested, look-ups in its indexed lists), and each count for a file
//! four times as large must be at most four times as large. A quadratic count grows
//! sixteenfold. benchmarks/check_scaling.py times the same shapes.

use mailflow::analysis::roles::Roles;
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
        // Issue 15: a rule with a condition mailflow cannot evaluate redirecting to a service
        // that hands mail back, and N rules with such a condition setting a header. Where no
        // rule tests the headers, the branches differ in nothing later read and merge.
        "unknown-headers" => file("  - name: Gateway\n    use: transport-rule\n    service: {kind: smart-host, returnsToExchange: true}\n", "", &unknown_headers(n, false)),
        // The same, each rule excepting mail that has its header: the branches differ in
        // what later rules read, and the branch cap cuts them.
        "read-headers" => file("  - name: Gateway\n    use: transport-rule\n    service: {kind: smart-host, returnsToExchange: true}\n", "", &unknown_headers(n, true)),
        // Issue 15: the simulator's stress file (benchmarks/generate.py's `stress`): N rules
        // with an `other` condition stamping a header, every third excepting the header of the
        // one before it, every fifth redirecting to a gateway that hands mail back.
        "stress" => file(
            "  - name: Gateway\n    use: transport-rule\n    service: {kind: smart-host, returnsToExchange: true}\n",
            "",
            &lines(n, |i| {
                let i = i + 2;
                let (exception, actions) = match (i % 5, i % 3) {
                    (0, _) => (
                        "    exceptions: {headerContains: {header: X-Gateway-Done, words: ['yes']}}\n".to_owned(),
                        "{setHeader: {name: X-Gateway-Done, value: 'yes'}, redirectToConnector: Gateway}".to_owned(),
                    ),
                    (_, 0) => (
                        format!("    exceptions: {{headerContains: {{header: X-Stress-{}, words: ['yes']}}}}\n", i - 1),
                        format!("{{setHeader: {{name: X-Stress-{i}, value: 'yes'}}}}"),
                    ),
                    _ => (String::new(), format!("{{setHeader: {{name: X-Stress-{i}, value: 'yes'}}}}")),
                };
                format!(
                    "  - name: Unknown {i}\n    priority: {i}\n    conditions: {{other: {{SubjectContainsWords: [word{i}]}}}}\n\
                     {exception}    actions: {actions}\n"
                )
            }),
        ),
        // Issue 15: N rules, each excepting its own recipient domain.
        "domain-exceptions" => file(
            "",
            "",
            &lines(n, |i| {
                format!(
                    "  - name: Except partner {i}\n    priority: {}\n    conditions: {{senderIs: inside}}\n    \
                     exceptions: {{recipientDomainIs: [partner{i}.example]}}\n    \
                     actions: {{setHeader: {{name: X-Partner-{i}, value: 'no'}}}}\n",
                    i + 2
                )
            }),
        ),
        _ => unreachable!("{name}"),
    }
}

fn unknown_headers(n: usize, read: bool) -> String {
    let gateway =
        "  - name: To the gateway\n    priority: 2\n    conditions: {other: {SubjectContainsWords: [gateway]}}\n    \
                   actions: {redirectToConnector: Gateway}\n";
    gateway.to_owned()
        + &lines(n, |i| {
            let exception = match read {
                true => format!("    exceptions: {{headerContains: {{header: X-Stamp-{i}, words: ['yes']}}}}\n"),
                false => String::new(),
            };
            format!(
                "  - name: Stamp {i}\n    priority: {}\n    conditions: {{other: {{SubjectContainsWords: [word{i}]}}}}\n\
                 {exception}    actions: {{setHeader: {{name: X-Stamp-{i}, value: 'yes'}}}}\n",
                i + 3
            )
        })
}

/// What the simulation and the checks that read it do for `text`.
fn work(text: &str) -> Work {
    let checked = check_yaml(text, &Selection::default());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    simulated(text)
}

/// What the simulation and the checks that read it do for `text`, whatever they find.
fn simulated(text: &str) -> Work {
    let checked = check_yaml(text, &Selection::default());
    let simulation = Simulation::of(&checked.flow);
    let roles = Roles::of(&checked.flow);
    let mut findings = Findings::new(Syntax::Yaml, &roles);
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

/// Issue 15: conditions mailflow cannot evaluate branch the simulation, but branches that
/// differ in nothing a later rule, route or service reads merge, and the rest are cut by
/// the branch cap, counted and not kept as paths: the work grows at most linearly.
#[test]
fn branching_on_unknown_conditions_is_bounded() {
    const K: usize = 10;
    // Branches that cannot merge reach the cap at a few rules, and from there each pass
    // costs at most the cap's branches per rule: linear in K once K is past 6 (2^6 = 64).
    // Each domain excepted is a recipient of its own, so domain-exceptions has 4 times the
    // messages at 4K, each over 4 times the rules: there the work per message is counted.
    // The stress file reaches the cap later (a third of its rules are excepted on a header
    // set just above, and a fifth go to the gateway once): it is measured from 8K.
    for (name, k) in [("unknown-headers", K), ("read-headers", 4 * K), ("domain-exceptions", K), ("stress", 8 * K)] {
        let per_message = |w: Work| match name {
            "domain-exceptions" => Work {
                rule_evaluations: w.rule_evaluations / w.messages,
                predicate_tests: w.predicate_tests / w.messages,
                lookups: w.lookups / w.messages,
                ..w
            },
            _ => w,
        };
        let (small, large) = (per_message(simulated(&shape(name, k))), per_message(simulated(&shape(name, 4 * k))));
        let counts = |w: Work| [w.messages, w.rule_evaluations, w.predicate_tests, w.lookups];
        for (what, (s, l)) in ["messages", "rule evaluations", "predicate tests", "look-ups"]
            .iter()
            .zip(counts(small).into_iter().zip(counts(large)))
        {
            // Past the cap the count is affine in K with a negative intercept (the first six
            // rules branch below the cap), so 4K costs a little over 4 times K: 5 allows that,
            // a quadratic count would be 16.
            assert!(l <= 5 * s.max(1), "{name}: {s} {what} for K = {k}, {l} for 4K: more than linear");
        }
    }
    // Where nothing reads the headers, nothing is cut: the branches merged.
    assert_eq!(simulated(&shape("unknown-headers", 4 * K)).cut, 0);
    assert_eq!(simulated(&shape("domain-exceptions", 4 * K)).cut, 0);
    assert!(simulated(&shape("read-headers", 4 * K)).cut > 0);
    assert!(simulated(&shape("stress", 4 * K)).cut > 0);
}

/// Issue 15: `trace` of the branching shapes stays under 1 MB, and says when the branch
/// cap cut ways it did not follow.
#[test]
fn trace_output_is_bounded_and_names_what_the_cap_cut() {
    use mailflow::analysis::simulate::Message;
    use mailflow::trace::{default_recipient, render, TraceFormat};
    for (name, n) in [("unknown-headers", 50), ("read-headers", 50), ("read-headers", 299), ("stress", 298)] {
        let checked = check_yaml(&shape(name, n), &Selection::default());
        let message = Message::ordinary(true, default_recipient());
        for format in [TraceFormat::Text, TraceFormat::Json, TraceFormat::Mermaid] {
            let out = render(&checked.flow, &message, format, Syntax::Yaml);
            assert!(out.len() < 1_000_000, "{name} {format:?}: {} bytes", out.len());
            if name == "read-headers" && format != TraceFormat::Mermaid {
                assert!(out.contains("Not followed: at least"), "{name} {format:?}");
            }
        }
    }
}

/// Issue 15: where the branch cap cut ways, each finding of the simulation says that it rests
/// on the ways followed; the checks of the model, which the cap does not touch, say nothing of
/// it, and where nothing is cut no finding does.
#[test]
fn findings_of_a_cut_simulation_say_so() {
    use mailflow::rules::simulation_wording::cut_note;
    let notes = |text: &str| {
        let checked = check_yaml(text, &Selection::default());
        let cut = simulated(text).cut;
        let noted =
            |d: &mailflow::diagnostic::Diagnostic| d.related.iter().any(|r| cut > 0 && r.message == cut_note(cut));
        let simulation_rule = |d: &mailflow::diagnostic::Diagnostic| matches!(d.rule.check, Check::Simulation(_));
        let (simulation, model): (Vec<_>, Vec<_>) = checked.diagnostics.iter().partition(|d| simulation_rule(d));
        (
            cut,
            simulation.iter().filter(|d| noted(d)).count(),
            simulation.len(),
            model.iter().filter(|d| noted(d)).count(),
        )
    };
    let (cut, noted, simulation, model_noted) = notes(&shape("read-headers", 10));
    assert!(cut > 0 && simulation > 0, "{cut} ways cut, {simulation} simulation findings");
    assert_eq!((noted, model_noted), (simulation, 0));
    let (cut, noted, simulation, _) = notes(&shape("unknown-headers", 10));
    assert_eq!(cut, 0);
    assert!(simulation > 0);
    assert_eq!(noted, 0);
    let note = cut_note(42);
    assert!(note.contains("at least 42 more ways") && note.contains("rests on the ways followed"), "{note}");
}
