//! Parsing an edited text with the previous tree gives exactly what parsing it afresh
//! gives, whatever the edits (the language server reuses trees between versions).

mod cases;

use mailflow::check::{check_incremental, Selection, Syntax};
use mailflow::syntax::yaml::YamlFile;
use mailflow::syntax::yaml::{parse, parse_incremental};
use mailflow::syntax::{ReusableTree, TextPoint};
use mailflow::text::LineIndex;
use proptest::prelude::*;

/// Applies one generated edit to `text` (see `edits`); returns where it starts, where the
/// replaced text ended and where the new text ends, for the tree.
fn apply(text: &mut String, at: f64, length: f64, insert: &str) -> (TextPoint, TextPoint, TextPoint) {
    let mut start = (at * text.len() as f64) as usize;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + (length * text.len() as f64) as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    TextPoint::replace_in(text, start..end, insert)
}

/// A realistic file, and one made of the constructs whose reading depends on more than
/// their own bytes (anchors, aliases, merges, kept trailing lines, columns).
fn texts() -> impl Strategy<Value = String> {
    let read = |path: &str| std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    prop_oneof![
        Just(read("../examples/codetwo-mimecast.mailflow.yaml")),
        Just(read("tests/incremental/tricky.mailflow.yaml")),
        Just(read("tests/incremental/one-line.mailflow.yaml")),
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
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(256), ..ProptestConfig::default() })]
    #[test]
    fn reparsing_with_the_old_tree_equals_parsing_afresh(mut text in texts(), edits in edits()) {
        let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        for (at, length, insert) in edits {
            let (start, old_end, new_end) = apply(&mut text, at, length, &insert);
            tree.edit(start, old_end, new_end);
            let (reparsed, next) = parse_incremental(&text, &LineIndex::new(&text), Some(&tree));
            prop_assert_eq!(&reparsed, &parse(&text), "after editing to:\n{}", text);
            tree = next;
        }
    }
}

/// A file of `rules` rules in block style, one with a comment, as the language server's
/// benchmark writes them.
fn many_rules(rules: usize) -> String {
    let mut text =
        "mailflow: 1\norganization:\n  name: Contoso\n  domains: [contoso.com]\ntransportRules:\n".to_owned();
    for i in 0..rules {
        text.push_str(&format!(
            "  - name: Rule {i}\n    priority: {i}\n    # Department {i}\n    conditions:\n      senderIs: inside\n    \
             actions:\n      setHeader: {{name: X-Dept-{i}, value: \"yes\"}}\n"
        ));
    }
    text
}

/// Replaces `remove` bytes of `text` at `at` with `insert`, and tells tree-sitter's `tree`.
fn replace(text: &mut String, tree: &mut tree_sitter::Tree, at: usize, remove: usize, insert: &str) {
    let (start, old_end, new_end) = TextPoint::replace_in(text, at..at + remove, insert);
    let position = |p: TextPoint| tree_sitter::Point { row: p.row, column: p.column };
    tree.edit(&tree_sitter::InputEdit {
        start_byte: start.byte,
        old_end_byte: old_end.byte,
        new_end_byte: new_end.byte,
        start_position: position(start),
        old_end_position: position(old_end),
        new_end_position: position(new_end),
    });
}

/// Issue 15: an editor's Enter reparsed the rest of the file, because tree-sitter-yaml's scanner
/// kept absolute rows in its state and the runtime reuses a subtree only where that state is
/// unchanged (`vendor/tree-sitter-yaml`, README item 4). A line inserted or deleted at the top
/// now leaves the last rule's subtree the very same (its id is where it is kept).
#[test]
fn a_line_inserted_or_deleted_above_a_rule_leaves_its_subtree_shared() {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_yaml::LANGUAGE.into()).unwrap();
    let last_rule = |tree: &tree_sitter::Tree| {
        let at = tree.root_node().end_byte() - 2;
        let mut node = tree.root_node().descendant_for_byte_range(at, at).unwrap();
        while node.kind() != "block_sequence_item" {
            node = node.parent().unwrap();
        }
        node.id()
    };
    let mut text = many_rules(20);
    let mut tree = parser.parse(&text, None).unwrap();
    for (insert, remove) in [("\n", 0), ("", 1), ("\n\n# a comment\n", 0)] {
        let at = text.find('\n').unwrap() + 1;
        replace(&mut text, &mut tree, at, remove, insert);
        let reparsed = parser.parse(&text, Some(&tree)).unwrap();
        assert!(!reparsed.root_node().has_error());
        assert_eq!(last_rule(&reparsed), last_rule(&tree), "{insert:?}, {remove} removed");
        tree = reparsed;
    }
}

