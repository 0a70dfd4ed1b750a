//! Suppression comments: `# mailflow: ignore[MF203, MF403]` on the line of an object's
//! name or on the line just above the object, and `# mailflow: ignore-file[MF013]`
//! anywhere. A suppression that silences nothing is itself reported (MF014). The editor's
//! "Ignore MFxxx" actions write them ([`ignore`]), reading them as the checker does.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Edit, Fix, Subject};
use crate::model::MailFlow;
use crate::rules::{self, mf014_unused_suppression};
use crate::syntax::Comment;
use crate::text::{LineIndex, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// The object whose name is on this 0-based line, or which starts on the next one.
    Object {
        line: usize,
    },
    File,
}

#[derive(Debug)]
struct Suppression {
    /// The comment's span.
    span: Span,
    reach: Reach,
    /// Each code as written, with its span in the comment.
    codes: Vec<(String, Span)>,
    /// The offset of the `]` that closes the list.
    close: usize,
}

/// Reads the suppressions among `comments`.
fn parse(comments: &[Comment], lines: &LineIndex) -> Vec<Suppression> {
    let mut found = Vec::new();
    for comment in comments {
        let body = comment.text.trim_start_matches('#').trim_start();
        let Some(rest) = body.strip_prefix("mailflow:") else { continue };
        let rest_offset = comment.text.len() - rest.len();
        let trimmed = rest.trim_start();
        let (reach, after) = if let Some(after) = trimmed.strip_prefix("ignore-file[") {
            (Reach::File, after)
        } else if let Some(after) = trimmed.strip_prefix("ignore[") {
            (Reach::Object { line: lines.line_of(comment.span.start) }, after)
        } else {
            continue;
        };
        let Some(close) = after.find(']') else { continue };
        let list_start = comment.span.start + rest_offset + (rest.len() - after.len());
        let mut codes = Vec::new();
        let mut offset = 0;
        for part in after[..close].split(',') {
            let code = part.trim();
            let lead = part.len() - part.trim_start().len();
            if !code.is_empty() {
                let start = list_start + offset + lead;
                codes.push((code.to_owned(), Span::new(start, start + code.len())));
            }
            offset += part.len() + 1;
        }
        found.push(Suppression { span: comment.span, reach, codes, close: list_start + close });
    }
    found
}

/// Every code named in a suppression comment, as written, with its span: what hover
/// explains.
pub fn codes(comments: &[Comment], lines: &LineIndex) -> Vec<(String, Span)> {
    parse(comments, lines).into_iter().flat_map(|suppression| suppression.codes).collect()
}

/// Each object suppression (`ignore[…]`) among `comments`, by its comment's span, with the
/// objects it reaches by where it stands (indices into `objects`, in order). The formatter
/// moves comments, and must keep every suppression reaching what it reached.
pub fn object_reach(comments: &[Comment], objects: &[ObjectSpans], lines: &LineIndex) -> Vec<(Span, Vec<usize>)> {
    let by_line = objects_by_line(objects, lines);
    parse(comments, lines)
        .into_iter()
        .filter_map(|suppression| match suppression.reach {
            Reach::Object { line } => Some((suppression.span, by_line.get(&line).cloned().unwrap_or_default())),
            Reach::File => None,
        })
        .collect()
}

/// The objects an object suppression on each line reaches (see [`Reach::Object`]), in
/// order: looked up by line, so that a file with a suppression on every object does not try
/// every object for each.
fn objects_by_line(objects: &[ObjectSpans], lines: &LineIndex) -> HashMap<usize, Vec<usize>> {
    let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
    for (index, object) in objects.iter().enumerate() {
        let name_line = lines.line_of(object.name.start);
        by_line.entry(name_line).or_default().push(index);
        if let Some(above) = lines.line_of(object.item.start).checked_sub(1).filter(|&above| above != name_line) {
            by_line.entry(above).or_default().push(index);
        }
    }
    by_line
}

