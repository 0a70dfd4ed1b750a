//! Suppression comments: `# mailflow: ignore[MF203, MF403]` on the line of an object's
//! name or on the line just above the object, and `# mailflow: ignore-file[MF013]`
//! anywhere. A suppression that silences nothing is itself reported (MF014). The editor's
//! "Ignore MFxxx" actions write them ([`ignore`]), reading them as the checker does.

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

impl Reach {
    /// Whether this reaches `object` (wherever in it a finding is).
    fn covers(self, object: &ObjectSpans, lines: &LineIndex) -> bool {
        match self {
            Reach::File => true,
            Reach::Object { line } => {
                lines.line_of(object.name.start) == line || lines.line_of(object.item.start) == line + 1
            }
        }
    }
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
/// objects it reaches by where it stands (indices into `objects`). The formatter moves
/// comments, and must keep every suppression reaching what it reached.
pub fn object_reach(comments: &[Comment], objects: &[ObjectSpans], lines: &LineIndex) -> Vec<(Span, Vec<usize>)> {
    parse(comments, lines)
        .into_iter()
        .filter(|suppression| suppression.reach != Reach::File)
        .map(|suppression| {
            let reached = (0..objects.len()).filter(|&i| suppression.reach.covers(&objects[i], lines)).collect();
            (suppression.span, reached)
        })
        .collect()
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
    let applies_to = |reach: Reach, span: Span| match reach {
        Reach::File => true,
        Reach::Object { .. } => objects.iter().any(|object| object.item.contains(span) && reach.covers(object, lines)),
    };
    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let mut silenced = false;
        for (index, suppression) in suppressions.iter().enumerate() {
            if !applies_to(suppression.reach, diagnostic.span) {
                continue;
            }
            for (code_index, (code, _)) in suppression.codes.iter().enumerate() {
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
}
