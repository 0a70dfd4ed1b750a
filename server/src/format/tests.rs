use proptest::prelude::*;

use super::*;

/// Formats `input`, expecting `expected`, and checks that formatting that changes nothing.
#[track_caller]
fn assert_formats(input: &str, expected: &str) {
    let formatted = format_dsl(input).unwrap();
    assert_eq!(formatted, expected, "formatting:\n{input}");
    assert_eq!(format_dsl(&formatted).unwrap(), formatted, "formatting again:\n{formatted}");
    assert_keeps_meaning(input, &formatted);
}

/// The tokens of a file without errors, each with its node kind; strings by their value.
fn tokens(text: &str) -> Vec<(String, String)> {
    let file = dsl::parse(text);
    assert!(file.errors.is_empty(), "{:?} in:\n{text}", file.errors);
    let mut found = Vec::new();
    let mut cursor = file.root().walk();
    'walk: loop {
        let node = cursor.node();
        if node.kind() == "string" {
            found.push(("string".to_owned(), dsl::string_value(node, text)));
        } else if node.child_count() == 0 && node.kind() != "comment" {
            found.push((node.kind().to_owned(), text[node.byte_range()].to_owned()));
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    found
}

fn comments(text: &str) -> Vec<String> {
    let mut comments: Vec<String> =
        dsl::parse(text).comments.into_iter().map(|c| c.text.trim_end().to_owned()).collect();
    comments.sort();
    comments
}

/// The formatted text has the original's tokens in the same order and the same comments.
#[track_caller]
fn assert_keeps_meaning(original: &str, formatted: &str) {
    assert_eq!(tokens(formatted), tokens(original), "tokens of:\n{formatted}");
    assert_eq!(comments(formatted), comments(original), "comments of:\n{formatted}");
}

#[test]
fn a_messy_file_gets_the_canonical_layout_and_keeps_its_comments() {
    let messy = "# Contoso's mail flow
mailflow   1
organization \"Contoso\" { domains \"contoso.com\"
      \"contoso.onmicrosoft.com\" }
# CodeTwo

connector \"CodeTwo\"
{
type on-premises   # set by CodeTwo
      use transport-rule


  smart-hosts \"a.smtp.codetwo.online\"
  service signature codetwo { domain \"a.smtp.codetwo.online\" }

}
rule \"CodeTwo rule\" priority 0 { if sender is inside
  # the service stamps this header
  except header \"X-CodeTwoProcessed\"   contains \"true\"
redirect to \"CodeTwo\" stop processing
  # done
}   # end of the rule
";
    let canonical = "# Contoso's mail flow
mailflow 1

organization \"Contoso\" {
  domains \"contoso.com\" \"contoso.onmicrosoft.com\"
}

# CodeTwo

connector \"CodeTwo\" {
  type on-premises # set by CodeTwo
  use transport-rule

  smart-hosts \"a.smtp.codetwo.online\"
  service signature codetwo {
    domain \"a.smtp.codetwo.online\"
  }
}

rule \"CodeTwo rule\" priority 0 {
  if sender is inside
  # the service stamps this header
  except header \"X-CodeTwoProcessed\" contains \"true\"
  redirect to \"CodeTwo\"
  stop processing
  # done
} # end of the rule
";
    assert_formats(messy, canonical);
}

#[test]
fn one_line_files_and_empty_blocks() {
    assert_formats(
        "mailflow 1 connector \"C\" { type partner use transport-rule } connector \"D\" {} organization {}",
        "mailflow 1\n\nconnector \"C\" {\n  type partner\n  use transport-rule\n}\n\nconnector \"D\" {}\n\norganization {}\n",
    );
    assert_formats("", "");
    assert_formats(" \n\n", "");
    assert_formats("  # only a comment  \n\n\n# and another", "# only a comment\n\n# and another\n");
}

