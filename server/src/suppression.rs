//! Suppression comments: `# mailflow: ignore[MF203, MF403]` on the line of an object's
//! name or on the line just above the object, and `# mailflow: ignore-file[MF013]`
//! anywhere. A suppression that silences nothing is itself reported (MF014).

use crate::diagnostic::Diagnostic;
use crate::rules::{self, mf014_unused_suppression};
use crate::syntax::yaml::Comment;
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
        found.push(Suppression { span: comment.span, reach, codes });
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