/// What a user types that breaks a line, or mends one, at the start of a line.
fn line_edits() -> impl Strategy<Value = Vec<(f64, &'static str, bool)>> {
    let insert = prop::sample::select(vec![
        "    junk\n",
        "\t",
        "[",
        "\"",
        "{a: ",
        "  - name: New\n",
        "    priority 3\n",
        "organization\n",
        "",
    ]);
    // Where (a fraction of the lines), what, and whether the line's first character goes.
    prop::collection::vec((0.0..1.0f64, insert, any::<bool>()), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(64), ..ProptestConfig::default() })]
    /// Issue 15: the items of the list are blamed on their own, and an edited text takes what
    /// the previous versions found for the items it left alone, broken or not.
    #[test]
    fn breaking_and_mending_rules_one_edit_after_another_reads_as_afresh(edits in line_edits()) {
        let mut text = many_rules(30);
        let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
        for (at, insert, delete) in edits {
            let lines: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            let start = lines[((at * lines.len() as f64) as usize).min(lines.len() - 1)];
            let end = if delete { text[start..].chars().next().map_or(start, |c| start + c.len_utf8()) } else { start };
            let file = reparse(&mut text, &mut tree, start, end, insert);
            prop_assert_eq!(&file, &parse(&text), "after editing to:\n{}", text);
        }
    }
}

/// Applies `edit` (replace `start..end` with `insert`) to `text` and to its tree, and reparses.
fn reparse(text: &mut String, tree: &mut ReusableTree, start: usize, end: usize, insert: &str) -> YamlFile {
    let (start_point, old_end, new_end) = TextPoint::replace_in(text, start..end, insert);
    tree.edit(start_point, old_end, new_end);
    let (file, next) = parse_incremental(text, &LineIndex::new(text), Some(tree));
    *tree = next;
    file
}

#[test]
fn a_kept_block_scalar_sees_blank_lines_added_after_it() {
    let mut text = "items:\n  - a: |+\n      kept\n\n  - b: 1\n".to_owned();
    let (_, mut tree) = parse_incremental(&text, &LineIndex::new(&text), None);
    let at = text.find("\n  - b").unwrap();
    let file = reparse(&mut text, &mut tree, at, at, "\n");
    assert_eq!(file, parse(&text));
}

/// Applies `edits` to `text` one after another, checking each version with what the check of
/// the one before left, and holds the model and the findings to a fresh check's.
fn checks_with_the_previous_check_as_afresh(
    mut text: String,
    syntax: Syntax,
    edits: Vec<(f64, f64, String)>,
) -> Result<(), TestCaseError> {
    let selection = Selection::default();
    let (_, mut reuse) = check_incremental(&text, syntax, &selection, None);
    for (at, length, insert) in edits {
        let (start, old_end, new_end) = apply(&mut text, at, length, &insert);
        reuse.edit(start, old_end, new_end);
        let (checked, next) = check_incremental(&text, syntax, &selection, Some(&reuse));
        let (fresh, _) = check_incremental(&text, syntax, &selection, None);
        prop_assert_eq!(&checked.flow, &fresh.flow, "after editing to:\n{}", text);
        prop_assert_eq!(&checked.diagnostics, &fresh.diagnostics, "after editing to:\n{}", text);
        prop_assert_eq!(&checked.lines, &fresh.lines, "after editing to:\n{}", text);
        prop_assert_eq!(checked.source.comments(), fresh.source.comments(), "after editing to:\n{}", text);
        prop_assert_eq!(checked.source.errors(), fresh.source.errors(), "after editing to:\n{}", text);
        reuse = next;
    }
    Ok(())
}

/// The DSL examples.
fn dsl_texts() -> impl Strategy<Value = String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "mailflow"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    texts.sort();
    prop::sample::select(texts)
}

fn dsl_edits() -> impl Strategy<Value = Vec<(f64, f64, String)>> {
    let insert = prop_oneof![
        Just(String::new()),
        "[a-z \\n\"{}#\\\\0-9]{1,10}",
        Just("rule \"X\" priority 9 {\n  if sender is inside\n}\n".to_owned()),
        Just("  stop processing\n".to_owned()),
    ];
    prop::collection::vec((0.0..1.0f64, 0.0..0.02f64, insert), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(128), ..ProptestConfig::default() })]
    /// The DSL lowering reuses the rules an edit left alone: checking with what the previous
    /// version left gives what checking afresh gives, model and findings alike.
    #[test]
    fn checking_a_dsl_text_with_the_previous_check_equals_checking_afresh(text in dsl_texts(), edits in dsl_edits()) {
        checks_with_the_previous_check_as_afresh(text, Syntax::Dsl, edits)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(128), ..ProptestConfig::default() })]
    /// Issue 15: the YAML lowering reuses the rules an edit left alone (shared, or copied to
    /// move them): checking with what the previous version left gives what checking afresh
    /// gives, model and findings alike, on realistic files and on the tricky one.
    #[test]
    fn checking_a_yaml_text_with_the_previous_check_equals_checking_afresh(text in texts(), edits in edits()) {
        checks_with_the_previous_check_as_afresh(text, Syntax::Yaml, edits)?;
    }
}

