use super::*;
use crate::fixes::Fix;
use crate::fixes::{apply_fixes, Editor};
use crate::model::{lower_yaml, MailFlow, TransportRule};
use crate::syntax::yaml::parse;

mod properties;

/// A text with its tree and model, as a rule computing a fix has them.
struct Doc<'t> {
    text: &'t str,
    file: YamlFile,
    flow: MailFlow,
}

fn doc(text: &str) -> Doc<'_> {
    let file = parse(text);
    assert!(file.errors.is_empty(), "test input does not parse: {:?}", file.errors);
    let (flow, _) = lower_yaml::lower(&file, text);
    Doc { text, file, flow }
}

impl Doc<'_> {
    fn editor(&self) -> YamlEditor<'_> {
        YamlEditor::new(self.text, &self.file)
    }

    fn rule(&self, name: &str) -> &TransportRule {
        self.flow.rules.iter().find(|rule| rule.name() == name).expect("a rule of that name")
    }

    /// Applies the edits (as one fix); the result must still be valid YAML.
    fn apply(&self, edits: impl IntoIterator<Item = Edit>) -> String {
        let fix = Fix { title: "test".into(), safe: true, edits: edits.into_iter().collect() };
        let applied = apply_fixes(self.text, [&fix]);
        assert_eq!(applied.applied, vec![0], "the edits overlap: {:?}", fix.edits);
        let errors = parse(&applied.text).errors;
        assert!(errors.is_empty(), "the edit broke the YAML: {errors:?}\n{}", applied.text);
        applied.text
    }
}

const RULES: &str = "\
mailflow: 1
transportRules:
  # The signature rule must stay first.
  - name: CodeTwo Exchange transport rule   # by CodeTwo
    priority: 0
    conditions:
      senderIs: inside
    actions: {redirectToConnector: CodeTwo}
    stopProcessingMoreRules: false  # TODO
    mode: \"audit\"
    comments: 'Created by CodeTwo'

  - {name: Mimecast, priority: 2, mode: audit}
";

#[test]
fn detects_line_breaks_and_indent_step() {
    let crlf = doc("a:\r\n    b:\r\n        - c\r\n");
    assert_eq!((crlf.editor().newline(), crlf.editor().indent_step()), ("\r\n", 4));
    let flat = doc("a: 1\nb: {c: 2}\n");
    assert_eq!((flat.editor().newline(), flat.editor().indent_step()), ("\n", 2));
    // A list under its key at the key's column (an indentless list) says nothing.
    let indentless = doc("transportRules:\n- name: A\n  conditions:\n     senderIs: inside\n");
    assert_eq!(indentless.editor().indent_step(), 3);
}

#[test]
fn set_entry_replaces_a_value_keeping_its_comment_and_quotes() {
    let d = doc(RULES);
    let rule = d.rule("CodeTwo Exchange transport rule");
    let editor = d.editor();
    let edits = [
        editor.set_entry(rule.span, "stopProcessingMoreRules", &Value::Bool(true)).unwrap(),
        editor.set_entry(rule.span, "mode", &Value::str("enforce")).unwrap(),
        editor.set_entry(rule.span, "comments", &Value::str("It's CodeTwo's")).unwrap(),
    ];
    let fixed = d.apply(edits);
    assert!(fixed.contains("    stopProcessingMoreRules: true  # TODO\n    mode: \"enforce\"\n"), "{fixed}");
    assert!(fixed.contains("    comments: 'It''s CodeTwo''s'\n\n  - {name"), "{fixed}");
    let flow_rule = d.rule("Mimecast");
    let fixed = d.apply([d.editor().set_entry(flow_rule.span, "mode", &Value::str("enforce")).unwrap()]);
    assert!(fixed.ends_with("  - {name: Mimecast, priority: 2, mode: enforce}\n"), "{fixed}");
}