/// The objects holding a span, found by bisecting the objects by where they start. Objects
/// may overlap (rules read through the same alias share their spans), so each object also
/// knows the furthest end of those starting before it: the search walks back only over
/// objects that may still hold the span.
struct Holders<'a> {
    objects: &'a [ObjectSpans],
    /// Indices into `objects`, by start.
    by_start: Vec<usize>,
    /// For each position in `by_start`, the furthest end of the objects up to it.
    furthest_end: Vec<usize>,
}

impl<'a> Holders<'a> {
    fn new(objects: &'a [ObjectSpans]) -> Self {
        let mut by_start: Vec<usize> = (0..objects.len()).collect();
        by_start.sort_by_key(|&index| objects[index].item.start);
        let furthest_end = by_start
            .iter()
            .scan(0, |furthest, &index| {
                *furthest = objects[index].item.end.max(*furthest);
                Some(*furthest)
            })
            .collect();
        Holders { objects, by_start, furthest_end }
    }

    /// The objects whose item holds `span`.
    fn of(&self, span: Span) -> impl Iterator<Item = usize> + '_ {
        let starting_before = self.by_start.partition_point(|&index| self.objects[index].item.start <= span.start);
        (0..starting_before)
            .rev()
            .take_while(move |&at| self.furthest_end[at] >= span.end)
            .map(|at| self.by_start[at])
            .filter(move |&index| self.objects[index].item.contains(span))
    }
}

/// An object a suppression can name: a connector or a rule.
#[derive(Clone, Copy, Debug)]
pub struct ObjectSpans {
    pub item: Span,
    pub name: Span,
}

/// Drops the diagnostics that a suppression silences and adds MF014 for each suppressed code
/// that silenced nothing. `enabled` says whether a code is selected at all: a suppression of
/// a code that is not checked is not reported as unused.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    comments: &[Comment],
    objects: &[ObjectSpans],
    lines: &LineIndex,
    enabled: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let suppressions = parse(comments, lines);
    if suppressions.is_empty() {
        return diagnostics;
    }
    let mut used = vec![Vec::new(); suppressions.len()];
    for (suppression, used) in suppressions.iter().zip(&mut used) {
        used.resize(suppression.codes.len(), false);
    }
    // Which suppressions reach each object, and which reach the whole file.
    let by_line = objects_by_line(objects, lines);
    let mut reaching = vec![Vec::new(); objects.len()];
    let mut file_wide = Vec::new();
    for (index, suppression) in suppressions.iter().enumerate() {
        match suppression.reach {
            Reach::File => file_wide.push(index),
            Reach::Object { line } => {
                for &object in by_line.get(&line).into_iter().flatten() {
                    reaching[object].push(index);
                }
            }
        }
    }
    let holders = Holders::new(objects);
    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let mut silenced = false;
        let held_by = holders.of(diagnostic.span).flat_map(|object| reaching[object].iter());
        for &index in file_wide.iter().chain(held_by) {
            for (code_index, (code, _)) in suppressions[index].codes.iter().enumerate() {
                if code.eq_ignore_ascii_case(diagnostic.code()) {
                    used[index][code_index] = true;
                    silenced = true;
                }
            }
        }
        if !silenced {
            kept.push(diagnostic);
        }
    }
    for (suppression, used) in suppressions.iter().zip(used) {
        for ((code, span), used) in suppression.codes.iter().zip(used) {
            if used {
                continue;
            }
            match rules::by_code(code) {
                None => kept.push(mf014_unused_suppression::unknown_code(*span, code)),
                Some(rule) if enabled(rule.code) => kept.push(mf014_unused_suppression::unused(*span, rule.code)),
                Some(_) => {}
            }
        }
    }
    kept
}

