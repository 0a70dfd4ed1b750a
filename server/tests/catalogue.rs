//! Every key of the key catalogue, in every place the catalogue lets its object stand and in
//! both syntaxes, is supported end to end:
//!
//! 1. **statement**: the DSL has a statement that writes it (its own row of the statement
//!    table, a flag, or a statement it is written inside: `WRITTEN_INSIDE`);
//! 2. **conversion**: a small file setting it converts YAML → DSL → YAML with the same model
//!    and no finding MF001–MF004 on the way;
//! 3. **hover**: hovering the key in YAML, and its statement's first word in the DSL, shows a
//!    page that names it;
//! 4. **completion**: at an empty line of its mapping or block, in a file that does not set
//!    it yet, completion offers it (in YAML the key, in the DSL the statement's label);
//! 5. **fix support**: each syntax's `Editor` sets it on an existing object, adding it where
//!    the object lacks it and replacing another value it has, and the edited file reads
//!    back with that value.
//!
//! What a check cannot do for a key is listed in [`EXCLUSIONS`] with the reason; an
//! exclusion that no longer matches what happens fails the test, as does a key a check skips
//! without one.

use mailflow::check::{check, Checked, Selection, Source, Syntax};
use mailflow::convert::{blockers, convert};
use mailflow::diagnostic::Fix;
use mailflow::fixes::{apply_fixes, DslEditor, Editor, Value, YamlEditor};
use mailflow::ide::{complete, hover};
use mailflow::model::dsl_statements::{self, Form, Place, Statement, STATEMENTS, WRITTEN_INSIDE};
use mailflow::model::keys::{self, Key, Object, ValueShape};
use mailflow::model::MailFlow;
use mailflow::text::Span;
use std::fmt::Write as _;

// ---- what is checked, and what is not ---------------------------------------------------

/// The checks made for each key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Statement,
    Conversion,
    Hover,
    Completion,
    /// Fix support: `set_entry` on an object that lacks the key.
    FixAdd,
    /// Fix support: `set_entry` on an object that has the key with another value.
    FixReplace,
}

/// A check that cannot apply to a key of an object (wherever that object stands), in one
/// syntax or both (`None`).
struct Exclusion {
    object: Object,
    key: &'static str,
    check: Check,
    syntax: Option<Syntax>,
    reason: &'static str,
}

const fn exclude(
    object: Object,
    key: &'static str,
    check: Check,
    syntax: Option<Syntax>,
    reason: &'static str,
) -> Exclusion {
    Exclusion { object, key, check, syntax, reason }
}

const ROOT_HAS_NO_SPAN: &str = "the root mapping is no object of the model: no span names it, so no fix can set a \
                                key on it (fixes add rules with `insert_rule`)";
const DSL_NAMES_ITEMS: &str = "the DSL names every connector and rule (`connector \"…\"`): one without a name cannot \
                               be written, so there is no DSL object lacking it";
const NOT_READ_WITHOUT: &str = "the key is required to read its object: without it the model has no such object to \
                                set it on";
const BLOCK_KEPT: &str = "a statement with a block of its own is not replaced: its inner statements and their \
                          comments would be lost (fixes only add one where there is none)";
const RULE_BLOCK_ADDS: &str = "a rule's conditions, exceptions and actions are statements among the rule's others: \
                               `set_entry` on the rule adds statements (fixes change a key inside an existing \
                               block through the block's span, as the replace check of its keys does)";