#[test]
fn set_entry_adds_an_absent_key_after_the_last_line_of_a_block_mapping() {
    let d = doc(RULES);
    let rule = d.rule("CodeTwo Exchange transport rule");
    let fixed = d.apply([d.editor().set_entry(rule.span, "deferOnError", &Value::Bool(true)).unwrap()]);
    assert_eq!(fixed, RULES.replace("'Created by CodeTwo'\n", "'Created by CodeTwo'\n    deferOnError: true\n"),);
}

#[test]
fn insert_entry_goes_after_a_trailing_comment_and_keeps_crlf() {
    let text = "transportRules:\r\n  - name: A # first\r\n    priority: 0   # last\r\n";
    let d = doc(text);
    let edit = d.editor().insert_entry(d.rule("A").span, "enabled", &Value::Bool(true)).unwrap();
    assert_eq!(d.apply([edit]), text.replace("# last\r\n", "# last\r\n    enabled: true\r\n"));
}

#[test]
fn insert_entry_into_a_flow_mapping_goes_before_the_brace() {
    let d = doc("transportRules:\n  - {name: B, priority: 1 }\n  - name: C\n    actions: {}\n");
    let editor = d.editor();
    let edits = [
        editor.insert_entry(d.rule("B").span, "comments", &Value::str("a, b: c")).unwrap(),
        editor.insert_entry(d.rule("C").actions.span.unwrap(), "redirectToConnector", &Value::str("Mimecast")).unwrap(),
    ];
    assert_eq!(
        d.apply(edits),
        "transportRules:\n  - {name: B, priority: 1, comments: \"a, b: c\" }\n  - name: C\n    actions: {redirectToConnector: Mimecast}\n"
    );
}

#[test]
fn insert_entry_refuses_a_key_that_is_present() {
    let d = doc(RULES);
    assert_eq!(d.editor().insert_entry(d.rule("Mimecast").span, "mode", &Value::str("enforce")), None);
    assert_eq!(d.editor().insert_entry(Span::new(3, 4), "mode", &Value::str("enforce")), None);
}

#[test]
fn a_nested_mapping_is_written_one_indent_step_deeper() {
    let text = "\
transportRules:
    -   name: Mimecast
        priority: 1
        actions:
            setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}
    # next
";
    let d = doc(text);
    let rule = d.rule("Mimecast");
    let editor = d.editor();
    let conditions = Value::map([("senderIs", Value::str("inside")), ("recipientIs", Value::str("outside"))]);
    let exceptions = Value::map([(
        "headerContains",
        Value::flow_map([
            ("header", Value::str("X-AntiLoop-Smarthost")),
            ("words", Value::List(vec![Value::str("true")])),
        ]),
    )]);
    // Two insertions at one place would be ambiguous: these are two fixes, applied in turn.
    let once = d.apply([editor.insert_entry(rule.span, "conditions", &conditions).unwrap()]);
    let d = doc(&once);
    let twice = d.apply([d.editor().insert_entry(d.rule("Mimecast").span, "exceptions", &exceptions).unwrap()]);
    assert_eq!(
        twice,
        text.replace(
            "\"true\"}\n",
            "\"true\"}
        conditions:
            senderIs: inside
            recipientIs: outside
        exceptions:
            headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}
"
        )
    );
}

#[test]
fn insert_entry_into_an_existing_or_empty_nested_mapping() {
    let d = doc(RULES);
    let conditions = d.rule("CodeTwo Exchange transport rule").conditions.span.unwrap();
    let fixed = d.apply([d.editor().insert_entry(conditions, "recipientIs", &Value::str("outside")).unwrap()]);
    assert!(fixed.contains("      senderIs: inside\n      recipientIs: outside\n    actions:"), "{fixed}");

    let text = "transportRules:\n  - name: A\n    conditions:   # to do\n    priority: 0\n";
    let d = doc(text);
    let empty = d.rule("A").conditions.span.unwrap();
    let fixed = d.apply([d.editor().insert_entry(empty, "senderIs", &Value::str("inside")).unwrap()]);
    assert_eq!(fixed, text.replace("# to do\n", "# to do\n      senderIs: inside\n"));
}

