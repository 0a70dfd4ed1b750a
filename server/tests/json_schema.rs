//! The JSON Schema in `schema/` agrees with the checker: every example validates, every
//! MF002/MF003 fixture that triggers the code fails it, and their clean fixtures pass.
//! YAML is read here with saphyr, a parser independent of ours.
//!
//! What editors show from it, written by hand, is held to these:
//! - a `description` is plain text (VS Code's YAML extension shows it as written); where the
//!   text has Markdown (code spans, links to the codes' pages) it is `markdownDescription`,
//!   with the same text without the markup as its `description`;
//! - every `enum` has `enumDescriptions` and `markdownEnumDescriptions`, in its order: the
//!   meanings of the values in the key catalogue (`model/keys.rs`), which the schema's
//!   properties are walked against;
//! - every snippet (`defaultSnippets`), its placeholders filled with their defaults, is valid
//!   against the schema and, written out as a file, reads without MF001-MF004.

use std::path::{Path, PathBuf};

use fancy_regex::Regex;
use mailflow::check::{check, Selection, Syntax};
use mailflow::model::keys::{self, Object, ValueShape};
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{json, Value};

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node in a test file: {other:?}"),
    }
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let documents = Yaml::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    to_json(&documents[0])
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn schema_path() -> PathBuf {
    repo().join("schema/mailflow.schema.json")
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema itself is valid")
}

fn errors(validator: &jsonschema::Validator, path: &Path) -> Vec<String> {
    validator.iter_errors(&load(path)).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_example_validates() {
    let validator = validator();
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".mailflow.yaml") {
            let errors = errors(&validator, &path);
            assert!(errors.is_empty(), "{} fails the schema: {errors:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} examples found");
}

#[test]
fn schema_fixtures_agree_with_the_checker() {
    let validator = validator();
    for code in ["MF002", "MF003"] {
        let dir = repo().join("server/tests/fixtures").join(code);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let errors = errors(&validator, &path);
            if name.starts_with("triggers") {
                assert!(!errors.is_empty(), "{} reports {code} but passes the schema", path.display());
            } else if name == "clean.mailflow.yaml" {
                assert!(errors.is_empty(), "{} is clean but fails the schema: {errors:#?}", path.display());
            }
        }
    }
}

/// Markdown as plain text: code spans without their backticks, links as their text.
fn plain(markdown: &str) -> String {
    let link = Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap();
    link.replace_all(markdown, "$1").replace('`', "")
}

/// Whether a text has Markdown markup that a plain `description` must not have.
fn has_markup(text: &str) -> bool {
    text.contains('`') || text.contains("](")
}

/// The schema node a property's `$ref` names (`#/$defs/x`), as a JSON pointer, or the
/// property's own.
fn resolved(schema: &Value, pointer: String) -> String {
    let reference = schema.pointer(&pointer).and_then(|node| node["$ref"].as_str());
    reference.and_then(|reference| reference.strip_prefix('#')).map_or(pointer, str::to_owned)
}

