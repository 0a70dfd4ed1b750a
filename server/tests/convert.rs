//! `mailflow convert`: the DSL examples are the conversions of the YAML ones and report the
//! same findings on the same objects; a conversion, either way, reads back as the same model,
//! on the examples and on generated models; comments travel with their objects.

mod cases;

use std::path::{Path, PathBuf};

use mailflow::check::{check, Checked, Selection, Syntax};
use mailflow::convert::{blockers, convert, to_dsl, to_yaml, Attached, Unwritable};
use mailflow::format::format_dsl;
use mailflow::model::MailFlow;

fn check_text(text: &str, syntax: Syntax) -> Checked {
    check(text, syntax, &Selection::default())
}

/// `text` converted to `to`, after making sure it may be.
fn converted(text: &str, from: Syntax, to: Syntax) -> String {
    let checked = check_text(text, from);
    assert_eq!(blockers(&checked), [], "the input has errors:\n{text}");
    convert(&checked, text, to).unwrap_or_else(|Unwritable(parts)| panic!("cannot convert: {parts:?}\n{text}"))
}

/// The check of a converted text, which must read without errors MF001–MF004 and, in the
/// DSL, be laid out as `mailflow fmt` lays it out.
fn reread(text: &str, syntax: Syntax) -> Checked {
    if syntax == Syntax::Dsl {
        assert_eq!(format_dsl(text).ok().as_deref(), Some(text), "`mailflow fmt` would change the converted text");
    }
    let checked = check_text(text, syntax);
    let blocking: Vec<String> = blockers(&checked).into_iter().map(|b| b.value).collect();
    assert!(blocking.is_empty(), "the converted text has errors {blocking:?}:\n{text}");
    checked
}

/// A model without its spans, as comparable text: its `Debug` form with every span taken out
/// (so that a field added to the model is compared too).
fn strip(flow: &MailFlow) -> String {
    let spans =
        fancy_regex::Regex::new(r"(rules_)?span: (Some\()?Span \{ start: \d+, end: \d+ \}\)?(, )?|span: None(, )?")
            .unwrap();
    spans.replace_all(&format!("{flow:?}"), "").into_owned()
}

/// `strip`, with the explicit `false` of `stopProcessingMoreRules` and `deferOnError` taken
/// for the default it is: the DSL writes it by leaving the statement out.
fn strip_for_dsl(flow: &MailFlow) -> String {
    let mut flow = flow.clone();
    for rule in flow.rules.iter_mut().map(std::sync::Arc::make_mut) {
        for setting in [&mut rule.stop_processing, &mut rule.defer_on_error] {
            if setting.as_ref().is_some_and(|s| !s.value) {
                *setting = None;
            }
        }
    }
    strip(&flow)
}

/// Each diagnostic's code and the object it lies in (a rule or connector by name, or the
/// file), sorted: the syntaxes lay their objects out differently.
fn subjects(checked: &Checked) -> Vec<(&'static str, String)> {
    let mut subjects: Vec<(&'static str, String)> = checked
        .diagnostics
        .iter()
        .map(|d| {
            let rule =
                checked.flow.rules.iter().find(|r| r.span.contains(d.span)).map(|r| format!("rule {}", r.name()));
            let connector = || {
                let found = checked.flow.connectors.iter().find(|c| c.span.contains(d.span));
                found.map(|c| format!("connector {}", c.name()))
            };
            (d.code(), rule.or_else(connector).unwrap_or_else(|| "file".to_owned()))
        })
        .collect();
    subjects.sort();
    subjects
}

/// Every comment's text, in the order of the source.
fn comments(checked: &Checked) -> Vec<String> {
    checked.source.comments().iter().map(|c| c.text.trim_end().to_owned()).collect()
}

fn examples() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("examples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".mailflow.yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "the examples were not found");
    paths
}