/// "Ignore MFxxx": the action that suppresses `diagnostic` for the object it is about (its
/// subject, else the innermost rule or connector holding it), or for the file when it is
/// about no object. Never a safe fix: it hides the finding, it does not resolve it.
pub fn ignore(diagnostic: &Diagnostic, flow: &MailFlow, comments: &[Comment], lines: &LineIndex, text: &str) -> Fix {
    let code = diagnostic.code();
    let object = match diagnostic.subject {
        Some(Subject::Rule(i)) => flow.rules.get(i).map(|r| r.span),
        Some(Subject::Connector(i)) => flow.connectors.get(i).map(|c| c.span),
        _ => None,
    }
    .or_else(|| {
        let items = flow.rules.iter().map(|r| r.span).chain(flow.connectors.iter().map(|c| c.span));
        items.filter(|item| item.contains(diagnostic.span)).min_by_key(|item| item.len())
    });
    let (title, edit) = match object {
        Some(item) => (format!("Ignore {code} for this object"), ignore_in_object(text, comments, lines, item, code)),
        None => (format!("Ignore {code} in this file"), ignore_in_file(text, code)),
    };
    Fix { title, safe: false, edits: vec![edit] }
}

/// The edit that adds `code` to the suppression of the object `item`. An object suppression
/// alone on the line just above the object, in any spelling [`apply`] reads, takes one more
/// code: a second comment there would push it away from the object, and what it silenced
/// would come back. Otherwise a new comment goes on a line of its own above the object's
/// first line, indented as that line.
fn ignore_in_object(text: &str, comments: &[Comment], lines: &LineIndex, item: Span, code: &str) -> Edit {
    let line = lines.line_of(item.start);
    let above = line.checked_sub(1).and_then(|above| {
        let own_line =
            |suppression: &Suppression| text[lines.line_start(above)..suppression.span.start].trim().is_empty();
        parse(comments, lines)
            .into_iter()
            .find(|suppression| suppression.reach == Reach::Object { line: above } && own_line(suppression))
    });
    if let Some(suppression) = above {
        let at = suppression.close;
        return Edit { span: Span::new(at, at), replacement: format!(", {code}") };
    }
    let start = lines.line_start(line);
    let indent: String = lines.line_text(text, line).chars().take_while(|c| c.is_whitespace()).collect();
    Edit { span: Span::new(start, start), replacement: format!("{indent}# mailflow: ignore[{code}]{}", newline(text)) }
}

/// The edit that suppresses `code` in the whole file: a comment on a new first line.
fn ignore_in_file(text: &str, code: &str) -> Edit {
    Edit { span: Span::new(0, 0), replacement: format!("# mailflow: ignore-file[{code}]{}", newline(text)) }
}

