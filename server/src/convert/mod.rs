//! Converting a mail flow between its two syntaxes, YAML and the DSL.
//!
//! The printers write the model, not the source text: each has one canonical layout, so a
//! converted file looks the same whatever the layout of the original, and what the model
//! does not keep (quoting, key order, YAML anchors) is not carried over. Comments are not in
//! the model either; [`Attached`] takes them from the source and the printers put them back
//! beside the objects they were written beside.
//!
//! A file is converted only when it reads without errors MF001–MF004: each means the model
//! lacks something the file says (a broken line, an unknown key, a value that is not
//! allowed, a missing key), which a conversion would silently drop.

mod comments;
mod dsl;
mod yaml;

pub use comments::Attached;
pub use dsl::{to_dsl, Unwritable};
pub use yaml::to_yaml;

use crate::check::{Checked, Syntax};
use crate::rules::{mf001_syntax_error, mf002_unknown_key, mf003_invalid_value, mf004_missing_key};
use crate::text::{Span, Spanned};
use comments::Placement;

/// The codes of findings about what the model could not read.
const BLOCKING: [&str; 4] = [
    mf001_syntax_error::RULE.code,
    mf002_unknown_key::RULE.code,
    mf003_invalid_value::RULE.code,
    mf004_missing_key::RULE.code,
];

/// What keeps a checked file from being converted faithfully, each at its place: its
/// findings MF001–MF004, and the ignore comments that name one of those codes (a silenced
/// error still leaves its content out of the model).
pub fn blockers(checked: &Checked) -> Vec<Spanned<String>> {
    let findings = checked
        .diagnostics
        .iter()
        .filter(|d| BLOCKING.contains(&d.code()))
        .map(|d| Spanned::new(format!("{} {}", d.code(), d.message), d.span));
    let silenced = crate::suppression::codes(checked.source.comments(), &checked.lines)
        .into_iter()
        .filter(|(code, _)| BLOCKING.iter().any(|blocking| blocking.eq_ignore_ascii_case(code)))
        .map(|(code, span)| {
            Spanned::new(format!("this comment silences {code}, whose content a conversion would lose"), span)
        });
    let mut blockers: Vec<Spanned<String>> = findings.chain(silenced).collect();
    blockers.sort_by_key(|b| b.span);
    blockers
}

/// `checked` (the check of `text`, which has no [`blockers`]) written in `to`'s syntax.
pub fn convert(checked: &Checked, text: &str, to: Syntax) -> Result<String, Unwritable> {
    let comments = Attached::from(checked, text);
    match to {
        Syntax::Yaml => Ok(to_yaml(&checked.flow, &comments)),
        Syntax::Dsl => to_dsl(&checked.flow, &comments),
    }
}

/// `flow`, a model read from elsewhere (an import), written in `to`'s syntax below the
/// comment lines `header` (each from its `#`).
pub fn print(flow: &crate::model::MailFlow, header: Vec<String>, to: Syntax) -> Result<String, Unwritable> {
    let comments = Attached::header(header);
    match to {
        Syntax::Yaml => Ok(to_yaml(flow, &comments)),
        Syntax::Dsl => to_dsl(flow, &comments),
    }
}

/// One line of an object's body.
struct Line {
    /// Levels of nesting in the body.
    depth: usize,
    text: String,
    /// The spans of the model values it prints, to put the comments written beside those
    /// values beside it (see [`Attached::place`]).
    anchors: Vec<Span>,
}

/// The lines of an object's body.
#[derive(Default)]
struct Lines(Vec<Line>);

impl Lines {
    fn push(&mut self, text: impl Into<String>, anchors: impl IntoIterator<Item = Span>) {
        self.0.push(Line { depth: 0, text: text.into(), anchors: anchors.into_iter().collect() });
    }

    /// `body`, one level deeper than the lines around it.
    fn nest(&mut self, body: Lines) {
        self.0.extend(body.0.into_iter().map(|line| Line { depth: line.depth + 1, ..line }));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn anchors(&self) -> Vec<Vec<Span>> {
        self.0.iter().map(|line| line.anchors.clone()).collect()
    }
}

/// Indentation per level of nesting, in both syntaxes.
const STEP: usize = 2;

/// A printed file, line by line.
struct Output {
    text: String,
    /// What separates a comment from the code it ends a line of.
    comment_gap: &'static str,
}

impl Output {
    fn new(comment_gap: &'static str) -> Output {
        Output { text: String::new(), comment_gap }
    }

    fn line(&mut self, indent: usize, text: &str) {
        self.ended_line(indent, text, None);
    }

    /// A line of code, with the comment that ends it, if any.
    fn ended_line(&mut self, indent: usize, text: &str, comment: Option<&str>) {
        self.text.extend(std::iter::repeat_n(' ', indent));
        self.text.push_str(text);
        if let Some(comment) = comment {
            self.text.push_str(self.comment_gap);
            self.text.push_str(comment);
        }
        self.text.push('\n');
    }

    /// Comment lines; an empty one is a blank line.
    fn comments(&mut self, indent: usize, lines: &[String]) {
        for line in lines {
            match line.as_str() {
                "" => self.text.push('\n'),
                comment => self.line(indent, comment),
            }
        }
    }

    /// A blank line before what follows, unless it is the first thing in the file.
    fn separate(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
    }

    /// The lines of a body from the `from`th on, one level deeper than `indent`, with the
    /// comments `placement` puts among them (and after the last one).
    fn body(&mut self, indent: usize, lines: &Lines, placement: &Placement, from: usize) {
        for (index, line) in lines.0.iter().enumerate().skip(from) {
            let indent = indent + STEP * (line.depth + 1);
            self.comments(indent, &placement.above[index]);
            self.ended_line(indent, &line.text, placement.trailing[index].as_deref());
        }
        self.comments(indent + STEP, &placement.end);
    }
}

/// The spans of some values, for the line that prints them.
fn spans<'a, I>(values: I) -> impl Iterator<Item = Span> + 'a
where
    I: IntoIterator<Item = &'a Spanned<String>>,
    I::IntoIter: 'a,
{
    values.into_iter().map(|v| v.span)
}
