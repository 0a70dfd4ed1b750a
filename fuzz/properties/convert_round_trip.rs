//! What the `convert_round_trip` target holds of a text that `mailflow convert` converts
//! (it checks without MF001-MF004, and the other syntax can write it):
//!
//! - the converted text reads without MF001-MF004 and, in the DSL, is laid out as
//!   `mailflow fmt` lays it out;
//! - it reads as the same model (compared as the DSL prints a model without comments: no
//!   spans, and an explicit `false` of `stopProcessingMoreRules` or `deferOnError` as the
//!   default it is), and reports the same codes on each object (each rule and connector by
//!   name, by the lines a finding starts on; the rest as the file's);
//! - converting back and again reproduces the first conversion, and the way back too:
//!   YAML → DSL → YAML → DSL gives the DSL text of the first step, and the YAML of the
//!   second step again after it (and the same from the DSL).
//!
//! Its CI twin is `server/tests/convert_round_trip.rs`, beside what `server/tests/convert.rs`
//! asserts of the repository's files.

use std::collections::BTreeMap;

use mailflow::check::{check, Checked, Selection, Syntax};
use mailflow::convert::{blockers, convert, to_dsl, Attached};
use mailflow::format::format_dsl;

fn other(syntax: Syntax) -> Syntax {
    match syntax {
        Syntax::Yaml => Syntax::Dsl,
        Syntax::Dsl => Syntax::Yaml,
    }
}

/// The model of a check as comparable text.
fn model(checked: &Checked) -> String {
    to_dsl(&checked.flow, &Attached::default()).unwrap_or_else(|e| panic!("the model of a converted text: {e:?}"))
}

/// Each object's codes, sorted, by the object's kind and name: a finding is an object's when
/// it starts on the object's lines (a comment on the last line of an object, after its `}`
/// in the DSL, is the object's as it is in YAML); what lies in none is the file's. A YAML
/// list item's node runs on over the blank and comment lines after it, up to the next item:
/// of those, the comments indented less than its keys are about what follows, not the
/// object's (as a conversion reads them).
fn codes(checked: &Checked, text: &str) -> BTreeMap<String, Vec<&'static str>> {
    let line = |offset: usize| checked.lines.line_of(offset);
    let lines = |span: mailflow::text::Span| {
        let first = line(span.start);
        let column = span.start - checked.lines.line_start(first);
        let mut last = line(span.end.max(span.start + 1) - 1);
        while last > first {
            let content = checked.lines.line_text(text, last);
            let written = content.trim_start();
            let about_what_follows = written.starts_with('#') && content.len() - written.len() < column;
            if !(written.is_empty() || about_what_follows) {
                break;
            }
            last -= 1;
        }
        first..=last
    };
    let mut found: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for diagnostic in &checked.diagnostics {
        let on = |span| lines(span).contains(&line(diagnostic.span.start));
        let object = match checked.flow.rules.iter().find(|r| on(r.span)) {
            Some(rule) => format!("rule {:?}", rule.name()),
            None => match checked.flow.connectors.iter().find(|c| on(c.span)) {
                Some(connector) => format!("connector {:?}", connector.name()),
                None => "the file".to_owned(),
            },
        };
        found.entry(object).or_default().push(diagnostic.code());
    }
    found.values_mut().for_each(|codes| codes.sort_unstable());
    found
}

/// A converted text, checked: it must read without MF001-MF004 and, in the DSL, be
/// formatted.
fn reread(text: &str, syntax: Syntax, context: &str) -> Checked {
    if syntax == Syntax::Dsl {
        let formatted = format_dsl(text).ok();
        assert!(formatted.as_deref() == Some(text), "{context}: `mailflow fmt` changes the converted text:\n{text}");
    }
    let checked = check(text, syntax, &Selection::default());
    let blocking = blockers(&checked);
    assert!(blocking.is_empty(), "{context}: the converted text has errors {blocking:?}:\n{text}");
    checked
}

/// `checked` (of `text`) converted to `to`; a conversion of a converted text is never
/// refused.
fn converted(checked: &Checked, text: &str, to: Syntax, context: &str) -> String {
    convert(checked, text, to)
        .unwrap_or_else(|e| panic!("{context}: a converted text cannot be converted: {e:?}\n{text}"))
}

/// Holds a text of `syntax` to the properties above; says whether it was converted (not
/// refused, as a text with errors or with what the other syntax cannot write is).
pub fn holds(text: &str, syntax: Syntax) -> bool {
    let source = check(text, syntax, &Selection::default());
    if !blockers(&source).is_empty() {
        return false;
    }
    let Ok(first) = convert(&source, text, other(syntax)) else { return false };
    let (model_before, codes_before) = (model(&source), codes(&source, text));
    let first_checked = reread(&first, other(syntax), "the first conversion");
    let back = converted(&first_checked, &first, syntax, "the first conversion");
    let back_checked = reread(&back, syntax, "the way back");
    let second = converted(&back_checked, &back, other(syntax), "the way back");
    let back_again = converted(&reread(&second, other(syntax), "the second conversion"), &second, syntax, "again");
    for (step, checked, text) in
        [("the first conversion", &first_checked, &first), ("the way back", &back_checked, &back)]
    {
        assert_eq!(model(checked), model_before, "{step} reads as another model");
        assert_eq!(codes(checked, text), codes_before, "{step} reports other codes on its objects");
    }
    assert_eq!(second, first, "converting back and again gives another text than the first conversion");
    assert_eq!(back_again, back, "converting again and back gives another text than the way back");
    true
}
