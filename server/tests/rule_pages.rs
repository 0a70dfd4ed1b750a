//! Every rule's documentation page is executed. A page (`RuleMeta::doc`, printed by
//! `mailflow explain` and shown on hover) has a section `## Example` and a section
//! `## Fixed`; the Example must produce the rule's code and the Fixed example must not.
//!
//! The convention the pages follow, and this test enforces: each of the two sections holds
//! exactly one fenced code block, tagged `yaml`, and that block is a whole mail-flow file
//! (starting with `mailflow: 1`, or whatever the page is about), checked as it stands with
//! `check(text, Syntax::Yaml, &Selection::default())`: no prelude is added and nothing is
//! left out, so a reader can paste the block into a file and see what the page says. A
//! section runs from its heading to the next `## ` heading.
//!
//! A rule that reads a real message's headers (`Check::Headers`, MF501-MF506) is shown the
//! same way with what `mailflow headers` reads: a `text` block of headers, and a `yaml` block
//! (the tenant's file, as `--config`) where the rule compares the two.
//!
//! There is no skip list: a rule whose page cannot show its finding this way would have to
//! be named in [`NOT_EXECUTABLE`] with the reason, and an entry there that the test finds
//! executable after all makes it fail.

use mailflow::check::{check, Selection, Syntax};
use mailflow::rules::{RuleMeta, ALL};

/// Rules whose page cannot be executed, each with the reason. None today: even MF001 (a
/// syntax error) and MF014 (a suppression that suppresses nothing) show their finding in a
/// whole file.
const NOT_EXECUTABLE: &[(&str, &str)] = &[];

/// The text of the section under `heading` (a `## ` line), up to the next `## ` heading.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.lines().position(|line| line.trim_end() == heading)?;
    let lines: Vec<&str> = doc.lines().skip(start + 1).take_while(|line| !line.starts_with("## ")).collect();
    let first = lines.first()?;
    let from = first.as_ptr() as usize - doc.as_ptr() as usize;
    let last = lines.last()?;
    let to = last.as_ptr() as usize - doc.as_ptr() as usize + last.len();
    Some(&doc[from..to])
}

/// The fenced code blocks of `text`: each block's info string (`yaml`) and its contents,
/// each line ending in a line break.
fn code_blocks(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(rest)) if rest.trim().is_empty() => blocks.extend(open.take()),
            (Some(_), Some(_)) => return Err(format!("a fence opens inside a block: `{line}`")),
            (Some((_, contents)), None) => {
                contents.push_str(line);
                contents.push('\n');
            }
            (None, None) => {}
        }
    }
    match open {
        Some((info, _)) => Err(format!("the `{info}` block is never closed")),
        None => Ok(blocks),
    }
}

/// The one whole YAML file under `heading` on `rule`'s page.
fn example(rule: &RuleMeta, heading: &str) -> Result<String, String> {
    let text = section(rule.doc, heading).ok_or_else(|| format!("no `{heading}` section"))?;
    let mut blocks = code_blocks(text).map_err(|e| format!("under `{heading}`: {e}"))?;
    match blocks.as_slice() {
        [(info, _)] if info == "yaml" => Ok(blocks.remove(0).1),
        [(info, _)] => Err(format!("the block under `{heading}` is tagged `{info}`, not `yaml`")),
        _ => Err(format!("`{heading}` holds {} code blocks, not one", blocks.len())),
    }
}

/// The codes and messages `text` produces, one a line.
fn findings(text: &str) -> (Vec<&'static str>, String) {
    let checked = check(text, Syntax::Yaml, &Selection::default());
    let codes = checked.diagnostics.iter().map(|d| d.code()).collect();
    let listing = checked.diagnostics.iter().map(|d| format!("    {} {}\n", d.code(), d.message)).collect();
    (codes, listing)
}