static EXCLUSIONS: &[Exclusion] = &[
    exclude(Object::Root, "mailflow", Check::FixAdd, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "mailflow", Check::FixReplace, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "organization", Check::FixAdd, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "organization", Check::FixReplace, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "connectors", Check::FixAdd, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "connectors", Check::FixReplace, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "transportRules", Check::FixAdd, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Root, "transportRules", Check::FixReplace, None, ROOT_HAS_NO_SPAN),
    exclude(Object::Connector, "name", Check::FixAdd, Some(Syntax::Dsl), DSL_NAMES_ITEMS),
    exclude(Object::Rule, "name", Check::FixAdd, Some(Syntax::Dsl), DSL_NAMES_ITEMS),
    exclude(Object::Service, "kind", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::Header, "name", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::Header, "value", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::HeaderContains, "header", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::HeaderContains, "words", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::HeaderMatches, "header", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::HeaderMatches, "patterns", Check::FixAdd, None, NOT_READ_WITHOUT),
    exclude(Object::Organization, "onPremises", Check::FixReplace, Some(Syntax::Dsl), BLOCK_KEPT),
    exclude(Object::Connector, "service", Check::FixReplace, Some(Syntax::Dsl), BLOCK_KEPT),
    exclude(Object::Rule, "conditions", Check::FixReplace, Some(Syntax::Dsl), RULE_BLOCK_ADDS),
    exclude(Object::Rule, "exceptions", Check::FixReplace, Some(Syntax::Dsl), RULE_BLOCK_ADDS),
    exclude(Object::Rule, "actions", Check::FixReplace, Some(Syntax::Dsl), RULE_BLOCK_ADDS),
];

/// The exclusion of `check` for `key` of `object` in `syntax`, if any.
fn excluded(object: Object, key: &str, check: Check, syntax: Syntax) -> Option<&'static Exclusion> {
    EXCLUSIONS
        .iter()
        .find(|e| e.object == object && e.key == key && e.check == check && e.syntax.is_none_or(|only| only == syntax))
}

/// What the walk found: each failure, and each exclusion whose check did fail as it says.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    /// Indices into [`EXCLUSIONS`], with the syntax they were confirmed in.
    confirmed: Vec<(usize, Syntax)>,
}

/// Runs `check` for `key` in `syntax` and records the outcome: an `Err` (or a panic, in the
/// test or in the library) is a failure unless an exclusion covers it; an `Ok` under an
/// exclusion makes that exclusion stale.
fn record(report: &mut Report, case: &Case, check: Check, syntax: Syntax, run: impl FnOnce() -> Result<(), String>) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let message =
            panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
        Err(format!("panicked: {}", message.unwrap_or_default()))
    });
    let exclusion = excluded(case.context.object, case.key.name, check, syntax);
    match (outcome, exclusion) {
        (Ok(()), None) => {}
        (Err(why), None) => report.failures.push(format!("{case} {check:?} in {syntax:?}: {why}")),
        (Err(_), Some(exclusion)) => {
            let index = EXCLUSIONS.iter().position(|e| std::ptr::eq(e, exclusion)).unwrap();
            report.confirmed.push((index, syntax));
        }
        (Ok(()), Some(exclusion)) => report.failures.push(format!(
            "{case} {check:?} in {syntax:?} works, but is excluded (\"{}\"): remove the exclusion",
            exclusion.reason
        )),
    }
}

// ---- where objects stand, and the values keys are given ------------------------------------

/// A place an object of the catalogue stands: the keys from the root to it (a list's one
/// item is implied by the catalogue's `ListOf`).
#[derive(Clone, Debug)]
struct Context {
    path: Vec<&'static str>,
    object: Object,
}

impl Context {
    /// Conditions or exceptions, for what stands inside one.
    fn place(&self) -> Option<Place> {
        self.path.iter().find_map(|key| match *key {
            "conditions" => Some(Place::Condition),
            "exceptions" => Some(Place::Exception),
            _ => None,
        })
    }

    fn in_exceptions(&self) -> bool {
        self.place() == Some(Place::Exception)
    }
}