#[test]
fn blank_lines_between_items_are_one_and_inside_blocks_at_most_one() {
    assert_formats(
        "mailflow 1\n\n\n\nrule \"A\" priority 0 {\n\n  disabled\n\n\n\n  stop processing\n\n}\nrule \"B\" priority 1 {\n}\n",
        "mailflow 1\n\nrule \"A\" priority 0 {\n  disabled\n\n  stop processing\n}\n\nrule \"B\" priority 1 {}\n",
    );
    // Comments between items keep the blank lines around them (one at most).
    assert_formats(
        "mailflow 1\n# about A\nrule \"A\" priority 0 {}\n# left over\n\n\n# about B\n\nrule \"B\" priority 1 {}\n\n# the end\n",
        "mailflow 1\n\n# about A\nrule \"A\" priority 0 {}\n\n# left over\n\n# about B\n\nrule \"B\" priority 1 {}\n\n# the end\n",
    );
}

#[test]
fn a_comment_inside_a_statement_breaks_it_and_the_rest_is_indented_twice() {
    assert_formats(
        "rule \"R\" # the name\npriority 0 { if header \"X\" # which one\ncontains\n# the words\n\"a\" \"b\"\n}",
        "rule \"R\" # the name\n    priority 0 {\n  if header \"X\" # which one\n      contains\n      # the words\n      \"a\" \"b\"\n}\n",
    );
    assert_formats("connector \"C\" { # about C\n}", "connector \"C\" { # about C\n}\n");
    assert_formats("connector \"C\" {\n  # nothing yet\n}", "connector \"C\" {\n  # nothing yet\n}\n");
}

#[test]
fn a_bare_word_starting_a_line_stays_the_key_of_another_unknown_setting() {
    assert_formats(
        "rule \"R\" priority 0 {\n  priorty   3\n  colour blue\n  smarthosts \"a\"\n \"b\" stop processing\n}\nfoo 1 bar\nbaz 2",
        "rule \"R\" priority 0 {\n  priorty 3\n  colour blue\n  smarthosts \"a\" \"b\"\n  stop processing\n}\n\nfoo 1 bar\n\nbaz 2\n",
    );
}

#[test]
fn strings_are_spelled_canonically_keeping_their_value() {
    assert_formats(
        "rule \"R\" priority 0 {\n  comments \"\\u{41}\\u{22}\\u{5c}\\u{a}\\u{9}\\u{20}|\ttab|\\u{e9}|\\u{1f600}|é|\\u{7}|\\\"\\\\\"\n}\n",
        "rule \"R\" priority 0 {\n  comments \"A\\\"\\\\\\n\\t |\\ttab|é|\u{1F600}|é|\\u{7}|\\\"\\\\\"\n}\n",
    );
    // What cannot be seen is written so that it can: a zero-width space, a no-break space.
    assert_formats("mailflow 1 rule \"a\u{200B}b\u{A0}c\" {}", "mailflow 1\n\nrule \"a\\u{200B}b\\u{A0}c\" {}\n");
}

#[test]
fn line_breaks_and_a_byte_order_mark_stay() {
    assert_formats(
        "\u{feff}mailflow 1\r\nconnector \"C\" { type partner } # c\r\n",
        "\u{feff}mailflow 1\r\n\r\nconnector \"C\" {\r\n  type partner\r\n} # c\r\n",
    );
}

/// Issue 14, item 4: a file whose lines end with a lone CR (a line break for YAML 1.2, the
/// language server and the checker) was written back with LFs and lost its blank lines.
#[test]
fn a_file_of_lone_crs_keeps_them_and_its_blank_lines() {
    assert_formats(
        "mailflow 1\r\r\r# about C\rconnector \"C\" { type partner } # c\r",
        "mailflow 1\r\r# about C\rconnector \"C\" {\r  type partner\r} # c\r",
    );
    assert_formats(
        "rule \"A\" priority 0 {\r  disabled\r\r\r  stop processing\r}\rrule \"B\" priority 1 {\r}",
        "rule \"A\" priority 0 {\r  disabled\r\r  stop processing\r}\r\rrule \"B\" priority 1 {}\r",
    );
    // A suppression on the line above its object still reaches it.
    assert_formats(
        "mailflow 1 # mailflow: ignore[MF101]\rrule \"R\" priority 0 {\r}\r",
        "mailflow 1\r\r# mailflow: ignore[MF101]\rrule \"R\" priority 0 {}\r",
    );
}

