//! Parsing an edited text with the previous tree gives exactly what parsing it afresh
//! gives, whatever the edits (the language server reuses trees between versions).

use mailflow::syntax::yaml::{parse, parse_incremental};
use mailflow::syntax::TextPoint;
use proptest::prelude::*;

fn point(text: &str, byte: usize) -> TextPoint {
    let before = &text[..byte];
    let row = before.matches('\n').count();
    let column = byte - before.rfind('\n').map_or(0, |i| i + 1);
    TextPoint { byte, row, column }
}

fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/codetwo-mimecast.mailflow.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// An edit as fractions of the text, so that it lands on any text: where, how much to
/// delete, and what to insert.
fn edits() -> impl Strategy<Value = Vec<(f64, f64, String)>> {
    let insert = prop_oneof![
        Just(String::new()),
        "[a-z: \\-\\n\"'#\\[\\]{},]{1,12}",
        Just("\n  - name: X\n    priority: 9\n".to_owned())
    ];
    prop::collection::vec((0.0..1.0f64, 0.0..0.02f64, insert), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn reparsing_with_the_old_tree_equals_parsing_afresh(edits in edits()) {
        let mut text = example();
        let (_, mut tree) = parse_incremental(&text, None);
        for (at, length, insert) in edits {
            let mut start = (at * text.len() as f64) as usize;
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + (length * text.len() as f64) as usize).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            let (start_point, old_end) = (point(&text, start), point(&text, end));
            text.replace_range(start..end, &insert);
            tree.edit(start_point, old_end, point(&text, start + insert.len()));
            let (reparsed, next) = parse_incremental(&text, Some(&tree));
            prop_assert_eq!(&reparsed, &parse(&text), "after editing to:\n{}", text);
            tree = next;
        }
    }
}