/// The committed DSL twin of a YAML example: `x.mailflow.yaml` → `x.mailflow`.
fn dsl_twin(path: &Path) -> PathBuf {
    path.with_extension("")
}

#[test]
fn each_dsl_example_is_the_conversion_of_its_yaml_example() {
    for path in examples() {
        let yaml = std::fs::read_to_string(&path).unwrap();
        let committed = std::fs::read_to_string(dsl_twin(&path)).unwrap_or_default();
        assert!(
            converted(&yaml, Syntax::Yaml, Syntax::Dsl) == committed,
            "{} is not the conversion of {}; write it again with `mailflow convert {} --to dsl --output {}`",
            dsl_twin(&path).display(),
            path.display(),
            path.display(),
            dsl_twin(&path).display()
        );
    }
}

#[test]
fn each_dsl_example_reports_what_its_yaml_example_reports() {
    for path in examples() {
        let yaml = check_text(&std::fs::read_to_string(&path).unwrap(), Syntax::Yaml);
        let dsl = check_text(&std::fs::read_to_string(dsl_twin(&path)).unwrap(), Syntax::Dsl);
        assert_eq!(subjects(&dsl), subjects(&yaml), "{}", dsl_twin(&path).display());
    }
}

#[test]
fn examples_convert_both_ways_to_the_same_model_and_comments() {
    for path in examples() {
        let yaml = std::fs::read_to_string(&path).unwrap();
        let original = check_text(&yaml, Syntax::Yaml);
        let dsl = converted(&yaml, Syntax::Yaml, Syntax::Dsl);
        let from_dsl = reread(&dsl, Syntax::Dsl);
        let back = converted(&dsl, Syntax::Dsl, Syntax::Yaml);
        let from_back = reread(&back, Syntax::Yaml);
        let name = path.display();
        assert_eq!(strip_for_dsl(&from_dsl.flow), strip_for_dsl(&original.flow), "{name} → DSL");
        assert_eq!(strip_for_dsl(&from_back.flow), strip_for_dsl(&original.flow), "{name} → DSL → YAML");
        let yaml_again = reread(&converted(&yaml, Syntax::Yaml, Syntax::Yaml), Syntax::Yaml);
        assert_eq!(strip(&yaml_again.flow), strip(&original.flow), "{name} → YAML");

        // Every comment comes along, but the YAML editors' schema line, which the DSL drops
        // with the bare `#` lines under it.
        let mut written = comments(&original);
        if written.first().is_some_and(|c| c.starts_with("# yaml-language-server:")) {
            let kept = written.iter().skip(1).position(|c| c != "#").map_or(written.len(), |i| i + 1);
            written.drain(..kept);
        }
        let sorted = |checked: &Checked| {
            let mut found = comments(checked);
            found.sort();
            found
        };
        written.sort();
        assert_eq!(sorted(&from_dsl), written, "{name} → DSL");
        assert_eq!(sorted(&from_back), written, "{name} → DSL → YAML");
    }
}