/// Every place of every object, from the catalogue: the root, then what each key holding a
/// mapping or a list of mappings leads to (a header under a service and under actions, a
/// test in conditions and in exceptions).
fn contexts() -> Vec<Context> {
    fn walk(path: Vec<&'static str>, object: Object, out: &mut Vec<Context>) {
        out.push(Context { path: path.clone(), object });
        for key in keys::keys(object) {
            if let ValueShape::Object(inner) | ValueShape::ListOf(inner) = key.shape {
                walk([path.clone(), vec![key.name]].concat(), inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(Vec::new(), Object::Root, &mut out);
    out
}

/// The values a key is given, derived from its shape: the first enumerated value; `true`
/// and `false` (only the value its flag says when the DSL writes the key as a flag alone);
/// the minimum number; text; a size; a list; a mapping of its object's keys (see
/// [`sample_map`]).
fn samples(object: Object, key: &Key) -> Vec<Value> {
    match key.shape {
        ValueShape::Bool { .. } => match dsl_statements::for_key(object, key.name) {
            Some(_) => vec![Value::Bool(true), Value::Bool(false)],
            None => flags(object, key.name).map(|says| Value::Bool(says == "true")).collect(),
        },
        ValueShape::Integer { min } => vec![Value::Int(min)],
        ValueShape::Text { .. } => vec![Value::str("Sample")],
        // With a unit, and as a number of bytes.
        ValueShape::Size => vec![Value::str("22.5 MB"), Value::Int(1024)],
        ValueShape::TextList => vec![Value::List(vec![Value::str("sample.example")])],
        ValueShape::OneOf(values) => vec![Value::str(values[0].0)],
        ValueShape::Object(inner) => vec![sample_map(inner, false)],
        ValueShape::ListOf(inner) => vec![Value::List(vec![sample_map(inner, false)])],
        ValueShape::OpenMap => vec![Value::map([("SubjectContainsWords", Value::str("sample"))])],
    }
}

fn sample(object: Object, key: &Key) -> Value {
    samples(object, key).remove(0)
}

/// Another value of the key than its first sample, for replacing it.
fn alternative(object: Object, key: &Key) -> Value {
    match key.shape {
        ValueShape::Bool { .. } => match sample(object, key) {
            Value::Bool(on) => Value::Bool(!on),
            _ => unreachable!(),
        },
        ValueShape::Integer { min } => Value::Int(min + 1),
        ValueShape::Text { .. } => Value::str("Another"),
        ValueShape::Size => Value::str("10 KB"),
        ValueShape::TextList => Value::List(vec![Value::str("one.example"), Value::str("two.example")]),
        ValueShape::OneOf(values) => Value::str(values[1].0),
        ValueShape::Object(inner) => sample_map(inner, true),
        ValueShape::ListOf(inner) => Value::List(vec![sample_map(inner, true)]),
        ValueShape::OpenMap => Value::map([("SubjectContainsWords", Value::str("another"))]),
    }
}

/// The values the DSL writes as flags of this key.
fn flags(object: Object, key: &str) -> impl Iterator<Item = &'static str> + '_ {
    STATEMENTS.iter().filter(move |s| s.object == object && s.key == key).filter_map(|s| match s.form {
        Form::Flag(says) => Some(says),
        _ => None,
    })
}

/// A mapping of `object`: its required keys, or when it has none its first key, each with
/// its sample (or its alternative).
fn sample_map(object: Object, alternative_values: bool) -> Value {
    Value::Map(base_entries(object, alternative_values))
}

fn base_entries(object: Object, alternative_values: bool) -> Vec<(String, Value)> {
    let all = keys::keys(object);
    let mut chosen: Vec<&Key> = all.iter().filter(|k| k.required).collect();
    if chosen.is_empty() {
        chosen.push(&all[0]);
    }
    chosen
        .into_iter()
        .map(|k| {
            let value = if alternative_values { alternative(object, k) } else { sample(object, k) };
            (k.name.to_owned(), value)
        })
        .collect()
}

/// `entries` with `key` set to `value`: replaced where it is, else added at the end.
fn with(mut entries: Vec<(String, Value)>, key: &str, value: Value) -> Vec<(String, Value)> {
    match entries.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key.to_owned(), value)),
    }
    entries
}

fn without(mut entries: Vec<(String, Value)>, key: &str) -> Vec<(String, Value)> {
    entries.retain(|(k, _)| k != key);
    entries
}

/// The key of a mapping that stands for the cursor: an empty line there.
const HOLE: &str = "";

/// The whole file with `entries` as the mapping of the object at `context`: each object on
/// the way holds its base entries and the next one.
fn file(context: &Context, entries: Vec<(String, Value)>) -> Value {
    let mut value = Value::Map(entries);
    let mut object = context.object;
    for depth in (0..context.path.len()).rev() {
        let parent = object_at(&context.path[..depth]);
        let key = keys::lookup(parent, context.path[depth]).unwrap();
        let held = match key.shape {
            ValueShape::ListOf(_) => Value::List(vec![value]),
            _ => value,
        };
        value = Value::Map(with(base_entries(parent, false), key.name, held));
        object = parent;
    }
    assert_eq!(object, Object::Root);
    value
}

/// The object at the end of a path of keys from the root.
fn object_at(path: &[&str]) -> Object {
    path.iter().fold(Object::Root, |object, key| match keys::lookup(object, key).map(|k| k.shape) {
        Some(ValueShape::Object(inner) | ValueShape::ListOf(inner)) => inner,
        _ => panic!("`{key}` holds no mapping"),
    })
}

// ---- YAML text ----------------------------------------------------------------------------

/// A rendered YAML file: its text, where the key at the target path starts, and where the
/// [`HOLE`]'s empty line puts the cursor.
struct Yaml {
    text: String,
    key_at: Option<usize>,
    hole_at: Option<usize>,
}

/// `value` (a mapping) as block YAML: nested mappings as blocks, lists of mappings as block
/// lists, other lists in flow style, strings double-quoted.
fn yaml(value: &Value, target: &[&str]) -> Yaml {
    let mut out = Yaml { text: String::new(), key_at: None, hole_at: None };
    let Value::Map(entries) = value else { panic!("a file is a mapping") };
    yaml_map(entries, 0, false, &mut Vec::new(), target, &mut out);
    out
}

fn yaml_map<'v>(
    entries: &'v [(String, Value)],
    indent: usize,
    after_dash: bool,
    path: &mut Vec<&'v str>,
    target: &[&str],
    out: &mut Yaml,
) {
    for (index, (key, value)) in entries.iter().enumerate() {
        if !(after_dash && index == 0) {
            out.text.push_str(&" ".repeat(indent));
        }
        if key == HOLE {
            out.hole_at = Some(out.text.len());
            out.text.push('\n');
            continue;
        }
        path.push(key);
        if path.as_slice() == target {
            out.key_at = Some(out.text.len());
        }
        out.text.push_str(key);
        out.text.push(':');
        match value {
            Value::Map(inner) | Value::FlowMap(inner) if inner.is_empty() => out.text.push_str(" {}\n"),
            Value::Map(inner) | Value::FlowMap(inner) => {
                out.text.push('\n');
                yaml_map(inner, indent + 2, false, path, target, out);
            }
            Value::List(items) if items.iter().any(|item| matches!(item, Value::Map(_))) => {
                out.text.push('\n');
                for item in items {
                    let Value::Map(inner) = item else { panic!("a list of mappings holds mappings") };
                    out.text.push_str(&" ".repeat(indent + 2));
                    match inner.is_empty() {
                        true => out.text.push_str("- {}\n"),
                        false => {
                            out.text.push_str("- ");
                            yaml_map(inner, indent + 4, true, path, target, out);
                        }
                    }
                }
            }
            scalar => {
                out.text.push(' ');
                out.text.push_str(&flow(scalar));
                out.text.push('\n');
            }
        }
        path.pop();
    }
}