/// A file formats as its twin with LF line breaks does, with its own line breaks.
#[track_caller]
fn assert_formats_as_lf_twin(lf: &str) {
    let formatted = format_dsl(lf).unwrap();
    for newline in ["\r\n", "\r"] {
        let twin = lf.replace('\n', newline);
        assert_eq!(format_dsl(&twin).unwrap(), formatted.replace('\n', newline), "{twin:?}");
    }
}

#[test]
fn crlf_and_lone_cr_files_format_as_their_lf_twins() {
    assert_formats_as_lf_twin(
        "# Contoso\nmailflow 1\n\n\n\nrule \"A\" priority 0 {\n\n  disabled # off\n\n\n\n  stop processing\n\n}\n\
         # left over\n\n\n# about B\n\nrule \"B\" priority 1 { if header \"X\" # which one\ncontains\n\"a\" }\n",
    );
    for input in grammar_inputs().iter().filter(|input| format_dsl(input).is_ok() && !input.contains('\r')) {
        assert_formats_as_lf_twin(input);
    }
}

#[test]
fn a_file_with_syntax_errors_is_not_formatted() {
    let broken = "rule \"A\" priority 0 {\n  if sender is\n  redirect to \"X\"\n}\n";
    let Err(FormatError::Syntax(error)) = format_dsl(broken) else { panic!("formatted a broken file") };
    assert_eq!(LineIndex::new(broken).position(broken, error.span.start).line, 2);
    let invalid_escape = "rule \"A\" priority 0 { comments \"a\\.b\" }";
    assert!(matches!(format_dsl(invalid_escape), Err(FormatError::Syntax(_))));
}

#[test]
fn suppressions_keep_reaching_their_object() {
    // On the object's first line, after a one-line block: it follows the `{`.
    assert_formats(
        "connector \"C\" { type partner } # mailflow: ignore[MF206]\n",
        "connector \"C\" { # mailflow: ignore[MF206]\n  type partner\n}\n",
    );
    // After an empty body, which stays on the name's line: it stays.
    assert_formats(
        "rule \"R\" priority 0 {} # mailflow: ignore[MF101]\n",
        "rule \"R\" priority 0 {} # mailflow: ignore[MF101]\n",
    );
    // On the line above the object, after another statement: it goes on a line of its own.
    assert_formats(
        "mailflow 1 # mailflow: ignore[MF101]\nrule \"R\" priority 0 {\n} # mailflow: ignore[MF308]\nconnector \"C\" {}",
        "mailflow 1\n\n# mailflow: ignore[MF101]\nrule \"R\" priority 0 {}\n\n# mailflow: ignore[MF308]\nconnector \"C\" {}\n",
    );
    // The line above a rule that starts after another item's `}`.
    assert_formats(
        "connector \"C\" {\n  # mailflow: ignore[MF101]\n} rule \"R\" priority 0 {}",
        "connector \"C\" {}\n\n# mailflow: ignore[MF101]\nrule \"R\" priority 0 {}\n",
    );
    // Already on the line above, after a blank line and another comment: it stays, and so
    // does the blank line (found by the convert round-trip property: it was lost, so the
    // DSL written from a YAML file was not in the layout `fmt` gives).
    let in_place =
        "mailflow 1\n\nrule \"A\" priority 0 {}\n\n# x\n\n# mailflow: ignore[MF013]\nrule \"B\" priority 1 {}\n";
    assert_formats(in_place, in_place);
    // Reaching nothing (a blank line stands between): it still reaches nothing.
    assert_formats(
        "# mailflow: ignore[MF101]\n\nrule \"R\" priority 0 {}",
        "# mailflow: ignore[MF101]\n\nrule \"R\" priority 0 {}\n",
    );
}

#[test]
fn a_suppression_no_layout_keeps_in_reach_stops_the_formatting() {
    // On the line of two objects' names.
    let two = "connector \"A\" {} connector \"B\" {} # mailflow: ignore[MF206]\n";
    assert_eq!(format_dsl(two), Err(FormatError::Suppression { span: Span::new(34, 59) }));
    // After a header broken before `{`: joining the header would bring it onto the name's line.
    let broken_header = "rule \"R\"\npriority 0 { # mailflow: ignore[MF101]\n}\n";
    assert!(matches!(format_dsl(broken_header), Err(FormatError::Suppression { .. })));
    // Other comments move freely.
    assert!(format_dsl(&broken_header.replace("mailflow:", "note:")).is_ok());
}

