//! Parsing an edited text with the previous tree gives exactly what parsing it afresh
//! gives, whatever the edits (the language server reuses trees between versions).

use mailflow::syntax::yaml::YamlFile;
use mailflow::syntax::yaml::{parse, parse_incremental};
use mailflow::syntax::{ReusableTree, TextPoint};
use proptest::prelude::*;

fn point(text: &str, byte: usize) -> TextPoint {
    let before = &text[..byte];
    let row = before.matches('\n').count();
    let column = byte - before.rfind('\n').map_or(0, |i| i + 1);
    TextPoint { byte, row, column }
}

/// A realistic file, and one made of the constructs whose reading depends on more than
/// their own bytes (anchors, aliases, merges, kept trailing lines, columns).
fn texts() -> impl Strategy<Value = String> {
    let read = |path: &str| std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    prop_oneof![
        Just(read("../examples/codetwo-mimecast.mailflow.yaml")),
        Just(read("tests/incremental/tricky.mailflow.yaml")),
    ]
}

/// An edit as fractions of the text, so that it lands on any text: where, how much to
/// delete, and what to insert.
fn edits() -> impl Strategy<Value = Vec<(f64, f64, String)>> {
    let insert = prop_oneof![
        Just(String::new()),
        "[a-z: \\-\\n\"'#\\[\\]{},]{1,12}",
        "[ \\n]{1,3}",
        prop::sample::select(vec!["&inside ", "*inside", "<<: ", "|+\n", "!!str ", "? "]).prop_map(str::to_owned),
        Just("\n  - name: X\n    priority: 9\n".to_owned())
    ];
    prop::collection::vec((0.0..1.0f64, 0.0..0.02f64, insert), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn reparsing_with_the_old_tree_equals_parsing_afresh(mut text in texts(), edits in edits()) {
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

/// Applies `edit` (replace `start..end` with `insert`) to `text` and to its tree, and reparses.
fn reparse(text: &mut String, tree: &mut ReusableTree, start: usize, end: usize, insert: &str) -> YamlFile {
    let (start_point, old_end) = (point(text, start), point(text, end));
    text.replace_range(start..end, insert);
    tree.edit(start_point, old_end, point(text, start + insert.len()));
    let (file, next) = parse_incremental(text, Some(tree));
    *tree = next;
    file
}

#[test]
fn a_kept_block_scalar_sees_blank_lines_added_after_it() {
    let mut text = "items:\n  - a: |+\n      kept\n\n  - b: 1\n".to_owned();
    let (_, mut tree) = parse_incremental(&text, None);
    let at = text.find("\n  - b").unwrap();
    let file = reparse(&mut text, &mut tree, at, at, "\n");
    assert_eq!(file, parse(&text));
}
