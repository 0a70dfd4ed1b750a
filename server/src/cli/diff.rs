//! `mailflow diff`: where the tenant, as exported, has drifted from the file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use serde_json::{json, Value as Json};

use super::convert::listed;
use super::escape::{self, visible};
use super::files::{self, shown};
use super::{console, plural, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE};
use crate::check::{check, Selection, Syntax};
use crate::convert::blockers;
use crate::tenant::drift::{drift, Change, Difference, PropertyChange};
use crate::tenant::{from_tenant, Kind, Problem, Value};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The mail-flow file: `*.mailflow` is read as the DSL, anything else as YAML.
    file: PathBuf,
    /// The tenant's exports, as `import` reads them: `Get-TransportRule`,
    /// `Get-OutboundConnector` and (to compare accepted domains) `Get-AcceptedDomain`
    /// piped to `ConvertTo-Json`.
    #[arg(required = true)]
    exports: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// One line per difference, as a plan: `~` changed, `+` only in the file, `-` only in the tenant.
    Text,
    /// One JSON document (see docs/diff.md).
    Json,
}

pub fn run(args: DiffArgs) -> ExitCode {
    let compared = match compared(&args) {
        Ok(compared) => compared,
        Err(problems) => {
            for problem in problems {
                console::error_lines(&problem);
            }
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let text = match args.format {
        DiffFormat::Text => text(&compared),
        // Names from the file and the exports keep their characters, but for control ones.
        DiffFormat::Json => escape::json(format!("{:#}\n", document(&compared))),
    };
    let code = if compared.differences.is_empty() { EXIT_CLEAN } else { EXIT_FINDINGS };
    console::finish(code, console::out(&text))
}

/// What was compared, and how it differs.
struct Compared {
    file: String,
    exports: Vec<String>,
    accepted_domains: bool,
    /// Objects of the file compared (accepted domains only when exported).
    objects: usize,
    /// The kinds the file has and the exports do not, with the cmdlet that exports them: the
    /// tenant may have none, or the export may be missing.
    unexported: Vec<(Kind, &'static str)>,
    differences: Vec<Difference>,
}

/// The comparison, or why there is none: each problem in whole lines, escaped, ending in a
/// line break.
fn compared(args: &DiffArgs) -> Result<Compared, Vec<String>> {
    let path = shown(&args.file);
    let text = files::read(&args.file).map_err(|problem| vec![format!("{}\n", visible(&problem))])?.text;
    let checked = check(&text, Syntax::of_path(&args.file), &Selection::default());
    let blocking = blockers(&checked);
    if !blocking.is_empty() {
        let lead = format!(
            "cannot compare `{path}` with the tenant: it has errors (MF001-MF004) whose content is missing from \
             what was read; fix them first (`mailflow check {path}`):"
        );
        return Err(vec![listed(&lead, &path, &text, &blocking)]);
    }
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for export in &args.exports {
        match super::import::read_export(export) {
            Ok(read) => objects.extend(read),
            Err(problem) => problems.push(problem),
        }
    }
    let tenant = if problems.is_empty() { from_tenant::import(&objects, None) } else { Err(problems) };
    let tenant = tenant.map_err(|problems| {
        problems.iter().map(|problem: &Problem| format!("{}\n", visible(&problem.to_string()))).collect::<Vec<_>>()
    })?;
    let read = |kind: Kind| objects.iter().any(|object| object.kind == kind);
    let accepted_domains = read(Kind::AcceptedDomain);
    let flow = &checked.flow;
    let unexported = [
        (Kind::OutboundConnector, "Get-OutboundConnector", flow.connectors.is_empty()),
        (Kind::TransportRule, "Get-TransportRule", flow.rules.is_empty()),
    ]
    .into_iter()
    .filter(|(kind, _, none)| !none && !read(*kind))
    .map(|(kind, cmdlet, _)| (kind, cmdlet))
    .collect();
    let domains = flow.organization.as_ref().map_or(0, |o| o.domains.len());
    Ok(Compared {
        file: path,
        exports: args.exports.iter().map(|export| shown(export)).collect(),
        accepted_domains,
        objects: flow.connectors.len() + flow.rules.len() + if accepted_domains { domains } else { 0 },
        unexported,
        differences: drift(flow, &tenant.flow, accepted_domains),
    })
}

/// A value as PowerShell writes it: `'text'` (quotes doubled), numbers, `$true`, `@('a', 'b')`.
fn powershell(value: &Value) -> String {
    match value {
        Value::Null => "$null".to_owned(),
        Value::Bool(_) | Value::Integer(_) | Value::Map(_) => value.shown(),
        Value::Text(text) => format!("'{}'", text.replace('\'', "''")),
        Value::List(items) => format!("@({})", items.iter().map(powershell).collect::<Vec<_>>().join(", ")),
    }
}

fn shown_value(value: Option<&Value>) -> String {
    value.map_or_else(|| "(unset)".to_owned(), powershell)
}

/// The plan-like text: a line per difference, then a summary.
fn text(compared: &Compared) -> String {
    let mut out = String::new();
    for difference in &compared.differences {
        let object = format!("{} {}", difference.kind.noun(), powershell(&Value::Text(difference.name.clone())));
        match &difference.change {
            Change::OnlyInFile(_) => out.push_str(&format!("+ {object} (in the file, not in the tenant)\n")),
            Change::OnlyInTenant(_) => out.push_str(&format!("- {object} (in the tenant, not in the file)\n")),
            Change::Changed(changes) => {
                for PropertyChange { property, tenant, file } in changes {
                    let (old, new) = (shown_value(tenant.as_ref()), shown_value(file.as_ref()));
                    out.push_str(&format!("~ {object}: {property} {old} → {new}\n"));
                }
            }
        }
    }
    let domains = if compared.accepted_domains {
        String::new()
    } else {
        "; accepted domains not compared (no Get-AcceptedDomain export)".to_owned()
    };
    let [changed, only_in_file, only_in_tenant] = counts(&compared.differences);
    if compared.differences.is_empty() {
        out.push_str(&format!(
            "No drift: `{}` and the tenant agree ({} compared{domains}).\n",
            compared.file,
            plural(compared.objects, "object", "objects")
        ));
    } else {
        out.push_str(&format!(
            "\n`{}` and the tenant differ: {} changed, {} only in the file, {} only in the tenant{domains}.\n",
            compared.file,
            plural(changed, "object", "objects"),
            only_in_file,
            only_in_tenant
        ));
    }
    for (kind, cmdlet) in &compared.unexported {
        out.push_str(&format!(
            "note: the exports hold no {kind}: if the tenant has some, add the export of `{cmdlet}` (each of the \
             file's shows as only in the file until then)\n",
            kind = kind.noun()
        ));
    }
    escape::visible_lines(&out).into_owned()
}

/// How many objects changed, are only in the file, only in the tenant.
fn counts(differences: &[Difference]) -> [usize; 3] {
    let mut counts = [0; 3];
    for difference in differences {
        counts[match difference.change {
            Change::Changed(_) => 0,
            Change::OnlyInFile(_) => 1,
            Change::OnlyInTenant(_) => 2,
        }] += 1;
    }
    counts
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Integer(number) => Json::from(*number),
        Value::Text(text) => Json::String(text.clone()),
        Value::List(items) => Json::Array(items.iter().map(json_value).collect()),
        Value::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), json_value(v))).collect()),
    }
}

