//! The DSL's words for the keys of the catalogue (`model/keys.rs`): which statement stands
//! for a key, and the template of the statement that gives it a value. Messages read it
//! through [`dsl_spelling`] (see [`super::message`]), the one function that looks it up.
//!
//! The same DSL words are also in the lowering (`model/lower_dsl.rs`: its statement table
//! and its names for conditions), which keeps its table private. The tests below tie the two
//! together: the lowering must list each name of this table as a statement of the right
//! block, and each statement this table writes must lower to the model its YAML key gives.

use crate::model::keys::Object;

/// How the DSL writes one key of the catalogue.
struct Spelling {
    object: Object,
    key: &'static str,
    /// The DSL statement that stands for the key, as the lowering names it (for a condition:
    /// the words after `if` or `except`). `None` when no statement stands for the key alone:
    /// a name or a priority is part of its object's first line, a service's kind and vendor
    /// are words of the `service` statement, a header's fields are its values.
    name: Option<&'static str>,
    /// The statement that gives the key a value: `{}` stands for the value, `{field}` for a
    /// field of a mapping value. A statement with no placeholder, for a boolean key, says
    /// `true` (leaving it out says `false`). `None` when no single statement says it.
    statement: Option<&'static str>,
}

const fn spelt(object: Object, key: &'static str, name: &'static str, statement: &'static str) -> Spelling {
    Spelling { object, key, name: Some(name), statement: Some(statement) }
}

const fn named(object: Object, key: &'static str, name: &'static str) -> Spelling {
    Spelling { object, key, name: Some(name), statement: None }
}

const fn valued(object: Object, key: &'static str, statement: &'static str) -> Spelling {
    Spelling { object, key, name: None, statement: Some(statement) }
}

const fn unspelt(object: Object, key: &'static str) -> Spelling {
    Spelling { object, key, name: None, statement: None }
}

/// Every key of the catalogue, in its order, with the DSL's words for it (grammar/README.md,
/// "DSL ↔ YAML").
static SPELLINGS: &[Spelling] = &[
    spelt(Object::Root, "mailflow", "mailflow", "mailflow {}"),
    named(Object::Root, "organization", "organization"),
    named(Object::Root, "connectors", "connector"),
    named(Object::Root, "transportRules", "rule"),
    unspelt(Object::Organization, "name"),
    spelt(Object::Organization, "domains", "domains", "domains {}"),
    named(Object::Organization, "onPremises", "on-premises"),
    spelt(Object::OnPremises, "relaysThrough", "relays-through", "relays-through {}"),
    unspelt(Object::Connector, "name"),
    spelt(Object::Connector, "enabled", "enabled", "enabled {}"),
    spelt(Object::Connector, "type", "type", "type {}"),
    spelt(Object::Connector, "use", "use", "use {}"),
    spelt(Object::Connector, "recipientDomains", "recipient-domains", "recipient-domains {}"),
    spelt(Object::Connector, "smartHosts", "smart-hosts", "smart-hosts {}"),
    spelt(Object::Connector, "service", "service", "service {kind} {vendor}"),
    valued(Object::Service, "kind", "service {}"),
    valued(Object::Service, "vendor", "service {}"),
    spelt(Object::Service, "domain", "domain", "domain {}"),
    spelt(Object::Service, "processedHeader", "processed-header", "processed-header {name} {value}"),
    spelt(Object::Service, "returnsToExchange", "returns-to-exchange", "returns-to-exchange {}"),
    spelt(Object::Service, "relayDomains", "relay-domains", "relay-domains {}"),
    unspelt(Object::Header, "name"),
    unspelt(Object::Header, "value"),
    unspelt(Object::Rule, "name"),
    unspelt(Object::Rule, "priority"),
    spelt(Object::Rule, "enabled", "enabled", "enabled {}"),
    spelt(Object::Rule, "mode", "mode", "mode {}"),
    named(Object::Rule, "conditions", "if"),
    named(Object::Rule, "exceptions", "except"),
    // Each action is a statement of its own; nothing stands for them all.
    unspelt(Object::Rule, "actions"),
    spelt(Object::Rule, "stopProcessingMoreRules", "stop processing", "stop processing"),
    spelt(Object::Rule, "deferOnError", "defer on error", "defer on error"),
    spelt(Object::Rule, "comments", "comments", "comments {}"),
    spelt(Object::Predicates, "senderIs", "sender is", "sender is {}"),
    spelt(Object::Predicates, "recipientIs", "recipient is", "recipient is {}"),
    spelt(Object::Predicates, "senderDomainIs", "sender domain is", "sender domain is {}"),
    spelt(Object::Predicates, "recipientDomainIs", "recipient domain is", "recipient domain is {}"),
    spelt(Object::Predicates, "recipientAddressMatches", "recipient address matches", "recipient address matches {}"),
    spelt(Object::Predicates, "headerContains", "header … contains", "header {header} contains {words}"),
    spelt(Object::Predicates, "headerMatches", "header … matches", "header {header} matches {patterns}"),
    spelt(Object::Predicates, "messageTypeMatches", "message type is", "message type is {}"),
    // `other` maps any number of parameters, each a statement of its own.
    named(Object::Predicates, "other", "other"),
    unspelt(Object::HeaderContains, "header"),
    unspelt(Object::HeaderContains, "words"),
    unspelt(Object::HeaderMatches, "header"),
    unspelt(Object::HeaderMatches, "patterns"),
    spelt(Object::Actions, "setHeader", "set header", "set header {name} to {value}"),
    spelt(Object::Actions, "redirectToConnector", "redirect to", "redirect to {}"),
    named(Object::Actions, "other", "do other"),
];

