//! The DSL's words for the keys of the catalogue (`model/keys.rs`): which statement stands
//! for a key, and the template of the statement that gives it a value, as the statement
//! table (`model/dsl_statements.rs`) has them. Messages read them through [`dsl_spelling`]
//! (see [`super::message`]). The tests below tie the words to the lowering: each statement
//! lowers to the model its YAML key gives, and the lowering names each as messages do.

use crate::model::dsl_statements::{self, Form, Place, STATEMENTS};
use crate::model::keys::{self, Object, ValueShape};

/// How the DSL says the key `key` of `object`: the name of the statement that stands for
/// it (for a condition: the words after `if` or `except`), and the template of the
/// statement that gives it a value (`{}` stands for the value, `{field}` for a field of a
/// mapping value; a template with no placeholder, for a boolean key, says `true`). Either is
/// `None` when no single statement says it (a name or a priority is part of its object's
/// first line, a header's fields are its values, `other` maps any number of parameters);
/// the whole is `None` for a key the catalogue does not have.
pub fn dsl_spelling(object: Object, key: &str) -> Option<(Option<&'static str>, Option<String>)> {
    keys::lookup(object, key)?;
    match (object, key) {
        // A service's kind and vendor are words of the `service` statement itself.
        (Object::Service, "kind" | "vendor") => {
            let service = dsl_statements::for_key(Object::Connector, "service")?;
            return Some((None, Some(format!("{} {{}}", service.words))));
        }
        (Object::Rule, "conditions") => return Some((Some(Place::Condition.keyword()), None)),
        (Object::Rule, "exceptions") => return Some((Some(Place::Exception.keyword()), None)),
        _ => {}
    }
    // `disabled` says `enabled: false`; `enabled` is the statement that takes the value.
    let Some(row) = STATEMENTS.iter().find(|s| s.object == object && s.key == key && s.form != Form::Flag("false"))
    else {
        return Some((None, None));
    };
    let template = match (row.form, row.catalogue_key().shape) {
        (Form::Item, _) | (_, ValueShape::OpenMap) => None,
        _ => Some(without_examples(row.template)),
    };
    Some((Some(row.words), template))
}

/// A template without its block and the examples of its placeholders: `{name:X-Name}` is
/// `{name}`.
fn without_examples(template: &str) -> String {
    let words = template.split(' ').filter(|token| *token != "{…}").map(|token| match token.split_once(':') {
        Some((field, _)) if token.starts_with('{') => format!("{field}}}"),
        _ => token.to_owned(),
    });
    words.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixes::Value;
    use crate::model::keys::{self, Key, ValueShape};
    use crate::model::{lower_dsl, lower_yaml, MailFlow};
    use crate::rules::message::{Message, Place};
    use crate::syntax::{dsl, yaml, Syntax};

    /// A key of the catalogue with its DSL words.
    struct Spelling {
        object: Object,
        key: &'static str,
        name: Option<&'static str>,
        statement: Option<String>,
    }

    fn spellings() -> Vec<Spelling> {
        Object::ALL
            .iter()
            .flat_map(|&object| keys::keys(object).iter().map(move |key| (object, key.name)))
            .map(|(object, key)| {
                let (name, statement) = dsl_spelling(object, key).expect("a key of the catalogue");
                Spelling { object, key, name, statement }
            })
            .collect()
    }

    /// A value of `key` for the tests: text with quotes in it, the first of an enumeration,
    /// the fields of a mapping that `statement` places.
    fn sample(key: &Key, statement: &str) -> Value {
        match key.shape {
            ValueShape::Bool { .. } => Value::Bool(true),
            ValueShape::Integer { min } => Value::Int(min),
            ValueShape::Text { .. } => Value::str(r#"a "quoted" text"#),
            ValueShape::Size => Value::str("22.5 MB"),
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
    fn samples() -> Vec<(Spelling, Value)> {
        spellings()
            .into_iter()
            .filter_map(|spelling| {
                let value =
                    sample(keys::lookup(spelling.object, spelling.key).unwrap(), spelling.statement.as_deref()?);
                Some((spelling, value))
            })
            .collect()
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
        for (spelling, value) in &samples() {
            let places: &[(Place, &str)] = match spelling.object {
                Object::Predicates => &[(Place::Condition, "conditions"), (Place::Exception, "exceptions")],
                _ => &[(Place::Either, "")],
            };
            for &(place, block) in places {
                let entry = said(spelling, value, place, Syntax::Yaml);
                let statement = said(spelling, value, place, Syntax::Dsl);
                assert_ne!(statement, entry, "no DSL for `{entry}`");
                let (yaml_text, dsl_text) = twin_files(spelling, &entry, &statement, block);
                let (yaml_flow, yaml_findings) = lower_yaml::lower(&yaml::parse(&yaml_text), &yaml_text);
                let (dsl_flow, dsl_findings) = lower_dsl::lower(&dsl::parse(&dsl_text), &dsl_text);
                assert_eq!((yaml_findings, dsl_findings), (vec![], vec![]), "{yaml_text}\n{dsl_text}");
                assert_eq!(without_spans(&dsl_flow), without_spans(&yaml_flow), "{yaml_text}\n{dsl_text}");
                tested += 1;
            }
        }
        // Every statement that gives a key its value was tried (a condition at both places),
        // and a service's kind and vendor.
        let statements: usize = STATEMENTS
            .iter()
            .filter(|s| s.form != Form::Item && s.form != Form::Flag("false"))
            .filter(|s| s.catalogue_key().shape != ValueShape::OpenMap)
            .map(|s| if s.form == Form::Predicate { 2 } else { 1 })
            .sum();
        assert_eq!(tested, statements + 2);
    }

    /// Ties the names to the lowering's statement table: the lowering lists each name among
    /// the statements of its block, and names a condition given twice as this table does.
    #[test]
    fn the_lowering_names_each_statement_as_the_table_does() {
        let lowered = |text: &str| {
            let problems = lower_dsl::lower(&dsl::parse(text), text).1;
            problems.iter().map(crate::rules::lowering_finding).collect::<Vec<_>>()
        };
        let samples = samples();
        for spelling in spellings() {
            let Some(name) = spelling.name else { continue };
            if spelling.object == Object::Predicates {
                // `other` names its parameter too: `if other "A" 1`.
                let statement = match samples.iter().find(|(s, _)| (s.object, s.key) == (spelling.object, spelling.key))
                {
                    Some((_, value)) => said(&spelling, value, Place::Condition, Syntax::Dsl),
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
