//! Whatever the text, checking it (in either syntax), formatting it and converting it
//! return an answer: no panic, no hang.

use mailflow::check::{check, Selection, Syntax};
use proptest::prelude::*;

fn examples() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut texts: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    texts.sort();
    texts
}

/// Every front-door operation on one text.
fn exercise(text: &str) {
    for syntax in [Syntax::Yaml, Syntax::Dsl] {
        let checked = check(text, syntax, &Selection::default());
        for diagnostic in &checked.diagnostics {
            assert!(diagnostic.span.end <= text.len() && text.is_char_boundary(diagnostic.span.start));
        }
        let _ = mailflow::ide::document_symbols(&checked);
        let _ = mailflow::ide::hover(&checked, text, text.len() / 2);
        let _ = mailflow::ide::complete(&checked, text, text.len() / 2);
    }
    let _ = mailflow::format::format_dsl(text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn examples_cut_and_spliced(choice in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(), insert in "[\\[\\]{}:#\"'&*!|>\\- \\n\\ta-z0-9]{0,20}") {
        let examples = examples();
        let text = &examples[choice.index(examples.len())];
        let mut at = cut.index(text.len().max(1));
        while !text.is_char_boundary(at) { at -= 1; }
        let spliced = format!("{}{}{}", &text[..at], insert, &text[at..]);
        exercise(&spliced);
        exercise(&text[..at]);
    }
}