/// The codes and messages a header rule's section produces: its `text` block is a message's
/// headers, read by `mailflow headers`, with its `yaml` block, when it has one, as `--config`.
fn header_findings(rule: &RuleMeta, heading: &str) -> Result<(Vec<&'static str>, String), String> {
    let text = section(rule.doc, heading).ok_or_else(|| format!("no `{heading}` section"))?;
    let blocks = code_blocks(text).map_err(|e| format!("under `{heading}`: {e}"))?;
    let headers =
        blocks.iter().find(|(info, _)| info == "text").ok_or_else(|| format!("no `text` block under `{heading}`"))?;
    let config = blocks
        .iter()
        .find(|(info, _)| info == "yaml")
        .map(|(_, file)| check(file, Syntax::Yaml, &Selection::default()));
    let report =
        mailflow::headers::analyse(&headers.1, config.as_ref()).map_err(|e| format!("under `{heading}`: {e}"))?;
    let codes = report.findings.iter().map(|d| d.code()).collect();
    let listing = report.findings.iter().map(|d| format!("    {} {}\n", d.code(), d.message)).collect();
    Ok((codes, listing))
}

/// What is wrong with `rule`'s page, if anything.
fn page_problems(rule: &RuleMeta) -> Vec<String> {
    let mut problems = Vec::new();
    if matches!(rule.check, mailflow::rules::Check::Headers) {
        for (heading, must_report) in [("## Example", true), ("## Fixed", false)] {
            match header_findings(rule, heading) {
                Err(problem) => problems.push(problem),
                Ok((codes, listing)) if codes.contains(&rule.code) != must_report => {
                    let verb = if must_report { "does not report" } else { "reports" };
                    let found = if listing.is_empty() { "    (no findings)\n".to_owned() } else { listing };
                    problems.push(format!("the headers under `{heading}` {verb} {}; they report:\n{found}", rule.code));
                }
                Ok(_) => {}
            }
        }
        return problems;
    }
    for (heading, must_report) in [("## Example", true), ("## Fixed", false)] {
        let text = match example(rule, heading) {
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let (codes, listing) = findings(&text);
        if codes.contains(&rule.code) != must_report {
            let verb = if must_report { "does not report" } else { "reports" };
            let found = if listing.is_empty() { "    (no diagnostics)\n".to_owned() } else { listing };
            problems.push(format!("the block under `{heading}` {verb} {}; it reports:\n{found}", rule.code));
        }
    }
    problems
}

#[test]
fn every_page_example_produces_its_code_and_its_fix_does_not() {
    let mut failures = Vec::new();
    for rule in ALL {
        if NOT_EXECUTABLE.iter().any(|(code, _)| *code == rule.code) {
            continue;
        }
        for problem in page_problems(rule) {
            failures.push(format!("{} {}: {problem}", rule.code, rule.name));
        }
    }
    assert!(failures.is_empty(), "rule pages that do not show what they say:\n{}", failures.join("\n"));
}

/// Every rule named as not executable exists, has a reason, and really cannot be shown.
#[test]
fn the_rules_named_not_executable_are_so() {
    for (code, reason) in NOT_EXECUTABLE {
        let rule = mailflow::rules::by_code(code).unwrap_or_else(|| panic!("{code} is not a rule"));
        assert!(!reason.trim().is_empty(), "{code} is named without a reason");
        assert!(
            !page_problems(rule).is_empty(),
            "{code}'s page is executable after all: remove it from NOT_EXECUTABLE"
        );
    }
}

#[test]
fn sections_and_blocks_are_read_as_the_pages_write_them() {
    let doc =
        "# MF000 x\n\n## Example\nText.\n```yaml\na: 1\n```\n\n## Fixed\n```yaml\nb: 2\n```\n## Fix safety\nNone.\n";
    let sections: Vec<_> = ["## Example", "## Fixed"].iter().map(|h| code_blocks(section(doc, h).unwrap())).collect();
    let expected = |contents: &str| Ok(vec![("yaml".to_owned(), contents.to_owned())]);
    assert_eq!(sections, [expected("a: 1\n"), expected("b: 2\n")]);
    assert!(section(doc, "## Missing").is_none());
    assert!(code_blocks("```yaml\na: 1\n").is_err());
}