fn flow(value: &Value) -> String {
    match value {
        Value::Str(text) => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
        Value::Bool(on) => on.to_string(),
        Value::Int(number) => number.to_string(),
        Value::List(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Map(entries) | Value::FlowMap(entries) => {
            let entries: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

// ---- checking and comparing ---------------------------------------------------------------

fn checked(text: &str, syntax: Syntax) -> Checked {
    check(text, syntax, &Selection::default())
}

/// The findings MF001–MF004 of a checked text, as text.
fn blocking(checked: &Checked) -> Result<(), String> {
    let found: Vec<String> = blockers(checked).into_iter().map(|b| b.value).collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!("findings {found:?}"))
    }
}

/// A model as comparable text: its `Debug` form with every span taken out.
fn strip(flow: &MailFlow) -> String {
    let spans =
        fancy_regex::Regex::new(r"(rules_)?span: (Some\()?Span \{ start: \d+, end: \d+ \}\)?(, )?|span: None(, )?")
            .unwrap();
    spans.replace_all(&format!("{flow:?}"), "").into_owned()
}

/// [`strip`], with each setting the DSL says by leaving its statement out taken for its
/// default: `enabled: true`, and `false` for stopping processing and deferring on error.
fn strip_defaults(flow: &MailFlow) -> String {
    let mut flow = flow.clone();
    let default = |setting: &mut Option<mailflow::text::Spanned<bool>>, value: bool| {
        if setting.as_ref().is_some_and(|s| s.value == value) {
            *setting = None;
        }
    };
    for rule in flow.rules.iter_mut().map(std::sync::Arc::make_mut) {
        default(&mut rule.enabled, true);
        default(&mut rule.stop_processing, false);
        default(&mut rule.defer_on_error, false);
    }
    for connector in &mut flow.connectors {
        default(&mut connector.enabled, true);
    }
    strip(&flow)
}

/// `text` converted to `to`.
fn converted(checked: &Checked, text: &str, to: Syntax) -> Result<String, String> {
    convert(checked, text, to).map_err(|unwritable| format!("cannot convert: {:?}", unwritable.0))
}

/// The file of `tree` in `syntax`: as rendered for YAML, converted from it for the DSL.
fn in_syntax(tree: &Value, syntax: Syntax) -> Result<String, String> {
    let text = yaml(tree, &[]).text;
    match syntax {
        Syntax::Yaml => Ok(text),
        Syntax::Dsl => converted(&checked(&text, Syntax::Yaml), &text, Syntax::Dsl),
    }
}

/// The DSL statement a key has, by the statement table.
#[derive(Clone, Copy, Debug)]
enum Written {
    /// Its own statement (or flag), after `if`/`except` for a condition or exception.
    Own(&'static Statement, Option<Place>),
    /// Written inside another statement (`WRITTEN_INSIDE`): see [`enclosing`].
    Inside,
}

fn written(context: &Context, key: &Key, value: &Value) -> Option<Written> {
    let object = context.object;
    let place = context.place();
    let own = dsl_statements::for_key(object, key.name).or_else(|| {
        let says = match value {
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
            _ => return None,
        };
        STATEMENTS.iter().find(|s| s.object == object && s.key == key.name && s.form == Form::Flag(says))
    });
    if let Some(row) = own {
        return Some(Written::Own(row, place.filter(|_| row.form == Form::Predicate)));
    }
    WRITTEN_INSIDE.iter().find(|(o, k, _)| *o == object && *k == key.name).map(|_| Written::Inside)
}

/// The statement a [`Written::Inside`] key's value is written in, with its place: for a
/// rule's conditions, exceptions or actions, the statement of the first key of the sample
/// mapping; else the statement of the key that holds the object here (`processed-header`
/// or `set header` for a header's fields, `rule` for a rule's name).
fn enclosing(context: &Context, key: &Key) -> (&'static Statement, Option<Place>) {
    if let (Object::Rule, ValueShape::Object(inner)) = (context.object, key.shape) {
        let Value::Map(entries) = sample(context.object, key) else { unreachable!() };
        let row = dsl_statements::for_key(inner, &entries[0].0).expect("the first key has a statement");
        let place = match key.name {
            "conditions" => Some(Place::Condition),
            "exceptions" => Some(Place::Exception),
            _ => None,
        };
        return (row, place);
    }
    let (last, parent) = context.path.split_last().expect("a root key has its own statement");
    let row = dsl_statements::for_key(object_at(parent), last).expect("the holding key has a statement");
    (row, context.place().filter(|_| row.form == Form::Predicate))
}

/// The nodes of a DSL text that are the statement `row` (at `place`).
fn statement_nodes<'t>(checked: &'t Checked, row: &Statement, place: Option<Place>) -> Vec<tree_sitter::Node<'t>> {
    let Source::Dsl(dsl) = &checked.source else { panic!("a DSL text") };
    let mut found = Vec::new();
    let mut stack = vec![dsl.root()];
    while let Some(node) = stack.pop() {
        let kind = row.statement_kind(place == Some(Place::Exception));
        let is = node.is_named()
            && node.kind() == kind
            && (row.form != Form::Predicate
                || node.child_by_field_name("predicate").is_some_and(|p| p.kind() == row.kind));
        if is {
            found.push(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    found
}

/// Whether a hover page names `key`: in backticks, alone, as a step of a path or before
/// its value (`kind: signature`).
fn names(markdown: &str, key: &str) -> bool {
    markdown.split('`').skip(1).step_by(2).any(|quoted| {
        quoted.split(" › ").chain(quoted.split(", ")).any(|part| part == key || part.split(": ").next() == Some(key))
    })
}

// ---- the checks ---------------------------------------------------------------------------

/// One key of one object at one place.
struct Case {
    context: Context,
    key: &'static Key,
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path: Vec<&str> = self.context.path.iter().copied().chain([self.key.name]).collect();
        write!(f, "`{}` ({:?})", path.join(" › "), self.context.object)
    }
}

impl Case {
    fn object(&self) -> Object {
        self.context.object
    }

    fn sample(&self) -> Value {
        sample(self.object(), self.key)
    }

    /// The file setting the key to `value`, and the path of its key.
    fn setting(&self, value: Value) -> (Value, Vec<&'static str>) {
        let entries = with(base_entries(self.object(), false), self.key.name, value);
        let target = self.context.path.iter().copied().chain([self.key.name]).collect();
        (file(&self.context, entries), target)
    }

    fn statement(&self) -> Result<(), String> {
        match written(&self.context, self.key, &self.sample()) {
            Some(_) => Ok(()),
            None => Err("the DSL has no statement for it".into()),
        }
    }

    /// YAML → DSL → YAML, the same model each time, for each sample; and the key changes
    /// the model (it is not dropped on the way).
    fn conversion(&self) -> Result<(), String> {
        let unset = yaml(&file(&self.context, without(base_entries(self.object(), false), self.key.name)), &[]).text;
        let unset = strip(&checked(&unset, Syntax::Yaml).flow);
        for value in samples(self.object(), self.key) {
            let text = yaml(&self.setting(value.clone()).0, &[]).text;
            let from = checked(&text, Syntax::Yaml);
            blocking(&from).map_err(|e| format!("{e} in\n{text}"))?;
            let dsl = converted(&from, &text, Syntax::Dsl)?;
            let middle = checked(&dsl, Syntax::Dsl);
            blocking(&middle).map_err(|e| format!("{e} in the DSL\n{dsl}"))?;
            let back = converted(&middle, &dsl, Syntax::Yaml)?;
            let to = checked(&back, Syntax::Yaml);
            blocking(&to).map_err(|e| format!("{e} back in YAML\n{back}"))?;
            let models = [strip(&from.flow), strip(&middle.flow), strip(&to.flow)];
            if models[0] != models[1] || models[1] != models[2] {
                return Err(format!("{value:?}: the models differ:\n{}\n{}\n{}", models[0], models[1], models[2]));
            }
            if models[0] == unset {
                return Err(format!("{value:?}: the model does not hold it:\n{text}"));
            }
        }
        Ok(())
    }

    fn hover(&self, syntax: Syntax) -> Result<(), String> {
        let (tree, target) = self.setting(self.sample());
        let rendered = yaml(&tree, &target);
        let key = self.key.name;
        let heading = format!("**`{key}`**");
        match syntax {
            Syntax::Yaml => {
                let at = rendered.key_at.expect("the key is in the file") + 1;
                let page = hover(&checked(&rendered.text, Syntax::Yaml), &rendered.text, at).map(|h| h.markdown);
                match page {
                    Some(page) if page.starts_with(&heading) => Ok(()),
                    page => Err(format!("hovering the key shows {page:?}")),
                }
            }
            Syntax::Dsl => {
                let text = in_syntax(&tree, Syntax::Dsl)?;
                let checked = checked(&text, Syntax::Dsl);
                let (row, place, own) = match written(&self.context, self.key, &self.sample()) {
                    Some(Written::Own(row, place)) => (row, place, true),
                    Some(Written::Inside) => {
                        let (row, place) = enclosing(&self.context, self.key);
                        (row, place, false)
                    }
                    None => return Err("no statement".into()),
                };
                let [node] = statement_nodes(&checked, row, place)[..] else {
                    return Err(format!("not one `{}` statement in\n{text}", row.words));
                };
                let page = hover(&checked, &text, node.start_byte()).map(|h| h.markdown);
                match page {
                    Some(page) if own && page.starts_with(&heading) => Ok(()),
                    Some(page) if !own && names(&page, key) => Ok(()),
                    page => Err(format!("hovering `{}` shows {page:?}", &text[node.byte_range()])),
                }
            }
        }
    }

    fn completion(&self, syntax: Syntax) -> Result<(), String> {
        let labels = |checked: &Checked, text: &str, at: usize| -> Vec<String> {
            complete(checked, text, at).into_iter().map(|item| item.label).collect()
        };
        match syntax {
            Syntax::Yaml => {
                let entries = without(base_entries(self.object(), false), self.key.name);
                let rendered = yaml(&file(&self.context, with(entries, HOLE, Value::Bool(false))), &[]);
                let at = rendered.hole_at.expect("the hole is in the file");
                let offered = labels(&checked(&rendered.text, Syntax::Yaml), &rendered.text, at);
                match offered.iter().any(|label| label == self.key.name) {
                    true => Ok(()),
                    false => Err(format!("offers {offered:?} at\n{}", cursor_shown(&rendered.text, at))),
                }
            }
            Syntax::Dsl => {
                let text = in_syntax(&self.setting(self.sample()).0, Syntax::Dsl)?;
                let (row, place) = match written(&self.context, self.key, &self.sample()) {
                    Some(Written::Own(row, place)) => (row, place),
                    Some(Written::Inside) => enclosing(&self.context, self.key),
                    None => return Err("no statement".into()),
                };
                let label = match place {
                    Some(place) => format!("{} {}", place.keyword(), row.label),
                    None => row.label.to_owned(),
                };
                let checked_text = checked(&text, Syntax::Dsl);
                let [node] = statement_nodes(&checked_text, row, place)[..] else {
                    return Err(format!("not one `{}` statement in\n{text}", row.words));
                };
                // The statement's lines become one empty line, indented like it.
                let start = text[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
                let end = text[node.end_byte()..].find('\n').map_or(text.len(), |i| node.end_byte() + i + 1);
                let indent = &text[start..node.start_byte()];
                let unset = format!("{}{indent}\n{}", &text[..start], &text[end..]);
                let at = start + indent.len();
                let offered = labels(&checked(&unset, Syntax::Dsl), &unset, at);
                match offered.contains(&label) {
                    true => Ok(()),
                    false => Err(format!("`{label}` not in {offered:?} at\n{}", cursor_shown(&unset, at))),
                }
            }
        }
    }

    /// The span of the object in a model of its file, if the model has it.
    fn object_span(&self, flow: &MailFlow) -> Option<Span> {
        let rule = flow.rules.first();
        let connector = flow.connectors.first();
        let predicates = rule.map(|r| if self.context.in_exceptions() { &r.exceptions } else { &r.conditions });
        match self.object() {
            Object::Root => None,
            Object::Organization => Some(flow.organization.as_ref()?.span),
            Object::OnPremises => Some(flow.organization.as_ref()?.on_premises.as_ref()?.span),
            Object::Connector => Some(connector?.span),
            Object::Service => Some(connector?.service.as_ref()?.span),
            Object::Header if self.context.path.contains(&"actions") => Some(rule?.actions.set_header.as_ref()?.span),
            Object::Header => Some(connector?.service.as_ref()?.processed_header.as_ref()?.span),
            Object::Rule => Some(rule?.span),
            Object::Predicates => predicates?.span,
            Object::HeaderContains => Some(predicates?.header_contains.as_ref()?.span),
            Object::HeaderMatches => Some(predicates?.header_matches.as_ref()?.span),
            Object::Actions => rule?.actions.span,
        }
    }

    /// Whether the key's object is one of a rule's conditions, exceptions or actions, which
    /// fixes set through the rule.
    fn in_rule_block(&self) -> bool {
        matches!(self.object(), Object::Predicates | Object::Actions)
    }

    /// `set_entry` on the object of `before` (a file in `syntax`), then the edited text
    /// must read as `after` does.
    fn fix(&self, syntax: Syntax, before: &Value, after: &Value, add: bool) -> Result<(), String> {
        let text = in_syntax(before, syntax)?;
        let expected = in_syntax(after, syntax)?;
        let checked = checked(&text, syntax);
        let value = self.sample();
        let (span, key, value) = if add && self.in_rule_block() {
            let rule = checked.flow.rules.first().ok_or("no rule")?;
            let block = *self.context.path.last().unwrap();
            (rule.span, block, Value::map([(self.key.name, value)]))
        } else {
            let span = self.object_span(&checked.flow).ok_or_else(|| format!("no object to set it on in\n{text}"))?;
            (span, self.key.name, value)
        };
        let edit = match &checked.source {
            Source::Yaml(yaml) => YamlEditor::new(&text, yaml).set_entry(span, key, &value),
            Source::Dsl(dsl) => Editor::set_entry(&DslEditor::new(&text, dsl), span, key, &value),
        };
        let edit = edit.ok_or_else(|| format!("the editor cannot set `{key}` to {value:?} in\n{text}"))?;
        let fix = Fix { title: "set".into(), safe: true, edits: vec![edit] };
        let edited = apply_fixes(&text, [&fix]).text;
        let reread = self::checked(&edited, syntax);
        blocking(&reread).map_err(|e| format!("{e} in the edited text\n{edited}"))?;
        let (got, want) = (strip_defaults(&reread.flow), strip_defaults(&self::checked(&expected, syntax).flow));
        match got == want {
            true => Ok(()),
            false => Err(format!("the edited text\n{edited}reads as\n{got}\nnot as\n{expected}which reads as\n{want}")),
        }
    }

    fn fix_add(&self, syntax: Syntax) -> Result<(), String> {
        let (before, after) = if self.in_rule_block() {
            // The rule without the block, then with the block holding the key alone.
            let rule =
                Context { path: self.context.path[..self.context.path.len() - 1].to_vec(), object: Object::Rule };
            (
                file(&rule, base_entries(Object::Rule, false)),
                file(&self.context, vec![(self.key.name.to_owned(), self.sample())]),
            )
        } else {
            let base = base_entries(self.object(), false);
            (file(&self.context, without(base.clone(), self.key.name)), self.setting(self.sample()).0)
        };
        self.fix(syntax, &before, &after, true)
    }

    fn fix_replace(&self, syntax: Syntax) -> Result<(), String> {
        let before = self.setting(alternative(self.object(), self.key)).0;
        self.fix(syntax, &before, &self.setting(self.sample()).0, false)
    }
}

/// `text` with the cursor at `at` shown as `$0`.
fn cursor_shown(text: &str, at: usize) -> String {
    format!("{}$0{}", &text[..at], &text[at..])
}

#[test]
fn every_key_of_the_catalogue_is_supported_in_both_syntaxes() {
    let mut report = Report::default();
    let mut cases = 0;
    for context in &contexts() {
        for key in keys::keys(context.object) {
            let case = Case { context: context.clone(), key };
            cases += 1;
            for syntax in [Syntax::Yaml, Syntax::Dsl] {
                // The statement and the conversion (YAML → DSL → YAML) are recorded once.
                if syntax == Syntax::Dsl {
                    record(&mut report, &case, Check::Statement, syntax, || case.statement());
                    record(&mut report, &case, Check::Conversion, syntax, || case.conversion());
                }
                record(&mut report, &case, Check::Hover, syntax, || case.hover(syntax));
                record(&mut report, &case, Check::Completion, syntax, || case.completion(syntax));
                record(&mut report, &case, Check::FixAdd, syntax, || case.fix_add(syntax));
                record(&mut report, &case, Check::FixReplace, syntax, || case.fix_replace(syntax));
            }
        }
    }
    let mut failures = report.failures;
    // Every exclusion must have been met, in each syntax it names.
    for (index, exclusion) in EXCLUSIONS.iter().enumerate() {
        for syntax in [Syntax::Yaml, Syntax::Dsl] {
            if exclusion.syntax.is_none_or(|only| only == syntax) && !report.confirmed.contains(&(index, syntax)) {
                failures.push(format!(
                    "the exclusion of {:?} for `{}` of {:?} in {syntax:?} met no failing check",
                    exclusion.check, exclusion.key, exclusion.object
                ));
            }
        }
    }
    let mut message = String::new();
    for failure in &failures {
        writeln!(message, "- {failure}").unwrap();
    }
    assert!(failures.is_empty(), "{} failures over {cases} keys in their places:\n{message}", failures.len());
}
