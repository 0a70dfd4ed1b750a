//! The apply script: one PowerShell script that puts a file's outbound connectors and
//! transport rules into Exchange Online, written from the objects [`super::to_tenant`] gives.
//!
//! What the script does, in order (Microsoft's reference for New-/Set-TransportRule,
//! Enable-/Disable-TransportRule and New-/Set-/Get-OutboundConnector says why):
//! - it declares `[CmdletBinding(SupportsShouldProcess)]`, so `-WhatIf` and `-Confirm` work,
//!   guards every change with `$PSCmdlet.ShouldProcess`, and stops at the first error;
//! - each object is looked up by name (`Get-… -Identity`) and updated (`Set-…`) or created
//!   (`New-…`) with its parameters splatted from a hashtable, so that running it twice changes
//!   nothing the second time;
//! - connectors come first (rules redirect to them), then the rules in ascending priority
//!   (setting a priority pushes the rule holding it and every rule below down by one, so set
//!   in that order each rule ends at its own), then each rule is enabled or disabled:
//!   `-Enabled` exists on New-TransportRule only;
//! - an existing rule loses the conditions, exceptions and actions the format has keys for
//!   and the file does not set (given `$null`), so that it does what the file says;
//! - with `prune`, the transport rules and outbound connectors the tenant has and the file
//!   does not name are listed before anything changes and removed at the end.
//!
//! Every text is a single-quoted string ([`single_quoted`]), in which PowerShell expands
//! nothing: `$`, backticks and double quotes stay as written.

use std::collections::HashSet;

use super::names::{self, parameter, EXCEPT_IF};
use super::{Kind, Problem, TenantObject, Value};
use crate::model::keys::{self, Object};
use crate::rules::mf009_limit_exceeded::{MAX_COMMENT_CHARS, MAX_NAME_CHARS};

/// The objects Exchange would refuse, or that no script can carry: a name longer than
/// Exchange allows or that another object of its kind has too, comments longer than
/// Exchange allows, a property given twice (PowerShell ignores case, so `FromScope` under a
/// rule's `other` and `senderIs` are one parameter).
/// A script with any of these would stop half-way, so the export refuses them all first.
pub fn problems(objects: &[TenantObject]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for object in objects.iter().filter(|object| managed(object)) {
        let name_property = name_parameter(object.kind);
        match object.get(name_property) {
            Some(Value::Text(name)) if !name.trim().is_empty() => {
                if !names.insert((object.kind, name.to_lowercase())) {
                    // The script would create the first and then update it into the second.
                    problems.push(Problem::in_object(
                        object,
                        Some(name_property),
                        format!("is the name of another {} too (Exchange's names ignore case)", object.kind.noun()),
                    ));
                }
                let chars = name.chars().count();
                if chars > MAX_NAME_CHARS {
                    problems.push(Problem::in_object(
                        object,
                        Some(name_property),
                        format!("has {chars} characters; Exchange allows at most {MAX_NAME_CHARS} in a name"),
                    ));
                }
            }
            _ => problems.push(Problem::in_object(object, Some(name_property), "is missing: Exchange needs a name")),
        }
        if object.kind == Kind::TransportRule {
            let comments = parameter(Object::Rule, "comments", 0);
            if let Some(Value::Text(text)) = object.get(comments) {
                let chars = text.chars().count();
                if chars > MAX_COMMENT_CHARS {
                    problems.push(Problem::in_object(
                        object,
                        Some(comments),
                        format!("has {chars} characters; Exchange allows at most {MAX_COMMENT_CHARS}"),
                    ));
                }
            }
        }
        let mut seen = HashSet::new();
        for (property, _) in &object.properties {
            if !seen.insert(property.to_ascii_lowercase()) {
                problems.push(Problem::in_object(
                    object,
                    Some(property),
                    "is given twice (PowerShell's parameter names ignore case): once by its key and once under \
                     `other`, or twice under `other`; keep one",
                ));
            }
        }
    }
    problems
}

/// Whether the writers put `object` into their output: connectors and rules are managed;
/// accepted domains are not (adding one takes a DNS proof no script can give), nor objects
/// marked absent (removing is `--prune`'s alone).
pub(super) fn managed(object: &TenantObject) -> bool {
    matches!(object.kind, Kind::TransportRule | Kind::OutboundConnector) && !object.absent
}

