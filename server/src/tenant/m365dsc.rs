//! A Microsoft365DSC configuration (`Export-M365DSCConfiguration`'s `.ps1`), read without
//! running it: a `Configuration` whose `Node` holds one block per object,
//!
//! ```powershell
//! EXOTransportRule "EXOTransportRule-Route to the signature service"
//! {
//!     Name      = "Route to the signature service";
//!     FromScope = "InOrganization";
//!     Ensure    = "Present";
//!     TenantId  = $OrganizationName;
//! }
//! ```
//!
//! `EXOTransportRule` (keyed by `Name`), `EXOOutboundConnector` and `EXOAcceptedDomain`
//! (keyed by `Identity`) are read into objects of the cmdlets' parameter names, matched
//! without regard to case; `Ensure = "Absent"` marks an object that must not exist. The
//! properties that only say how Microsoft365DSC signs in are left out. Every other resource is
//! skipped and counted in a note. `$OrganizationName` is the tenant's name, given or learnt
//! from the accepted domains; any other variable is reported where it stands. A configuration
//! that builds its blocks in loops or under conditions declares objects only PowerShell can
//! count, and is refused.

use std::collections::BTreeMap;

use super::powershell::{self, Entry, SyntaxError, Variables};
use super::{Kind, Origin, Problem, TenantObject, Value};

/// The resources read, by their names in a configuration.
const RESOURCES: [(&str, Kind); 3] = [
    ("EXOTransportRule", Kind::TransportRule),
    ("EXOOutboundConnector", Kind::OutboundConnector),
    ("EXOAcceptedDomain", Kind::AcceptedDomain),
];

/// Properties every Microsoft365DSC resource takes to sign in (or DSC itself takes to order
/// resources): they say nothing about the object.
const SIGN_IN: [&str; 12] = [
    "Credential",
    "ApplicationId",
    "TenantId",
    "CertificateThumbprint",
    "CertificatePath",
    "CertificatePassword",
    "ApplicationSecret",
    "ManagedIdentity",
    "AccessTokens",
    "GlobalAdminAccount",
    "DependsOn",
    "PsDscRunAsCredential",
];

/// Keywords and commands that repeat what they hold.
const LOOPS: [&str; 6] = ["foreach", "for", "while", "do", "ForEach-Object", "%"];

/// Whether `text` is a DSC configuration written for Microsoft365DSC: a `Configuration`
/// block that imports Microsoft365DSC or holds one of the resources read here.
pub fn recognise(text: &str) -> bool {
    let mentions = |body: &str| {
        let body = body.to_ascii_lowercase();
        body.contains("microsoft365dsc") || RESOURCES.iter().any(|(name, _)| body.contains(&name.to_ascii_lowercase()))
    };
    match configurations(text) {
        Ok(configurations) => configurations.iter().any(|&(open, close)| mentions(&text[open..close])),
        // A configuration cut short or broken is still one: reading it says where.
        Err(_) => {
            text.lines().any(|line| line.trim_start().to_ascii_lowercase().starts_with("configuration "))
                && mentions(text)
        }
    }
}