/// The grammar's examples, and every input of its corpus.
fn grammar_inputs() -> Vec<String> {
    let grammar = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../grammar");
    let files = |folder: &str| {
        std::fs::read_dir(grammar.join(folder))
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
    };
    let mut inputs: Vec<String> = files("examples").collect();
    inputs.extend(files("test/corpus").flat_map(|corpus| corpus_inputs(&corpus)));
    inputs
}

/// The grammar's examples and corpus (those with syntax errors are not formatted).
#[test]
fn the_grammar_examples_and_corpus_format_keeping_their_meaning() {
    let inputs = grammar_inputs();
    let mut formatted_count = 0;
    for input in &inputs {
        if !dsl::parse(input).errors.is_empty() {
            assert!(matches!(format_dsl(input), Err(FormatError::Syntax(_))));
            continue;
        }
        let formatted = format_dsl(input).unwrap();
        assert_eq!(format_dsl(&formatted).unwrap(), formatted);
        assert_keeps_meaning(input, &formatted);
        formatted_count += 1;
    }
    assert!(formatted_count > 20, "only {formatted_count} corpus inputs parse");
}

/// The inputs of a tree-sitter corpus file: the text between each test's name (between two
/// lines of `=`) and the line of `-` that starts its expected tree.
fn corpus_inputs(corpus: &str) -> Vec<String> {
    let rule = |line: &str, c: char| line.len() >= 3 && line.chars().all(|x| x == c);
    let mut inputs = Vec::new();
    let mut lines = corpus.lines();
    while let Some(line) = lines.next() {
        if rule(line, '=') {
            lines.next(); // the name
            lines.next(); // the closing line of `=`
            let input: Vec<&str> = lines.by_ref().take_while(|line| !rule(line, '-')).collect();
            inputs.push(input.join("\n"));
        }
    }
    inputs
}

// ---- property: random valid files ------------------------------------------------------

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_owned)
}

fn string() -> impl Strategy<Value = String> {
    pick(&[
        r#""a""#,
        r#""Contoso Ltd""#,
        r#""x\"y\\z""#,
        r#""\u{41}\u{e9}""#,
        "\"tab\there\"",
        r#""\t\n""#,
        r##""# not a comment""##,
        r#""""#,
        "\"\u{1F600}\"",
    ])
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![string(), pick(&["0", "-1", "42", "true", "false"])]
}

/// Any value; `on-premises` (a keyword too) only where a setting takes one value.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![literal(), pick(&["inside", "codetwo", "audit-and-notify", "partner"])]
}

fn one_value() -> impl Strategy<Value = String> {
    prop_oneof![value(), Just("on-premises".to_owned())]
}

fn literals() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(literal(), 1..4)
}

fn tokens_of(words: &str) -> Vec<String> {
    words.split(' ').map(str::to_owned).collect()
}

/// `head`, then `rest`.
fn then(head: &str, rest: Vec<String>) -> Vec<String> {
    tokens_of(head).into_iter().chain(rest).collect()
}

/// A statement of any block, as its tokens (without nested blocks).
fn simple_statement() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        literals().prop_map(|v| then("domains", v)),
        value().prop_map(|v| then("relays-through", vec![v])),
        value().prop_map(|v| then("enabled", vec![v])),
        Just(tokens_of("disabled")),
        one_value().prop_map(|v| then("type", vec![v])),
        value().prop_map(|v| then("use", vec![v])),
        literals().prop_map(|v| then("recipient-domains", v)),
        literals().prop_map(|v| then("smart-hosts", v)),
        value().prop_map(|v| then("domain", vec![v])),
        (value(), value()).prop_map(|(n, v)| then("processed-header", vec![n, v])),
        value().prop_map(|v| then("returns-to-exchange", vec![v])),
        literals().prop_map(|v| then("relay-domains", v)),
        value().prop_map(|v| then("mode", vec![v])),
        (pick(&["if", "except"]), predicate()).prop_map(|(k, p)| then(&k, p)),
        (value(), value()).prop_map(|(n, v)| then("set header", vec![n, "to".into(), v])),
        value().prop_map(|v| then("redirect to", vec![v])),
        (value(), literals()).prop_map(|(n, v)| then("do other", [vec![n], v].concat())),
        Just(tokens_of("stop processing")),
        Just(tokens_of("defer on error")),
        value().prop_map(|v| then("comments", vec![v])),
        (pick(&["colour", "priorty", "smarthosts"]), prop::collection::vec(value(), 0..3))
            .prop_map(|(k, v)| then(&k, v)),
    ]
    .boxed()
}

