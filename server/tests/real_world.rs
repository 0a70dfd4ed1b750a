//! The real-world corpus. Every `tests/real_world/<name>.mailflow.yaml` translates a setup
//! that a vendor (or Microsoft) describes in its own public script, knowledge-base article or
//! documentation, working or broken, and opens with a header saying what that source says
//! and what the checker must therefore report:
//!
//! ```text
//! # source: <title>, <publisher>[, <URL>]
//! # says: <what the source says the setup does, or what goes wrong>
//! # works: yes|no
//! # must: <codes that must be reported> | none
//! # must-not: <codes that must not be reported> | none
//! # allowed: <warning or hint codes the source does not contradict> | none
//! #   MF403: <why this code is allowed, one line per allowed code>
//! ```
//!
//! Each file is checked, and so is its DSL twin `<name>.mailflow` (same mail flow, written
//! with `mailflow convert`), against the same header: every `must` code is reported, no
//! `must-not` code is, and a setup that works reports no error or warning outside `allowed`.
//! The expectations come from the sources and the diagnostic catalogue, never from the
//! tool's output: a failure here means the tool or the translation is wrong.

use mailflow::check::{check, Selection, Syntax};
use mailflow::diagnostic::Severity;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a file's header says.
#[derive(Debug)]
struct Expectation {
    works: bool,
    must: BTreeSet<String>,
    must_not: BTreeSet<String>,
    allowed: BTreeSet<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_world")
}

/// The corpus's YAML files, sorted by name.
fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/real_world exists")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".mailflow.yaml")))
        .collect();
    files.sort();
    files
}

fn known_codes() -> BTreeSet<&'static str> {
    mailflow::rules::ALL.iter().map(|rule| rule.code).collect()
}

/// A list of codes (`MF` and three digits), or `none`. Whether the catalogue has them is
/// checked apart (see [`unknown_codes`]), so that a file naming a code still being added is
/// checked for everything else.
fn parse_codes(field: &str, value: &str) -> Result<BTreeSet<String>, String> {
    let value = value.trim();
    if value == "none" {
        return Ok(BTreeSet::new());
    }
    if value.is_empty() {
        return Err(format!("`{field}:` is empty (write `none`)"));
    }
    let mut codes = BTreeSet::new();
    for code in value.split_whitespace() {
        let digits = code.strip_prefix("MF").unwrap_or_default();
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{field}:` names `{code}`, which is not a code (`MF` and three digits)"));
        }
        if !codes.insert(code.to_owned()) {
            return Err(format!("`{field}:` names `{code}` twice"));
        }
    }
    Ok(codes)
}

/// Reads the header: the six fields in order, each on one comment line, then one reason line
/// per allowed code.
fn parse_header(text: &str) -> Result<Expectation, String> {
    let mut lines = text.lines();
    let mut field = |name: &str| -> Result<String, String> {
        let line = lines.next().ok_or_else(|| format!("the header ends before `# {name}:`"))?;
        let value = line
            .strip_prefix(&format!("# {name}:"))
            .ok_or_else(|| format!("expected `# {name}: ...`, found `{line}`"))?
            .trim();
        if value.is_empty() {
            return Err(format!("`# {name}:` is empty"));
        }
        Ok(value.to_owned())
    };
    let source = field("source")?;
    if source.split(", ").count() < 2 {
        return Err(format!("`# source:` should read `<title>, <publisher>[, <URL>]`, found `{source}`"));
    }
    field("says")?;
    let works = match field("works")?.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(format!("`# works:` is `yes` or `no`, found `{other}`")),
    };
    let must = parse_codes("must", &field("must")?)?;
    let must_not = parse_codes("must-not", &field("must-not")?)?;
    let allowed = parse_codes("allowed", &field("allowed")?)?;

    // One reason line per allowed code, `#   MF403: why`, right below.
    let mut reasons = BTreeSet::new();
    for line in lines {
        let Some(reason) = line.strip_prefix("#   ") else { break };
        let Some((code, why)) = reason.split_once(':') else { break };
        if !allowed.contains(code.trim()) {
            return Err(format!("a reason is given for `{}`, which `allowed:` does not name", code.trim()));
        }
        if why.trim().is_empty() {
            return Err(format!("the reason for `{}` is empty", code.trim()));
        }
        reasons.insert(code.trim().to_owned());
    }
    if let Some(missing) = allowed.iter().find(|code| !reasons.contains(*code)) {
        return Err(format!("`allowed:` names `{missing}` without a `#   {missing}: <reason>` line"));
    }

    if works && !must.is_empty() {
        return Err("a setup that works has `must: none`".to_owned());
    }
    if !works && must.is_empty() {
        return Err("a broken setup must name the codes it reports".to_owned());
    }
    if let Some(code) = must.intersection(&must_not).next() {
        return Err(format!("`{code}` is both in `must:` and in `must-not:`"));
    }
    if let Some(code) = allowed.intersection(&must_not).next() {
        return Err(format!("`{code}` is both in `allowed:` and in `must-not:`"));
    }
    Ok(Expectation { works, must, must_not, allowed })
}

