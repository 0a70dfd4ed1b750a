//! The reference pages in `docs/` are generated from the catalogues the tool itself reads:
//! `docs/format.md` from the key catalogue (`model/keys.rs`) and the DSL's statement table,
//! `docs/rules/MFxxx.md` from each rule's page (`rules::ALL`), and `docs/rules/README.md`
//! listing them. This test fails when a page is stale or one is left over, and writes them
//! anew with `MAILFLOW_BLESS=1`.

use mailflow::model::dsl_statements::{self, Form, Place};
use mailflow::model::keys::{self, Key, Object, ValueShape};
use mailflow::rules;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

/// Every object of the format in the order the reference describes them, with the path of
/// its keys in a YAML file and a title.
const OBJECTS: &[(Object, &str, &str)] = &[
    (Object::Root, "", "The top level"),
    (Object::Organization, "organization.", "`organization`"),
    (Object::OnPremises, "organization.onPremises.", "`organization.onPremises`"),
    (Object::Connector, "connectors[].", "A connector (`connectors[]`)"),
    (Object::Service, "connectors[].service.", "A connector's `service`"),
    (Object::Header, "…processedHeader. / …setHeader.", "A header (`processedHeader`, `setHeader`)"),
    (Object::Rule, "transportRules[].", "A transport rule (`transportRules[]`)"),
    (Object::Predicates, "transportRules[].conditions. / .exceptions.", "Conditions and exceptions"),
    (Object::HeaderContains, "…headerContains.", "`headerContains`"),
    (Object::HeaderMatches, "…headerMatches.", "`headerMatches`"),
    (Object::Actions, "transportRules[].actions.", "Actions"),
];

fn shape_words(shape: ValueShape) -> String {
    match shape {
        ValueShape::Bool { .. } => "`true` or `false`".to_owned(),
        ValueShape::Integer { min } => format!("a whole number, {min} or more"),
        ValueShape::Text { max_chars: Some(max) } => format!("text, at most {max} characters"),
        ValueShape::Text { max_chars: None } => "text".to_owned(),
        ValueShape::TextList => "one string or a list of strings".to_owned(),
        ValueShape::Size => "a size: a number with B, KB, MB or GB (1 KB = 1024 bytes), or bytes".to_owned(),
        ValueShape::OneOf(_) => "one of the values below".to_owned(),
        ValueShape::Object(_) => "a mapping (below)".to_owned(),
        ValueShape::ListOf(_) => "a list of mappings (below)".to_owned(),
        ValueShape::OpenMap => "PowerShell parameter names, each with a value or a list of values".to_owned(),
    }
}

/// How the DSL writes a key, from the statement table.
fn dsl_words(object: Object, key: &Key) -> Option<String> {
    let statement = dsl_statements::for_key(object, key.name)?;
    Some(match statement.form {
        Form::Predicate => {
            format!("`{} {}` / `{} …`", Place::Condition.keyword(), statement.template, Place::Exception.keyword())
        }
        _ => format!("`{}`", statement.template),
    })
}

fn format_page() -> String {
    let mut page = String::from(
        "# The mail-flow file format (YAML)\n\n\
         Generated from the key catalogue the checker reads (`server/src/model/keys.rs`); do not edit\n\
         by hand. The DSL (`*.mailflow`) says the same with the statements shown beside each key;\n\
         its grammar is described in `grammar/README.md`. A file starts with `mailflow: 1`.\n\n\
         Any YAML 1.2 spelling of these keys is read, in block or flow style, and so is JSON (a\n\
         script's export, pretty-printed or on one line), with one exception: a key is a name, so a\n\
         list or mapping written in brackets or braces before a `:` is a line that does not parse.\n",
    );
    for (object, path, title) in OBJECTS {
        page.push_str(&format!("\n## {title}\n"));
        for key in keys::keys(*object) {
            page.push_str(&format!("\n### `{path}{}`\n\n{}\n\n", key.name, key.doc));
            page.push_str(&format!("- **Value:** {}", shape_words(key.shape)));
            if key.required {
                page.push_str(" (required)");
            }
            page.push('\n');
            if let Some(default) = key.default {
                page.push_str(&format!("- **Default:** {default}\n"));
            }
            if let Some(powershell) = key.powershell {
                page.push_str(&format!("- **Exchange PowerShell:** `{powershell}`\n"));
            }
            if let Some(admin) = key.admin_center {
                page.push_str(&format!("- **Exchange admin center:** {admin}\n"));
            }
            if let Some(dsl) = dsl_words(*object, key) {
                page.push_str(&format!("- **DSL:** {dsl}\n"));
            }
            if let Some(section) = key.guide {
                page.push_str(&format!("- **Guide:** \"{}\", section \"{section}\"\n", keys::GUIDE_TITLE));
            }
            let values = key.values();
            if matches!(key.shape, ValueShape::OneOf(_)) {
                for (value, meaning) in values {
                    page.push_str(&format!("  - `{value}`: {meaning}\n"));
                }
            }
        }
    }
    page
}

fn rule_index() -> String {
    let mut page = String::from(
        "# Diagnostic codes\n\nGenerated from the rule catalogue (`server/src/rules/`); each page is what\n\
         `mailflow explain CODE` prints.\n\n| code | name | severity | what it finds |\n| --- | --- | --- | --- |\n",
    );
    for rule in rules::ALL {
        page.push_str(&format!(
            "| [{0}]({0}.md) | {1} | {2} | {3} |\n",
            rule.code,
            rule.name,
            rule.severity.as_str(),
            rule.summary
        ));
    }
    page
}

/// Every generated file, by its path under `docs/`.
fn generated() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert("format.md".to_owned(), format_page());
    files.insert("rules/README.md".to_owned(), rule_index());
    for rule in rules::ALL {
        files.insert(format!("rules/{}.md", rule.code), format!("{}\n", rule.doc.trim_end()));
    }
    files
}

#[test]
fn the_reference_pages_are_current() {
    let root = docs();
    let files = generated();
    let bless = std::env::var_os("MAILFLOW_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = root.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    // A page of a code that no longer exists.
    for entry in std::fs::read_dir(root.join("rules")).into_iter().flatten().flatten() {
        let name = format!("rules/{}", entry.file_name().to_string_lossy());
        if !files.contains_key(&name) {
            if bless {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is stale ({}): run `MAILFLOW_BLESS=1 cargo test -p mailflow --test docs`",
        stale.join(", ")
    );
}