fn predicate() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        value().prop_map(|v| then("sender is", vec![v])),
        value().prop_map(|v| then("recipient is", vec![v])),
        literals().prop_map(|v| then("sender domain is", v)),
        literals().prop_map(|v| then("recipient domain is", v)),
        literals().prop_map(|v| then("recipient address matches", v)),
        (value(), literals()).prop_map(|(h, v)| then("header", [vec![h, "contains".into()], v].concat())),
        (value(), literals()).prop_map(|(h, v)| then("header", [vec![h, "matches".into()], v].concat())),
        value().prop_map(|v| then("message type is", vec![v])),
        (value(), literals()).prop_map(|(n, v)| then("other", [vec![n], v].concat())),
    ]
}

fn block(statements: impl Strategy<Value = Vec<String>>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(statements, 0..5)
        .prop_map(|statements| [vec!["{".to_owned()], statements.concat(), vec!["}".to_owned()]].concat())
}

fn statement() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        4 => simple_statement(),
        // Without a block, a service with less than two words would take the next
        // statement's unknown key as its kind or vendor.
        1 => (prop::collection::vec(value(), 2), prop::option::of(block(simple_statement())))
            .prop_map(|(words, body)| then("service", [words, body.unwrap_or_default()].concat())),
        1 => (prop::collection::vec(value(), 0..2), block(simple_statement()))
            .prop_map(|(words, body)| then("service", [words, body].concat())),
        1 => block(simple_statement()).prop_map(|body| then("on-premises", body)),
    ]
}

fn item() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        value().prop_map(|v| then("mailflow", vec![v])),
        (prop::option::of(string()), block(statement()))
            .prop_map(|(name, body)| then("organization", [name.into_iter().collect(), body].concat())),
        (string(), block(statement())).prop_map(|(name, body)| then("connector", [vec![name], body].concat())),
        (string(), prop::option::of(value()), block(statement())).prop_map(|(name, priority, body)| {
            let priority = priority.map(|p| vec!["priority".to_owned(), p]).unwrap_or_default();
            then("rule", [vec![name], priority, body].concat())
        }),
    ]
}

/// White space between two tokens, or a comment (`{}` stands for its number).
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            " ",
            "  ",
            "\t",
            "\n",
            "\n\n",
            "\r\n",
            " \n\n\n    ",
            " # trailing {}\n",
            "\n# own line {}\n",
            "\n\n    # after a blank line {}   \n\n",
            "#{}\n",
        ][..],
    )
}

/// A random valid file: items of random statements, with random white space and comments
/// between every two tokens.
fn messy_file() -> impl Strategy<Value = String> {
    prop::collection::vec(item(), 0..5).prop_flat_map(|items| {
        let tokens = items.concat();
        prop::collection::vec(separator(), tokens.len() + 1).prop_map(move |separators| {
            let mut file = String::new();
            for (index, separator) in separators.iter().enumerate() {
                file.push_str(&separator.replace("{}", &index.to_string()));
                if let Some(token) = tokens.get(index) {
                    file.push_str(token);
                }
            }
            file
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::cases::cases(400)))]

    #[test]
    fn formatting_is_idempotent_and_keeps_tokens_and_comments(file in messy_file()) {
        let formatted = format_dsl(&file).unwrap();
        prop_assert_eq!(format_dsl(&formatted).unwrap(), formatted.clone());
        assert_keeps_meaning(&file, &formatted);
    }
}
