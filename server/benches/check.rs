//! The library's part of every figure of the benchmarks, timed inside one process (no process
//! start, no protocol, no client): the files are `benchmarks/generate.py`'s, so the shapes are
//! those of `benchmarks/run.py` and `benchmarks/lsp_latency.py`.
//!
//! - `check`: what `mailflow check` does with one file (a large one read in pieces, every fix
//!   computed), for each shape of `run.py`; the first check of a process (which compiles the
//!   patterns) is a row of its own.
//! - `repository`: 1,000 files of 30 rules checked on every core, as `mailflow check` checks a
//!   folder.
//! - `edit`: a character typed in a rule's disclaimer, checked reusing the version before, as
//!   the language server does, for each editing shape of `lsp_latency.py`.
//! - `folding ranges`: the whole-file request an editor repeats after each edit, on a file
//!   already checked.
//! - `type a key`: a key typed letter by letter on a new line of a rule, most keystrokes
//!   leaving a line that does not parse yet.
//!
//! Run with `cargo bench -p mailflow --bench check [-- --only WORD]` (`--only` keeps the rows
//! whose name holds WORD); it prints each row's median, 95th percentile and fastest run.
//! Needs `python3`, which runs the generator.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mailflow::check::{check, check_incremental, Reuse, Selection, Syntax};
use mailflow::discover;
use mailflow::syntax::TextPoint;

// The binary's allocator (without its option of committing memory as it is used, which
// changes the memory taken, not the time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The shapes and sizes of `benchmarks/run.py`'s `check` rows.
const CHECKED: &[(&str, usize)] = &[
    ("rules-block", 300),
    ("rules-block", 3000),
    ("rules-block", 10000),
    ("rules-json-line", 300),
    ("rules-json-line", 3000),
    ("rules-in-brackets", 3000),
    ("stress", 300),
    ("unknown-headers", 299),
    ("header-exceptions", 299),
    ("suppressions", 3000),
    ("same-names", 3000),
    ("domain-exceptions", 30),
    ("domain-exceptions", 100),
    ("accepted-domains", 10000),
    ("connectors", 5000),
];