#[test]
fn comments_travel_with_their_objects() {
    let yaml = r#"# The header.
#
# expect: none

mailflow: 1   # the version

# The tenant.
organization:  # about the organization
  name: Contoso
  domains: [contoso.com]

connectors:
  # About A,
  # two lines.
  - name: A   # mailflow: ignore[MF203]
    use: recipient-domains
    recipientDomains: ["*"]   # every domain
    service:
      kind: smart-host
      # on the vendor
      vendor: mimecast
      # left at the end of A

  # About B, apart.

  - name: B
    smartHosts:   # on the key
      - b.example   # on the item
transportRules:
  - name: R
    priority: 0
    conditions: {senderIs: inside}   # on a flow mapping
    actions:
      redirectToConnector: B
# At the end.
"#;
    let dsl = converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert_eq!(
        dsl,
        r#"# The header.
#
# expect: none

mailflow 1 # the version

# The tenant.
organization "Contoso" { # about the organization
  domains "contoso.com"
}

# About A,
# two lines.
connector "A" { # mailflow: ignore[MF203]
  use recipient-domains
  recipient-domains "*" # every domain
  # on the vendor
  service smart-host mimecast
  # left at the end of A
}

# About B, apart.

connector "B" {
  # on the key
  smart-hosts "b.example" # on the item
}

rule "R" priority 0 {
  if sender is inside # on a flow mapping
  redirect to "B"
}

# At the end.
"#
    );
    assert_eq!(
        converted(&dsl, Syntax::Dsl, Syntax::Yaml),
        r#"# The header.
#
# expect: none

mailflow: 1  # the version

# The tenant.
organization:  # about the organization
  name: Contoso
  domains: [contoso.com]

connectors:
  # About A,
  # two lines.
  - name: A  # mailflow: ignore[MF203]
    use: recipient-domains
    recipientDomains: ["*"]  # every domain
    # on the vendor
    service:
      kind: smart-host
      vendor: mimecast
    # left at the end of A

  # About B, apart.

  - name: B
    # on the key
    smartHosts: [b.example]  # on the item

transportRules:
  - name: R
    priority: 0
    conditions:  # on a flow mapping
      senderIs: inside
    actions:
      redirectToConnector: B

# At the end.
"#
    );
}

#[test]
fn an_ignore_comment_inside_an_object_stays_inside_it() {
    // Inside a connector, away from its name, the comment silences nothing (MF014); moved
    // above the connector it would silence MF203.
    let yaml = "mailflow: 1\nconnectors:\n  - use: transport-rule\n    # mailflow: ignore[MF203]\n    name: A\n    \
                recipientDomains: [x.com]\n";
    let dsl = converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert_eq!(subjects(&reread(&dsl, Syntax::Dsl)), subjects(&check_text(yaml, Syntax::Yaml)), "{dsl}");
    let back = converted(&dsl, Syntax::Dsl, Syntax::Yaml);
    assert_eq!(subjects(&reread(&back, Syntax::Yaml)), subjects(&check_text(yaml, Syntax::Yaml)), "{back}");
}

#[test]
fn errors_that_lose_content_block_a_conversion() {
    let unknown_key = check_text("mailflow: 1\nconnectors:\n  - name: A\n    smarthosts: [a.example]\n", Syntax::Yaml);
    let found = blockers(&unknown_key);
    assert_eq!(found.len(), 1);
    assert!(found[0].value.starts_with("MF002 "), "{found:?}");

    let silenced = "# mailflow: ignore-file[MF002]\nmailflow: 1\ncolour: blue\n";
    let found = blockers(&check_text(silenced, Syntax::Yaml));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].value.contains("silences MF002"), "{found:?}");

    let other_map = check_text(
        "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 0\n    actions: {other: {X: {a: 1}}}\n",
        Syntax::Yaml,
    );
    assert!(blockers(&other_map)[0].value.starts_with("MF003 "));

    // Findings of the analysis do not block: the model holds everything.
    assert_eq!(blockers(&check_text(&std::fs::read_to_string(&examples()[0]).unwrap(), Syntax::Yaml)), []);
}

#[test]
fn an_empty_list_cannot_be_written_in_the_dsl() {
    let text = "mailflow: 1\nconnectors:\n  - name: A\n    use: transport-rule\n    recipientDomains: []\n";
    let checked = check_text(text, Syntax::Yaml);
    assert_eq!(blockers(&checked), []);
    let Err(Unwritable(parts)) = convert(&checked, text, Syntax::Dsl) else { panic!("converted an empty list") };
    assert_eq!(parts.len(), 1);
    assert!(parts[0].value.contains("`recipientDomains` is an empty list"), "{parts:?}");
    assert_eq!(&text[parts[0].span.range()], "[]");
    // YAML writes it.
    assert!(converted(text, Syntax::Yaml, Syntax::Yaml).contains("recipientDomains: []"));
}

