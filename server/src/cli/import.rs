//! `mailflow import`: what an admin exported from the tenant, as one mail-flow file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use super::files::{self, shown};
use super::output::{render, Style};
use super::{console, FileReport, Format, EXIT_CLEAN, EXIT_TROUBLE};
use crate::check::{check, Selection, Syntax};
use crate::convert::print;
use crate::tenant::powershell::Variables;
use crate::tenant::{cmdlet_json, from_tenant, graph_snapshot, m365dsc, rule_xml, Kind, Problem, TenantObject, Value};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The exports to read, each recognised by its content (UTF-8 or UTF-16, with or without a
    /// byte order mark): `Get-TransportRule`, `Get-OutboundConnector` and `Get-AcceptedDomain`
    /// piped to `ConvertTo-Json`; a Microsoft365DSC configuration (`.ps1`, and the
    /// `ConfigurationData.psd1` beside it for the tenant's name); a Microsoft Graph configuration
    /// snapshot (JSON); `Export-TransportRuleCollection`'s XML.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the mail-flow file here instead of printing it; an existing file only with `--force`.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The syntax to write.
    #[arg(long, value_enum, default_value_t = Target::Yaml)]
    to: Target,
    /// The tenant's name, written as `organization.name`; also what `$OrganizationName` stands
    /// for in a Microsoft365DSC configuration.
    #[arg(long, value_name = "NAME")]
    organization_name: Option<String>,
    /// Replace the `--output` file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    Yaml,
    Dsl,
}

