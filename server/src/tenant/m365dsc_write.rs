//! A file's outbound connectors and transport rules as a Microsoft365DSC configuration: one
//! `EXOOutboundConnector` block per connector (keyed by `Identity`, the connector's name) and
//! one `EXOTransportRule` block per rule (keyed by `Name`), each `Ensure = "Present"`, inside
//! a `Configuration` with a `Node localhost`, in the style of Microsoft365DSC's own exports:
//! double-quoted strings, `@("a","b")`, `$True` and `$False`, `;` after each property.
//! The property names are the cmdlets' parameter names, which the resources take as they are.

use super::names::parameter;
use super::powershell_script::{comment_text, managed};
use super::{Kind, TenantObject, Value};
use crate::model::keys::Object;

/// What Microsoft365DSC's `EXOOutboundConnector` keys a connector by: its name.
const CONNECTOR_KEY: &str = "Identity";

/// The configuration for the connectors and rules among `objects` (accepted domains are left
/// out, as in the apply script).
pub fn configuration(objects: &[TenantObject]) -> String {
    let mut out = String::new();
    let file = objects.first().map(|object| object.origin.file.as_str());
    let from = file.map_or_else(String::new, |file| format!(" from {}", comment_text(file)));
    out.push_str(&format!(
        "# Microsoft365DSC configuration, written by mailflow {}{from}.\n",
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str("# Its outbound connectors (EXOOutboundConnector) and transport rules (EXOTransportRule),\n");
    out.push_str("# each Ensure = \"Present\"; objects the file does not name are left alone.\n");
    out.push_str("#\n# Running this script compiles the configuration into .\\M365TenantConfig\\localhost.mof\n");
    out.push_str("# (Windows PowerShell 5.1, with the Microsoft365DSC module and its dependencies installed).\n");
    out.push_str("# Test-DscConfiguration or Assert-M365DSCBlueprint compare the tenant with it;\n");
    out.push_str("# Start-DscConfiguration applies it.\n\n");
    out.push_str("param (\n    [parameter()]\n    [System.Management.Automation.PSCredential]\n    $Credential\n)\n\n");
    out.push_str("Configuration M365TenantConfig\n{\n");
    out.push_str("    param (\n        [parameter()]\n        [System.Management.Automation.PSCredential]\n        $Credential\n    )\n\n");
    out.push_str("    if ($null -eq $Credential)\n    {\n");
    out.push_str("        $Credscredential = Get-Credential -Message \"Credentials\"\n    }\n");
    out.push_str("    else\n    {\n        $Credscredential = $Credential\n    }\n\n");
    out.push_str("    Import-DscResource -ModuleName Microsoft365DSC\n\n");
    out.push_str("    Node localhost\n    {\n");
    let mut first = true;
    for kind in [Kind::OutboundConnector, Kind::TransportRule] {
        for object in objects.iter().filter(|object| managed(object) && object.kind == kind) {
            if !first {
                out.push('\n');
            }
            first = false;
            block(&mut out, object);
        }
    }
    out.push_str("    }\n}\n\n");
    out.push_str("# The credential goes into the compiled configuration, as Microsoft365DSC's own exports allow.\n");
    out.push_str("$ConfigurationData = @{\n    AllNodes = @(\n        @{\n");
    out.push_str("            NodeName                    = \"localhost\"\n");
    out.push_str("            PSDscAllowPlainTextPassword = $True\n");
    out.push_str("            PSDscAllowDomainUser        = $True\n");
    out.push_str("        }\n    )\n}\n\n");
    out.push_str("M365TenantConfig -ConfigurationData $ConfigurationData -Credential $Credential\n");
    out
}

/// One resource block: its key first, then its properties as the object orders them, then
/// `Ensure` and the credential.
fn block(out: &mut String, object: &TenantObject) {
    let (resource, name_property, key) = match object.kind {
        Kind::OutboundConnector => ("EXOOutboundConnector", parameter(Object::Connector, "name", 0), CONNECTOR_KEY),
        _ => ("EXOTransportRule", parameter(Object::Rule, "name", 0), parameter(Object::Rule, "name", 0)),
    };
    let name = match object.get(name_property).or_else(|| object.get(CONNECTOR_KEY)) {
        Some(Value::Text(name)) => name.as_str(),
        _ => "",
    };
    let mut lines: Vec<(String, String)> = vec![(key.to_owned(), double_quoted(name))];
    for (property, value) in &object.properties {
        if property.eq_ignore_ascii_case(name_property) || property.eq_ignore_ascii_case(CONNECTOR_KEY) {
            continue;
        }
        lines.push((property.clone(), literal(value)));
    }
    let ensure = if object.absent { "Absent" } else { "Present" };
    lines.push(("Ensure".to_owned(), double_quoted(ensure)));
    lines.push(("Credential".to_owned(), "$Credscredential".to_owned()));
    let width = lines.iter().map(|(property, _)| property.chars().count()).max().unwrap_or(0);
    out.push_str(&format!("        {resource} {}\n        {{\n", double_quoted(&format!("{resource}-{name}"))));
    for (property, value) in lines {
        out.push_str(&format!("            {property:<width$} = {value};\n"));
    }
    out.push_str("        }\n");
}

/// `text` as a PowerShell double-quoted string, as Microsoft365DSC writes them: a backtick
/// before each `"` (and the curly double quotes, U+201C to U+201E, which PowerShell takes
/// for `"`), `$` and backtick, so that nothing is expanded.
pub fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '$' | '`') {
            out.push('`');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A value as Microsoft365DSC writes it: `"text"`, `@("a","b")`, `@()` for an empty list,
/// `$True`, `$False`, integers bare.
pub fn literal(value: &Value) -> String {
    match value {
        Value::Null => "$null".to_owned(),
        Value::Bool(flag) => if *flag { "$True" } else { "$False" }.to_owned(),
        Value::Integer(number) => number.to_string(),
        Value::Text(text) => double_quoted(text),
        Value::List(items) => {
            let items: Vec<String> = items.iter().filter(|item| **item != Value::Null).map(literal).collect();
            format!("@({})", items.join(","))
        }
        Value::Map(entries) => {
            let entries: Vec<String> =
                entries.iter().map(|(key, value)| format!("{} = {}", double_quoted(key), literal(value))).collect();
            format!("@{{{}}}", entries.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PowerShell double-quoted string read back as PowerShell reads it, for strings whose
    /// only escapes are a backtick before the character it keeps.
    fn read_double_quoted(literal: &str) -> Option<String> {
        let body = literal.strip_prefix('"')?.strip_suffix('"')?;
        let mut text = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '`' => text.push(chars.next()?),
                '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '$' => return None,
                c => text.push(c),
            }
        }
        Some(text)
    }

    #[test]
    fn double_quoted_strings_expand_nothing() {
        for text in ["", "plain", "it's", "\"q\" “curly” „low”", "$env:x $(Get-Date) `n", "é日本\u{1F600}", "a\nb"]
        {
            let literal = double_quoted(text);
            assert_eq!(read_double_quoted(&literal).as_deref(), Some(text), "{literal}");
        }
        assert_eq!(double_quoted("a\"$`b"), "\"a`\"`$``b\"");
    }

    #[test]
    fn values_in_microsoft365dsc_style() {
        assert_eq!(literal(&Value::Bool(true)), "$True");
        assert_eq!(literal(&Value::Bool(false)), "$False");
        assert_eq!(literal(&Value::List(vec![])), "@()");
        assert_eq!(literal(&Value::List(vec![Value::Text("a".into()), Value::Text("b".into())])), "@(\"a\",\"b\")");
        assert_eq!(literal(&Value::Integer(0)), "0");
    }
}
