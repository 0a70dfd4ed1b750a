//! How long `check` takes on a tenant at Exchange Online's limit of 300 transport rules:
//! checking the whole file, and checking it again after a one-character edit as the
//! language server does (reusing the previous version's trees). Run with
//! `cargo bench -p mailflow --bench check`; prints medians and fastest runs.

use std::fmt::Write;
use std::time::{Duration, Instant};

use mailflow::check::{check_incremental, check_yaml, Reuse, Selection, Syntax};
use mailflow::syntax::TextPoint;

/// A file shaped like a large real tenant: the signature rule, a smart host rule, and
/// 298 ordinary rules with conditions, exceptions, patterns and `other` parameters.
fn three_hundred_rules() -> String {
    let mut text = String::from(
        "mailflow: 1\norganization:\n  name: Contoso\n  domains: [contoso.com, contoso.onmicrosoft.com]\n\
         connectors:\n  - name: CodeTwo Email Signatures 365 connector\n    type: on-premises\n    use: transport-rule\n\
         \x20   smartHosts: [1a2b3c.smtp.codetwo.online]\n    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}\n\
         \x20 - name: Mimecast outbound\n    use: transport-rule\n    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]\n\
         \x20   service: {kind: smart-host, vendor: mimecast, returnsToExchange: false}\n\
         transportRules:\n  - name: CodeTwo Exchange transport rule\n    priority: 0\n    conditions: {senderIs: inside}\n\
         \x20   exceptions:\n      headerContains: {header: X-CodeTwoProcessed, words: [\"true\"]}\n\
         \x20   actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}\n    stopProcessingMoreRules: true\n\
         \x20 - name: Mimecast smart host\n    priority: 1\n    conditions: {senderIs: inside, recipientIs: outside}\n\
         \x20   exceptions:\n      headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}\n\
         \x20   actions:\n      setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}\n      redirectToConnector: Mimecast outbound\n\
         \x20   deferOnError: true\n",
    );
    for i in 2..300 {
        write!(
            text,
            "  # Department {i}\n  - name: \"Department {i} disclaimer\"\n    priority: {i}\n    mode: enforce\n    conditions:\n\
             \x20     senderDomainIs: [dept{i}.contoso.com]\n      recipientAddressMatches: ['^(?!noreply)[^@]+@partner{i}\\.example$']\n\
             \x20     other: {{SubjectContainsWords: [\"invoice {i}\"]}}\n    exceptions:\n      headerMatches: {{header: X-Dept-{i}, patterns: ['^skip']}}\n\
             \x20   actions:\n      other: {{ApplyHtmlDisclaimerText: \"<p>Department {i}</p>\"}}\n    comments: |\n      Added for department {i}.\n"
        )
        .unwrap();
    }
    text
}

fn main() {
    let text = three_hundred_rules();
    let selection = Selection::default();
    // The first check in a process compiles every pattern; later checks of the same text
    // (the language server after an edit, `--fix` rounds) find them compiled.
    let start = Instant::now();
    let checked = check_yaml(&text, &selection);
    let cold = start.elapsed();
    assert_eq!(checked.flow.rules.len(), 300, "the benchmark file must hold 300 rules");
    let runs = 50;
    let times = measure(runs, |_| {
        let start = Instant::now();
        std::hint::black_box(check_yaml(std::hint::black_box(&text), &selection));
        start.elapsed()
    });
    println!(
        "check of 300 rules ({} KiB, {} lines): first check {:.2} ms; then median {:.2} ms, fastest {:.2} ms over {runs} runs",
        text.len() / 1024,
        text.lines().count(),
        cold.as_secs_f64() * 1e3,
        milliseconds(times[runs / 2]),
        milliseconds(times[0]),
    );

    // One character typed at the end of a rule's comment, each time in another rule.
    let mut text = text;
    let (_, mut tree) = check_incremental(&text, Syntax::Yaml, &selection, None);
    let times = measure(runs, |run| {
        let marker = format!("Added for department {}.", 2 + run * 37 % 298);
        let at = text.find(&marker).expect("every department has its comment") + marker.len();
        type_letter(&mut text, &mut tree, at, 'x');
        let start = Instant::now();
        let (checked, next) = check_incremental(&text, Syntax::Yaml, &selection, Some(&tree));
        let elapsed = start.elapsed();
        assert_eq!(checked.flow.rules.len(), 300);
        tree = next;
        elapsed
    });
    println!(
        "check after a one-character edit: median {:.2} ms, fastest {:.2} ms over {runs} edits",
        milliseconds(times[runs / 2]),
        milliseconds(times[0]),
    );

    // A key typed letter by letter on a new line of a rule, as `lsp_latency.py`'s "type a
    // key": most keystrokes leave a line that is not valid YAML yet.
    let typed = "    stopProcessingMoreRules: true";
    let mut times = Vec::new();
    for round in 0..4 {
        let marker = format!("priority: {}\n    mode: enforce", 10 + round * 71);
        let mut at = text.find(&marker).expect("every department has its priority") + marker.len();
        type_letter(&mut text, &mut tree, at, '\n');
        at += 1;
        (_, tree) = check_incremental(&text, Syntax::Yaml, &selection, Some(&tree));
        for letter in typed.chars() {
            type_letter(&mut text, &mut tree, at, letter);
            at += 1;
            let start = Instant::now();
            let (checked, next) = check_incremental(&text, Syntax::Yaml, &selection, Some(&tree));
            times.push(start.elapsed());
            assert_eq!(checked.flow.rules.len(), 300);
            tree = next;
        }
    }
    times.sort();
    println!(
        "check after each keystroke of a key typed on a new line: median {:.2} ms, 95th percentile {:.2} ms over {} keystrokes",
        milliseconds(times[times.len() / 2]),
        milliseconds(times[times.len() * 95 / 100]),
        times.len(),
    );
}

/// Types `letter` at byte `at` of `text`, and tells `tree` of the edit.
fn type_letter(text: &mut String, tree: &mut Reuse, at: usize, letter: char) {
    let point = |text: &str, byte: usize| {
        let before = &text[..byte];
        TextPoint { byte, row: before.matches('\n').count(), column: byte - before.rfind('\n').map_or(0, |i| i + 1) }
    };
    let start = point(text, at);
    text.insert(at, letter);
    tree.edit(start, start, point(text, at + letter.len_utf8()));
}

/// The times of `runs` runs, sorted.
fn measure(runs: usize, mut run: impl FnMut(usize) -> Duration) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs).map(&mut run).collect();
    times.sort();
    times
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