pub fn run(args: ImportArgs) -> ExitCode {
    match imported(&args) {
        Ok((text, notes)) => {
            let written = match &args.output {
                None => console::out(&text),
                Some(output) => match files::write_output(output, &text) {
                    Ok(()) => Ok(()),
                    Err(problem) => {
                        console::error(&problem);
                        return ExitCode::from(EXIT_TROUBLE);
                    }
                },
            };
            // What was not imported, and the check of what was, go to standard error: standard
            // output is the file.
            let path = args.output.as_deref().map_or_else(|| "(imported)".to_owned(), shown);
            let syntax = syntax(args.to);
            let checked = check(&text, syntax, &Selection::default());
            let report = FileReport::new(path, text, checked);
            let mut said = String::new();
            for note in notes {
                said.push_str(&format!("note: {}\n", super::escape::visible(&note)));
            }
            said.push_str(&render(Format::Concise, &[report], &[], &Style::PLAIN));
            console::finish(EXIT_CLEAN, written.and_then(|()| console::say(&said)))
        }
        Err(problems) => {
            for problem in problems {
                console::error(&problem);
            }
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

fn syntax(target: Target) -> Syntax {
    match target {
        Target::Yaml => Syntax::Yaml,
        Target::Dsl => Syntax::Dsl,
    }
}

/// The imported file's text and the notes about what it leaves out, or every problem.
fn imported(args: &ImportArgs) -> Result<(String, Vec<String>), Vec<String>> {
    if let Some(output) = &args.output {
        if args.files.iter().any(|file| files::same_file(file, output)) {
            return Err(vec![format!(
                "`--output {}` is one of the exports being read: write elsewhere",
                shown(output)
            )]);
        }
        if output.exists() && !args.force {
            return Err(vec![format!(
                "`{}` exists: import never replaces a file unless given `--force`",
                shown(output)
            )]);
        }
    }
    let Exports { objects, sources, mut notes } = read_exports(&args.files, args.organization_name.as_deref())
        .map_err(|problems| problems.iter().map(Problem::to_string).collect::<Vec<_>>())?;
    let imported = from_tenant::import(&objects, args.organization_name.as_deref())
        .map_err(|problems| problems.iter().map(Problem::to_string).collect::<Vec<_>>())?;
    let mut header = vec![format!("# Imported by mailflow {} on {} from:", env!("CARGO_PKG_VERSION"), today())];
    header.extend(sources.into_iter().map(|source| format!("#   {source}")));
    let text = print(&imported.flow, header, syntax(args.to)).map_err(|unwritable| {
        unwritable.0.into_iter().map(|part| format!("cannot write the DSL: {}", part.value)).collect::<Vec<_>>()
    })?;
    notes.extend(imported.notes);
    Ok((text, notes))
}

/// What the exports held.
pub(super) struct Exports {
    /// Every file's objects, file by file.
    pub objects: Vec<TenantObject>,
    /// What the header comment says of each file: its name and what it held.
    pub sources: Vec<String>,
    /// What the files hold that is not read, or was read with an assumption, one line each.
    pub notes: Vec<String>,
}

/// The formats of export read, each recognised by its content, never by its file's name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Export {
    CmdletJson,
    GraphSnapshot,
    M365Dsc,
    /// The configuration data beside a Microsoft365DSC configuration: the tenant's name.
    ConfigurationData,
    RuleXml,
}

/// Every export's objects (`diff` reads exports the same way), or every problem with them.
/// `$OrganizationName` stands for `organization_name`, or else for the accepted domain ending
/// in `.onmicrosoft.com` that the exports list.
pub(super) fn read_exports(paths: &[PathBuf], organization_name: Option<&str>) -> Result<Exports, Vec<Problem>> {
    let mut texts = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match recognised(path) {
            Ok(found) => texts.push((path, found)),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Configuration data and JSON first: they may name the tenant for the configurations.
    let mut read: Vec<Option<(Vec<TenantObject>, Vec<String>)>> = vec![None; texts.len()];
    let mut domains: Vec<String> = Vec::new();
    let mut organization_name = organization_name.map(str::to_owned);
    let formats =
        [Export::ConfigurationData, Export::CmdletJson, Export::GraphSnapshot, Export::M365Dsc, Export::RuleXml];
    for format in formats {
        for (index, (_, (name, text, _))) in texts.iter().enumerate().filter(|(_, (_, (_, _, f)))| *f == format) {
            let result = match format {
                Export::ConfigurationData => m365dsc::data_organization_name(text, name)
                    .map(|given| {
                        let note = match (&organization_name, given) {
                            (None, Some(given)) => {
                                let note = format!("{name}: `$OrganizationName` is `{given}`");
                                organization_name = Some(given);
                                vec![note]
                            }
                            _ => Vec::new(),
                        };
                        (Vec::new(), note)
                    })
                    .map_err(|problem| vec![problem]),
                Export::CmdletJson => {
                    cmdlet_json::read(text, name).map(|objects| (objects, Vec::new())).map_err(|problem| vec![problem])
                }
                Export::GraphSnapshot => graph_snapshot::read(text, name),
                Export::M365Dsc => m365dsc::read(text, name, organization_name.as_deref(), &domains),
                Export::RuleXml => {
                    let organization_name = organization_name.clone().or_else(|| m365dsc::tenant_domain(&domains));
                    rule_xml::read(text, name, &Variables { organization_name })
                }
            };
            match result {
                Ok((objects, notes)) => {
                    let listed = objects.iter().filter(|object| object.kind == Kind::AcceptedDomain && !object.absent);
                    domains.extend(listed.filter_map(|object| match object.get("DomainName") {
                        Some(Value::Text(domain)) => Some(domain.clone()),
                        _ => None,
                    }));
                    read[index] = Some((objects, notes));
                }
                Err(found) => problems.extend(found),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut exports = Exports { objects: Vec::new(), sources: Vec::new(), notes: Vec::new() };
    for ((path, (_, _, format)), (objects, notes)) in texts.iter().zip(read.into_iter().flatten()) {
        exports.sources.push(match format {
            Export::ConfigurationData => source_file(path, "configuration data"),
            _ => source_line(path, &objects),
        });
        exports.objects.extend(objects);
        exports.notes.extend(notes);
    }
    Ok(exports)
}

/// One export's objects, read alone: `$OrganizationName` has no value; the first problem.
/// (`diff` reads its exports with it; [`read_exports`] reads several together.)
pub(super) fn read_export(path: &Path) -> Result<Vec<TenantObject>, Problem> {
    read_exports(&[path.to_path_buf()], None).map(|exports| exports.objects).map_err(|problems| {
        problems.into_iter().next().unwrap_or_else(|| Problem::in_file(&shown(path), "cannot be read"))
    })
}

/// A file's name as messages show it, its text, and its format.
fn recognised(path: &Path) -> Result<(String, String, Export), Problem> {
    let name = files::shown(path);
    if let Some(kind) = files::special_kind(path) {
        return Err(Problem::in_file(&name, format!("is {kind}, not a file")));
    }
    let bytes = std::fs::read(path).map_err(|error| Problem::in_file(&name, format!("cannot read it: {error}")))?;
    let text = cmdlet_json::decode(&bytes, &name)?;
    let format = if cmdlet_json::looks_like_json(&text) || text.trim().is_empty() {
        if graph_snapshot::recognise(&text) {
            Export::GraphSnapshot
        } else {
            Export::CmdletJson
        }
    } else if rule_xml::recognise(&text) {
        Export::RuleXml
    } else if m365dsc::recognise(&text) {
        Export::M365Dsc
    } else if m365dsc::recognise_data(&text) {
        Export::ConfigurationData
    } else {
        return Err(Problem::in_file(
            &name,
            "not an export mailflow reads: expected the JSON of `Get-TransportRule`, `Get-OutboundConnector` or \
             `Get-AcceptedDomain` piped to `ConvertTo-Json`, a Microsoft365DSC configuration \
             (`Export-M365DSCConfiguration`'s .ps1, and its ConfigurationData.psd1), a Microsoft Graph configuration \
             snapshot (JSON), or the XML of `Export-TransportRuleCollection`",
        ));
    };
    Ok((name, text, format))
}

/// What the header comment says about one export: its name and what it held.
fn source_line(path: &Path, objects: &[TenantObject]) -> String {
    let count = |kind: Kind, one: &str, many: &str| {
        let n = objects.iter().filter(|o| o.kind == kind).count();
        (n > 0).then(|| super::plural(n, one, many))
    };
    let held: Vec<String> = [
        count(Kind::TransportRule, "transport rule", "transport rules"),
        count(Kind::OutboundConnector, "outbound connector", "outbound connectors"),
        count(Kind::AcceptedDomain, "accepted domain", "accepted domains"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let held = if held.is_empty() { "nothing".to_owned() } else { held.join(", ") };
    source_file(path, &held)
}

/// `file (what it held)`, the file by its name alone.
fn source_file(path: &Path, held: &str) -> String {
    let file = path.file_name().map_or_else(|| shown(path), |name| shown(Path::new(name)));
    format!("{file} ({held})")
}

/// Today's date (UTC) as `YYYY-MM-DD`; `SOURCE_DATE_EPOCH` sets the time, as reproducible
/// builds do, so that a test or a build can pin it.
fn today() -> String {
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
        });
    let (year, month, day) = civil_date(seconds.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(20_793), (2026, 12, 6));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(-1), (1969, 12, 31));
    }
}
