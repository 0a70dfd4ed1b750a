//! Whatever the text, checking it (in either syntax), formatting it and converting it
//! return an answer: no panic, no hang. Every finding points into the text.

mod cases;

use mailflow::check::{check, Checked, Selection, Syntax};
use mailflow::convert::{blockers, convert, Unwritable};
use mailflow::text::Span;
use proptest::prelude::*;

/// Each example file with its text, in the order of their paths.
fn examples() -> Vec<(std::path::PathBuf, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut examples: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    examples.sort();
    examples
}

/// `span` is a stretch of `text`: in order, inside it, and on character boundaries.
fn assert_within(text: &str, span: Span, what: &str) {
    assert!(span.start <= span.end, "{what}: span {span:?} ends before it starts");
    assert!(span.end <= text.len(), "{what}: span {span:?} ends past the text ({} bytes)", text.len());
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} splits a character"
    );
}

/// Converting `checked` as `mailflow convert` does: a refusal (its blockers, or what the
/// DSL cannot write), each at a place in the text, or the converted text.
fn convert_or_refuse(checked: &Checked, text: &str, to: Syntax) {
    let blocking = blockers(checked);
    for blocker in &blocking {
        assert_within(text, blocker.span, &blocker.value);
    }
    if !blocking.is_empty() {
        return;
    }
    match convert(checked, text, to) {
        Ok(_) => {}
        Err(Unwritable(parts)) => {
            assert!(!parts.is_empty(), "a refusal says what the DSL cannot write");
            for part in &parts {
                assert_within(text, part.span, &part.value);
            }
        }
    }
}

/// Every front-door operation on one text.
fn exercise(text: &str) {
    for syntax in [Syntax::Yaml, Syntax::Dsl] {
        let checked = check(text, syntax, &Selection::default());
        for diagnostic in &checked.diagnostics {
            assert_within(text, diagnostic.span, &diagnostic.message);
            for related in &diagnostic.related {
                assert_within(text, related.span, &related.message);
            }
        }
        let _ = mailflow::ide::document_symbols(&checked);
        let _ = mailflow::ide::hover(&checked, text, text.len() / 2);
        let _ = mailflow::ide::complete(&checked, text, text.len() / 2);
        for to in [Syntax::Yaml, Syntax::Dsl] {
            convert_or_refuse(&checked, text, to);
        }
    }
    let _ = mailflow::format::format_dsl(text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(256), ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn examples_cut_and_spliced(choice in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(), insert in "[\\[\\]{}:#\"'&*!|>\\- \\n\\ta-z0-9]{0,20}") {
        let examples = examples();
        let (_, text) = &examples[choice.index(examples.len())];
        let mut at = cut.index(text.len().max(1));
        while !text.is_char_boundary(at) { at -= 1; }
        let spliced = format!("{}{}{}", &text[..at], insert, &text[at..]);
        exercise(&spliced);
        exercise(&text[..at]);
    }
}

/// Each example, whole, in the syntax its name says and in the other; those that read
/// cleanly convert to a text, so the properties above reach the printers.
#[test]
fn every_example_converts_or_is_refused() {
    let mut converted = 0;
    for (path, text) in examples() {
        let checked = check(&text, Syntax::of_path(&path), &Selection::default());
        if blockers(&checked).is_empty() {
            for to in [Syntax::Yaml, Syntax::Dsl] {
                convert(&checked, &text, to)
                    .unwrap_or_else(|Unwritable(parts)| panic!("{}: {parts:?}", path.display()));
                converted += 1;
            }
        }
        exercise(&text);
    }
    assert!(converted > 0, "no example reached the printers");
}
