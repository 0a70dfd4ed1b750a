//! What `Export-TransportRuleCollection` writes: UTF-16 XML (decoded by its byte order
//! mark, whatever its declaration says) holding one `New-TransportRule` command line per rule,
//!
//! ```xml
//! <rules name="TransportVersioned">
//!   <rule name="..." id="..." format="cmdlet">
//!     <version requiredMinVersion="15.0.3.0">
//!       <commandBlock><![CDATA[New-TransportRule -Name '...' -FromScope InOrganization ...]]></commandBlock>
//! ```
//!
//! Each command line is read with [`super::powershell::command`] into a rule whose properties
//! are the command's parameters. The file holds rules only: no connectors, no accepted
//! domains; a rule's priority is its place in the file, and whether it is enabled is not
//! reliably in it (a note says so).

use super::powershell::{self, Argument, Variables};
use super::{Kind, Origin, Problem, TenantObject, Value};

/// Parameters every cmdlet takes, which say nothing about the rule.
const COMMON: [&str; 12] = [
    "Confirm",
    "WhatIf",
    "Verbose",
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "WarningAction",
    "WarningVariable",
    "InformationAction",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
];

/// Whether `text` looks like XML: an XML declaration or the collection's `<rules>`.
pub fn recognise(text: &str) -> bool {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    start.starts_with("<?xml") || start.starts_with("<rules")
}

