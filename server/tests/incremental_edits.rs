//! The CI twin of the `incremental_edits` fuzz target: an example of either syntax (and the
//! YAML made of constructs whose reading depends on more than their own bytes) opened as a
//! document and edited as the language server edits it, with `didChange` ranges in UTF-16 or
//! UTF-8 columns, some past the end of their line or of the text, and checks at some of the
//! versions. What it holds is in `fuzz/properties/incremental_edits.rs`, which the target
//! compiles too: each check reusing the previous one equals a fresh check.

mod cases;

#[macro_use]
#[path = "../../fuzz/properties/incremental_edits.rs"]
mod property;

server_paths_for_document!();

use mailflow::check::Syntax;
use property::{Encoding, Step};
use proptest::prelude::*;
use proptest::sample::select;

/// The examples of both syntaxes, and `tests/incremental/tricky.mailflow.yaml`.
fn texts() -> Vec<(Syntax, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(root.join("../examples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.push(root.join("tests/incremental/tricky.mailflow.yaml"));
    paths.push(root.join("tests/incremental/one-line.mailflow.yaml"));
    paths.sort();
    paths.iter().map(|path| (Syntax::of_path(path), std::fs::read_to_string(path).unwrap())).collect()
}

/// What a change inserts: nothing, punctuation of both syntaxes, line breaks of each kind,
/// characters of two and four UTF-8 bytes (one and two UTF-16 units), whole lines.
fn insert() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        3 => "[a-z:{}\\[\\]#\"' \\-\\n]{1,8}",
        2 => select(vec![
            "\r\n", "\r", "\n", "\t", "é", "𝄞", "  ", "&a ", "*a", "<<: *a", "- ", ": ", "|+\n", "\\", "stop processing",
        ])
        .prop_map(str::to_owned),
        1 => Just("\n  - name: X\n    priority: 9\n".to_owned()),
        1 => Just("rule \"X\" priority 9 {\n  if sender is inside\n}\n".to_owned()),
    ]
}

/// A step: mostly a range edit at a line and column of a hundred-odd lines (a column past
/// a line's end, a line past the text's), sometimes the whole text, and checks.
fn step() -> impl Strategy<Value = Step> {
    let point = (0u32..120, prop_oneof![0u32..12, 0u32..60, Just(u32::MAX)]);
    let range = (point, 0u32..3, 0u32..40).prop_map(|((line, column), lines, end)| {
        Some(((line, column), (line + lines, if lines == 0 { column.saturating_add(end % 4) } else { end })))
    });
    prop_oneof![
        8 => (range, insert()).prop_map(|(range, text)| Step::Change { range, text }),
        1 => insert().prop_map(|text| Step::Change { range: None, text }),
        3 => Just(Step::Check),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(128), ..ProptestConfig::default() })]
    #[test]
    fn an_edited_document_checks_as_its_text_checks_afresh(
        text in select(texts()),
        utf8 in any::<bool>(),
        steps in prop::collection::vec(step(), 1..10),
    ) {
        let (syntax, text) = text;
        let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        property::holds(&text, syntax, encoding, &steps);
    }
}

/// The fuzz target's form of a record: flags, start line and column, lines to the end, end
/// column, text.
#[test]
fn the_fuzz_input_form() {
    let steps = Step::from_fuzz(&[b"\x01\x02\x01\x05\x00\x07ab", b"\x02", b""]);
    assert!(matches!(&steps[0], Step::Change { range: Some(((258, 5), (258, 7))), text } if text == "ab"));
    assert!(matches!(steps[1], Step::Check));
    assert!(matches!(&steps[2], Step::Change { range: None, text } if text.is_empty()));
    assert!(matches!(&steps[3], Step::Change { range: Some(((0, 0), (0, 0))), text } if text.is_empty()));
    assert_eq!(steps.len(), 4);
}