/// The property naming objects of `kind`, as the catalogue spells it.
fn name_parameter(kind: Kind) -> &'static str {
    match kind {
        Kind::OutboundConnector => parameter(Object::Connector, "name", 0),
        _ => parameter(Object::Rule, "name", 0),
    }
}

/// The object's name, for the script.
fn name_of(object: &TenantObject) -> &str {
    match object.get(name_parameter(object.kind)) {
        Some(Value::Text(name)) => name,
        _ => "",
    }
}

/// The apply script for `objects` (the connectors and rules among them; see the module's
/// documentation). With `prune`, it also removes what the tenant has and `objects` do not name.
pub fn script(objects: &[TenantObject], prune: bool) -> String {
    let connectors: Vec<&TenantObject> =
        objects.iter().filter(|o| managed(o) && o.kind == Kind::OutboundConnector).collect();
    let mut rules: Vec<&TenantObject> =
        objects.iter().filter(|o| managed(o) && o.kind == Kind::TransportRule).collect();
    let priority = parameter(Object::Rule, "priority", 0);
    rules.sort_by_key(|rule| match rule.get(priority) {
        Some(Value::Integer(priority)) => *priority,
        _ => i64::MAX,
    });
    let mut out = String::new();
    header(&mut out, objects, &connectors, &rules, prune);
    out.push_str("[CmdletBinding(SupportsShouldProcess)]\nparam()\n\n");
    out.push_str("# Stop at the first error: nothing after a failed change runs.\n");
    out.push_str("$ErrorActionPreference = 'Stop'\n\n");
    out.push_str("if (-not (Get-Command -Name 'Get-TransportRule' -ErrorAction SilentlyContinue)) {\n");
    out.push_str("    throw 'The Exchange Online cmdlets are not loaded: run Connect-ExchangeOnline first.'\n}\n");
    if prune {
        prune_listing(&mut out, &connectors, &rules);
    }
    for connector in &connectors {
        connector_section(&mut out, connector);
    }
    if !rules.is_empty() {
        out.push_str("\n# On an existing rule, the conditions, exceptions and actions mailflow has keys for that\n");
        out.push_str("# the file leaves out are cleared (given $null), so that the rule does what the file says.\n");
        let quoted: Vec<String> = cleared_on_update().iter().map(|name| single_quoted(name)).collect();
        out.push_str("$clearedOnUpdate = @(\n");
        for line in wrapped(&quoted, 92) {
            out.push_str(&format!("    {}\n", line.trim_end_matches(',')));
        }
        out.push_str(")\n");
    }
    for (index, rule) in rules.iter().enumerate() {
        rule_section(&mut out, rule, index);
    }
    if !rules.is_empty() {
        states_section(&mut out, &rules);
    }
    if prune {
        prune_removal(&mut out);
    }
    out
}