#[test]
fn the_last_line_is_that_of_the_last_value_not_of_trailing_comments() {
    let text = "\
transportRules:
  - name: A
    actions:
      redirectToConnector: X
    comments: |
      first
      second

    # disabled: enabled: false
";
    let d = doc(text);
    let fixed = d.apply([d.editor().insert_entry(d.rule("A").span, "deferOnError", &Value::Bool(true)).unwrap()]);
    assert_eq!(fixed, text.replace("second\n", "second\n    deferOnError: true\n"));
}

#[test]
fn set_entry_replaces_block_and_inline_values() {
    let text = "\
transportRules:
  - name: A
    conditions:
      senderIs: inside
    exceptions: {}  # none yet
    priority: 0
";
    let d = doc(text);
    let rule = d.rule("A");
    let editor = d.editor();
    let exceptions = Value::map([("messageTypeMatches", Value::str("oof"))]);
    let edits = [
        editor.set_entry(rule.span, "conditions", &Value::flow_map([("senderIs", Value::str("outside"))])).unwrap(),
        editor.set_entry(rule.span, "exceptions", &exceptions).unwrap(),
    ];
    assert_eq!(
        d.apply(edits),
        "\
transportRules:
  - name: A
    conditions: {senderIs: outside}
    exceptions:
      messageTypeMatches: oof  # none yet
    priority: 0
"
    );
}

#[test]
fn replace_value_keeps_the_style_it_can() {
    let text = "k:\n  a: 'x'\n  b: \"y\"\n  c: z\n  d: |\n    text\n  e: [p, q]\n  f:\n";
    let d = doc(text);
    let root = d.file.root.as_ref().unwrap();
    let span_of = |key: &str| {
        let inner = &root.as_map().unwrap()[0].value;
        inner.as_map().unwrap().iter().find(|e| e.key.as_str() == Some(key)).unwrap().value.span
    };
    let editor = d.editor();
    let edits = [
        editor.replace_value(span_of("a"), &Value::str("tab\there")).unwrap(),
        editor.replace_value(span_of("b"), &Value::str("say \"hi\"\\")).unwrap(),
        editor.replace_value(span_of("c"), &Value::str("true")).unwrap(),
        editor.replace_value(span_of("d"), &Value::str("*.contoso.com")).unwrap(),
        editor.replace_value(span_of("e"), &Value::List(vec![Value::str("a,b"), Value::Int(3)])).unwrap(),
        editor.replace_value(span_of("f"), &Value::str("é ok")).unwrap(),
    ];
    assert_eq!(
        d.apply(edits),
        "k:\n  a: \"tab\\there\"\n  b: \"say \\\"hi\\\"\\\\\"\n  c: \"true\"\n  d: \"*.contoso.com\"\n  e: [\"a,b\", 3]\n  f: é ok\n"
    );
}

#[test]
fn strings_are_plain_only_when_they_read_back_the_same() {
    for plain in ["inside", "CodeTwo Email Signatures 365 connector", "X-AntiLoop-Smarthost", "a.b:c", "1a2b3c.x"] {
        assert_eq!(scalar_text(plain, false, ScalarStyle::Plain), plain);
    }
    for (text, quoted) in [
        ("", "\"\""),
        ("true", "\"true\""),
        ("null", "\"null\""),
        ("007", "\"007\""),
        ("1e3", "\"1e3\""),
        ("a: b", "\"a: b\""),
        ("a #b", "\"a #b\""),
        ("[EXT] ", "\"[EXT] \""),
        ("- x", "\"- x\""),
        ("trailing:", "\"trailing:\""),
        ("bell\u{7}", "\"bell\\x07\""),
        ("line\u{2028}", "\"line\\u2028\""),
    ] {
        assert_eq!(scalar_text(text, false, ScalarStyle::Plain), quoted, "{text:?}");
    }
    assert_eq!(scalar_text("a,b", false, ScalarStyle::Plain), "a,b");
    assert_eq!(scalar_text("a,b", true, ScalarStyle::Plain), "\"a,b\"");
    // Single quotes cannot hold a tab as one character: double quotes take over.
    assert_eq!(scalar_text("it's", false, ScalarStyle::SingleQuoted), "'it''s'");
    assert_eq!(scalar_text("a\tb", false, ScalarStyle::SingleQuoted), "\"a\\tb\"");
}