/// The editing shapes of `benchmarks/lsp_latency.py`, each at these sizes.
const EDITED: &[&str] = &["rules-block", "rules-block-findings", "rules-flow", "rules-flow-findings"];
const EDITED_SIZES: &[usize] = &[300, 1000, 3000];

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench` to a harness; this one has no use for it.
    args.retain(|arg| arg != "--bench");
    let only = match args.iter().position(|arg| arg == "--only") {
        Some(at) if at + 1 < args.len() => args.remove(at + 1),
        Some(_) => panic!("--only needs a word"),
        None => String::new(),
    };
    let selection = Selection::default();
    println!("{:<60} {:>7} {:>9} {:>9} {:>9}", "what", "runs", "median ms", "p95 ms", "fastest ms");
    let wanted = |name: &str| name.contains(only.as_str());

    let first = "check, first of a process, rules-block, 300";
    if wanted(first) {
        let text = generated("rules-block", 300);
        let start = Instant::now();
        std::hint::black_box(check(&text, Syntax::Yaml, &selection));
        print_row(first, &[start.elapsed()]);
    }
    for &(shape, n) in CHECKED {
        let name = format!("check, {shape}, {n}");
        if !wanted(&name) {
            continue;
        }
        let text = generated(shape, n);
        let times = measure(runs(n, 5, 50), |_| {
            let start = Instant::now();
            std::hint::black_box(check(std::hint::black_box(&text), Syntax::Yaml, &selection));
            start.elapsed()
        });
        print_row(&name, &times);
    }

    let name = "repository, 1000 files of 30 rules, on every core";
    if wanted(name) {
        let folder = tempfile::tempdir().expect("a temporary folder");
        generate(&["repository", "1000", "--into", &folder.path().display().to_string()]);
        let files = discover::find(&[folder.path().to_path_buf()]).files;
        assert_eq!(files.len(), 1000, "the generator writes 1,000 files");
        let times = measure(5, |_| {
            let start = Instant::now();
            std::hint::black_box(discover::check_in_parallel(&files, |path| check_file(path, &selection)));
            start.elapsed()
        });
        print_row(name, &times);
    }

    for &n in EDITED_SIZES {
        for shape in EDITED {
            edits(&format!("edit, {shape}, {n}"), generated(shape, n), Syntax::Yaml, n, &wanted);
        }
    }
    for shape in ["rules-json-line", "rules-json-line-findings"] {
        edits(&format!("edit, {shape}, 300"), generated(shape, 300), Syntax::Yaml, 300, &wanted);
    }
    let name = "edit, DSL (rules-block converted), 300";
    if wanted(name) {
        let yaml = generated("rules-block", 300);
        let dsl = mailflow::convert::convert(&check(&yaml, Syntax::Yaml, &selection), &yaml, Syntax::Dsl)
            .expect("the generated rules have a DSL form");
        edits(name, dsl, Syntax::Dsl, 300, &wanted);
    }

    let name = "folding ranges, rules-block, 3000";
    if wanted(name) {
        let text = generated("rules-block", 3000);
        let checked = check(&text, Syntax::Yaml, &selection);
        let times = measure(20, |_| {
            let start = Instant::now();
            std::hint::black_box(mailflow::ide::folding_ranges(&checked, &text, None));
            start.elapsed()
        });
        print_row(name, &times);
    }

    let name = "type a key on a new line, rules-block, 300";
    if wanted(name) {
        type_a_key(name, generated("rules-block", 300), &selection);
    }
}

/// `check` of one file, as `mailflow check` reads it.
fn check_file(path: &Path, selection: &Selection) -> usize {
    let text = std::fs::read_to_string(path).expect("a generated file");
    check(&text, Syntax::of_path(path), selection).diagnostics.len()
}

/// One-character edits of `text` (`n` rules), each in another rule's disclaimer, each checked
/// reusing the version before; the findings stay the same.
fn edits(name: &str, mut text: String, syntax: Syntax, n: usize, wanted: &dyn Fn(&str) -> bool) {
    if !wanted(name) {
        return;
    }
    let selection = Selection::default();
    let (first, mut reuse) = check_incremental(&text, syntax, &selection, None);
    let findings = first.diagnostics.len();
    let times = measure(runs(n, 20, 100), |run| {
        // Rules 2 to n - 1 say "Department {i}." in their disclaimer.
        let marker = format!("Department {}.", 2 + run * 37 % (n - 2));
        let at = text.find(&marker).expect("every department has its disclaimer") + marker.len() - 1;
        type_letter(&mut text, &mut reuse, at, 'x');
        let start = Instant::now();
        let (checked, next) = check_incremental(&text, syntax, &selection, Some(&reuse));
        let elapsed = start.elapsed();
        assert_eq!(checked.diagnostics.len(), findings, "{name}: an edit of a disclaimer changed the findings");
        reuse = next;
        elapsed
    });
    print_row(name, &times);
}

/// A key typed letter by letter on a new line of a rule, as `lsp_latency.py`'s "type a key".
fn type_a_key(name: &str, mut text: String, selection: &Selection) {
    let typed = "    stopProcessingMoreRules: true";
    let (_, mut reuse) = check_incremental(&text, Syntax::Yaml, selection, None);
    let mut times = Vec::new();
    for round in 0..4 {
        let marker = format!("priority: {}\n    mode: enforce", 10 + round * 71);
        let mut at = text.find(&marker).expect("every department has its priority") + marker.len();
        type_letter(&mut text, &mut reuse, at, '\n');
        at += 1;
        (_, reuse) = check_incremental(&text, Syntax::Yaml, selection, Some(&reuse));
        for letter in typed.chars() {
            type_letter(&mut text, &mut reuse, at, letter);
            at += 1;
            let start = Instant::now();
            let (checked, next) = check_incremental(&text, Syntax::Yaml, selection, Some(&reuse));
            times.push(start.elapsed());
            assert_eq!(checked.flow.rules.len(), 300);
            reuse = next;
        }
    }
    times.sort();
    print_row(name, &times);
}

/// How many runs a shape of `n` rules gets: fewer for larger files, within `least..=most`.
fn runs(n: usize, least: usize, most: usize) -> usize {
    (30_000 / n.max(1)).clamp(least, most)
}

/// The text `benchmarks/generate.py` writes for `shape` and `n`.
fn generated(shape: &str, n: usize) -> String {
    generate(&[shape, &n.to_string()])
}

fn generate(args: &[&str]) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/generate.py");
    let output = Command::new("python3").arg(&script).args(args).output().expect("python3 runs the generator");
    assert!(output.status.success(), "{} {args:?}: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("the generator writes UTF-8")
}

/// Types `letter` at byte `at` of `text`, and tells `reuse` of the edit.
fn type_letter(text: &mut String, reuse: &mut Reuse, at: usize, letter: char) {
    let (start, old_end, new_end) = TextPoint::replace_in(text, at..at, letter.encode_utf8(&mut [0; 4]));
    reuse.edit(start, old_end, new_end);
}

/// The times of `runs` runs, sorted.
fn measure(runs: usize, mut run: impl FnMut(usize) -> Duration) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs).map(&mut run).collect();
    times.sort();
    times
}

/// A row of sorted times: median, 95th percentile (nearest rank) and fastest.
fn print_row(name: &str, times: &[Duration]) {
    let ms = |duration: Duration| duration.as_secs_f64() * 1e3;
    let p95 = times[(times.len() * 95).div_ceil(100).saturating_sub(1)];
    println!(
        "{name:<60} {:>7} {:>9.2} {:>9.2} {:>9.2}",
        times.len(),
        ms(times[times.len() / 2]),
        ms(p95),
        ms(times[0])
    );
}