/// The header comment: what the script manages, every property it sets, how it goes about it.
fn header(
    out: &mut String,
    objects: &[TenantObject],
    connectors: &[&TenantObject],
    rules: &[&TenantObject],
    prune: bool,
) {
    let file = objects.first().map(|object| object.origin.file.as_str());
    let from = file.map_or_else(String::new, |file| format!(" from {}", comment_text(file)));
    out.push_str(&format!(
        "# Exchange Online apply script, written by mailflow {}{from}.\n",
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str("#\n# Run it in a PowerShell session connected with Connect-ExchangeOnline, with -WhatIf first\n");
    out.push_str("# to see what it would change without changing anything:\n");
    out.push_str("#     ./apply.ps1 -WhatIf\n");
    out.push_str("# then without it (-Confirm asks before each change).\n#\n");
    out.push_str("# What it manages, and every property it sets:\n");
    if connectors.is_empty() && rules.is_empty() {
        out.push_str("#   nothing: the file has no outbound connector and no transport rule.\n");
    }
    for (title, list) in [("Outbound connector", connectors), ("Transport rule", rules)] {
        for object in list {
            out.push_str(&format!("#   {title} {}\n", comment_text(&single_quoted(name_of(object)))));
            for (property, value) in &object.properties {
                if !property.eq_ignore_ascii_case(name_parameter(object.kind)) {
                    out.push_str(&format!("#     {property} = {}\n", comment_text(&literal(value))));
                }
            }
        }
    }
    out.push_str("#\n# How:\n");
    out.push_str("#   - Each object is looked up by name, then updated (Set-...) if it exists or created\n");
    out.push_str("#     (New-...) if not: running the script again changes nothing more.\n");
    out.push_str("#   - Outbound connectors first, since rules redirect to them; then the transport rules\n");
    out.push_str("#     in ascending priority. Setting a rule's priority moves it there and pushes the rule\n");
    out.push_str("#     that held it, and every rule below, down by one: set in ascending order, each rule\n");
    out.push_str("#     ends at the priority the file gives it.\n");
    if !rules.is_empty() {
        out.push_str("#   - On an existing rule, these are cleared when the file does not set them (conditions,\n");
        out.push_str("#     exceptions and actions the format has no key for are left as they are):\n");
        for line in wrapped(&cleared_on_update(), 84) {
            out.push_str(&format!("#       {line}\n"));
        }
        out.push_str("#   - Last, each rule is enabled or disabled (Enable-TransportRule, Disable-TransportRule):\n");
        out.push_str("#     New-TransportRule takes -Enabled, Set-TransportRule does not.\n");
    }
    out.push_str("#   - It stops at the first error.\n");
    let domains = objects.iter().filter(|o| o.kind == Kind::AcceptedDomain).count();
    if domains > 0 {
        out.push_str(&format!(
            "#   - It leaves the accepted domains as they are ({domains} in the file): adding one takes a\n\
             #     proof of ownership in DNS, which no script can give.\n"
        ));
    }
    if prune {
        out.push_str("#   - --prune: every transport rule and outbound connector the tenant has and this file\n");
        out.push_str("#     does not name is listed first (as a warning), before anything changes, and removed\n");
        out.push_str("#     at the end (Remove-TransportRule, then Remove-OutboundConnector). With -WhatIf they\n");
        out.push_str("#     are listed and nothing is removed.\n");
    } else {
        out.push_str("#   - It removes nothing: transport rules and outbound connectors the file does not name\n");
        out.push_str("#     stay as they are (mailflow export --prune writes a script that removes them).\n");
    }
    out.push('\n');
}

/// `items` comma-separated, in lines of at most about `width` characters.
fn wrapped(items: &[String], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (index, item) in items.iter().enumerate() {
        let piece = if index + 1 < items.len() { format!("{item},") } else { item.clone() };
        if !line.is_empty() && line.len() + 1 + piece.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The parameters of the format's conditions (and their exceptions), actions and comments:
/// what an update clears when the file does not set it, read from the key catalogue.
fn cleared_on_update() -> Vec<String> {
    let of = |object| keys::keys(object).iter().flat_map(|key| key.parameters.iter().copied());
    let conditions: Vec<&str> = of(Object::Predicates).collect();
    let mut names: Vec<String> = conditions.iter().map(|name| (*name).to_owned()).collect();
    names.extend(conditions.iter().map(|name| format!("{EXCEPT_IF}{name}")));
    names.extend(of(Object::Actions).map(str::to_owned));
    names.push(parameter(Object::Rule, "comments", 0).to_owned());
    names
}

/// The `--prune` lists, computed when the script runs and shown before anything changes.
fn prune_listing(out: &mut String, connectors: &[&TenantObject], rules: &[&TenantObject]) {
    let names = |objects: &[&TenantObject]| objects.iter().map(|o| name_of(o).to_owned()).collect::<Vec<_>>();
    out.push_str("\n# --prune: what the tenant has and this file does not name (Exchange's names ignore case,\n");
    out.push_str("# as -notcontains does). Listed now, removed at the end.\n");
    out.push_str(&format!("$fileRules = {}\n", list_literal(&names(rules))));
    out.push_str(&format!("$fileConnectors = {}\n", list_literal(&names(connectors))));
    let rule_name = name_parameter(Kind::TransportRule);
    let connector_name = name_parameter(Kind::OutboundConnector);
    out.push_str(&format!(
        "$extraRules = @(Get-TransportRule | ForEach-Object {{ $_.{rule_name} }} | Where-Object {{ $fileRules -notcontains $_ }})\n"
    ));
    out.push_str("# Get-OutboundConnector leaves out connectors in test mode unless asked for them alone.\n");
    out.push_str(
        "$tenantConnectors = @(Get-OutboundConnector) + @(Get-OutboundConnector -IncludeTestModeConnectors $true)\n",
    );
    out.push_str(&format!(
        "$extraConnectors = @($tenantConnectors | ForEach-Object {{ $_.{connector_name} }} | Sort-Object -Unique | \
         Where-Object {{ $fileConnectors -notcontains $_ }})\n"
    ));
    out.push_str("foreach ($name in $extraRules) {\n");
    out.push_str(
        "    Write-Warning \"Transport rule '$name' is not in the file: it will be removed at the end.\"\n}\n",
    );
    out.push_str("foreach ($name in $extraConnectors) {\n");
    out.push_str(
        "    Write-Warning \"Outbound connector '$name' is not in the file: it will be removed at the end.\"\n}\n",
    );
}

fn prune_removal(out: &mut String) {
    out.push_str("\n# --prune: remove what the file does not name, rules first (a rule may redirect to a\n");
    out.push_str("# connector being removed).\n");
    out.push_str("foreach ($name in $extraRules) {\n");
    out.push_str("    if ($PSCmdlet.ShouldProcess($name, 'Remove transport rule')) {\n");
    out.push_str("        Remove-TransportRule -Identity $name -Confirm:$false\n    }\n}\n");
    out.push_str("foreach ($name in $extraConnectors) {\n");
    out.push_str("    if ($PSCmdlet.ShouldProcess($name, 'Remove outbound connector')) {\n");
    out.push_str("        Remove-OutboundConnector -Identity $name -Confirm:$false\n    }\n}\n");
}

/// `$parameters = @{ … }`: the object's properties, one a line.
fn parameters(out: &mut String, object: &TenantObject) {
    out.push_str("$parameters = @{\n");
    let keys: Vec<String> = object.properties.iter().map(|(property, _)| hashtable_key(property)).collect();
    let width = keys.iter().map(|key| key.chars().count()).max().unwrap_or(0);
    for (key, (_, value)) in keys.iter().zip(&object.properties) {
        out.push_str(&format!("    {key:<width$} = {}\n", literal(value)));
    }
    out.push_str("}\n");
}

fn connector_section(out: &mut String, connector: &TenantObject) {
    let name = single_quoted(name_of(connector));
    out.push_str(&format!("\n# Outbound connector {}\n", comment_text(&name)));
    parameters(out, connector);
    out.push_str("# Get-OutboundConnector finds a connector in test mode only when asked for those alone.\n");
    out.push_str("$existing = @(\n");
    out.push_str(&format!("    Get-OutboundConnector -Identity {name} -ErrorAction SilentlyContinue\n"));
    out.push_str(&format!(
        "    Get-OutboundConnector -Identity {name} -IncludeTestModeConnectors $true -ErrorAction SilentlyContinue\n"
    ));
    out.push_str(")\n");
    out.push_str("if ($existing.Count -gt 0) {\n");
    out.push_str("    # Set- takes the connector by -Identity: its name is not changed.\n");
    out.push_str(&format!("    $parameters.Remove({})\n", single_quoted(name_parameter(Kind::OutboundConnector))));
    out.push_str(&format!("    if ($PSCmdlet.ShouldProcess({name}, 'Update outbound connector')) {{\n"));
    out.push_str(&format!("        Set-OutboundConnector -Identity {name} @parameters -Confirm:$false\n    }}\n}}\n"));
    out.push_str(&format!("elseif ($PSCmdlet.ShouldProcess({name}, 'Create outbound connector')) {{\n"));
    out.push_str("    New-OutboundConnector @parameters -Confirm:$false\n}\n");
}

/// One rule's section; `index` is its place among the file's rules in ascending priority.
fn rule_section(out: &mut String, rule: &TenantObject, index: usize) {
    let name = single_quoted(name_of(rule));
    let priority_parameter = parameter(Object::Rule, "priority", 0);
    let priority = match rule.get(priority_parameter) {
        Some(Value::Integer(priority)) => Some(*priority),
        _ => None,
    };
    let shown = priority.map_or_else(String::new, |priority| format!(" (priority {priority})"));
    out.push_str(&format!("\n# Transport rule {}{shown}\n", comment_text(&name)));
    parameters(out, rule);
    out.push_str(&format!("$existing = Get-TransportRule -Identity {name} -ErrorAction SilentlyContinue\n"));
    if let Some(priority) = priority.filter(|priority| *priority > index as i64) {
        // Only the file's rules above this one are sure to be in the tenant by now: a priority
        // past them may be past the end of the tenant's list, which Exchange refuses.
        out.push_str(&format!(
            "# Priority {priority} may be past the end of the tenant's list, which Exchange refuses: the rule\n\
             # goes no further than the end.\n"
        ));
        out.push_str("$last = @(Get-TransportRule).Count\n");
        out.push_str("if ($existing) { $last = $last - 1 }\n");
        let key = hashtable_key(priority_parameter);
        out.push_str(&format!("if ($parameters.{key} -gt $last) {{ $parameters.{key} = $last }}\n"));
    }
    out.push_str("if ($existing) {\n");
    out.push_str("    # Set- takes the rule by -Identity (its name is not changed) and has no -Enabled: each\n");
    out.push_str("    # rule's state is set at the end.\n");
    out.push_str(&format!("    $parameters.Remove({})\n", single_quoted(name_parameter(Kind::TransportRule))));
    out.push_str(&format!("    $parameters.Remove({})\n", single_quoted(enabled_parameter())));
    out.push_str("    foreach ($cleared in $clearedOnUpdate) {\n");
    out.push_str("        if (-not $parameters.ContainsKey($cleared)) { $parameters[$cleared] = $null }\n    }\n");
    out.push_str(&format!("    if ($PSCmdlet.ShouldProcess({name}, 'Update transport rule')) {{\n"));
    out.push_str(&format!("        Set-TransportRule -Identity {name} @parameters -Confirm:$false\n    }}\n}}\n"));
    out.push_str(&format!("elseif ($PSCmdlet.ShouldProcess({name}, 'Create transport rule')) {{\n"));
    out.push_str("    New-TransportRule @parameters -Confirm:$false\n}\n");
}

/// The switch New-TransportRule takes (`Enabled`), as the catalogue names it.
fn enabled_parameter() -> &'static str {
    parameter(Object::Rule, "enabled", 1)
}

/// Each rule enabled or disabled, last: a rule the script just created already has its state.
fn states_section(out: &mut String, rules: &[&TenantObject]) {
    let state = parameter(Object::Rule, "enabled", 0);
    let [enabled_state, disabled_state] = names::RULE_STATES;
    out.push_str("\n# Each rule enabled or disabled as the file says (a rule not found here is one -WhatIf did\n");
    out.push_str("# not create: New-TransportRule gives it its state).\n");
    for rule in rules {
        let name = single_quoted(name_of(rule));
        let enabled = !matches!(rule.get(enabled_parameter()), Some(Value::Bool(false)));
        let (wanted, verb) = if enabled { (enabled_state, "Enable") } else { (disabled_state, "Disable") };
        out.push_str(&format!("$rule = Get-TransportRule -Identity {name} -ErrorAction SilentlyContinue\n"));
        out.push_str(&format!(
            "if ($rule -and $rule.{state} -ne {} -and $PSCmdlet.ShouldProcess({name}, '{verb} transport rule')) {{\n",
            single_quoted(wanted)
        ));
        out.push_str(&format!("    {verb}-TransportRule -Identity {name} -Confirm:$false\n}}\n"));
    }
}

/// `text` as a PowerShell single-quoted string: nothing in it is expanded, and each quote
/// is doubled. PowerShell takes the curly single quotes (U+2018 to U+201B) for `'` too (the
/// PowerShell Language Specification, 2.3.5.2, single-quote-character), so they are
/// doubled as well: `''` and `’’` each stand for the second quote.
pub fn single_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if is_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// PowerShell's single-quote-character.
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A value as a PowerShell expression: texts single-quoted, lists `@('a', 'b')`, `$true`,
/// `$false`, integers bare, and `$null` for what is unset (an empty list or text), which is
/// how Exchange's Set- cmdlets clear a property.
pub fn literal(value: &Value) -> String {
    if value.is_unset() {
        return "$null".to_owned();
    }
    match value {
        Value::Null => "$null".to_owned(),
        Value::Bool(flag) => if *flag { "$true" } else { "$false" }.to_owned(),
        Value::Integer(number) => number.to_string(),
        Value::Text(text) => single_quoted(text),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("@({})", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> =
                entries.iter().map(|(key, value)| format!("{} = {}", hashtable_key(key), literal(value))).collect();
            format!("@{{ {} }}", entries.join("; "))
        }
    }
}

fn list_literal(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| single_quoted(item)).collect();
    format!("@({})", items.join(", "))
}

/// A hashtable key: a parameter name as it is, anything else quoted.
fn hashtable_key(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_owned()
    } else {
        single_quoted(name)
    }
}

/// `text` made safe for a `#` comment line: a line break (or any control character, or a
/// Unicode line or paragraph separator) would end the comment, so it is written `\u{…}`.
pub(super) fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::Origin;

    /// A PowerShell single-quoted string read back as PowerShell's tokenizer reads it: a
    /// quote followed by another quote is the second one; a quote followed by anything else
    /// ends the string.
    fn read_single_quoted(literal: &str) -> Option<String> {
        let mut chars = literal.chars().peekable();
        if !chars.next().is_some_and(is_single_quote) {
            return None;
        }
        let mut text = String::new();
        while let Some(c) = chars.next() {
            if is_single_quote(c) {
                match chars.peek() {
                    Some(&next) if is_single_quote(next) => {
                        text.push(next);
                        chars.next();
                    }
                    _ => return chars.next().is_none().then_some(text),
                }
            } else {
                text.push(c);
            }
        }
        None
    }

    #[test]
    fn single_quoted_strings_read_back_as_written() {
        for text in ["", "plain", "it's", "''", "$env:x `n \"q\"", "‘curly’ ‚low‛", "é日本\u{1F600}", "a\nb\r\nc"]
        {
            let literal = single_quoted(text);
            assert_eq!(read_single_quoted(&literal).as_deref(), Some(text), "{literal}");
        }
        assert_eq!(single_quoted("it's ’"), "'it''s ’’'");
    }

    #[test]
    fn values_as_powershell_expressions() {
        assert_eq!(literal(&Value::Bool(true)), "$true");
        assert_eq!(literal(&Value::Integer(-3)), "-3");
        assert_eq!(literal(&Value::List(vec![Value::Text("a".into()), Value::Text("b'".into())])), "@('a', 'b''')");
        assert_eq!(literal(&Value::List(vec![])), "$null");
        assert_eq!(literal(&Value::Text(String::new())), "$null");
        assert_eq!(hashtable_key("ExceptIfFromScope"), "ExceptIfFromScope");
        assert_eq!(hashtable_key("Odd name"), "'Odd name'");
        assert_eq!(comment_text("a\nb\u{2028}"), "a\\u{A}b\\u{2028}");
    }

    #[test]
    fn cleared_parameters_come_from_the_catalogue() {
        let cleared = cleared_on_update();
        for name in
            ["FromScope", "ExceptIfHeaderContainsWords", "SetHeaderValue", "RouteMessageOutboundConnector", "Comments"]
        {
            assert!(cleared.iter().any(|c| c == name), "{name} in {cleared:?}");
        }
        assert!(!cleared.iter().any(|c| c == "Priority" || c == "Name"));
    }

    fn rule(name: &str, extra: Vec<(&str, Value)>) -> TenantObject {
        let mut properties = vec![("Name".to_owned(), Value::Text(name.to_owned()))];
        properties.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
        TenantObject {
            kind: Kind::TransportRule,
            properties,
            origin: Origin { file: "f".into(), number: 1 },
            absent: false,
        }
    }

    #[test]
    fn problems_name_the_object() {
        let long = "x".repeat(65);
        let problems = problems(&[
            rule(&"y".repeat(64), vec![]),
            rule(&long, vec![]),
            rule("c", vec![("Comments", Value::Text("z".repeat(1025)))]),
            rule("d", vec![("FromScope", Value::Text("InOrganization".into())), ("fromscope", Value::Null)]),
            rule("C", vec![]),
        ]);
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(shown[0].contains(&long) && shown[0].contains("65 characters"), "{}", shown[0]);
        assert!(shown[1].contains("`c`") && shown[1].contains("`Comments`: has 1025"), "{}", shown[1]);
        assert!(shown[2].contains("`fromscope`: is given twice"), "{}", shown[2]);
        assert!(shown[3].contains("`C`: `Name`: is the name of another TransportRule too"), "{}", shown[3]);
    }

    #[test]
    fn priorities_past_the_rules_before_are_held_to_the_end_of_the_list() {
        let priority = |p| vec![("Priority", Value::Integer(p))];
        let text = script(&[rule("b", priority(7)), rule("a", priority(0))], false);
        assert!(text.find("# Transport rule 'a'").unwrap() < text.find("# Transport rule 'b'").unwrap());
        assert_eq!(text.matches("$last = @(Get-TransportRule).Count").count(), 1);
        assert!(!text.contains("Remove-TransportRule"));
    }
}