/// The codes a header names that the catalogue does not have: a typo, or a code not
/// implemented yet. Either way the file's expectations cannot all be met.
fn unknown_codes(expected: &Expectation) -> Vec<&str> {
    let known = known_codes();
    let named = expected.must.iter().chain(&expected.must_not).chain(&expected.allowed);
    named.map(String::as_str).filter(|code| !known.contains(code)).collect()
}

/// Checks `text` against `expected`; returns what is wrong, with the diagnostics, or nothing.
fn verify(path: &Path, text: &str, syntax: Syntax, expected: &Expectation) -> Option<String> {
    let checked = check(text, syntax, &Selection::default());
    let reported: BTreeSet<&str> = checked.diagnostics.iter().map(|d| d.code()).collect();
    let mut problems = Vec::new();
    for code in &expected.must {
        if !reported.contains(code.as_str()) {
            problems.push(format!("must report {code}, does not"));
        }
    }
    for code in &expected.must_not {
        if reported.contains(code.as_str()) {
            problems.push(format!("must not report {code}, does"));
        }
    }
    if expected.works {
        let unexpected: BTreeSet<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity() >= Severity::Warning && !expected.allowed.contains(d.code()))
            .map(|d| d.code())
            .collect();
        for code in unexpected {
            problems.push(format!("works, but reports {code}, which `allowed:` does not name"));
        }
    }
    if problems.is_empty() {
        return None;
    }
    let mut report = format!("{}:\n", path.display());
    for problem in problems {
        report.push_str(&format!("  - {problem}\n"));
    }
    report.push_str("  reported:\n");
    if checked.diagnostics.is_empty() {
        report.push_str("    (no diagnostics)\n");
    }
    for diagnostic in &checked.diagnostics {
        let at = checked.lines.position(text, diagnostic.span.start);
        report.push_str(&format!(
            "    {}:{} {} {} {}\n",
            at.line,
            at.column,
            diagnostic.code(),
            diagnostic.severity().as_str(),
            diagnostic.message
        ));
    }
    Some(report)
}

#[test]
fn real_world_setups_get_the_findings_their_sources_describe() {
    let files = corpus_files();
    let mut failures = Vec::new();
    let (mut working, mut broken) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let expected = match parse_header(&text) {
            Ok(expected) => expected,
            Err(problem) => {
                failures.push(format!("{}: bad header: {problem}\n", path.display()));
                continue;
            }
        };
        let unknown = unknown_codes(&expected);
        if !unknown.is_empty() {
            failures.push(format!(
                "{}: the header names {}, which the catalogue does not have\n",
                path.display(),
                unknown.join(" ")
            ));
        }
        if expected.works {
            working += 1;
        } else {
            broken += 1;
        }
        failures.extend(verify(path, &text, Syntax::Yaml, &expected));

        // The DSL twin says the same thing and must get the same verdict.
        let name = path.file_name().unwrap().to_str().unwrap();
        let twin = path.with_file_name(name.trim_end_matches(".yaml"));
        match std::fs::read_to_string(&twin) {
            Ok(dsl) => failures.extend(verify(&twin, &dsl, Syntax::Dsl, &expected)),
            Err(_) => failures.push(format!(
                "{}: no DSL twin; write it with `cargo run -p mailflow -- convert server/tests/real_world/{name} \
                 --to dsl --output server/tests/real_world/{}`\n",
                path.display(),
                twin.file_name().unwrap().to_str().unwrap()
            )),
        }
    }
    if files.len() < 12 || working < 8 || broken < 4 {
        failures.push(format!(
            "the corpus has {} files ({working} working, {broken} broken with a readable header); \
             expected at least 12, 8 working and 4 broken\n",
            files.len()
        ));
    }
    assert!(failures.is_empty(), "{} problem(s) in the real-world corpus:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn headers_are_read_strictly() {
    let good = "# source: A title, A publisher, https://example.com/page\n\
                # says: what the source says\n\
                # works: yes\n\
                # must: none\n\
                # must-not: MF101 MF306\n\
                # allowed: MF403\n\
                #   MF403: the vendor's rule does not defer on error\n\
                \n\
                mailflow: 1\n";
    let expected = parse_header(good).unwrap();
    assert!(expected.works);
    assert!(expected.must.is_empty());
    assert_eq!(expected.must_not.iter().map(String::as_str).collect::<Vec<_>>(), ["MF101", "MF306"]);
    assert_eq!(expected.allowed.iter().map(String::as_str).collect::<Vec<_>>(), ["MF403"]);

    let without_reason = good.replace("#   MF403: the vendor's rule does not defer on error\n", "");
    assert!(parse_header(&without_reason).unwrap_err().contains("MF403"));
    let not_a_code = good.replace("MF101 MF306", "MF101 MF3O6");
    assert!(parse_header(&not_a_code).unwrap_err().contains("MF3O6"));
    let unknown_code = parse_header(&good.replace("MF101 MF306", "MF101 MF999")).unwrap();
    assert_eq!(unknown_codes(&unknown_code), ["MF999"]);
    let working_with_must = good.replace("# must: none", "# must: MF201");
    assert!(parse_header(&working_with_must).is_err());
    let out_of_order = good.replace("# works: yes\n# must: none\n", "# must: none\n# works: yes\n");
    assert!(parse_header(&out_of_order).is_err());
    let broken_without_must = good.replace("# works: yes", "# works: no");
    assert!(parse_header(&broken_without_must).is_err());
}
