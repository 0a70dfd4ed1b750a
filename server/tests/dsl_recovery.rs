//! A rule being typed at the end of a DSL file, as in an editor: whatever has been typed so
//! far, the rest of the file keeps every diagnostic it has without it, and the syntax errors
//! (MF001) lie in the part being typed, one region at a time.

mod cases;

use mailflow::check::{check, Selection, Source, Syntax};
use mailflow::diagnostic::Diagnostic;
use mailflow::syntax::{dsl, span_of};
use proptest::prelude::*;

/// A tenant with findings of several kinds, and suppressions (which must keep working when
/// the unfinished rule turns the whole file into one error node).
const FILE: &str = r#"mailflow 1
# mailflow: ignore-file[MF206]

organization "Contoso" {
  domains "contoso.com"
}

connector "CodeTwo Email Signatures 365 connector" {
  type on-premises
  use transport-rule
  smart-hosts "1a2b3c.smtp.codetwo.online"
  service signature codetwo {
    domain "1a2b3c.smtp.codetwo.online"
  }
}

connector "Mimecast outbound" {
  use transport-rule
  recipient-domains "*"
  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast
}

# Legacy relay, no service declared.
connector "Relay" {
  smart-hosts "relay.mimecast.com"
}

rule "CodeTwo Exchange transport rule" priority 0 {
  if sender is inside
  except header "X-CodeTwoProcessed" contains "true"
  redirect to "CodeTwo Email Signatures 365 connector"
}

# mailflow: ignore[MF402]
rule "Mimecast smart host" priority 1 {
  if sender is inside
  except header "X-AntiLoop-Smarthost" contains "true"
  set header "X-AntiLoop-Smarthost" to "true"
  redirect to "Mimecast outbound"
  enabled maybe
}

"#;

/// The rule being typed.
const TYPED: &str = r#"rule "Legal disclaimer" priority 2 {
  if sender is inside
  set header "X-Legal" to "done"
  if recipient domain is "fabrikam.com" "tailspintoys.com"
  except header "X-Legal" matches "^done$"
  do other "ApplyHtmlDisclaimerText" "<p>Contoso Ltd \u{2013} Seattle</p>"
  disabled
  comments "Footer for partners"
}
"#;

/// A small tenant: here tree-sitter's recovery wraps the whole file in one error node while
/// the rule's `set header` is half-typed. The suppression must still be read from there.
const SMALL_FILE: &str = r#"mailflow 1

# mailflow: ignore[MF202]
connector "Relay" { use transport-rule }

rule "Disclaimer" priority 0 {
  if sender is inside
  enabled maybe
}

"#;

fn key(diagnostic: &Diagnostic) -> (&'static str, usize, usize, &str) {
    (diagnostic.code(), diagnostic.span.start, diagnostic.span.end, diagnostic.message.as_str())
}

/// Types `TYPED` at the end of `file` a character at a time; returns how many of those
/// texts were one error node as a whole.
fn type_rule_after(file: &str, codes: &[&str]) -> usize {
    let selection = Selection::default();
    let base = check(file, Syntax::Dsl, &selection).diagnostics;
    let base: Vec<_> = base.iter().map(key).collect();
    assert_eq!(base.iter().map(|(code, ..)| *code).collect::<Vec<_>>(), codes, "the file this test starts from");
    let mut whole_file_broken = 0;
    for cut in (0..=TYPED.len()).filter(|&cut| TYPED.is_char_boundary(cut)) {
        let typed = &TYPED[..cut];
        let text = format!("{file}{typed}");
        let checked = check(&text, Syntax::Dsl, &selection);
        if let Source::Dsl(dsl) = &checked.source {
            whole_file_broken += usize::from(dsl.root().is_error());
        }
        let found: Vec<_> = checked.diagnostics.iter().map(key).collect();
        for diagnostic in &base {
            assert!(found.contains(diagnostic), "typed {typed:?}: lost {diagnostic:?}; found {found:#?}");
        }
        for diagnostic in found.iter().filter(|d| !base.contains(d)) {
            assert!(diagnostic.1 >= file.len(), "typed {typed:?}: {diagnostic:?} is outside the typed part");
        }
        let syntax_errors = found.iter().filter(|(code, ..)| *code == "MF001").count();
        assert!(syntax_errors <= 1, "typed {typed:?}: {syntax_errors} syntax errors in {found:#?}");
    }
    whole_file_broken
}

#[test]
fn a_rule_typed_at_the_end_leaves_the_rest_of_the_file_alone() {
    type_rule_after(FILE, &["MF203", "MF102", "MF310", "MF403", "MF003"]);
}

#[test]
fn a_rule_typed_at_the_end_of_a_small_file_leaves_the_rest_alone() {
    assert!(type_rule_after(SMALL_FILE, &["MF003"]) > 0, "the case of a file that is one error node as a whole");
}

/// The DSL examples, each cut somewhere and given some typing there.
fn spliced_examples() -> impl Strategy<Value = String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut examples: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "mailflow"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    examples.sort();
    (prop::sample::select(examples), any::<prop::sample::Index>(), "[{}\"#\\\\u \\na-z0-9]{0,12}").prop_map(
        |(text, cut, insert)| {
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{insert}{}", &text[..at], &text[at..])
        },
    )
}

/// A complete top-level item (what an error region at the top level may hold whole).
fn is_item(node: tree_sitter::Node) -> bool {
    node.is_named() && matches!(node.kind(), "version" | "organization" | "connector" | "rule")
}

/// Whether `node` is an error at the top level with complete items inside, which the parser
/// reads (`DslFile::items`) rather than reporting whole.
fn is_salvaged_from(node: tree_sitter::Node) -> bool {
    let top_level = node.parent().is_none_or(|parent| parent.kind() == "source_file");
    let mut cursor = node.walk();
    node.is_error() && top_level && node.children(&mut cursor).any(is_item)
}

/// Every node of a tree, by a plain walk.
fn every_node(root: tree_sitter::Node) -> Vec<tree_sitter::Node> {
    let mut nodes = Vec::new();
    let mut cursor = root.walk();
    loop {
        nodes.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return nodes;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(256), ..ProptestConfig::default() })]
    /// The parser's scan skips the subtrees that cannot hold what it looks for; a plain walk
    /// over every node finds nothing it missed: each comment, and each error, missing token or
    /// invalid escape inside a reported error.
    #[test]
    fn the_scan_misses_no_comment_and_no_error(text in spliced_examples()) {
        let file = dsl::parse(&text);
        for node in every_node(file.root()) {
            let span = span_of(node);
            if node.kind() == "comment" {
                prop_assert!(file.comments.iter().any(|c| c.span == span), "comment at {span:?} missed in\n{text}");
            }
            if is_salvaged_from(node) {
                // A top-level error that holds complete items is reported as the stretches
                // between them: each of its other parts lies in a reported error.
                let mut cursor = node.walk();
                for part in node.children(&mut cursor).filter(|part| !is_item(*part) && part.kind() != "comment") {
                    prop_assert!(file.in_error(span_of(part)), "{} at {:?} not reported in\n{text}", part.kind(), span_of(part));
                }
            } else if node.is_error() || node.is_missing() || node.kind() == "invalid_escape" {
                prop_assert!(file.in_error(span), "{} at {span:?} not reported in\n{text}", node.kind());
            }
        }
    }
}