/// The schema's properties with an `enum` and the catalogue key each stands for, walking the
/// schema from its root as the catalogue walks the format's objects.
fn enum_properties(schema: &Value) -> Vec<(String, &'static keys::Key)> {
    fn walk(schema: &Value, pointer: String, object: Object, found: &mut Vec<(String, &'static keys::Key)>) {
        let properties = schema.pointer(&pointer).and_then(|node| node["properties"].as_object());
        for name in properties.into_iter().flat_map(|p| p.keys()) {
            let key = keys::keys(object)
                .iter()
                .find(|key| key.name == name)
                .unwrap_or_else(|| panic!("the schema's `{name}` at {pointer} is not in the catalogue ({object:?})"));
            let property = format!("{pointer}/properties/{name}");
            // Conditions and exceptions share their definition: each enum is listed once.
            if schema.pointer(&property).unwrap().get("enum").is_some() && !found.iter().any(|(at, _)| *at == property)
            {
                found.push((property.clone(), key));
            }
            match key.shape {
                ValueShape::Object(inner) => walk(schema, resolved(schema, property), inner, found),
                ValueShape::ListOf(inner) => {
                    let list = resolved(schema, property);
                    walk(schema, resolved(schema, format!("{list}/items")), inner, found)
                }
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    walk(schema, String::new(), Object::Root, &mut found);
    found
}

/// Every node that has a key, with where it is, snippets' bodies left out (they are pieces of
/// a mail-flow file, not schema).
fn nodes_with<'a>(node: &'a Value, key: &str, at: String, found: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            if map.contains_key(key) {
                found.push((at.clone(), node));
            }
            for (name, value) in map.iter().filter(|(name, _)| *name != "body") {
                nodes_with(value, key, format!("{at}/{name}"), found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nodes_with(item, key, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn markdown_descriptions_have_their_plain_text_beside_them() {
    let schema = schema();
    let mut found = Vec::new();
    nodes_with(&schema, "markdownDescription", String::new(), &mut found);
    assert!(found.len() >= 20, "only {} Markdown descriptions", found.len());
    for (at, node) in found {
        let expected = plain(node["markdownDescription"].as_str().unwrap());
        assert_eq!(
            node["description"].as_str(),
            Some(expected.as_str()),
            "{at}: the description is the Markdown's text"
        );
    }
}

#[test]
fn enum_descriptions_are_the_catalogues_meanings_in_order() {
    let schema = schema();
    for (pointer, key) in enum_properties(&schema) {
        let node = schema.pointer(&pointer).unwrap();
        let values = key.values();
        let meanings: Vec<&str> =
            node["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|value| {
                    let value = value.as_str().unwrap();
                    values.iter().find(|(allowed, _)| *allowed == value).map(|(_, meaning)| *meaning).unwrap_or_else(
                        || panic!("{pointer}: `{value}` is not a value of `{}` in the catalogue", key.name),
                    )
                })
                .collect();
        assert_eq!(node["markdownEnumDescriptions"], json!(meanings), "{pointer}");
        let plain: Vec<String> = meanings.iter().map(|meaning| plain(meaning)).collect();
        assert_eq!(node["enumDescriptions"], json!(plain), "{pointer}");
    }
}

#[test]
fn descriptions_are_plain_text_and_every_enum_is_described() {
    let schema = schema();
    fn plain_descriptions(node: &Value, at: &str) {
        match node {
            Value::Object(map) => {
                if let Some(description) = map.get("description").and_then(Value::as_str) {
                    assert!(
                        !has_markup(description),
                        "{at}: a description with Markdown belongs in markdownDescription: {description}"
                    );
                }
                for (key, value) in map {
                    if key != "body" {
                        plain_descriptions(value, &format!("{at}/{key}"));
                    }
                }
            }
            Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, item)| plain_descriptions(item, &format!("{at}/{i}")))
            }
            _ => {}
        }
    }
    plain_descriptions(&schema, "");
    let described = enum_properties(&schema);
    assert!(described.len() >= 7, "only {} enums found", described.len());
    for (pointer, _) in &described {
        let node = schema.pointer(pointer).unwrap();
        let count = node["enum"].as_array().unwrap().len();
        for field in ["enumDescriptions", "markdownEnumDescriptions"] {
            assert_eq!(node[field].as_array().map(Vec::len), Some(count), "{pointer}: {field}");
        }
    }
    // No enum escapes the walk.
    let every = schema.to_string().matches("\"enum\":").count();
    assert_eq!(every, described.len(), "an enum the catalogue walk does not reach");
}

/// A snippet's body with its placeholders filled in as an editor would leave them:
/// `${1:text}` as `text`, `${1|a,b|}` as `a`, `$1` as nothing; a string starting with `^` is
/// inserted unquoted, so it stands for the YAML value it reads as.
fn filled(body: &Value) -> Value {
    let placeholder = Regex::new(r"\$\{\d+:([^}]*)\}|\$\{\d+\|([^,|]*)[^}]*\|\}|\$\d+").unwrap();
    let fill = |text: &str| {
        placeholder
            .replace_all(text, |captures: &fancy_regex::Captures<'_, str>| {
                captures.get(1).or(captures.get(2)).map_or("", |m| m.as_str()).to_owned()
            })
            .into_owned()
    };
    match body {
        Value::String(text) => match fill(text).strip_prefix('^') {
            Some(raw) => to_json(&Yaml::load_from_str(raw).unwrap()[0]),
            None => Value::String(fill(text)),
        },
        Value::Array(items) => items.iter().map(filled).collect(),
        Value::Object(map) => map.iter().map(|(key, value)| (fill(key), filled(value))).collect(),
        other => other.clone(),
    }
}

#[test]
fn snippets_make_valid_files() {
    let schema = schema();
    let validator = validator();
    let mut places = vec![(String::new(), schema["defaultSnippets"].clone())];
    for (name, definition) in schema["$defs"].as_object().unwrap() {
        if let Some(snippets) = definition.get("defaultSnippets") {
            places.push((name.clone(), snippets.clone()));
        }
    }
    let mut checked = 0;
    for (definition, snippets) in places {
        for snippet in snippets.as_array().unwrap() {
            let label = snippet["label"].as_str().unwrap();
            assert!(snippet["description"].is_string(), "snippet `{label}` has no description");
            let body = filled(&snippet["body"]);
            // A list item's snippet is written out in a file of its own, under its list.
            let file = if definition.is_empty() {
                body
            } else {
                let reference = format!("#/$defs/{definition}");
                let (list, _) = schema["properties"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(_, property)| property["items"]["$ref"] == reference.as_str())
                    .unwrap_or_else(|| panic!("no list of `{definition}` at the root"));
                json!({"mailflow": 1, list: [body]})
            };
            let errors: Vec<String> =
                validator.iter_errors(&file).map(|e| format!("{e} at {}", e.instance_path())).collect();
            assert!(errors.is_empty(), "snippet `{label}` fails the schema: {errors:#?}\n{file:#}");
            let text = serde_json::to_string_pretty(&file).unwrap();
            let found: Vec<_> = check(&text, Syntax::Yaml, &Selection::default())
                .diagnostics
                .iter()
                .filter(|d| ["MF001", "MF002", "MF003", "MF004"].contains(&d.code()))
                .map(|d| format!("{}: {}", d.code(), d.message))
                .collect();
            assert!(found.is_empty(), "snippet `{label}` written out: {found:#?}\n{text}");
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} snippets");
}