/// The line break `text` is written with (its first, as the fixes' editors take it).
fn newline(text: &str) -> &'static str {
    crate::text::newline_of(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Selection, Syntax};
    use crate::fixes::apply_fixes;

    /// The MF401 fixture in `syntax`, its smart host rule made not to defer (MF403 too), with
    /// `above` on the lines just above that rule.
    fn smart_host_rule(syntax: Syntax, above: &str) -> String {
        let (text, defer, rule) = match syntax {
            Syntax::Yaml => (
                include_str!("../tests/fixtures/MF401/triggers.mailflow.yaml"),
                "    deferOnError: true\n",
                "  - name: Mimecast smart host\n",
            ),
            Syntax::Dsl => (
                include_str!("../tests/fixtures_dsl/MF401/triggers.mailflow"),
                "  defer on error\n",
                "rule \"Mimecast smart host\"",
            ),
        };
        assert!(text.contains(defer) && text.contains(rule));
        text.replace(defer, "").replace(rule, &format!("{above}{rule}"))
    }

    /// The indentation of the smart host rule's first line.
    fn indent(syntax: Syntax) -> &'static str {
        match syntax {
            Syntax::Yaml => "  ",
            Syntax::Dsl => "",
        }
    }

    fn codes(text: &str, syntax: Syntax) -> Vec<String> {
        check(text, syntax, &Selection::default()).diagnostics.iter().map(|d| d.code().to_owned()).collect()
    }

    /// Ignores `code` as the editor's action does: its fix, and the text it makes.
    fn ignore_in(text: &str, syntax: Syntax, code: &str) -> (Fix, String) {
        let checked = check(text, syntax, &Selection::default());
        let diagnostic = checked.diagnostics.iter().find(|d| d.code() == code).expect(code);
        let fix = ignore(diagnostic, &checked.flow, checked.source.comments(), &checked.lines, text);
        let applied = apply_fixes(text, [&fix]);
        assert_eq!(applied.applied, [0]);
        (fix, applied.text)
    }

    #[test]
    fn a_suppression_written_without_a_space_takes_the_second_code() {
        let text = smart_host_rule(Syntax::Yaml, "  #mailflow: ignore[MF401]\n");
        assert_eq!(codes(&text, Syntax::Yaml), ["MF403"], "the checker reads `#mailflow:`");
        let (fix, edited) = ignore_in(&text, Syntax::Yaml, "MF403");
        assert_eq!(fix.title, "Ignore MF403 for this object");
        assert!(!fix.safe);
        assert_eq!(fix.edits[0].replacement, ", MF403");
        assert!(edited.contains("  #mailflow: ignore[MF401, MF403]\n  - name: Mimecast smart host\n"), "{edited}");
        let after = codes(&edited, Syntax::Yaml);
        for code in ["MF401", "MF403", "MF014"] {
            assert!(!after.contains(&code.to_owned()), "{code} in {after:?}:\n{edited}");
        }
    }

    #[test]
    fn every_spelling_the_checker_reads_takes_the_second_code() {
        let spellings = [
            "# mailflow: ignore[MF401]",
            "#mailflow: ignore[MF401]",
            "# mailflow:ignore[MF401]",
            "##  mailflow:   ignore[ MF401 ]",
            "#\tmailflow: ignore[mf401]",
            "# mailflow: ignore[MF401] because the gateway checks senders",
            "# mailflow: ignore[MF401,MF013]",
        ];
        for syntax in [Syntax::Yaml, Syntax::Dsl] {
            let indent = indent(syntax);
            for spelling in spellings {
                let text = smart_host_rule(syntax, &format!("{indent}{spelling}\n"));
                assert!(!codes(&text, syntax).contains(&"MF401".to_owned()), "{spelling}");
                let (fix, edited) = ignore_in(&text, syntax, "MF403");
                let close = spelling.find(']').unwrap();
                let extended = format!("{indent}{}, MF403{}\n", &spelling[..close], &spelling[close..]);
                assert_eq!(edited, smart_host_rule(syntax, &extended), "{syntax:?} {spelling}");
                assert_eq!(fix.edits.len(), 1);
                let after = codes(&edited, syntax);
                let expected: Vec<String> = if spelling.contains("MF013") { vec!["MF014".into()] } else { vec![] };
                assert_eq!(after, expected, "{syntax:?} {spelling}:\n{edited}");
            }
        }
    }

    #[test]
    fn without_a_suppression_above_a_comment_line_goes_above_the_object() {
        for syntax in [Syntax::Yaml, Syntax::Dsl] {
            let comment = format!("{}# mailflow: ignore[MF401]\n", indent(syntax));
            let text = smart_host_rule(syntax, "");
            let (fix, edited) = ignore_in(&text, syntax, "MF401");
            assert_eq!(fix.edits[0].replacement, comment);
            assert_eq!(edited, smart_host_rule(syntax, &comment));
            assert_eq!(codes(&edited, syntax), ["MF403"]);
            // Written with the text's line breaks.
            let (fix, _) = ignore_in(&text.replace('\n', "\r\n"), syntax, "MF401");
            assert_eq!(fix.edits[0].replacement, comment.replace('\n', "\r\n"));
        }
    }

    #[test]
    fn only_an_object_suppression_alone_on_the_line_above_is_extended() {
        // A file suppression above the object is left as it is.
        let text = smart_host_rule(Syntax::Yaml, "  # mailflow: ignore-file[MF013]\n");
        let (_, edited) = ignore_in(&text, Syntax::Yaml, "MF401");
        let inserted = "  # mailflow: ignore-file[MF013]\n  # mailflow: ignore[MF401]\n  - name: Mimecast smart host";
        assert!(edited.contains(inserted), "{edited}");
        // One at the end of the object before is, to the reader, about that object.
        let rule = "rule \"Mimecast smart host\"";
        let text = smart_host_rule(Syntax::Dsl, "")
            .replace(&format!("}}\n\n{rule}"), &format!("}} # mailflow: ignore[MF202]\n{rule}"));
        let (_, edited) = ignore_in(&text, Syntax::Dsl, "MF401");
        assert!(
            edited.contains(&format!("}} # mailflow: ignore[MF202]\n# mailflow: ignore[MF401]\n{rule}")),
            "{edited}"
        );
    }

    /// A file with a suppression on many of its objects: each reaches its own object, by the
    /// line above it or the line of its name, and no other; an object between two suppressed
    /// ones keeps its finding, and a suppression on no object's line silences nothing.
    #[test]
    fn each_of_many_suppressions_reaches_its_own_object() {
        let mut text = "mailflow: 1\ntransportRules:\n".to_owned();
        for i in 0..60 {
            let above = if i % 3 == 0 { "  # mailflow: ignore[MF010]\n" } else { "" };
            let name = if i % 3 == 1 { format!("R{i}  # mailflow: ignore[mf010]") } else { format!("R{i}") };
            text.push_str(&format!(
                "{above}  - name: {name}\n    priority: {i}\n    conditions: {{senderIs: inside}}\n\n    \
                 # mailflow: ignore[MF010]\n\n    actions: {{setHeader: {{name: 'X-{i}:', value: v}}}}\n"
            ));
        }
        let checked = check(&text, Syntax::Yaml, &Selection::default());
        let found = |code: &str| -> Vec<String> {
            let rules = checked.diagnostics.iter().filter(|d| d.code() == code).map(|d| {
                let rule = checked.flow.rules.iter().find(|r| r.span.contains(d.span)).expect("in a rule");
                rule.name.as_ref().expect("named").value.clone()
            });
            rules.collect()
        };
        let unsuppressed: Vec<String> = (0..60).filter(|i| i % 3 == 2).map(|i| format!("R{i}")).collect();
        assert_eq!(found("MF010"), unsuppressed);
        // The one inside each rule, on no object's line, is unused: 60 of them.
        assert_eq!(checked.diagnostics.iter().filter(|d| d.code() == "MF014").count(), 60);
    }

    /// The objects holding a span, when objects overlap (rules read through one alias share
    /// their spans) or nest.
    #[test]
    fn the_holders_of_a_span_are_every_object_around_it() {
        let object =
            |start: usize, end: usize| ObjectSpans { item: Span::new(start, end), name: Span::new(start, start) };
        let objects = [object(200, 300), object(0, 100), object(10, 20), object(0, 100), object(100, 150)];
        let holders = Holders::new(&objects);
        let of = |start, end| {
            let mut found: Vec<usize> = holders.of(Span::new(start, end)).collect();
            found.sort();
            found
        };
        assert_eq!(of(15, 16), [1, 2, 3]);
        assert_eq!(of(30, 100), [1, 3]);
        assert_eq!(of(100, 100), [1, 3, 4]);
        assert_eq!(of(90, 120), Vec::<usize>::new());
        assert_eq!(of(250, 250), [0]);
        assert_eq!(of(300, 301), Vec::<usize>::new());
    }
}