/// Found by the property above (12,367 cases in): tree-sitter's error recovery, started from
/// what it reused of the old tree, put the error region of a garbled line elsewhere than a
/// fresh parse does, so the connector around it read differently. A text with an error is
/// parsed afresh.
#[test]
fn a_garbled_edit_reads_as_a_fresh_check_reads_it() {
    let mut text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hybrid-on-premises-relay.mailflow"))
            .unwrap();
    let edits = [
        (0.0, 0.017060383797183457, ""),
        (0.6890933663668642, 0.004617481244673638, "\n{#\na\\\\\\"),
        (0.0, 0.014227979129361731, ""),
        (0.5926486112221332, 0.015062491589142874, "  stop processing\n"),
    ];
    let selection = Selection::default();
    let (_, mut reuse) = check_incremental(&text, Syntax::Dsl, &selection, None);
    for (at, length, insert) in edits {
        let (start, old_end, new_end) = apply(&mut text, at, length, insert);
        reuse.edit(start, old_end, new_end);
        let (checked, next) = check_incremental(&text, Syntax::Dsl, &selection, Some(&reuse));
        let (fresh, _) = check_incremental(&text, Syntax::Dsl, &selection, None);
        assert_eq!(checked.flow, fresh.flow, "after editing to:\n{text}");
        assert_eq!(checked.diagnostics, fresh.diagnostics, "after editing to:\n{text}");
        reuse = next;
    }
}

/// Issue 15: a key typed letter by letter into a rule, each keystroke checked with what the
/// check of the one before left. Most keystrokes leave a line that does not parse: each is
/// read as a fresh check reads it (the broken line blamed on the rule's text read alone, the
/// other rules' blames taken from the previous version), and the tree read is the one that
/// shares the old tree's subtrees once that line is blanked.
#[test]
fn a_key_typed_letter_by_letter_reads_as_a_fresh_check_reads_it() {
    let mut text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/codetwo-mimecast.mailflow.yaml"))
            .unwrap();
    let selection = Selection::default();
    let (_, mut reuse) = check_incremental(&text, Syntax::Yaml, &selection, None);
    let line_end = |text: &str| {
        let rule = text.find("priority: 1").expect("the smart host rule");
        rule + text[rule..].find('\n').unwrap()
    };
    let at = line_end(&text);
    let typed = ["\n    ".to_owned()].into_iter().chain("stopProcessingMoreRules: true".chars().map(String::from));
    let mut broken = 0;
    for (n, keystroke) in typed.enumerate() {
        let start = if n == 0 { at } else { at + 4 + n };
        let (start, old_end, new_end) = TextPoint::replace_in(&mut text, start..start, &keystroke);
        reuse.edit(start, old_end, new_end);
        let (checked, next) = check_incremental(&text, Syntax::Yaml, &selection, Some(&reuse));
        let (fresh, _) = check_incremental(&text, Syntax::Yaml, &selection, None);
        assert_eq!(checked.flow, fresh.flow, "after typing to:\n{text}");
        assert_eq!(checked.diagnostics, fresh.diagnostics, "after typing to:\n{text}");
        assert_eq!(checked.yaml(), fresh.yaml(), "after typing to:\n{text}");
        broken += checked.diagnostics.iter().any(|d| d.code() == "MF001") as usize;
        reuse = next;
    }
    assert!(text.contains("    priority: 1\n    stopProcessingMoreRules: true\n"), "{text}");
    assert!(broken > 10, "only {broken} keystrokes left a line that does not parse");
}

/// Issue 15: a file written on one line (JSON is YAML, and `ConvertTo-Json -Compress` writes
/// one) was parsed whole again on every edit. tree-sitter-yaml read a flow collection that
/// starts a row two ways until the row ended (it might be the key of a block mapping), and
/// nodes built while two readings run are never reused; its scanner kept the column of the
/// last token in its state, which a character typed earlier on a row changes for every token
/// after it (`vendor/tree-sitter-yaml`, README items 5 and 6). A character typed into the
/// first rule now leaves the last rule's subtree the very same.
#[test]
fn a_character_typed_early_on_a_long_row_leaves_the_rest_of_the_row_shared() {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_yaml::LANGUAGE.into()).unwrap();
    let rules: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"{{"name":"Rule {i}","priority":{i},"conditions":{{"senderIs":"inside"}},"actions":{{"setHeader":{{"name":"X-Dept-{i}","value":"yes"}}}}}}"#
            )
        })
        .collect();
    let mut text = format!(r#"{{"mailflow":1,"transportRules":[{}]}}"#, rules.join(","));
    let last_rule = |tree: &tree_sitter::Tree| {
        let at = tree.root_node().end_byte() - 4;
        let mut node = tree.root_node().descendant_for_byte_range(at, at).unwrap();
        while node.parent().unwrap().kind() != "flow_sequence" {
            node = node.parent().unwrap();
        }
        node.id()
    };
    let mut tree = parser.parse(&text, None).unwrap();
    let before = last_rule(&tree);
    for (insert, remove) in [("x", 0), ("", 1), (" , ", 0)] {
        let at = text.find("\"Rule").unwrap() + 5;
        replace(&mut text, &mut tree, at, remove, insert);
        let reparsed = parser.parse(&text, Some(&tree)).unwrap();
        assert!(!reparsed.root_node().has_error(), "{text}");
        assert_eq!(last_rule(&reparsed), before, "{insert:?}, {remove} removed");
        tree = reparsed;
    }
}