/// The objects the configuration declares, and notes on what it holds besides. The tenant's
/// name (`$OrganizationName`) is `organization_name`, else the one the configuration assigns,
/// else the accepted domain ending in `.onmicrosoft.com` among its own and `known_domains`.
pub fn read(
    text: &str,
    file: &str,
    organization_name: Option<&str>,
    known_domains: &[String],
) -> Result<(Vec<TenantObject>, Vec<String>), Vec<Problem>> {
    let at = |offset: usize| {
        let position = powershell::position(text, offset);
        format!("{file}:{}:{}", position.line, position.column)
    };
    let syntax = |error: SyntaxError| vec![Problem::in_file(&at(error.offset), error.message)];
    let mut walk = Walk::default();
    for (open, close) in configurations(text).map_err(syntax)? {
        walk.body(text, open, close, None).map_err(|refusal| match refusal {
            Refusal::Syntax(error) => syntax(error),
            Refusal::Unreadable { offset, message } => vec![Problem::in_file(&at(offset), message)],
        })?;
    }
    let mut notes = Vec::new();
    let organization = match organization_name {
        Some(name) => Some(name.to_owned()),
        None => walk.organization_name.clone().or_else(|| {
            // The domains written out as text (the tenant's own may be `$OrganizationName`).
            let mut domains: Vec<String> = known_domains.to_vec();
            for block in walk.blocks.iter().filter(|block| block.kind == Kind::AcceptedDomain) {
                if let Ok(table) = powershell::hashtable(text, block.body, &Variables::default()) {
                    domains.extend(table.entries.into_iter().filter_map(|entry| match entry.value.value {
                        Value::Text(domain) if entry.name.eq_ignore_ascii_case("Identity") => Some(domain),
                        _ => None,
                    }));
                }
            }
            let name = tenant_domain(&domains)?;
            if text.to_ascii_lowercase().contains("$organizationname") {
                notes.push(format!(
                    "{file}: `$OrganizationName` read as `{name}`, the accepted domain ending in .onmicrosoft.com \
                     (`--organization-name` gives another)"
                ));
            }
            Some(name)
        }),
    };
    let variables = Variables { organization_name: organization };
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    for block in &walk.blocks {
        let number = counts.entry(block.kind).or_default();
        *number += 1;
        let origin = Origin { file: file.to_owned(), number: *number };
        match object(text, block, origin, &variables, &at) {
            Ok((object, note)) => {
                objects.push(object);
                notes.extend(note);
            }
            Err(found) => problems.extend(found),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    notes.extend(skipped_note(file, &walk.skipped));
    Ok((objects, notes))
}

/// The note on the resources not read, by name with how many of each.
pub(super) fn skipped_note(file: &str, skipped: &BTreeMap<String, usize>) -> Option<String> {
    let total: usize = skipped.values().sum();
    let each: Vec<String> = skipped.iter().map(|(name, n)| format!("{name} ({n})")).collect();
    (total > 0).then(|| {
        format!(
            "{file}: {total} other resource{} not read (not mail flow): {}",
            if total == 1 { "" } else { "s" },
            each.join(", ")
        )
    })
}

/// Whether `text` is DSC configuration data (the `ConfigurationData.psd1` that
/// Export-M365DSCConfiguration writes beside the configuration): a hashtable with `AllNodes`
/// or `NonNodeData`.
pub fn recognise_data(text: &str) -> bool {
    let start = powershell::skip_trivia(text, 0, true);
    text[start..].starts_with("@{")
        && powershell::hashtable(text, start, &Variables::default()).is_ok_and(|table| {
            table
                .entries
                .iter()
                .any(|e| e.name.eq_ignore_ascii_case("AllNodes") || e.name.eq_ignore_ascii_case("NonNodeData"))
        })
}

/// The tenant's name configuration data gives the configuration as `$OrganizationName`:
/// `NonNodeData`'s `OrganizationName` (Microsoft365DSC writes `NonNodeData` as a list of
/// one hashtable), if it is there as text.
pub fn data_organization_name(text: &str, file: &str) -> Result<Option<String>, Problem> {
    let start = powershell::skip_trivia(text, 0, true);
    let table = powershell::hashtable(text, start, &Variables::default()).map_err(|error| {
        let position = powershell::position(text, error.offset);
        Problem {
            place: format!("{file}:{}:{}", position.line, position.column),
            field: error.key,
            message: error.message,
        }
    })?;
    let non_node = table.entries.iter().find(|e| e.name.eq_ignore_ascii_case("NonNodeData")).map(|e| &e.value.value);
    let tables: Vec<&Value> = match non_node {
        Some(Value::List(items)) => items.iter().collect(),
        Some(map @ Value::Map(_)) => vec![map],
        _ => Vec::new(),
    };
    Ok(tables.into_iter().find_map(|table| match table {
        Value::Map(entries) => entries.iter().find_map(|(name, value)| match value {
            Value::Text(organization) if name.eq_ignore_ascii_case("OrganizationName") && !organization.is_empty() => {
                Some(organization.clone())
            }
            _ => None,
        }),
        _ => None,
    }))
}

/// The tenant's own domain among accepted domains: the one ending in `.onmicrosoft.com`
/// (not its `.mail.onmicrosoft.com` twin), when there is exactly one.
pub fn tenant_domain(domains: &[String]) -> Option<String> {
    let mut found: Vec<String> = domains
        .iter()
        .map(|domain| domain.trim().to_ascii_lowercase())
        .filter(|domain| domain.ends_with(".onmicrosoft.com") && !domain.ends_with(".mail.onmicrosoft.com"))
        .collect();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The body (between the braces, `open` just after `{`, `close` at `}`) of each
/// `Configuration` in `text`.
fn configurations(text: &str) -> Result<Vec<(usize, usize)>, SyntaxError> {
    let mut found = Vec::new();
    let mut pos = 0;
    loop {
        pos = powershell::skip_trivia(text, pos, true);
        if pos >= text.len() {
            return Ok(found);
        }
        if word_at(text, pos).eq_ignore_ascii_case("Configuration") {
            let name = powershell::skip_trivia(text, pos + "Configuration".len(), false);
            let name_end = name + word_at(text, name).len();
            let open = powershell::skip_trivia(text, name_end, true);
            if name_end > name && text[open..].starts_with('{') {
                let close = powershell::closing(text, open)?;
                found.push((open + 1, close - 1));
                pos = close;
                continue;
            }
        }
        let end = powershell::statement_end(text, pos)?;
        pos = if end == pos { pos + 1 } else { end };
    }
}

/// The word at `at`: letters, digits, `_` and `-`.
fn word_at(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    &rest[..end]
}

/// A resource block to read: its kind, what it is called, and where its `{` is.
struct Block {
    kind: Kind,
    resource: &'static str,
    instance: String,
    body: usize,
}

/// Why a configuration cannot be read.
enum Refusal {
    Syntax(SyntaxError),
    Unreadable { offset: usize, message: String },
}

impl From<SyntaxError> for Refusal {
    fn from(error: SyntaxError) -> Self {
        Refusal::Syntax(error)
    }
}

/// What walking a configuration found.
#[derive(Default)]
struct Walk {
    blocks: Vec<Block>,
    /// Other resources, by name: how many blocks of each.
    skipped: BTreeMap<String, usize>,
    /// `$OrganizationName = '...'` in the configuration itself.
    organization_name: Option<String>,
}

impl Walk {
    /// The statements between `open` and `close`: a configuration's (`node` is `None`) or a
    /// node's (its name).
    fn body(&mut self, text: &str, open: usize, close: usize, node: Option<&str>) -> Result<(), Refusal> {
        let mut pos = open;
        loop {
            pos = powershell::skip_trivia(text, pos, true);
            if pos >= close {
                return Ok(());
            }
            if text[pos..].starts_with(';') {
                pos += 1;
                continue;
            }
            let word = word_at(text, pos);
            let after_word = powershell::skip_trivia(text, pos + word.len(), false);
            if node.is_none() && word.eq_ignore_ascii_case("param") && text[after_word..].starts_with('(') {
                pos = powershell::closing(text, after_word)?;
                continue;
            }
            if word.eq_ignore_ascii_case("Import-DscResource") {
                pos = powershell::statement_end(text, pos)?;
                continue;
            }
            if let Some(keyword) = LOOPS.iter().find(|keyword| word.eq_ignore_ascii_case(keyword)) {
                return Err(loop_refusal(pos, keyword, node));
            }
            if word.eq_ignore_ascii_case("Node") && node.is_none() {
                let (name, end) = powershell::argument(text, after_word, &Variables::default())?;
                let brace = powershell::skip_trivia(text, end, true);
                if text[brace..].starts_with('{') {
                    let node_close = powershell::closing(text, brace)?;
                    let name = match &name.value {
                        Value::Text(name) => name.clone(),
                        _ => text[name.offset..end].trim().to_owned(),
                    };
                    self.body(text, brace + 1, node_close - 1, Some(&name))?;
                    pos = node_close;
                    continue;
                }
            }
            let brace = if word.is_empty() || word.starts_with('-') {
                None
            } else {
                self.resource(text, pos, word, after_word)?
            };
            if let Some(brace) = brace {
                pos = self.after_resource(text, powershell::closing(text, brace)?)?;
                continue;
            }
            let end = powershell::statement_end(text, pos)?;
            let end = if end == pos { pos + 1 } else { end };
            for (offset, word) in powershell::words(text, pos, end)? {
                let dotted = text[..offset].ends_with('.') && word.eq_ignore_ascii_case("ForEach");
                if let Some(keyword) = LOOPS.iter().find(|keyword| word.eq_ignore_ascii_case(keyword)) {
                    return Err(loop_refusal(offset, keyword, node));
                }
                if dotted {
                    return Err(loop_refusal(offset, ".ForEach()", node));
                }
            }
            if let Some(node) = node {
                let shown = word_at(text, pos);
                let shown = if shown.is_empty() { text[pos..end].trim() } else { shown };
                return Err(Refusal::Unreadable {
                    offset: pos,
                    message: format!(
                        "`{}` inside Node `{node}` is not a resource block: which objects it declares is known only by \
                         running PowerShell, which mailflow never does (it reads blocks such as `EXOTransportRule \
                         \"name\" {{ ... }}`)",
                        crate::text::shorten(shown)
                    ),
                });
            }
            self.assignment(text, pos, end);
            pos = end;
        }
    }

    /// Where the `{` is when the statement at `at` (its first word `word`, what follows at
    /// `after_word`) is a resource block `Name "instance" { ... }`; a block of a resource read
    /// here is kept, another counted.
    fn resource(&mut self, text: &str, at: usize, word: &str, after_word: usize) -> Result<Option<usize>, Refusal> {
        let starts_instance =
            text[after_word..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '$' || is_quote(c));
        if after_word == at + word.len() || !starts_instance {
            return Ok(None);
        }
        let Ok((instance, end)) = powershell::argument(text, after_word, &Variables::default()) else {
            return Ok(None);
        };
        let brace = powershell::skip_trivia(text, end, true);
        if !text[brace..].starts_with('{') {
            return Ok(None);
        }
        let instance = match instance.value {
            Value::Text(instance) => instance,
            _ => text[after_word..end].trim().to_owned(),
        };
        match RESOURCES.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)) {
            Some(&(resource, kind)) => self.blocks.push(Block { kind, resource, instance, body: brace }),
            None => *self.skipped.entry(word.to_owned()).or_default() += 1,
        }
        Ok(Some(brace))
    }

    /// After a block's `}`: the rest of its line must be empty.
    fn after_resource(&self, text: &str, pos: usize) -> Result<usize, Refusal> {
        let next = powershell::skip_trivia(text, pos, false);
        match text[next..].chars().next() {
            None | Some('\n' | '\r' | ';' | '}') => Ok(next),
            Some(c) => Err(Refusal::Unreadable {
                offset: next,
                message: format!("`{c}` after a resource block's `}}`: a block ends its line"),
            }),
        }
    }

    /// `$OrganizationName = 'contoso.onmicrosoft.com'` in the configuration: the tenant's name.
    fn assignment(&mut self, text: &str, at: usize, end: usize) {
        let statement = &text[at..end];
        let Some(equals) = statement.find('=') else { return };
        let target = statement[..equals].trim();
        if !target.eq_ignore_ascii_case("$OrganizationName") {
            return;
        }
        if let Ok((read, _)) = powershell::value(text, at + equals + 1, &Variables::default()) {
            if let (Value::Text(name), true) = (read.value, read.unresolved.is_empty()) {
                self.organization_name = Some(name);
            }
        }
    }
}

fn is_quote(c: char) -> bool {
    powershell::is_single_quote(c) || powershell::is_double_quote(c)
}

fn loop_refusal(offset: usize, keyword: &str, node: Option<&str>) -> Refusal {
    let place = node.map_or_else(|| "the configuration".to_owned(), |node| format!("Node `{node}`"));
    Refusal::Unreadable {
        offset,
        message: format!(
            "a loop (`{keyword}`) in {place}: the objects it declares are known only by running PowerShell, which \
             mailflow never does; export the tenant again with Export-M365DSCConfiguration, which writes every object \
             out as a block of its own"
        ),
    }
}

/// The object a block declares, with a note when it leaves something to say; or every
/// problem in it.
fn object(
    text: &str,
    block: &Block,
    origin: Origin,
    variables: &Variables,
    at: &dyn Fn(usize) -> String,
) -> Result<(TenantObject, Option<String>), Vec<Problem>> {
    let place = |offset: usize| format!("{}, {} `{}`", at(offset), block.resource, block.instance);
    let table = powershell::hashtable(text, block.body, variables)
        .map_err(|error| vec![Problem { place: place(error.offset), field: error.key, message: error.message }])?;
    let mut problems = Vec::new();
    let mut properties: Vec<(String, Value)> = Vec::new();
    for Entry { name, value, .. } in table.entries {
        if is_sign_in(&name) {
            continue;
        }
        for unresolved in &value.unresolved {
            let written = unresolved.text.to_ascii_lowercase();
            let message = if written.starts_with("$organizationname") || written.starts_with("$($organizationname") {
                format!(
                    "`{}` stands for the tenant's name, which the configuration takes from its ConfigurationData: give \
                     it with `--organization-name NAME.onmicrosoft.com`, or import the accepted domains too",
                    unresolved.text
                )
            } else {
                format!(
                    "`{}` gets its value only when PowerShell runs the configuration, which mailflow never does: \
                     write the value in its place",
                    unresolved.text
                )
            };
            problems.push(Problem { place: place(unresolved.offset), field: Some(name.clone()), message });
        }
        properties.push((name, value.value));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    resource_object(block.kind, properties, origin).map_err(|problem| vec![problem])
}

/// Whether `property` only says how Microsoft365DSC signs in (or how DSC orders resources).
pub(super) fn is_sign_in(property: &str) -> bool {
    SIGN_IN.iter().any(|ignored| ignored.eq_ignore_ascii_case(property))
}

/// The object a Microsoft365DSC resource's properties describe (a configuration's block, a
/// Graph snapshot's resource, which carry the same names), with a note when it leaves
/// something to say: `Ensure` makes it absent or not, a connector's or accepted domain's
/// `Identity` is its name, the credentials are left out.
pub(super) fn resource_object(
    kind: Kind,
    properties: Vec<(String, Value)>,
    origin: Origin,
) -> Result<(TenantObject, Option<String>), Problem> {
    let mut ensure = None;
    let mut properties: Vec<(String, Value)> = properties
        .into_iter()
        .filter(|(name, value)| {
            if name.eq_ignore_ascii_case("Ensure") {
                ensure = Some(value.clone());
            }
            !name.eq_ignore_ascii_case("Ensure") && !is_sign_in(name)
        })
        .collect();
    let has = |properties: &[(String, Value)], name: &str| properties.iter().any(|(p, _)| p.eq_ignore_ascii_case(name));
    let identity = properties.iter().find(|(p, _)| p.eq_ignore_ascii_case("Identity")).map(|(_, v)| v.clone());
    // Connectors and accepted domains are keyed by `Identity`, which is their name.
    match (kind, identity) {
        (Kind::OutboundConnector, Some(identity)) if !has(&properties, "Name") => {
            properties.insert(0, ("Name".to_owned(), identity));
        }
        (Kind::AcceptedDomain, Some(identity)) if !has(&properties, "DomainName") => {
            properties.insert(0, ("DomainName".to_owned(), identity));
        }
        _ => {}
    }
    let mut object = TenantObject { kind, properties, origin, absent: false };
    match ensure {
        None => {}
        Some(Value::Text(ensure)) if ensure.eq_ignore_ascii_case("Present") => {}
        Some(Value::Text(ensure)) if ensure.eq_ignore_ascii_case("Absent") => object.absent = true,
        Some(other) => {
            return Err(Problem::in_object(
                &object,
                Some("Ensure"),
                format!("expected \"Present\" or \"Absent\", found `{}`", other.shown()),
            ))
        }
    }
    let note = (kind == Kind::TransportRule && !object.absent && !has(&object.properties, "Enabled")).then(|| {
        format!(
            "{}: no `Enabled` (Microsoft365DSC exports before late 2023 leave it out): read as enabled, Exchange's \
             default; check the rule's state in the tenant",
            object.describe()
        )
    });
    Ok((object, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIGURATION: &str = r#"# Generated with Microsoft365DSC
param (
)

Configuration M365TenantConfig
{
    param (
    )

    $OrganizationName = $ConfigurationData.NonNodeData.OrganizationName

    Import-DscResource -ModuleName 'Microsoft365DSC' -ModuleVersion '1.24.1016.1'

    Node localhost
    {
        EXOOutboundConnector "EXOOutboundConnector-CodeTwo"
        {
            Identity              = "CodeTwo";
            SmartHosts            = @("contoso.mail.codetwo.online");
            IsTransportRuleScoped = $True;
            UseMxRecord           = $False;
            ConnectorType         = "Partner";
            Enabled               = $True;
            Ensure                = "Present";
            ApplicationId         = $ConfigurationData.NonNodeData.ApplicationId;
            TenantId              = $OrganizationName;
        }
        AADGroup "AADGroup-Staff"
        {
            DisplayName = "Staff";
            Members     = @(
                MSFT_Member{ Name = "x" }
            );
        }
        EXOTransportRule "EXOTransportRule-Old"
        {
            Name   = "Old";
            Ensure = "Absent";
        }
    }
}

M365TenantConfig -ConfigurationData .\ConfigurationData.psd1
"#;

    #[test]
    fn reads_the_blocks_it_knows_and_counts_the_others() {
        assert!(recognise(CONFIGURATION));
        let (objects, notes) = read(CONFIGURATION, "tenant.ps1", None, &[]).unwrap();
        assert_eq!(objects.len(), 2);
        let connector = &objects[0];
        assert_eq!((connector.kind, connector.name()), (Kind::OutboundConnector, Some("CodeTwo")));
        assert_eq!(connector.get("usemxrecord"), Some(&Value::Bool(false)));
        assert_eq!(connector.get("ApplicationId"), None);
        assert_eq!(connector.get("Ensure"), None);
        assert!(objects[1].absent);
        assert_eq!(notes, ["tenant.ps1: 1 other resource not read (not mail flow): AADGroup (1)"]);
    }

    #[test]
    fn the_organization_name_comes_from_the_flag_or_the_accepted_domains() {
        let text =
            CONFIGURATION.replace(r#"Identity              = "CodeTwo";"#, r#"Identity = "$OrganizationName out";"#);
        let problems = read(&text, "tenant.ps1", None, &[]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place, "tenant.ps1:18:25, EXOOutboundConnector `EXOOutboundConnector-CodeTwo`");
        assert_eq!(problems[0].field.as_deref(), Some("Identity"));
        assert!(problems[0].message.contains("--organization-name"), "{}", problems[0].message);
        let (objects, _) = read(&text, "tenant.ps1", Some("contoso.onmicrosoft.com"), &[]).unwrap();
        assert_eq!(objects[0].name(), Some("contoso.onmicrosoft.com out"));
        let domains = ["contoso.com".to_owned(), "contoso.onmicrosoft.com".to_owned()];
        let (objects, notes) = read(&text, "tenant.ps1", None, &domains).unwrap();
        assert_eq!(objects[0].name(), Some("contoso.onmicrosoft.com out"));
        assert!(notes[0].contains("`$OrganizationName` read as `contoso.onmicrosoft.com`"), "{notes:?}");
        assert_eq!(
            tenant_domain(&["a.mail.onmicrosoft.com".into(), "A.onmicrosoft.com".into()]).as_deref(),
            Some("a.onmicrosoft.com")
        );
        assert_eq!(tenant_domain(&["a.onmicrosoft.com".into(), "b.onmicrosoft.com".into()]), None);
    }

    #[test]
    fn loops_and_other_statements_in_a_node_are_refused() {
        let looped = CONFIGURATION.replace(
            "        AADGroup",
            "        foreach ($name in @('a','b')) {\n            EXOTransportRule \"EXOTransportRule-$name\" { Name = $name }\n        }\n        AADGroup",
        );
        let problems = read(&looped, "loop.ps1", None, &[]).unwrap_err();
        assert_eq!(problems[0].place, "loop.ps1:28:9");
        assert!(problems[0].message.starts_with("a loop (`foreach`) in Node `localhost`"), "{}", problems[0].message);
        let piped = CONFIGURATION.replace("        AADGroup", "        $rules | ForEach-Object { }\n        AADGroup");
        let problems = read(&piped, "pipe.ps1", None, &[]).unwrap_err();
        assert!(problems[0].message.starts_with("a loop (`ForEach-Object`)"), "{}", problems[0].message);
        let conditional = CONFIGURATION.replace("        AADGroup", "        if ($x) { }\n        AADGroup");
        let problems = read(&conditional, "if.ps1", None, &[]).unwrap_err();
        assert!(problems[0].message.starts_with("`if` inside Node `localhost` is not a resource block"));
    }

    #[test]
    fn a_configuration_cut_short_is_one_and_says_where() {
        let cut = &CONFIGURATION[..CONFIGURATION.find("AADGroup").unwrap()];
        assert!(recognise(cut));
        let problems = read(cut, "cut.ps1", None, &[]).unwrap_err();
        assert_eq!(problems[0].to_string(), "cut.ps1:6:1: `{` without its closing bracket");
    }

    #[test]
    fn a_configuration_cut_anywhere_reads_or_is_refused_without_panicking() {
        for (cut, _) in CONFIGURATION.char_indices() {
            let text = &CONFIGURATION[..cut];
            if recognise(text) {
                let _ = read(text, "cut.ps1", None, &[]);
            }
        }
    }

    #[test]
    fn configuration_data_gives_the_organization_name() {
        let data = "@{\n    AllNodes = @(\n        @{\n            NodeName = \"localhost\"\n            \
                    PSDscAllowPlainTextPassword = $true;\n            #region Parameters\n            \
                    ServerNumber = \"0\"\n            #endregion\n        }\n    )\n    NonNodeData = @(\n        \
                    @{\n            # Tenant's default verified domain name\n            \
                    OrganizationName = \"contoso.onmicrosoft.com\"\n            ApplicationId = \"00000000\"\n        \
                    }\n    )\n}\n";
        assert!(recognise_data(data));
        assert!(!recognise(data));
        assert_eq!(data_organization_name(data, "d.psd1").unwrap().as_deref(), Some("contoso.onmicrosoft.com"));
        assert!(!recognise_data("@{ Name = 'x' }"));
        assert!(!recognise_data(CONFIGURATION));
    }

    #[test]
    fn old_exports_name_blocks_by_guid_and_sign_in_with_a_credential() {
        let text = "Configuration Old {\n  param([PSCredential]$GlobalAdminAccount)\n  \
                    if ($null -eq $GlobalAdminAccount)\n  {\n    <# Credentials #>\n    \
                    $Credsglobaladmin = Get-Credential -Message \"Global Admin credentials\"\n  }\n  else\n  {\n    \
                    $Credsglobaladmin = $GlobalAdminAccount\n  }\n  \
                    $OrganizationName = 'contoso.onmicrosoft.com'\n  Node localhost {\n    \
                    EXOAcceptedDomain 3f1c6a2e-1b7d-4c55-9a61-0d9e3b2f7c11 {\n      Identity = $OrganizationName\n      \
                    DomainType = 'Authoritative'\n      GlobalAdminAccount = $Credsglobaladmin\n    }\n  }\n}\n";
        assert!(recognise(text));
        let (objects, notes) = read(text, "old.ps1", None, &[]).unwrap();
        assert_eq!(objects[0].get("DomainName"), Some(&Value::Text("contoso.onmicrosoft.com".into())));
        assert!(notes.is_empty(), "{notes:?}");
        assert!(!recognise("Configuration Web { Node localhost { File x { DestinationPath = 'c:\\x' } } }"));
    }
}