/// How the DSL says the key `key` of `object`: the name of the statement that stands for
/// it (for a condition: the words after `if` or `except`), and the template of the
/// statement that gives it a value (`{}` stands for the value, `{field}` for a field of a
/// mapping value; a template with no placeholder, for a boolean key, says `true`). Either is
/// `None` when no single statement says it; the whole is `None` for a key the catalogue does
/// not have.
pub fn dsl_spelling(object: Object, key: &str) -> Option<(Option<&'static str>, Option<&'static str>)> {
    let spelling = SPELLINGS.iter().find(|s| s.object == object && s.key == key)?;
    Some((spelling.name, spelling.statement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixes::Value;
    use crate::model::keys::{self, Key, ValueShape};
    use crate::model::{lower_dsl, lower_yaml, MailFlow};
    use crate::rules::message::{Message, Place};
    use crate::syntax::{dsl, yaml, Syntax};

    /// The objects of the catalogue, in its order.
    const OBJECTS: [Object; 11] = [
        Object::Root,
        Object::Organization,
        Object::OnPremises,
        Object::Connector,
        Object::Service,
        Object::Header,
        Object::Rule,
        Object::Predicates,
        Object::HeaderContains,
        Object::HeaderMatches,
        Object::Actions,
    ];

    /// A key added to the catalogue must be given its DSL words here too.
    #[test]
    fn every_key_of_the_catalogue_has_one_entry_in_its_order() {
        let catalogue: Vec<(Object, &str)> =
            OBJECTS.iter().flat_map(|&object| keys::keys(object).iter().map(move |key| (object, key.name))).collect();
        let table: Vec<(Object, &str)> = SPELLINGS.iter().map(|s| (s.object, s.key)).collect();
        assert_eq!(table, catalogue);
    }

    /// A value of `key` for the tests: text with quotes in it, the first of an enumeration,
    /// the fields of a mapping that `statement` places.
    fn sample(key: &Key, statement: &str) -> Value {
        match key.shape {
            ValueShape::Bool { .. } => Value::Bool(true),
            ValueShape::Integer { min } => Value::Int(min),
            ValueShape::Text { .. } => Value::str(r#"a "quoted" text"#),
            ValueShape::TextList => Value::List(vec![Value::str("a.example"), Value::str("b.example")]),
            ValueShape::OneOf(values) => Value::str(values[0].0),
            ValueShape::Object(object) => Value::flow_map(
                statement
                    .split(' ')
                    .filter_map(|word| word.strip_prefix('{')?.strip_suffix('}'))
                    .map(|field| (field, sample(keys::lookup(object, field).unwrap(), ""))),
            ),
            shape => panic!("no sample of {shape:?}"),
        }
    }

    /// The entries that have a statement, each with a sample value.
    fn samples() -> impl Iterator<Item = (&'static Spelling, Value)> {
        SPELLINGS.iter().filter_map(|spelling| {
            let statement = spelling.statement?;
            Some((spelling, sample(keys::lookup(spelling.object, spelling.key).unwrap(), statement)))
        })
    }

    /// The entry's key with `value` at `place` (for a condition), as `syntax` writes it.
    fn said(spelling: &Spelling, value: &Value, place: Place, syntax: Syntax) -> String {
        let message = match spelling.object {
            Object::Predicates => Message::new().predicate_setting(place, spelling.key, value.clone()),
            object => Message::new().setting(object, spelling.key, value.clone()),
        };
        let said = message.render(syntax);
        said.strip_prefix('`').and_then(|s| s.strip_suffix('`')).unwrap().to_owned()
    }

    /// A YAML file with `entry` where the keys of `spelling`'s object stand (a condition
    /// under `block`), and a DSL file with `statement` where that statement stands.
    fn twin_files(spelling: &Spelling, entry: &str, statement: &str, block: &str) -> (String, String) {
        let connector_yaml = "mailflow: 1\nconnectors:\n  - name: C\n";
        let connector_dsl = |body: &str| format!("mailflow 1\nconnector \"C\" {{\n{body}}}\n");
        let rule_yaml = "mailflow: 1\ntransportRules:\n  - name: R\n    priority: 0\n";
        let rule_dsl = format!("mailflow 1\nrule \"R\" priority 0 {{\n  {statement}\n}}\n");
        match spelling.object {
            Object::Root => (format!("{entry}\n"), format!("{statement}\n")),
            Object::Organization => (
                format!("mailflow: 1\norganization:\n  {entry}\n"),
                format!("mailflow 1\norganization {{\n  {statement}\n}}\n"),
            ),
            Object::OnPremises => (
                format!("mailflow: 1\norganization:\n  onPremises:\n    {entry}\n"),
                format!("mailflow 1\norganization {{\n  on-premises {{\n    {statement}\n  }}\n}}\n"),
            ),
            Object::Connector => (format!("{connector_yaml}    {entry}\n"), connector_dsl(&format!("  {statement}\n"))),
            // A service's kind and vendor are words of the `service` statement itself.
            Object::Service if matches!(spelling.key, "kind" | "vendor") => {
                (format!("{connector_yaml}    service:\n      {entry}\n"), connector_dsl(&format!("  {statement}\n")))
            }
            Object::Service => (
                format!("{connector_yaml}    service:\n      kind: signature\n      {entry}\n"),
                connector_dsl(&format!("  service signature {{\n    {statement}\n  }}\n")),
            ),
            Object::Rule => (format!("{rule_yaml}    {entry}\n"), rule_dsl),
            Object::Predicates => (format!("{rule_yaml}    {block}:\n      {entry}\n"), rule_dsl),
            Object::Actions => (format!("{rule_yaml}    actions:\n      {entry}\n"), rule_dsl),
            object => panic!("{object:?} has no statements"),
        }
    }

    /// The model as `Debug` text without its spans: what two files that say the same agree on.
    fn without_spans(flow: &MailFlow) -> String {
        let spans = fancy_regex::Regex::new(r"Span \{ start: \d+, end: \d+ \}").unwrap();
        spans.replace_all(&format!("{flow:?}"), "Span").into_owned()
    }

    /// Ties the statements to the lowering and the grammar: each one, in a DSL file, reads
    /// as the model its YAML `key: value` gives.
    #[test]
    fn each_statement_means_what_its_yaml_key_means() {
        let mut tested = 0;
        for (spelling, value) in samples() {
            let places: &[(Place, &str)] = match spelling.object {
                Object::Predicates => &[(Place::Condition, "conditions"), (Place::Exception, "exceptions")],
                _ => &[(Place::Either, "")],
            };
            for &(place, block) in places {
                let entry = said(spelling, &value, place, Syntax::Yaml);
                let statement = said(spelling, &value, place, Syntax::Dsl);
                assert_ne!(statement, entry, "no DSL for `{entry}`");
                let (yaml_text, dsl_text) = twin_files(spelling, &entry, &statement, block);
                let (yaml_flow, yaml_findings) = lower_yaml::lower(&yaml::parse(&yaml_text), &yaml_text);
                let (dsl_flow, dsl_findings) = lower_dsl::lower(&dsl::parse(&dsl_text, None), &dsl_text);
                assert_eq!((yaml_findings, dsl_findings), (vec![], vec![]), "{yaml_text}\n{dsl_text}");
                assert_eq!(without_spans(&dsl_flow), without_spans(&yaml_flow), "{yaml_text}\n{dsl_text}");
                tested += 1;
            }
        }
        assert_eq!(tested, 38);
    }

    /// Ties the names to the lowering's statement table: the lowering lists each name among
    /// the statements of its block, and names a condition given twice as this table does.
    #[test]
    fn the_lowering_names_each_statement_as_the_table_does() {
        let lowered = |text: &str| {
            let problems = lower_dsl::lower(&dsl::parse(text, None), text).1;
            problems.iter().map(crate::rules::lowering_finding).collect::<Vec<_>>()
        };
        for spelling in SPELLINGS {
            let Some(name) = spelling.name else { continue };
            if spelling.object == Object::Predicates {
                // `other` names its parameter too: `if other "A" 1`.
                let statement = match samples().find(|(s, _)| std::ptr::eq(*s, spelling)) {
                    Some((_, value)) => said(spelling, &value, Place::Condition, Syntax::Dsl),
                    None => format!("if {name} \"A\" 1"),
                };
                let slot = if spelling.statement.is_some() { format!("if {name}") } else { format!("if {name} \"A\"") };
                let text = format!("mailflow 1\nrule \"R\" priority 0 {{\n  {statement}\n  {statement}\n}}\n");
                let findings = lowered(&text);
                assert!(
                    findings.iter().any(|d| d.message.contains(&format!("`{slot}` is given twice"))),
                    "{text}\n{findings:#?}"
                );
                continue;
            }
            let text = match spelling.object {
                Object::Root => "mailflow 1\nzzz 1\n",
                Object::Organization => "mailflow 1\norganization {\n  zzz 1\n}\n",
                Object::OnPremises => "mailflow 1\norganization {\n  on-premises {\n    zzz 1\n  }\n}\n",
                Object::Connector => "mailflow 1\nconnector \"C\" {\n  zzz 1\n}\n",
                Object::Service => "mailflow 1\nconnector \"C\" {\n  service signature {\n    zzz 1\n  }\n}\n",
                Object::Rule | Object::Actions => "mailflow 1\nrule \"R\" priority 0 {\n  zzz 1\n}\n",
                object => panic!("{object:?} has no statements"),
            };
            let findings = lowered(text);
            let [unknown] = &findings[..] else { panic!("{text}\n{findings:#?}") };
            let allowed = unknown.message.split("allowed: ").nth(1).and_then(|list| list.strip_suffix(')')).unwrap();
            assert!(allowed.split(", ").any(|statement| statement == name), "`{name}` in {}", unknown.message);
        }
    }
}
