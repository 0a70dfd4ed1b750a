//! The DSL's words, as the statement table (`model/dsl_statements.rs`) has them, in every
//! other place that must know them:
//! - `grammar/queries/highlights.scm`'s keyword lists are generated from the table (this test
//!   fails when they are stale, and writes them anew with `MAILFLOW_BLESS=1`);
//! - the grammar has each word as a keyword (`grammar/src/node-types.json`);
//! - the VS Code extension's TextMate grammar names each word in a pattern;
//! - the JSON Schema has a property for every key of the catalogue.

use mailflow::model::dsl_statements::{Form, STATEMENTS};
use mailflow::model::keys::{self, Object};
use mailflow::syntax::dsl::Block;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const START: &str = "; Keywords: generated from server/src/model/dsl_statements.rs\n";
const END: &str = "; End of keywords\n";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The words of a template, placeholders and the block left out.
fn words(template: &str) -> impl Iterator<Item = &str> {
    template.split(' ').filter(|token| !token.starts_with('{'))
}

/// Every keyword of the language: each template's words, and `if` and `except`.
fn all_words() -> BTreeSet<&'static str> {
    let mut all: BTreeSet<&str> = STATEMENTS.iter().flat_map(|s| words(s.template)).collect();
    all.extend(["if", "except"]);
    all
}

/// A `[ … ] @capture` list of quoted tokens.
fn list(out: &mut String, title: &str, words: &BTreeSet<&str>, capture: &str) {
    out.push_str(&format!("\n; {title}\n[\n"));
    for word in words {
        out.push_str(&format!("  \"{word}\"\n"));
    }
    out.push_str(&format!("] @{capture}\n"));
}

fn generated_highlights() -> String {
    let items: BTreeSet<&str> =
        STATEMENTS.iter().filter(|s| s.block == Block::Root).flat_map(|s| words(s.template)).collect();
    // A statement of one word is a setting; a flag of one word is a node of its own.
    let single = |s: &&mailflow::model::dsl_statements::Statement| {
        s.block != Block::Root && s.form != Form::Predicate && !s.words.contains(' ')
    };
    let settings: BTreeSet<&str> =
        STATEMENTS.iter().filter(single).filter(|s| !matches!(s.form, Form::Flag(_))).map(|s| s.words).collect();
    let flags: BTreeSet<&str> =
        STATEMENTS.iter().filter(single).filter(|s| matches!(s.form, Form::Flag(_))).map(|s| s.kind).collect();
    let predicates: Vec<_> = STATEMENTS.iter().filter(|s| s.form == Form::Predicate).collect();
    let operators: BTreeSet<&str> =
        predicates.iter().flat_map(|s| words(s.template)).filter(|w| !settings.contains(w)).collect();
    let others: BTreeSet<&str> = STATEMENTS
        .iter()
        .filter(|s| s.block != Block::Root && s.form != Form::Predicate && s.words.contains(' '))
        .flat_map(|s| words(s.template))
        .filter(|w| !operators.contains(w) && !settings.contains(w))
        .collect();
    let mut out = String::from(START);
    out.push_str("\n; Words that are settings elsewhere but part of a condition here\n");
    for statement in &predicates {
        for word in words(statement.template).filter(|w| settings.contains(w)) {
            out.push_str(&format!("({} \"{word}\" @keyword.operator)\n", statement.kind));
        }
    }
    list(&mut out, "Top-level items", &items, "keyword");
    list(&mut out, "Settings", &settings, "property");
    for flag in &flags {
        out.push_str(&format!("({flag}) @property\n"));
    }
    list(&mut out, "Conditions and exceptions", &["if", "except"].into(), "keyword.conditional");
    list(&mut out, "The words of a condition", &operators, "keyword.operator");
    list(&mut out, "Actions and the rule's closing settings", &others, "keyword");
    out.push_str(END);
    out
}

#[test]
fn highlights_list_every_keyword_of_the_table() {
    let path = repo().join("grammar/queries/highlights.scm");
    let query = std::fs::read_to_string(&path).unwrap();
    let start = query.find(START).expect("highlights.scm has the keywords marker");
    let end = query[start..].find(END).map(|at| start + at + END.len()).expect("and its end marker");
    let fresh = format!("{}{}{}", &query[..start], generated_highlights(), &query[end..]);
    if std::env::var_os("MAILFLOW_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    } else {
        assert!(
            query == fresh,
            "highlights.scm's keywords are stale: run `MAILFLOW_BLESS=1 cargo test -p mailflow --test editor_vocabulary`"
        );
    }
}

#[test]
fn the_grammar_has_every_word_as_a_keyword() {
    let types: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("grammar/src/node-types.json")).unwrap()).unwrap();
    let anonymous: BTreeSet<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["named"] == false)
        .filter_map(|node| node["type"].as_str())
        .collect();
    let named: BTreeSet<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["named"] == true)
        .filter_map(|node| node["type"].as_str())
        .collect();
    for word in all_words() {
        // A flag of one word (`disabled`) is a node of its own.
        let flag =
            STATEMENTS.iter().any(|s| s.template == word && matches!(s.form, Form::Flag(_)) && named.contains(s.kind));
        assert!(anonymous.contains(word) || flag, "the grammar has no keyword `{word}`");
    }
    for statement in STATEMENTS {
        assert!(named.contains(statement.kind), "the grammar has no node `{}`", statement.kind);
    }
}

#[test]
fn the_textmate_grammar_names_every_word() {
    let grammar = std::fs::read_to_string(repo().join("vscode-extension/syntaxes/mailflow.tmLanguage.json")).unwrap();
    let missing: Vec<&str> = all_words()
        .into_iter()
        .filter(|word| {
            !["(", "|", ":"]
                .iter()
                .any(|before| [")", "|"].iter().any(|after| grammar.contains(&format!("{before}{word}{after}"))))
        })
        .collect();
    assert!(missing.is_empty(), "mailflow.tmLanguage.json has no pattern for {missing:?}");
}

#[test]
fn the_json_schema_has_every_key() {
    let schema = std::fs::read_to_string(repo().join("schema/mailflow.schema.json")).unwrap();
    for object in Object::ALL {
        for key in keys::keys(object) {
            assert!(
                schema.contains(&format!("\"{}\": {{", key.name)),
                "the JSON Schema has no `{}` ({object:?})",
                key.name
            );
        }
    }
}
