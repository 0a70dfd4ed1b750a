//! `grammar/README.md`'s table of statements is generated from the statement table
//! (`model/dsl_statements.rs`): this test fails when it is stale, and writes it anew when
//! run with `MAILFLOW_BLESS=1`.

use mailflow::model::dsl_statements::{Form, Statement, STATEMENTS};
use mailflow::model::keys::{self, Object};
use mailflow::syntax::dsl::Block;
use std::path::Path;

const START: &str = "<!-- statements: generated from server/src/model/dsl_statements.rs -->\n";
const END: &str = "<!-- end of statements -->\n";

/// Where a key of `object` stands in a YAML file.
fn yaml_path(object: Object) -> &'static str {
    match object {
        Object::Root => "",
        Object::Organization => "organization.",
        Object::OnPremises => "organization.onPremises.",
        Object::Connector => "connectors[].",
        Object::Service | Object::Header => "connectors[].service.",
        Object::Rule => "transportRules[].",
        Object::Predicates | Object::HeaderContains | Object::HeaderMatches => "transportRules[].conditions.",
        Object::Actions => "transportRules[].actions.",
    }
}

fn block_name(block: Block) -> &'static str {
    match block {
        Block::Root => "top level",
        Block::Organization => "`organization`",
        Block::OnPremises => "`on-premises`",
        Block::Connector => "`connector`",
        Block::Service => "`service`",
        Block::Rule => "`rule`",
    }
}

fn row(statement: &Statement) -> String {
    let dsl = match statement.form {
        Form::Predicate => format!("`if {0}` / `except {0}`", statement.template),
        _ => format!("`{}`", statement.template),
    };
    let path = yaml_path(statement.object);
    let yaml = match statement.form {
        Form::Flag(value) => format!("`{path}{}: {value}`", statement.key),
        Form::Predicate => format!("`{path}{}` (`exceptions.` after `except`)", statement.key),
        _ => format!("`{path}{}`", statement.key),
    };
    let key = keys::lookup(statement.object, statement.key).expect("every row's key is in the catalogue");
    let powershell = key.powershell.map_or(String::new(), |p| format!("`{p}`"));
    format!("| {dsl} | {} | {yaml} | {powershell} |\n", block_name(statement.block))
}

fn generated() -> String {
    let mut table = String::from(START);
    table.push_str("| DSL statement | stands in | YAML key | PowerShell |\n| --- | --- | --- | --- |\n");
    for statement in STATEMENTS {
        table.push_str(&row(statement));
    }
    table.push_str(END);
    table
}

#[test]
fn the_grammar_readme_lists_the_statement_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../grammar/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(START).expect("grammar/README.md has the statements marker");
    let end = readme[start..].find(END).map(|at| start + at + END.len()).expect("and its end marker");
    let fresh = format!("{}{}{}", &readme[..start], generated(), &readme[end..]);
    if std::env::var_os("MAILFLOW_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    } else {
        assert!(
            readme == fresh,
            "grammar/README.md's table of statements is stale: run `MAILFLOW_BLESS=1 cargo test -p mailflow --test grammar_readme`"
        );
    }
}