#[test]
fn other_parameters_keep_their_values() {
    let yaml = "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 0\n    conditions:\n      other: \
                {SubjectContainsWords: [invoice, 42, true], SCLOver: 5, Ratio: 1.5, Single: [one]}\n    actions:\n      \
                other: {PrependSubject: \"[EXT] \"}\n";
    let dsl = converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(dsl.contains(r#"  if other "SubjectContainsWords" "invoice" 42 true"#), "{dsl}");
    assert!(dsl.contains(r#"  if other "SCLOver" 5"#), "{dsl}");
    assert!(dsl.contains(r#"  if other "Ratio" "1.5""#), "{dsl}");
    assert!(dsl.contains(r#"  if other "Single" "one""#), "{dsl}");
    assert!(dsl.contains(r#"  do other "PrependSubject" "[EXT] ""#), "{dsl}");
    let back = converted(&dsl, Syntax::Dsl, Syntax::Yaml);
    assert!(back.contains("      SubjectContainsWords: [invoice, 42, true]\n"), "{back}");
    assert!(back.contains("      Ratio: \"1.5\"\n"), "{back}");
    assert_eq!(strip(&reread(&back, Syntax::Yaml).flow), strip(&check_text(yaml, Syntax::Yaml).flow));
}

#[test]
fn the_yaml_schema_line_is_left_out_of_the_dsl() {
    let yaml = "# yaml-language-server: $schema=../schema/mailflow.schema.json\n#\n# The tenant.\n\nmailflow: 1\n";
    assert_eq!(converted(yaml, Syntax::Yaml, Syntax::Dsl), "# The tenant.\n\nmailflow 1\n");
}

#[test]
fn a_model_not_read_from_a_text_prints_without_comments() {
    let flow = check_text(&std::fs::read_to_string(&examples()[0]).unwrap(), Syntax::Yaml).flow;
    let yaml = to_yaml(&flow, &Attached::default());
    assert!(!yaml.contains('#'), "{yaml}");
    assert_eq!(strip(&reread(&yaml, Syntax::Yaml).flow), strip(&flow));
    let dsl = to_dsl(&flow, &Attached::default()).unwrap();
    assert_eq!(strip_for_dsl(&reread(&dsl, Syntax::Dsl).flow), strip_for_dsl(&flow));
}

mod generated {
    //! Models built from every field's possible values, printed in each syntax and read back.

    use super::*;
    use mailflow::model::{
        Actions, Connector, ConnectorType, ConnectorUse, Header, HeaderContains, HeaderMatches, MessageSize,
        MessageType, OnPremises, Organization, OtherParameter, ParameterValue, Pattern, Predicates, RuleMode, Scope,
        Service, ServiceKind, TransportRule, Vendor,
    };
    use mailflow::text::{Span, Spanned};
    use proptest::collection::{btree_map, vec};
    use proptest::option::of;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn at<T>(value: T) -> Spanned<T> {
        Spanned::new(value, Span::default())
    }

    /// Text of every kind: ordinary, with the characters that need quoting or escaping in
    /// either syntax, words YAML reads as something else, and any characters at all.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9 .@*-]{1,20}",
            "[ -~]{0,12}",
            select(vec![
                "",
                "true",
                "no",
                "null",
                "~",
                "0x1F",
                "007",
                "1.5",
                "-",
                "- a",
                "a: b",
                "a #b",
                "# c",
                "\"q\"",
                "'s'",
                "back\\slash",
                "line\nbreak",
                "tab\there",
                "cr\rhere",
                "\u{feff}bom",
                "\u{2028}",
                " lead",
                "trail ",
                "[a]",
                "{b}",
                "*alias",
                "&anchor",
                "!tag",
                "%x",
                "@x",
                "`x",
                "|",
                ">",
                "<<",
                "é ü 中 😀",
            ])
            .prop_map(str::to_owned),
            vec(any::<char>(), 0..6).prop_map(String::from_iter),
        ]
    }

    fn spanned_text() -> impl Strategy<Value = Spanned<String>> {
        text().prop_map(at)
    }

    /// A list the DSL can write: one value or more.
    fn texts() -> impl Strategy<Value = Vec<Spanned<String>>> {
        vec(spanned_text(), 1..4)
    }

    fn list() -> impl Strategy<Value = Option<Spanned<Vec<Spanned<String>>>>> {
        of(texts().prop_map(at))
    }

    fn flag() -> impl Strategy<Value = Option<Spanned<bool>>> {
        of(any::<bool>().prop_map(at))
    }

    fn one_of<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> impl Strategy<Value = Option<Spanned<T>>> {
        of(select(values.to_vec()).prop_map(at))
    }

    fn header() -> impl Strategy<Value = Header> {
        (spanned_text(), spanned_text()).prop_map(|(name, value)| Header { span: Span::default(), name, value })
    }

    fn patterns() -> impl Strategy<Value = Vec<Pattern>> {
        vec(spanned_text().prop_map(Pattern::compile), 1..3)
    }

    fn other() -> impl Strategy<Value = Vec<OtherParameter>> {
        let value = prop_oneof![
            text().prop_map(ParameterValue::Text),
            any::<i64>().prop_map(ParameterValue::Integer),
            any::<bool>().prop_map(ParameterValue::Boolean),
        ];
        // Names are unique in a block, as keys of a mapping.
        btree_map(text(), vec(value.prop_map(at), 1..4), 0..3).prop_map(|parameters| {
            parameters
                .into_iter()
                .map(|(name, values)| OtherParameter { name: at(name), values, span: Span::default() })
                .collect()
        })
    }

    /// Conditions with every field set or not; the lists of one shape are filled through
    /// `Predicates::text_lists_mut` and `pattern_lists_mut`, as the lowerings fill them, so
    /// that a new list condition is generated without a line here.
    fn predicates() -> impl Strategy<Value = Predicates> {
        let lists = Predicates::default().text_lists().len();
        let pattern_lists = Predicates::default().pattern_lists().len();
        (
            one_of(&[Scope::Inside, Scope::Outside]),
            one_of(&Scope::ALL),
            prop::collection::vec(list(), lists),
            prop::collection::vec(of(patterns().prop_map(at)), pattern_lists),
            of((spanned_text(), texts()).prop_map(|(header, words)| HeaderContains {
                span: Span::default(),
                header,
                words,
            })),
            of((spanned_text(), patterns()).prop_map(|(header, patterns)| HeaderMatches {
                span: Span::default(),
                header,
                patterns,
            })),
            one_of(&MessageType::ALL),
            of(prop_oneof![
                (0u64..1 << 40).prop_map(|bytes| bytes.to_string()),
                (1u32..2048).prop_map(|mb| format!("{mb} MB"))
            ]
            .prop_map(|written| at(MessageSize::parse(&written).expect("a size")))),
            other(),
        )
            .prop_map(
                |(
                    sender_is,
                    recipient_is,
                    text_lists,
                    pattern_lists,
                    header_contains,
                    header_matches,
                    message_type_matches,
                    message_size_over,
                    other,
                )| {
                    let mut predicates = Predicates {
                        span: None,
                        sender_is,
                        recipient_is,
                        header_contains: header_contains.map(Box::new),
                        header_matches: header_matches.map(Box::new),
                        message_type_matches,
                        message_size_over,
                        other,
                        ..Predicates::default()
                    };
                    for ((_, field), list) in predicates.text_lists_mut().into_iter().zip(text_lists) {
                        *field = list.map(Box::new);
                    }
                    for ((_, field), list) in predicates.pattern_lists_mut().into_iter().zip(pattern_lists) {
                        *field = list.map(Box::new);
                    }
                    predicates
                },
            )
    }

    fn actions() -> impl Strategy<Value = Actions> {
        (of(header()), of(spanned_text()), of(spanned_text()), other()).prop_map(
            |(set_header, redirect_to_connector, remove_header, other)| Actions {
                span: None,
                set_header,
                redirect_to_connector,
                remove_header,
                other,
            },
        )
    }

    fn rule() -> impl Strategy<Value = TransportRule> {
        (
            (spanned_text(), (0..=i64::MAX).prop_map(at), flag(), one_of(&RuleMode::ALL)),
            (predicates(), predicates(), actions()),
            (flag(), flag(), of(spanned_text())),
        )
            .prop_map(
                |(
                    (name, priority, enabled, mode),
                    (conditions, exceptions, actions),
                    (stop_processing, defer_on_error, comments),
                )| TransportRule {
                    span: Span::default(),
                    name: Some(name),
                    priority: Some(priority),
                    enabled,
                    mode,
                    conditions,
                    exceptions,
                    actions,
                    stop_processing,
                    defer_on_error,
                    comments,
                    derived: Default::default(),
                },
            )
    }

    fn service() -> impl Strategy<Value = Service> {
        (
            select(ServiceKind::ALL.to_vec()).prop_map(at),
            one_of(&Vendor::ALL),
            of(spanned_text()),
            of(header()),
            flag(),
            list(),
        )
            .prop_map(|(kind, vendor, domain, processed_header, returns_to_exchange, relay_domains)| Service {
                span: Span::default(),
                kind,
                vendor,
                domain,
                processed_header,
                returns_to_exchange,
                relay_domains,
            })
    }

    fn connector() -> impl Strategy<Value = Connector> {
        (spanned_text(), flag(), one_of(&ConnectorType::ALL), one_of(&ConnectorUse::ALL), list(), list(), of(service()))
            .prop_map(|(name, enabled, connector_type, use_, recipient_domains, smart_hosts, service)| Connector {
                span: Span::default(),
                name: Some(name),
                enabled,
                connector_type,
                use_,
                recipient_domains,
                smart_hosts,
                service,
            })
    }

    fn organization() -> impl Strategy<Value = Organization> {
        let on_premises =
            of(spanned_text()).prop_map(|relays_through| OnPremises { span: Span::default(), relays_through });
        (of(spanned_text()), vec(spanned_text(), 0..3), of(on_premises))
            .prop_map(|(name, domains, on_premises)| Organization { span: Span::default(), name, domains, on_premises })
    }

    fn flow() -> impl Strategy<Value = MailFlow> {
        ((1..=i64::MAX).prop_map(at), of(organization()), vec(connector(), 0..3), vec(rule(), 0..3)).prop_map(
            |(version, organization, connectors, rules)| {
                let mut flow = MailFlow::default();
                flow.version = Some(version);
                flow.organization = organization;
                flow.connectors = connectors;
                flow.rules = rules.into_iter().map(std::sync::Arc::new).collect();
                flow
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: crate::cases::cases(256), ..ProptestConfig::default() })]

        #[test]
        fn a_model_printed_as_yaml_reads_back_as_itself(flow in flow()) {
            let yaml = to_yaml(&flow, &Attached::default());
            prop_assert_eq!(strip(&reread(&yaml, Syntax::Yaml).flow), strip(&flow), "{}", yaml);
        }

        #[test]
        fn a_model_printed_in_the_dsl_reads_back_as_itself(flow in flow()) {
            let dsl = to_dsl(&flow, &Attached::default()).unwrap();
            prop_assert_eq!(strip_for_dsl(&reread(&dsl, Syntax::Dsl).flow), strip_for_dsl(&flow), "{}", dsl);
        }
    }
}

/// Every mail-flow file of the repository in `syntax`: the examples, the fixtures and the
/// real-world corpus.
fn every_file(syntax: Syntax) -> Vec<PathBuf> {
    fn walk(dir: &Path, syntax: Syntax, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, syntax, found);
            } else if Syntax::of_path(&path) == syntax && path.to_string_lossy().contains(".mailflow") {
                found.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in ["../examples", "tests/fixtures", "tests/fixtures_dsl", "tests/real_world"] {
        walk(&root.join(dir), syntax, &mut found);
    }
    found.sort();
    assert!(found.len() >= 50, "the files were not found");
    found
}

/// `text` converted to `to`, or `None` when it cannot be (errors MF001–MF004).
fn converted_if_possible(text: &str, from: Syntax, to: Syntax) -> Option<String> {
    let checked = check_text(text, from);
    blockers(&checked).is_empty().then(|| convert(&checked, text, to).ok()).flatten()
}

/// After the first conversion each way, converting again changes nothing: a comment comes
/// back where it was (one at the end of a YAML key's line, `actions:  # …`, used to move
/// above the value in the DSL and then above the key in YAML).
#[test]
fn round_trips_are_stable_after_the_first() {
    let mut drifted = Vec::new();
    for (syntax, other) in [(Syntax::Yaml, Syntax::Dsl), (Syntax::Dsl, Syntax::Yaml)] {
        for path in every_file(syntax) {
            let source = std::fs::read_to_string(&path).unwrap();
            let Some(first) = converted_if_possible(&source, syntax, other) else { continue };
            let back = converted(&first, other, syntax);
            let second = converted(&back, syntax, other);
            let back_again = converted(&second, other, syntax);
            if second != first || back_again != back {
                drifted.push(format!("{}:\n{first}\n→\n{second}", path.display()));
            }
        }
    }
    assert!(drifted.is_empty(), "{}", drifted.join("\n\n"));
}

/// A conversion keeps what every suppression silences: it adds no MF014 (a suppression
/// that silences nothing) and leaves none out.
#[test]
fn a_conversion_keeps_every_suppression_working() {
    let unused = |checked: &Checked| {
        let mut found: Vec<String> =
            checked.diagnostics.iter().filter(|d| d.code() == "MF014").map(|d| d.message.clone()).collect();
        found.sort();
        found
    };
    let mut changed = Vec::new();
    for (syntax, other) in [(Syntax::Yaml, Syntax::Dsl), (Syntax::Dsl, Syntax::Yaml)] {
        for path in every_file(syntax) {
            let source = std::fs::read_to_string(&path).unwrap();
            let Some(result) = converted_if_possible(&source, syntax, other) else { continue };
            let (before, after) = (unused(&check_text(&source, syntax)), unused(&check_text(&result, other)));
            if before != after {
                changed.push(format!("{}: {before:?} → {after:?}\n{result}", path.display()));
            }
        }
    }
    assert!(changed.is_empty(), "{}", changed.join("\n\n"));
}

#[test]
fn a_comment_at_the_end_of_a_key_line_comes_back_where_it_was() {
    let yaml = "mailflow: 1
transportRules:
  - name: R
    priority: 0
    conditions:  # staff only
      senderIs: inside
    actions:
      redirectToConnector: B   # to the gateway
connectors:
  - name: B
    use: transport-rule
    service:
      kind: smart-host
      vendor: mimecast   # the vendor
";
    let dsl = converted(yaml, Syntax::Yaml, Syntax::Dsl);
    assert!(dsl.contains("  if sender is inside # staff only\n  redirect to \"B\" # to the gateway\n"), "{dsl}");
    assert!(dsl.contains("  service smart-host mimecast # the vendor\n"), "{dsl}");
    let back = converted(&dsl, Syntax::Dsl, Syntax::Yaml);
    assert!(back.contains("    actions:  # to the gateway\n"), "{back}");
    assert_eq!(converted(&back, Syntax::Yaml, Syntax::Dsl), dsl);
    assert_eq!(converted(&converted(&back, Syntax::Yaml, Syntax::Dsl), Syntax::Dsl, Syntax::Yaml), back);
}
