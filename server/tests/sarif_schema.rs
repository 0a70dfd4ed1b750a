//! The SARIF output is valid SARIF 2.1.0: checked against the official JSON schema (as
//! shipped in the serde-sarif crate's sources) and read back with serde-sarif's types.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The SARIF 2.1.0 schema file inside the serde-sarif package that cargo downloaded.
fn sarif_schema() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(repo())
        .output()
        .expect("cargo metadata runs");
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dev-dependency");
    let schema_path = Path::new(manifest).parent().unwrap().join("src/schema.json");
    serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap()
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let mut schema = sarif_schema();
    // The published 2.1.0 schema's pattern for `language` (on runs and tool components) has a
    // stray `]` that a strict validator refuses to compile; mailflow writes no `language`, so
    // that pattern is dropped.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        language.as_object_mut().expect("language is described").remove("pattern");
    }
    assert_eq!(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
    let validator = jsonschema::draft7::new(&schema).expect("the SARIF schema compiles");
    let fixtures = repo().join("server/tests/fixtures");
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["check", "--format", "sarif"])
        .arg(repo().join("examples"))
        .arg(fixtures.join("MF002"))
        .arg(fixtures.join("MF005"))
        .output()
        .unwrap();
    assert!(output.status.code() == Some(1), "the broken inputs make check exit 1: {output:?}");
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "MF005" && !r["relatedLocations"].as_array().unwrap().is_empty()));
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(sarif).expect("serde-sarif reads the log");
    assert_eq!(typed.runs[0].tool.driver.name, "mailflow");
}