fn json_properties(properties: &[(String, Value)]) -> Json {
    Json::Object(properties.iter().map(|(name, value)| (name.clone(), json_value(value))).collect())
}

/// The JSON document, version 1 (its shape is documented in docs/diff.md).
fn document(compared: &Compared) -> Json {
    let changes: Vec<Json> = compared
        .differences
        .iter()
        .map(|difference| {
            let (change, detail) = match &difference.change {
                Change::OnlyInFile(properties) => ("onlyInFile", ("file", json_properties(properties))),
                Change::OnlyInTenant(properties) => ("onlyInTenant", ("tenant", json_properties(properties))),
                Change::Changed(changes) => (
                    "changed",
                    (
                        "properties",
                        changes
                            .iter()
                            .map(|c| {
                                json!({
                                    "property": c.property,
                                    "tenant": c.tenant.as_ref().map_or(Json::Null, json_value),
                                    "file": c.file.as_ref().map_or(Json::Null, json_value),
                                })
                            })
                            .collect(),
                    ),
                ),
            };
            let mut entry = json!({"kind": difference.kind.noun(), "name": difference.name, "change": change});
            entry[detail.0] = detail.1;
            entry
        })
        .collect();
    let [changed, only_in_file, only_in_tenant] = counts(&compared.differences);
    json!({
        "version": 1,
        "file": compared.file,
        "exports": compared.exports,
        "acceptedDomainsCompared": compared.accepted_domains,
        "inSync": compared.differences.is_empty(),
        "changes": changes,
        "summary": {
            "objects": compared.objects,
            "changed": changed,
            "onlyInFile": only_in_file,
            "onlyInTenant": only_in_tenant,
        },
    })
}
