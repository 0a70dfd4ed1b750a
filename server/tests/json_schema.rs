//! The JSON Schema in `schema/` agrees with the checker: every example validates, every
//! MF002/MF003 fixture that triggers the code fails it, and their clean fixtures pass.
//! YAML is read here with saphyr, a parser independent of ours.

use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::Value;

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

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema/mailflow.schema.json")).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema itself is valid")
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