#[test]
fn push_item_to_flow_block_single_and_empty_lists() {
    let text = "\
connectors:
  - name: A
    recipientDomains: [a.com, b.com ]  # two
    smartHosts:
      - x.mimecast.com   # first
      - y.mimecast.com
    service:
      vendor: proofpoint
      relayDomains: c.com
  - name: B
    recipientDomains: []
    smartHosts:
";
    let d = doc(text);
    let (a, b) = (&d.flow.connectors[0], &d.flow.connectors[1]);
    let editor = d.editor();
    let relay = a.service.as_ref().unwrap().relay_domains.as_ref().unwrap().span;
    let edits = [
        editor.push_item(a.recipient_domains.as_ref().unwrap().span, &Value::str("*.c.com")).unwrap(),
        editor.push_item(a.smart_hosts.as_ref().unwrap().span, &Value::str("z.mimecast.com")).unwrap(),
        editor.push_item(relay, &Value::str("1a2b3c.smtp.codetwo.online")).unwrap(),
        editor.push_item(b.recipient_domains.as_ref().unwrap().span, &Value::str("d.com")).unwrap(),
        editor.push_item(b.smart_hosts.as_ref().unwrap().span, &Value::str("e.com")).unwrap(),
    ];
    assert_eq!(
        d.apply(edits),
        "\
connectors:
  - name: A
    recipientDomains: [a.com, b.com, \"*.c.com\" ]  # two
    smartHosts:
      - x.mimecast.com   # first
      - y.mimecast.com
      - z.mimecast.com
    service:
      vendor: proofpoint
      relayDomains: [c.com, 1a2b3c.smtp.codetwo.online]
  - name: B
    recipientDomains: [d.com]
    smartHosts: [e.com]
"
    );
}

#[test]
fn push_item_requotes_a_single_string_that_cannot_stand_in_a_flow_list() {
    let text = "organization:\n  domains: a.com, b.com\n";
    let d = doc(text);
    let domains = d.file.root.as_ref().unwrap().as_map().unwrap()[0].value.as_map().unwrap()[0].value.span;
    let fixed = d.apply([d.editor().push_item(domains, &Value::str("c.com")).unwrap()]);
    assert_eq!(fixed, "organization:\n  domains: [\"a.com, b.com\", c.com]\n");
}

#[test]
fn remove_entry_takes_whole_lines_with_their_comments() {
    let text = "\
transportRules:\r
  - name: A\r
    # Why it is disabled:\r
    enabled: false   # CHG-1\r
    conditions:\r
      senderIs: inside   # inner\r
      recipientIs: outside\r
    priority: 0\r
";
    let d = doc(text);
    let rule = d.rule("A");
    let editor = d.editor();
    let edits =
        [editor.remove_entry(rule.span, "enabled").unwrap(), editor.remove_entry(rule.span, "conditions").unwrap()];
    assert_eq!(d.apply(edits), "transportRules:\r\n  - name: A\r\n    # Why it is disabled:\r\n    priority: 0\r\n");
    // The last line of a file without a final line break.
    let d = doc("a: 1\nb: 2");
    let root = d.file.root.as_ref().unwrap().span;
    assert_eq!(d.apply([d.editor().remove_entry(root, "b").unwrap()]), "a: 1\n");
    assert_eq!(d.editor().remove_entry(root, "c"), None);
}

#[test]
fn remove_entry_on_a_dash_line_moves_the_next_key_up() {
    let text = "transportRules:\n  - name: A  # n\n    priority: 0\n  - name: B\n";
    let d = doc(text);
    let fixed = d.apply([d.editor().remove_entry(d.rule("A").span, "name").unwrap()]);
    assert_eq!(fixed, "transportRules:\n  - priority: 0\n  - name: B\n");
    let fixed = d.apply([d.editor().remove_entry(d.rule("B").span, "name").unwrap()]);
    assert_eq!(fixed, "transportRules:\n  - name: A  # n\n    priority: 0\n  - {}\n");
}

#[test]
fn remove_entry_from_flow_mappings() {
    let d = doc("a: {x: 1, y: 2, z: 3}\nb: {x: 1, y: 2}\nc: {x: 1}\n");
    let map = |index: usize| d.file.root.as_ref().unwrap().as_map().unwrap()[index].value.span;
    let editor = d.editor();
    let edits = [
        editor.remove_entry(map(0), "y").unwrap(),
        editor.remove_entry(map(1), "x").unwrap(),
        editor.remove_entry(map(2), "x").unwrap(),
    ];
    assert_eq!(d.apply(edits), "a: {x: 1, z: 3}\nb: {y: 2}\nc: {}\n");
}

const ORDERED: &str = "\
mailflow: 1
transportRules:
  - name: CodeTwo
    priority: 0
    stopProcessingMoreRules: true

  # Owned by the messaging team.
  - name: Disclaimer
    priority: 1
    # keep: this comment belongs to Disclaimer
";

fn smart_host_rule(priority: i64) -> Vec<(String, Value)> {
    let Value::Map(fields) = Value::map([
        ("name", Value::str("Mimecast smart host")),
        ("priority", Value::Int(priority)),
        ("conditions", Value::map([("senderIs", Value::str("inside")), ("recipientIs", Value::str("outside"))])),
        ("actions", Value::flow_map([("redirectToConnector", Value::str("Mimecast"))])),
        ("deferOnError", Value::Bool(true)),
    ]) else {
        unreachable!()
    };
    fields
}

#[test]
fn insert_rule_before_a_rule_and_its_comment_keeping_blank_lines() {
    let d = doc(ORDERED);
    let edit = d.editor().insert_rule(RulePlace::Before(d.rule("Disclaimer").span), &smart_host_rule(1)).unwrap();
    assert_eq!(
        d.apply([edit]),
        ORDERED.replace(
            "  # Owned",
            "  - name: Mimecast smart host
    priority: 1
    conditions:
      senderIs: inside
      recipientIs: outside
    actions: {redirectToConnector: Mimecast}
    deferOnError: true

  # Owned"
        )
    );
}

#[test]
fn insert_rule_at_the_end_after_the_last_rules_comments() {
    let d = doc(ORDERED);
    let edit = d.editor().insert_rule(RulePlace::End, &smart_host_rule(2)[..2]).unwrap();
    assert_eq!(d.apply([edit]), format!("{ORDERED}\n  - name: Mimecast smart host\n    priority: 2\n"));
}

#[test]
fn insert_rule_follows_the_dash_and_key_columns_and_crlf() {
    let text = "transportRules:\r\n-   name: A\r\n    priority: 0\r\n";
    let d = doc(text);
    let edit = d.editor().insert_rule(RulePlace::Before(d.rule("A").span), &smart_host_rule(0)[..2]).unwrap();
    assert_eq!(
        d.apply([edit]),
        "transportRules:\r\n-   name: Mimecast smart host\r\n    priority: 0\r\n-   name: A\r\n    priority: 0\r\n"
    );
}

#[test]
fn insert_rule_into_a_flow_an_empty_or_no_list() {
    let fields = &smart_host_rule(0)[..3];
    let d = doc("transportRules: [{name: A}]\n");
    let edit = d.editor().insert_rule(RulePlace::Before(d.rule("A").span), fields).unwrap();
    assert_eq!(
        d.apply([edit]),
        "transportRules: [{name: Mimecast smart host, priority: 0, conditions: {senderIs: inside, recipientIs: \
         outside}}, {name: A}]\n"
    );
    let d = doc("mailflow: 1\ntransportRules:   # none yet\n");
    let edit = d.editor().insert_rule(RulePlace::End, &fields[..1]).unwrap();
    assert_eq!(d.apply([edit]), "mailflow: 1\ntransportRules:   # none yet\n  - name: Mimecast smart host\n");
    let d = doc("mailflow: 1\norganization:\n    name: Contoso\n");
    let edit = d.editor().insert_rule(RulePlace::End, &fields[..1]).unwrap();
    assert_eq!(
        d.apply([edit]),
        "mailflow: 1\norganization:\n    name: Contoso\ntransportRules:\n    - name: Mimecast smart host\n"
    );
    assert_eq!(d.editor().insert_rule(RulePlace::Before(Span::new(0, 4)), fields), None);
}

#[test]
fn renumber_priorities_edits_only_those_that_differ() {
    let text = "\
transportRules:
  - name: Mimecast
    priority: 0   # was first
  - name: CodeTwo
    priority: 1
  - {name: Disclaimer, priority: 2}
  - name: Archive
";
    let d = doc(text);
    let [mimecast, codetwo, disclaimer, archive] = [0, 1, 2, 3].map(|i| &d.flow.rules[i]);
    // CodeTwo first, a new rule's slot at 1, then the rest.
    let edits = d.editor().renumber_priorities(&[Some(codetwo), None, Some(mimecast), Some(disclaimer), Some(archive)]);
    let edits = edits.unwrap();
    assert_eq!(edits.len(), 4);
    assert_eq!(
        d.apply(edits),
        "\
transportRules:
  - name: Mimecast
    priority: 2   # was first
  - name: CodeTwo
    priority: 0
  - {name: Disclaimer, priority: 3}
  - name: Archive
    priority: 4
"
    );
    assert_eq!(d.editor().renumber_priorities(&[Some(mimecast), Some(codetwo), Some(disclaimer)]), Some(vec![]));
}

#[test]
fn values_reached_through_an_alias_are_not_edited() {
    let text = "\
defaults: &defaults
  enabled: false
transportRules:
  - <<: *defaults
    name: A
  - name: B
    conditions: &cond {senderIs: inside}
  - name: C
    conditions: *cond
";
    let d = doc(text);
    let editor = d.editor();
    // The merged `enabled` is not the rule's own: setting it overrides it in the rule.
    let fixed = d.apply([editor.set_entry(d.rule("A").span, "enabled", &Value::Bool(true)).unwrap()]);
    assert!(fixed.contains("    name: A\n    enabled: true\n"), "{fixed}");
    assert!(fixed.contains("  enabled: false\n"), "{fixed}");
    // C's conditions are B's: C gets its own, written where the alias was, and B keeps its.
    let outside = Value::flow_map([("senderIs", Value::str("outside"))]);
    let fixed = d.apply([editor.set_entry(d.rule("C").span, "conditions", &outside).unwrap()]);
    assert!(
        fixed.ends_with("    conditions: &cond {senderIs: inside}\n  - name: C\n    conditions: {senderIs: outside}\n")
    );
    // Editing B's conditions would edit C's: the edit is one that does not keep the aliases.
    let b = d.rule("B").conditions.span.unwrap();
    let edit = editor.set_entry(b, "senderIs", &Value::str("outside")).unwrap();
    assert!(!editor.keeps_aliases(&[edit]));
    // So is adding a key to the merged mapping; adding one to A itself is not.
    let merged = editor.set_entry(d.rule("A").span, "enabled", &Value::Bool(true)).unwrap();
    assert!(editor.keeps_aliases(&[merged]));
    let defaults = d.file.root.as_ref().unwrap().as_map().unwrap()[0].value.span;
    assert!(!editor.keeps_aliases(&[editor.insert_entry(defaults, "mode", &Value::str("audit")).unwrap()]));
}

#[test]
fn a_merge_written_inside_the_target_stays_and_the_key_is_written_on_the_target() {
    for merge in [
        "<<: &defaults\n      mode: enforce\n      stopProcessingMoreRules: false",
        "<<: &defaults {mode: enforce, stopProcessingMoreRules: false}",
    ] {
        for first in [true, false] {
            let a = if first {
                format!("  - name: A\n    {merge}\n    priority: 0\n")
            } else {
                format!("  - name: A\n    priority: 0\n    {merge}\n")
            };
            let text = format!("transportRules:\n{a}  - name: B\n    <<: *defaults\n");
            let d = doc(&text);
            let editor = d.editor();
            let edit = editor.set_entry(d.rule("A").span, "stopProcessingMoreRules", &Value::Bool(true)).unwrap();
            assert!(editor.keeps_aliases(std::slice::from_ref(&edit)), "{text}");
            let fixed = d.apply([edit]);
            assert!(fixed.contains(&format!("{merge}\n")), "{fixed}");
            assert!(fixed.contains("\n    stopProcessingMoreRules: true\n"), "{fixed}");
            // Removing A's priority leaves the merge where it is.
            let removed = d.apply([editor.remove_entry(d.rule("A").span, "priority").unwrap()]);
            assert!(removed.contains(&format!("{merge}\n")) && !removed.contains("priority"), "{removed}");
        }
    }
}

#[test]
fn an_anchored_value_an_alias_uses_is_not_edited() {
    let text = "\
transportRules:
  - name: A
    stopProcessingMoreRules: &stop false
  - name: B
    stopProcessingMoreRules: *stop
";
    let d = doc(text);
    let editor = d.editor();
    let a = d.rule("A").span;
    let edit = editor.set_entry(a, "stopProcessingMoreRules", &Value::Bool(true)).unwrap();
    assert_eq!(&text[edit.span.range()], "false");
    assert!(!editor.keeps_aliases(&[edit]));
    // A key added after the anchored value does not change it.
    assert!(editor.keeps_aliases(&[editor.insert_entry(a, "priority", &Value::Int(0)).unwrap()]));
    // B's own value replaces its alias.
    let b = editor.set_entry(d.rule("B").span, "stopProcessingMoreRules", &Value::Bool(true)).unwrap();
    assert!(editor.keeps_aliases(std::slice::from_ref(&b)));
    assert!(d
        .apply([b])
        .ends_with("    stopProcessingMoreRules: &stop false\n  - name: B\n    stopProcessingMoreRules: true\n"));
}

#[test]
fn replace_others_renames_other_when_nothing_else_is_left_in_it() {
    let text = "\
transportRules:
  - name: A
    conditions:
      senderIs: inside
      other:
        FromMemberOf: sales@contoso.com   # from PowerShell
    exceptions: {other: {ExceptIfHeaderContainsMessageHeader: X-A, ExceptIfHeaderContainsWords: [b]}}
";
    let d = doc(text);
    let rule = d.rule("A");
    let editor = d.editor();
    let spans = |others: &[crate::model::OtherParameter]| others.iter().map(|o| o.span).collect::<Vec<_>>();
    let members = [("senderIsMemberOf".to_owned(), Value::List(vec![Value::str("sales@contoso.com")]))];
    let test = Value::flow_map([("header", Value::str("X-A")), ("words", Value::List(vec![Value::str("b")]))]);
    let header = [("headerContains".to_owned(), test)];
    let (conditions, exceptions) = (rule.conditions.span.unwrap(), rule.exceptions.span.unwrap());
    let mut edits = editor.replace_others(conditions, &spans(&rule.conditions.other), &members).unwrap();
    edits.extend(editor.replace_others(exceptions, &spans(&rule.exceptions.other), &header).unwrap());
    assert_eq!(
        d.apply(edits),
        "\
transportRules:
  - name: A
    conditions:
      senderIs: inside
      senderIsMemberOf: [sales@contoso.com]   # from PowerShell
    exceptions: {headerContains: {header: X-A, words: [b]}}
"
    );
    // A key the block has already, or a span that is no parameter of its `other`.
    let scope = [("senderIs".to_owned(), Value::str("inside"))];
    assert_eq!(editor.replace_others(conditions, &spans(&rule.conditions.other), &scope), None);
    assert_eq!(editor.replace_others(conditions, &spans(&rule.exceptions.other), &members), None);
}

#[test]
fn replace_others_writes_the_keys_before_what_stays_in_other() {
    let text = "\
transportRules:
  - name: A
    conditions:
      other:
        SubjectContainsWords: [quote]
        FromMemberOf: sales@contoso.com  # the group
        FromScope: InOrganization
    actions: {other: {SetSCL: -1, SetHeaderName: X-A, SetHeaderValue: b}}
";
    let d = doc(text);
    let rule = d.rule("A");
    let editor = d.editor();
    let conditions = rule.conditions.span.unwrap();
    let gone = [rule.conditions.other[1].span, rule.conditions.other[2].span];
    let keys = [
        ("senderIsMemberOf".to_owned(), Value::List(vec![Value::str("sales@contoso.com")])),
        ("senderIs".to_owned(), Value::str("inside")),
    ];
    let mut edits = editor.replace_others(conditions, &gone, &keys).unwrap();
    let header = Value::flow_map([("name", Value::str("X-A")), ("value", Value::str("b"))]);
    let actions = rule.actions.span.unwrap();
    let gone = [rule.actions.other[1].span, rule.actions.other[2].span];
    edits.extend(editor.replace_others(actions, &gone, &[("setHeader".to_owned(), header)]).unwrap());
    assert_eq!(
        d.apply(edits),
        "\
transportRules:
  - name: A
    conditions:
      senderIsMemberOf: [sales@contoso.com]
      senderIs: inside
      other:
        SubjectContainsWords: [quote]
    actions: {setHeader: {name: X-A, value: b}, other: {SetSCL: -1}}
"
    );
}

/// A list's items are searched by bisection only where they follow one another in the text:
/// an alias item is a copy with its anchor's span, out of place in its list. A value is found
/// either way, in the rule that holds it.
#[test]
fn values_are_found_in_lists_in_order_and_in_lists_with_alias_items() {
    let ordered =
        "transportRules:\n  - {name: A, priority: 0}\n  - {name: B, priority: 1}\n  - {name: C, priority: 2}\n";
    let aliased = "domains: [&first a.com, b.com, *first, c.com]\ntransportRules:\n  - {name: A, priority: 0}\n  - &b {name: B, priority: 1}\n  - *b\n  - {name: C, priority: 2}\n";
    for (text, in_order) in [(ordered, true), (aliased, false)] {
        let doc = doc(text);
        let editor = doc.editor();
        assert_eq!(editor.lists_in_order, in_order, "{text}");
        for name in ["A", "B", "C"] {
            let priority = doc.rule(name).priority.as_ref().unwrap().span;
            let found = editor.locate(priority).expect("each rule's priority is found");
            assert_eq!(found.node.span, priority);
            let edit = editor.set_entry(doc.rule(name).span, "priority", &Value::Int(7)).unwrap();
            assert_eq!(edit.span, priority, "{text}: {name}");
        }
    }
}