/// The rules of the collection, in its order, and a note on what the format leaves out.
/// `variables` gives `$OrganizationName`, should a command line hold it.
pub fn read(text: &str, file: &str, variables: &Variables) -> Result<(Vec<TenantObject>, Vec<String>), Vec<Problem>> {
    let at = |offset: usize| {
        let position = powershell::position(text, offset);
        format!("{file}:{}:{}", position.line, position.column)
    };
    let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(|error| {
        let position = error.pos();
        vec![Problem::in_file(&format!("{file}:{}:{}", position.row, position.col), format!("not valid XML: {error}"))]
    })?;
    let root = document.root_element();
    if !root.has_tag_name("rules") {
        return Err(vec![Problem::in_file(
            file,
            format!("XML whose root is <{}>, not Export-TransportRuleCollection's <rules>", root.tag_name().name()),
        )]);
    }
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for (index, rule) in root.children().filter(|node| node.has_tag_name("rule")).enumerate() {
        let number = index + 1;
        let title = rule.attribute("name").unwrap_or_default();
        let place = |offset: usize| format!("{}, rule {number} `{title}`", at(offset));
        if let Some(format) = rule.attribute("format").filter(|format| !format.eq_ignore_ascii_case("cmdlet")) {
            problems.push(Problem::in_file(
                &place(rule.range().start),
                format!("written in the format `{format}`: only `cmdlet` rules (command lines) are read"),
            ));
            continue;
        }
        let Some(block) = rule.descendants().find(|node| node.has_tag_name("commandBlock")) else {
            problems.push(Problem::in_file(&place(rule.range().start), "has no <commandBlock>: no command to read"));
            continue;
        };
        let Some(content) =
            block.children().find(|node| node.is_text() && !node.text().unwrap_or("").trim().is_empty())
        else {
            problems.push(Problem::in_file(&place(block.range().start), "its <commandBlock> is empty"));
            continue;
        };
        let command_text = content.text().unwrap_or_default();
        // Where the command line starts in the file, for positions: inside its CDATA section.
        let range = content.range();
        let raw = &text[range.clone()];
        let base = range.start + raw.find(command_text).unwrap_or(0);
        match rule_object(command_text, index, file, variables) {
            Ok(object) => objects.push(object),
            Err(found) => problems.extend(found.into_iter().map(|(offset, field, message)| Problem {
                place: place(base + offset),
                field,
                message,
            })),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let notes = vec![format!(
        "{file}: an Export-TransportRuleCollection file holds transport rules only (no connectors, no accepted \
         domains); their priorities are their order in the file, and it does not say reliably whether each is \
         enabled: a rule is read as enabled unless its command says `-Enabled $false`; check the states with \
         Get-TransportRule"
    )];
    Ok((objects, notes))
}

/// A problem inside a command line: its offset there, the parameter, the message.
type CommandProblem = (usize, Option<String>, String);

/// The rule `New-TransportRule` would create from `command_text`, the `index`th in the file.
fn rule_object(
    command_text: &str,
    index: usize,
    file: &str,
    variables: &Variables,
) -> Result<TenantObject, Vec<CommandProblem>> {
    let command =
        powershell::command(command_text, 0, variables).map_err(|error| vec![(error.offset, None, error.message)])?;
    if !command.name.eq_ignore_ascii_case("New-TransportRule") {
        return Err(vec![(command.offset, None, format!("`{}` where `New-TransportRule` was expected", command.name))]);
    }
    let mut after = powershell::skip_trivia(command_text, command.end, true);
    if command_text[after..].starts_with(';') {
        after = powershell::skip_trivia(command_text, after + 1, true);
    }
    if after < command_text.len() {
        return Err(vec![(after, None, "more than one command in one rule's <commandBlock>".to_owned())]);
    }
    let mut problems = Vec::new();
    let mut properties: Vec<(String, Value)> = Vec::new();
    for argument in command.arguments {
        let (name, read) = match argument {
            Argument::Named(entry) => {
                if COMMON.iter().any(|common| common.eq_ignore_ascii_case(&entry.name)) {
                    continue;
                }
                (entry.name, entry.value)
            }
            // New-TransportRule's one positional parameter is its name.
            Argument::Positional(read) if !properties.iter().any(|(p, _)| p.eq_ignore_ascii_case("Name")) => {
                ("Name".to_owned(), read)
            }
            Argument::Positional(read) => {
                problems.push((read.offset, None, "a second value without a parameter's name".to_owned()));
                continue;
            }
            Argument::Splat { variable, offset } => {
                problems.push((
                    offset,
                    None,
                    format!("`@{variable}` splats a variable whose value only running PowerShell would give"),
                ));
                continue;
            }
        };
        for unresolved in &read.unresolved {
            problems.push((
                unresolved.offset,
                Some(name.clone()),
                format!(
                    "`{}` gets its value only when PowerShell runs the command, which mailflow never does: write the \
                     value in its place",
                    unresolved.text
                ),
            ));
        }
        properties.push((name, read.value));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if !properties.iter().any(|(p, _)| p.eq_ignore_ascii_case("Priority")) {
        properties.push(("Priority".to_owned(), Value::Integer(index as i64)));
    }
    Ok(TenantObject {
        kind: Kind::TransportRule,
        properties,
        origin: Origin { file: file.to_owned(), number: index + 1 },
        absent: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLLECTION: &str = "<?xml version=\"1.0\" encoding=\"utf-16\" standalone=\"yes\"?>\r\n\
        <rules name=\"TransportVersioned\">\r\n  \
        <rule name=\"First\" id=\"5a4df25f-70d4-4318-99d4-b7ed15621e34\" format=\"cmdlet\">\r\n    \
        <version requiredMinVersion=\"15.0.3.0\">\r\n      \
        <commandBlock><![CDATA[New-TransportRule -Name 'First' -Mode Enforce -FromScope InOrganization \
        -SenderDomainIs 'a.com','b.com' -SetSCL -1]]></commandBlock>\r\n    \
        </version>\r\n  </rule>\r\n  \
        <rule name=\"Second\" id=\"9166b2e2-d527-46ae-942d-49ea6d6470df\" format=\"cmdlet\">\r\n    \
        <version requiredMinVersion=\"15.0.3.0\">\r\n      \
        <commandBlock><![CDATA[New-TransportRule -Name 'Second' -HeaderContainsWords $Header]]></commandBlock>\r\n    \
        </version>\r\n  </rule>\r\n</rules>";

    #[test]
    fn rules_are_read_in_order_and_variables_are_reported_where_they_are() {
        assert!(recognise(COLLECTION));
        let problems = read(COLLECTION, "rules.xml", &Variables::default()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place, "rules.xml:10:84, rule 2 `Second`");
        assert_eq!(problems[0].field.as_deref(), Some("HeaderContainsWords"));
        let fixed = COLLECTION.replace("$Header", "'yes'");
        let (objects, notes) = read(&fixed, "rules.xml", &Variables::default()).unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].get("SetSCL"), Some(&Value::Integer(-1)));
        assert_eq!(objects[0].get("Priority"), Some(&Value::Integer(0)));
        assert_eq!(objects[1].get("Priority"), Some(&Value::Integer(1)));
        assert_eq!(objects[1].name(), Some("Second"));
        assert!(notes[0].contains("no connectors"));
    }

    #[test]
    fn a_collection_cut_anywhere_is_refused_without_panicking() {
        for (cut, _) in COLLECTION.char_indices() {
            assert!(read(&COLLECTION[..cut], "cut.xml", &Variables::default()).is_err());
        }
    }

    #[test]
    fn other_xml_is_refused() {
        let problems = read("<?xml version=\"1.0\"?><policy/>", "p.xml", &Variables::default()).unwrap_err();
        assert_eq!(problems[0].message, "XML whose root is <policy>, not Export-TransportRuleCollection's <rules>");
        let problems = read("<rules><rule", "cut.xml", &Variables::default()).unwrap_err();
        assert!(problems[0].place.starts_with("cut.xml:1:"), "{}", problems[0]);
        let two = COLLECTION.replace("-SetSCL -1", "-SetSCL -1; Remove-TransportRule x");
        let problems = read(&two, "two.xml", &Variables::default()).unwrap_err();
        assert_eq!(problems[0].message, "more than one command in one rule's <commandBlock>");
    }
}
