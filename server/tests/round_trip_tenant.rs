//! Export, then import: every example, in both syntaxes, written as a Microsoft365DSC
//! configuration (`m365dsc_write`) and read back as `mailflow import` reads one
//! (`m365dsc::read`), and written as the apply script (`powershell_script`) and read back
//! with the command-line reader (`powershell::hashtable` on each `$parameters = @{ ... }`,
//! `powershell::command` on the `New-...` that takes it), gives the tenant the file
//! described: the same objects (`to_tenant::objects`) before and after, property by property.
//! Neither export writes accepted domains (adding one takes a proof of ownership in DNS), so
//! the comparison leaves them out.

use std::path::{Path, PathBuf};

use mailflow::check::{check, Selection, Syntax};
use mailflow::model::MailFlow;
use mailflow::tenant::powershell::{self, Variables};
use mailflow::tenant::{from_tenant, m365dsc, m365dsc_write, powershell_script, to_tenant, Kind, Origin, TenantObject};

fn examples() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.to_string_lossy().ends_with(".mailflow") || path.to_string_lossy().ends_with(".mailflow.yaml")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the examples: {files:?}");
    files
}

/// Each example's name and model.
fn models() -> Vec<(String, MailFlow)> {
    examples()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let syntax = if path.extension().is_some_and(|e| e == "mailflow") { Syntax::Dsl } else { Syntax::Yaml };
            let checked = check(&text, syntax, &Selection::default());
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::sync::Arc::unwrap_or_clone(checked.flow))
        })
        .collect()
}

/// The connectors and rules a model describes, as Exchange would hold them.
fn tenant(flow: &MailFlow) -> Vec<TenantObject> {
    to_tenant::objects(flow, "tenant").into_iter().filter(|object| object.kind != Kind::AcceptedDomain).collect()
}

/// The model of objects read back, as `mailflow import` makes it.
fn imported(objects: &[TenantObject], example: &str) -> MailFlow {
    let imported = from_tenant::import(objects, None).unwrap_or_else(|problems| {
        panic!("{example}: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    });
    imported.flow
}

/// Property lists that differ, for a readable failure.
fn same(example: &str, before: &[TenantObject], after: &[TenantObject]) {
    assert_eq!(before.len(), after.len(), "{example}: {} objects before, {} after", before.len(), after.len());
    for (was, is) in before.iter().zip(after) {
        assert_eq!((was.kind, &was.properties), (is.kind, &is.properties), "{example}: `{:?}`", was.name());
    }
}

#[test]
fn every_example_exported_to_microsoft365dsc_imports_as_the_same_tenant() {
    let compared: usize = models().iter().map(|(_, flow)| tenant(flow).len()).sum();
    assert!(compared >= 60, "only {compared} objects in the examples");
    for (example, flow) in models() {
        let before = tenant(&flow);
        let configuration = m365dsc_write::configuration(&before);
        assert!(m365dsc::recognise(&configuration), "{example}: not recognised:\n{configuration}");
        let (objects, _) = m365dsc::read(&configuration, "tenant.ps1", None, &[]).unwrap_or_else(|problems| {
            panic!(
                "{example}:\n{}\n{configuration}",
                problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
            )
        });
        same(&example, &before, &tenant(&imported(&objects, &example)));
    }
}

#[test]
fn every_example_exported_as_the_apply_script_reads_back_as_the_same_tenant() {
    for (example, flow) in models() {
        let before = tenant(&flow);
        let script = powershell_script::script(&before, false);
        let objects = script_objects(&script, &example);
        same(&example, &before, &tenant(&imported(&objects, &example)));
    }
}

/// What an apply script creates: each `$parameters = @{ ... }` hashtable, of the kind the
/// `New-...` command it is splatted into makes.
fn script_objects(script: &str, example: &str) -> Vec<TenantObject> {
    let variables = Variables::default();
    let mut objects = Vec::new();
    let mut from = 0;
    while let Some(found) = script[from..].find("$parameters = @{") {
        let at = from + found + "$parameters = ".len();
        let table = powershell::hashtable(script, at, &variables)
            .unwrap_or_else(|error| panic!("{example}: {error:?} at {:?}", powershell::position(script, error.offset)));
        // The first command line after it that creates an object.
        let line = script[table.end..]
            .split_inclusive('\n')
            .scan(table.end, |start, line| {
                let at = *start;
                *start += line.len();
                Some((at, line))
            })
            .find(|(_, line)| line.trim_start().starts_with("New-"))
            .expect("a New- command after the parameters");
        let new = line.0 + (line.1.len() - line.1.trim_start().len());
        let command = powershell::command(script, new, &variables).unwrap();
        assert!(
            command
                .arguments
                .iter()
                .any(|a| matches!(a, powershell::Argument::Splat { variable, .. } if variable == "parameters")),
            "{example}: `{}` does not take @parameters",
            command.name
        );
        let kind = match command.name.as_str() {
            "New-OutboundConnector" => Kind::OutboundConnector,
            "New-TransportRule" => Kind::TransportRule,
            other => panic!("{example}: {other}"),
        };
        for entry in &table.entries {
            assert!(entry.value.unresolved.is_empty(), "{example}: {:?}", entry.value.unresolved);
        }
        let properties = table.entries.into_iter().map(|entry| (entry.name, entry.value.value)).collect();
        let number = objects.iter().filter(|o: &&TenantObject| o.kind == kind).count() + 1;
        objects.push(TenantObject {
            kind,
            properties,
            origin: Origin { file: "apply.ps1".to_owned(), number },
            absent: false,
        });
        from = command.end;
    }
    objects
}

/// Names and texts holding what PowerShell would expand or end a string at: quotes of every
/// kind, backticks, `$` and subexpressions, a line break.
const HOSTILE: &str = r#"mailflow: 1
connectors:
  - name: "New-York relay ‘A’ $x `n"
    use: transport-rule
    smartHosts: [relay.example.com]
transportRules:
  - name: "O'Brien’s “rule” ${OrganizationName} `t"
    priority: 0
    conditions:
      senderIs: inside
      senderDomainIs: ["contoso.com", "it's.example"]
    actions:
      redirectToConnector: "New-York relay ‘A’ $x `n"
      other: {PrependSubject: "[$($OrganizationName.Split('.')[0])] "}
    comments: "line one\nline two with \"quotes\", `$(Get-Date)` and ''"
"#;

#[test]
fn texts_powershell_would_expand_come_back_as_written() {
    let flow = check(HOSTILE, Syntax::Yaml, &Selection::default()).flow;
    let before = tenant(&flow);
    assert_eq!(before.len(), 2);
    let configuration = m365dsc_write::configuration(&before);
    let (objects, _) = m365dsc::read(&configuration, "tenant.ps1", Some("contoso.onmicrosoft.com"), &[])
        .unwrap_or_else(|problems| panic!("{problems:?}\n{configuration}"));
    same("hostile (Microsoft365DSC)", &before, &tenant(&imported(&objects, "hostile")));
    let script = powershell_script::script(&before, false);
    same("hostile (apply script)", &before, &tenant(&imported(&script_objects(&script, "hostile"), "hostile")));
}
