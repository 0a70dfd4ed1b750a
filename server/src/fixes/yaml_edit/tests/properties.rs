//! Property tests: on generated files (block and flow rules, quoted names, comments at line
//! ends and on their own lines, blank lines, block scalars, LF, CRLF or lone CR line breaks,
//! indent steps 2 to 4), every primitive's edit keeps every byte outside its span and every
//! comment outside it, keeps the line breaks, leaves valid YAML, and changes the data
//! exactly as asked.

use crate::fixes::Editor;
use crate::model::TransportRule;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;

#[derive(Clone, Debug)]
enum Domains {
    Flow(Vec<&'static str>),
    Block(Vec<&'static str>),
    Single(&'static str),
}

#[derive(Clone, Debug)]
enum Conditions {
    Empty,
    Flow { sender: bool, domains: Option<Domains> },
    Block { sender: bool, domains: Option<Domains> },
}

#[derive(Clone, Copy, Debug)]
enum Quote {
    Plain,
    Single,
    Double,
}

#[derive(Clone, Debug)]
struct Rule {
    flow: bool,
    name: &'static str,
    quote: Quote,
    priority: Option<i64>,
    conditions: Option<Conditions>,
    stop: Option<bool>,
    /// The text, and whether it is a literal block scalar.
    comments: Option<(&'static str, bool)>,
    leading_comment: bool,
    /// A comment line between two keys.
    inner_comment: bool,
    trailing_comment: bool,
    /// Bit `n` puts a comment at the end of the rule's line `n`.
    line_comments: u32,
}

#[derive(Clone, Debug)]
struct File {
    /// The line break: LF, CRLF or a lone CR (YAML 1.2 reads all three).
    newline: &'static str,
    step: usize,
    indentless: bool,
    separated: bool,
    rules: Vec<Rule>,
    final_comment: bool,
    final_newline: bool,
}

const NAMES: &[&str] = &["Mimecast", "CodeTwo Exchange transport rule", "it's: quoted", "true", "é ünïcode", "a # b"];
const DOMAINS: &[&str] = &["contoso.com", "*.fabrikam.com", "a, b.com", "x.mimecast.com"];
const STRINGS: &[&str] = &["enforce", "it's", "a: b", "tab\there", "é", "[x]", "true", "", "say \"hi\""];

fn domains() -> impl Strategy<Value = Domains> {
    let some = vec(select(DOMAINS), 1..3);
    prop_oneof![
        vec(select(DOMAINS), 0..3).prop_map(Domains::Flow),
        some.prop_map(Domains::Block),
        select(&DOMAINS[..2]).prop_map(Domains::Single),
    ]
}

fn conditions() -> impl Strategy<Value = Conditions> {
    let flow_domains = domains().prop_filter("block lists cannot sit in flow", |d| !matches!(d, Domains::Block(_)));
    prop_oneof![
        Just(Conditions::Empty),
        (any::<bool>(), proptest::option::of(flow_domains))
            .prop_map(|(sender, domains)| Conditions::Flow { sender, domains }),
        (any::<bool>(), proptest::option::of(domains()))
            .prop_map(|(sender, domains)| Conditions::Block { sender, domains }),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        any::<bool>(),
        select(NAMES),
        select(vec![Quote::Plain, Quote::Single, Quote::Double]),
        proptest::option::of(0..5i64),
        proptest::option::of(conditions()),
        proptest::option::of(any::<bool>()),
        proptest::option::of((select(&["Created by CodeTwo", "a: b"][..]), any::<bool>())),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<u32>()),
    )
        .prop_map(
            |(flow, name, quote, priority, conditions, stop, comments, (leading, inner, trailing, line_comments))| {
                // A flow rule holds no block values.
                let conditions = match conditions {
                    Some(Conditions::Block { sender, domains }) if flow => {
                        Some(Conditions::Flow { sender, domains: domains.filter(|d| !matches!(d, Domains::Block(_))) })
                    }
                    Some(Conditions::Empty) if flow => None,
                    other => other,
                };
                Rule {
                    flow,
                    name,
                    quote,
                    priority,
                    conditions,
                    stop,
                    comments: comments.map(|(text, block)| (text, block && !flow)),
                    leading_comment: leading,
                    inner_comment: inner && !flow,
                    trailing_comment: trailing && !flow,
                    line_comments,
                }
            },
        )
}

fn file() -> impl Strategy<Value = File> {
    let newline = select(&["\n", "\r\n", "\r"][..]);
    (newline, 2..5usize, any::<bool>(), any::<bool>(), vec(rule(), 1..5), any::<bool>(), any::<bool>()).prop_map(
        |(newline, step, indentless, separated, rules, final_comment, final_newline)| File {
            newline,
            step,
            indentless,
            separated,
            rules,
            final_comment,
            final_newline,
        },
    )
}

fn quoted(text: &str, quote: Quote, in_flow: bool) -> String {
    match quote {
        Quote::Plain if is_plain_safe(text, in_flow) => text.to_owned(),
        Quote::Single => format!("'{}'", text.replace('\'', "''")),
        _ => double_quoted(text),
    }
}

fn flow_domains(domains: &Domains) -> String {
    match domains {
        Domains::Flow(items) | Domains::Block(items) => {
            format!("[{}]", items.iter().map(|d| quoted(d, Quote::Plain, true)).collect::<Vec<_>>().join(", "))
        }
        Domains::Single(domain) => quoted(domain, Quote::Plain, true),
    }
}

/// The lines of a block rule: (column, text, whether a comment may end the line).
fn block_rule_lines(rule: &Rule, dash: usize, step: usize) -> Vec<(usize, String, bool)> {
    let key = dash + 2;
    let mut lines = vec![(dash, format!("- name: {}", quoted(rule.name, rule.quote, false)), true)];
    if let Some(priority) = rule.priority {
        lines.push((key, format!("priority: {priority}"), true));
    }
    match &rule.conditions {
        None => {}
        Some(Conditions::Empty) => lines.push((key, "conditions:".into(), true)),
        Some(Conditions::Flow { sender, domains }) => {
            let mut entries = Vec::new();
            if *sender {
                entries.push("senderIs: inside".to_owned());
            }
            if let Some(domains) = domains {
                entries.push(format!("recipientDomainIs: {}", flow_domains(domains)));
            }
            lines.push((key, format!("conditions: {{{}}}", entries.join(", ")), true));
        }
        Some(Conditions::Block { sender, domains }) => {
            if !*sender && domains.is_none() {
                lines.push((key, "conditions: {}".into(), true));
            } else {
                lines.push((key, "conditions:".into(), true));
                if *sender {
                    lines.push((key + step, "senderIs: inside".into(), true));
                }
                match domains {
                    Some(Domains::Block(items)) => {
                        lines.push((key + step, "recipientDomainIs:".into(), true));
                        for item in items {
                            lines.push((key + 2 * step, format!("- {}", quoted(item, Quote::Plain, false)), true));
                        }
                    }
                    Some(Domains::Single(domain)) => lines.push((
                        key + step,
                        format!("recipientDomainIs: {}", quoted(domain, Quote::Plain, false)),
                        true,
                    )),
                    Some(domains) => {
                        lines.push((key + step, format!("recipientDomainIs: {}", flow_domains(domains)), true))
                    }
                    None => {}
                }
            }
        }
    }
    if rule.inner_comment {
        lines.push((key, "# between keys".into(), false));
    }
    if let Some(stop) = rule.stop {
        lines.push((key, format!("stopProcessingMoreRules: {stop}"), true));
    }
    match rule.comments {
        Some((text, true)) => {
            lines.push((key, "comments: |".into(), true));
            // A comment here would be part of the text.
            lines.push((key + step, text.into(), false));
        }
        Some((text, false)) => lines.push((key, format!("comments: {}", quoted(text, Quote::Double, false)), true)),
        None => {}
    }
    lines
}

fn flow_rule(rule: &Rule) -> String {
    let mut entries = vec![format!("name: {}", quoted(rule.name, rule.quote, true))];
    if let Some(priority) = rule.priority {
        entries.push(format!("priority: {priority}"));
    }
    if let Some(Conditions::Flow { sender, domains }) = &rule.conditions {
        let mut inner = Vec::new();
        if *sender {
            inner.push("senderIs: inside".to_owned());
        }
        if let Some(domains) = domains {
            inner.push(format!("recipientDomainIs: {}", flow_domains(domains)));
        }
        entries.push(format!("conditions: {{{}}}", inner.join(", ")));
    }
    if let Some(stop) = rule.stop {
        entries.push(format!("stopProcessingMoreRules: {stop}"));
    }
    if let Some((text, _)) = rule.comments {
        entries.push(format!("comments: {}", double_quoted(text)));
    }
    format!("- {{{}}}", entries.join(", "))
}

fn render(file: &File) -> String {
    let dash = if file.indentless { 0 } else { file.step };
    let mut lines: Vec<String> = vec!["# generated".into(), "mailflow: 1".into(), "transportRules:".into()];
    for (index, rule) in file.rules.iter().enumerate() {
        if index > 0 && file.separated {
            lines.push(String::new());
        }
        if rule.leading_comment {
            lines.push(format!("{}# about rule {index}", " ".repeat(dash)));
        }
        let rule_lines =
            if rule.flow { vec![(dash, flow_rule(rule), true)] } else { block_rule_lines(rule, dash, file.step) };
        for (number, (column, text, commentable)) in rule_lines.into_iter().enumerate() {
            let comment = if commentable && rule.line_comments & (1 << number) != 0 { "  # note" } else { "" };
            lines.push(format!("{}{text}{comment}", " ".repeat(column)));
        }
        if rule.trailing_comment {
            lines.push(format!("{}# end of rule {index}", " ".repeat(dash + 2)));
        }
    }
    if file.final_comment {
        lines.push("# end".into());
    }
    let newline = file.newline;
    let mut text = lines.join(newline);
    // A line added after a block scalar that ends the file without a line break gives the
    // scalar its final line break, which `|` keeps: a change no fix is worth avoiding.
    let ends_in_block_scalar = !file.final_comment
        && file.rules.last().is_some_and(|rule| !rule.trailing_comment && matches!(rule.comments, Some((_, true))));
    if file.final_newline || ends_in_block_scalar {
        text.push_str(newline);
    }
    text
}

/// A value with its spans and styles left out, to compare what a file means.
#[derive(Clone, Debug, PartialEq)]
enum Data {
    Scalar(Resolved),
    Seq(Vec<Data>),
    Map(Vec<(String, Data)>),
}

fn data(node: &Node) -> Data {
    match &node.kind {
        NodeKind::Scalar(scalar) => Data::Scalar(scalar.value.clone()),
        NodeKind::Seq(items) => Data::Seq(items.iter().map(data).collect()),
        NodeKind::Map(entries) => {
            Data::Map(entries.iter().map(|e| (e.key.as_str().unwrap_or_default().to_owned(), data(&e.value))).collect())
        }
        NodeKind::Invalid => panic!("an unreadable node"),
    }
}

fn value_data(value: &Value) -> Data {
    match value {
        Value::Str(text) => Data::Scalar(Resolved::Str(text.as_str().into())),
        Value::Bool(value) => Data::Scalar(Resolved::Bool(*value)),
        Value::Int(value) => Data::Scalar(Resolved::Int(*value)),
        Value::List(items) => Data::Seq(items.iter().map(value_data).collect()),
        Value::Map(entries) | Value::FlowMap(entries) => {
            Data::Map(entries.iter().map(|(key, value)| (key.clone(), value_data(value))).collect())
        }
    }
}

fn entries_mut(data: &mut Data) -> &mut Vec<(String, Data)> {
    match data {
        Data::Map(entries) => entries,
        other => panic!("not a mapping: {other:?}"),
    }
}

fn get_mut<'d>(data: &'d mut Data, key: &str) -> Option<&'d mut Data> {
    entries_mut(data).iter_mut().find(|(k, _)| k == key).map(|(_, value)| value)
}

fn set(data: &mut Data, key: &str, value: Data) {
    match get_mut(data, key) {
        Some(old) => *old = value,
        None => entries_mut(data).push((key.to_owned(), value)),
    }
}

fn rules_mut(data: &mut Data) -> &mut Vec<Data> {
    match get_mut(data, "transportRules") {
        Some(Data::Seq(rules)) => rules,
        other => panic!("transportRules is {other:?}"),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Set { rule: usize, key: &'static str, value: Value },
    AddExceptions { rule: usize },
    PushDomain { rule: usize, domain: &'static str },
    Remove { rule: usize, key: &'static str },
    InsertRule { before: Option<usize> },
    Renumber { order: Vec<usize>, slot: Option<usize> },
}

fn op() -> impl Strategy<Value = Op> {
    let string = select(STRINGS).prop_map(Value::str);
    let value = prop_oneof![
        (Just("stopProcessingMoreRules"), any::<bool>().prop_map(Value::Bool)),
        (Just("priority"), (0..9i64).prop_map(Value::Int)),
        (Just("name"), string.clone()),
        (Just("comments"), string.clone()),
        (Just("mode"), string),
        (
            Just("conditions"),
            Just(Value::map([("senderIs", Value::str("inside")), ("recipientIs", Value::str("outside"))]))
        ),
        (Just("conditions"), Just(Value::flow_map([("recipientDomainIs", Value::List(vec![Value::str("a.com")]))]))),
    ];
    let keys = select(vec!["name", "priority", "conditions", "stopProcessingMoreRules", "comments"]);
    prop_oneof![
        (0..8usize, value).prop_map(|(rule, (key, value))| Op::Set { rule, key, value }),
        (0..8usize).prop_map(|rule| Op::AddExceptions { rule }),
        (0..8usize, select(DOMAINS)).prop_map(|(rule, domain)| Op::PushDomain { rule, domain }),
        (0..8usize, keys).prop_map(|(rule, key)| Op::Remove { rule, key }),
        proptest::option::of(0..8usize).prop_map(|before| Op::InsertRule { before }),
        (Just((0..8).collect::<Vec<_>>()).prop_shuffle(), proptest::option::of(0..8usize))
            .prop_map(|(order, slot)| Op::Renumber { order, slot }),
    ]
}

fn new_rule() -> Vec<(String, Value)> {
    vec![
        ("name".to_owned(), Value::str("Inserted: rule")),
        ("priority".to_owned(), Value::Int(1)),
        ("conditions".to_owned(), Value::map([("senderIs", Value::str("inside"))])),
        ("deferOnError".to_owned(), Value::Bool(true)),
    ]
}

/// The edits `op` makes on `d` and the data they should leave; `None` when the op does not
/// apply to this file.
fn run(d: &Doc, op: &Op) -> Option<(Vec<Edit>, Data)> {
    let editor = d.editor();
    let mut expected = data(d.file.root.as_ref().expect("a generated file has a root"));
    let rules = &d.flow.rules;
    let pick = |index: usize| index % rules.len();
    let edits = match op {
        Op::Set { rule, key, value } => {
            let index = pick(*rule);
            set(&mut rules_mut(&mut expected)[index], key, value_data(value));
            vec![editor.set_entry(rules[index].span, key, value).expect("set_entry applies to every rule")]
        }
        Op::AddExceptions { rule } => {
            let index = pick(*rule);
            let words = Value::List(vec![Value::str("true")]);
            let value = Value::map([(
                "headerContains",
                Value::flow_map([("header", Value::str("X-AntiLoop-Smarthost")), ("words", words)]),
            )]);
            set(&mut rules_mut(&mut expected)[index], "exceptions", value_data(&value));
            vec![editor
                .insert_entry(rules[index].span, "exceptions", &value)
                .expect("no generated rule has exceptions")]
        }
        Op::PushDomain { rule, domain } => {
            let index = pick(*rule);
            let list = rules[index].conditions.recipient_domain_is.as_ref()?;
            let conditions = get_mut(&mut rules_mut(&mut expected)[index], "conditions").expect("conditions");
            let domains = get_mut(conditions, "recipientDomainIs").expect("recipientDomainIs");
            let item = Data::Scalar(Resolved::Str((*domain).into()));
            *domains = match std::mem::replace(domains, Data::Seq(Vec::new())) {
                Data::Seq(mut items) => {
                    items.push(item);
                    Data::Seq(items)
                }
                single => Data::Seq(vec![single, item]),
            };
            vec![editor.push_item(list.span, &Value::str(*domain)).expect("push_item applies to every list")]
        }
        Op::Remove { rule, key } => {
            let index = pick(*rule);
            let entries = entries_mut(&mut rules_mut(&mut expected)[index]);
            let Some(at) = entries.iter().position(|(k, _)| k == key) else {
                assert_eq!(editor.remove_entry(rules[index].span, key), None);
                return None;
            };
            entries.remove(at);
            vec![editor.remove_entry(rules[index].span, key).expect("the key is there")]
        }
        Op::InsertRule { before } => {
            let fields = new_rule();
            let index = before.map(pick);
            let all = rules_mut(&mut expected);
            all.insert(index.unwrap_or(all.len()), value_data(&Value::Map(fields.clone())));
            let place = index.map_or(RulePlace::End, |index| RulePlace::Before(rules[index].span));
            vec![editor.insert_rule(place, &fields).expect("insert_rule applies to every list")]
        }
        Op::Renumber { order, slot } => {
            let mut slots: Vec<Option<usize>> = order.iter().filter(|&&i| i < rules.len()).map(|&i| Some(i)).collect();
            if let Some(slot) = slot {
                slots.insert(slot % (slots.len() + 1), None);
            }
            for (priority, index) in slots.iter().enumerate() {
                if let Some(index) = index {
                    let priority = Data::Scalar(Resolved::Int(priority as i64));
                    set(&mut rules_mut(&mut expected)[*index], "priority", priority);
                }
            }
            let slots: Vec<Option<&TransportRule>> = slots.iter().map(|slot| slot.map(|i| rules[i].as_ref())).collect();
            editor.renumber_priorities(&slots).expect("every rule is in the file")
        }
    };
    Some((edits, expected))
}

fn is_subsequence(part: &[&str], whole: &[&str]) -> bool {
    let mut whole = whole.iter();
    part.iter().all(|item| whole.any(|other| other == item))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::cases::cases(512)))]

    #[test]
    fn edits_keep_every_byte_and_comment_outside_them_and_change_exactly_the_data_asked(file in file(), op in op()) {
        let text = render(&file);
        let d = doc(&text);
        let Some((edits, expected)) = run(&d, &op) else { return Ok(()) };
        let fixed = d.apply(edits.clone());

        // Outside the edits, the bytes are the old ones, in order.
        let mut sorted = edits.clone();
        sorted.sort_by_key(|edit| (edit.span.start, edit.span.end));
        let (mut rest, mut copied) = (fixed.as_str(), 0);
        for edit in &sorted {
            let kept = &text[copied..edit.span.start];
            prop_assert!(rest.starts_with(kept), "bytes before {:?} changed:\n{}", edit, fixed);
            rest = &rest[kept.len()..];
            prop_assert!(rest.starts_with(&edit.replacement));
            rest = &rest[edit.replacement.len()..];
            copied = edit.span.end;
        }
        prop_assert_eq!(rest, &text[copied..]);

        // New lines end like the file's.
        for edit in &edits {
            let bare = edit.replacement.replace(file.newline, "");
            prop_assert!(!bare.contains(['\r', '\n']), "a line break not the file's in {:?}", edit);
        }

        // Comments outside the edits survive, in order.
        let outside: Vec<&str> = d.file.comments.iter()
            .filter(|c| !edits.iter().any(|e| e.span.start < c.span.end && c.span.start < e.span.end))
            .map(|c| c.text.as_str())
            .collect();
        let after = parse(&fixed);
        let now: Vec<&str> = after.comments.iter().map(|c| c.text.as_str()).collect();
        prop_assert!(is_subsequence(&outside, &now), "comments lost: {:?} -> {:?}\n{}", outside, now, fixed);

        prop_assert_eq!(data(after.root.as_ref().expect("a root")), expected, "{}", fixed);
    }
}
