//! The SARIF output is valid SARIF 2.1.0: checked against the official JSON schema (as
//! shipped in the serde-sarif crate's sources, which cargo fetches from crates.io) and read
//! back with serde-sarif's types; paths that need percent-encoding included. That the URIs
//! decode back to the real paths is tests/cli/test_reports.py's, with Python's own decoder.

use std::ffi::OsStr;
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

/// The SARIF schema's validator, checking formats too (`uri`, `uri-reference`): a path
/// written into a URI unencoded fails them.
fn validator() -> jsonschema::Validator {
    let mut schema = sarif_schema();
    // The published 2.1.0 schema's pattern for `language` (on runs and tool components) has a
    // stray `]` that a strict validator refuses to compile; mailflow writes no `language`, so
    // that pattern is dropped.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        language.as_object_mut().expect("language is described").remove("pattern");
    }
    assert_eq!(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
    jsonschema::draft7::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

/// `mailflow check --format sarif` with these arguments, run in `folder`: the log, once it
/// has passed the schema.
fn sarif_of(folder: &Path, args: &[&OsStr]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(output.status.code() == Some(1), "the broken inputs make check exit 1: {output:?}");
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> =
        validator().iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    sarif
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let fixtures = repo().join("server/tests/fixtures");
    let inputs = [repo().join("examples"), fixtures.join("MF002"), fixtures.join("MF005")];
    let sarif = sarif_of(&repo(), &inputs.each_ref().map(|path| path.as_os_str()));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "MF005" && !r["relatedLocations"].as_array().unwrap().is_empty()));
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(sarif).expect("serde-sarif reads the log");
    assert_eq!(typed.runs[0].tool.driver.name, "mailflow");
}

/// Files whose names need encoding in a URI: a space, `#`, `%`, non-ASCII letters.
const AWKWARD_NAMES: [&str; 3] =
    ["Büro Regeln/ausgehend.mailflow.yaml", "Büro Regeln/#1 100%.mailflow.yaml", "ünïcödé/a b.mailflow.yaml"];

#[test]
fn sarif_of_paths_with_spaces_and_non_ascii_letters_is_valid() {
    let folder = tempfile::tempdir().unwrap();
    let broken = std::fs::read_to_string(repo().join("server/tests/fixtures/MF002/triggers.mailflow.yaml")).unwrap();
    for name in AWKWARD_NAMES {
        let path = folder.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &broken).unwrap();
    }
    // Relative paths, from the folder mailflow runs in.
    let relative = sarif_of(folder.path(), &[".".as_ref()]);
    let run = &relative["runs"][0];
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap().starts_with("file:///"));
    let locations: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .collect();
    assert!(!locations.is_empty());
    assert!(locations.iter().all(|l| l["uriBaseId"] == "%SRCROOT%"), "{locations:#?}");
    assert!(locations.iter().any(|l| l["uri"] == "B%C3%BCro%20Regeln/%231%20100%25.mailflow.yaml"), "{locations:#?}");
    // Which the schema would refuse unencoded.
    let mut unencoded = relative.clone();
    unencoded["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "Büro Regeln/#1 100%.mailflow.yaml".into();
    assert!(!validator().is_valid(&unencoded), "the schema checks the URIs' form");
    // Absolute paths.
    let absolute = sarif_of(folder.path(), &[folder.path().as_os_str()]);
    let results = absolute["runs"][0]["results"].as_array().unwrap();
    for result in results {
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert!(location["uri"].as_str().unwrap().starts_with("file:///"), "{location}");
        assert_eq!(location.get("uriBaseId"), None);
    }
}

#[test]
fn each_rule_links_to_its_page_in_the_repository() {
    let sarif = sarif_of(&repo(), &[repo().join("server/tests/fixtures/MF002").as_os_str()]);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["informationUri"], "https://github.com/mailflow/mailflow");
    for rule in driver["rules"].as_array().unwrap() {
        let url = rule["helpUri"].as_str().unwrap_or_else(|| panic!("{} has no helpUri", rule["id"]));
        let page =
            url.strip_prefix("https://github.com/mailflow/mailflow/blob/main/").expect("a page of the repository");
        assert_eq!(page, format!("docs/rules/{}.md", rule["id"].as_str().unwrap()));
        assert!(repo().join(page).is_file(), "{page} does not exist");
    }
    // Pages elsewhere, or none.
    let elsewhere = sarif_of(
        &repo(),
        &["--docs-url=https://docs.example/codes/".as_ref(), repo().join("server/tests/fixtures/MF002").as_os_str()],
    );
    assert_eq!(elsewhere["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"], "https://docs.example/codes/MF001");
    let none = sarif_of(&repo(), &["--docs-url=".as_ref(), repo().join("server/tests/fixtures/MF002").as_os_str()]);
    assert!(none["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().iter().all(|r| r.get("helpUri").is_none()));
}
