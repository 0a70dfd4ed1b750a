//! MF005 duplicate-name: two transport rules, or two connectors, have the same name.

use foldhash::{HashMap, HashMapExt};

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::MailFlow;
use crate::text::Spanned;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF005",
    name: "duplicate-name",
    severity: Severity::Error,
    summary: "Two rules, or two connectors, share a name; Exchange requires unique names",
    doc: r#"# MF005 duplicate-name

## What it finds
A transport rule whose `name` is already used by another rule of the file, or a connector
whose `name` is already used by another connector. Rules and connectors are counted
apart: a rule may have the same name as a connector. Names are compared without regard
to case, as Exchange compares them. The first object with the name is given as related
information.

## Why it breaks mail
In Exchange the name is the identity of a rule or a connector (the Name parameter of
New-TransportRule and New-OutboundConnector; Set-TransportRule and Set-OutboundConnector
find the object by it), so a tenant cannot hold two objects of one kind with one name:
creating the second fails, or a script that updates "the" rule by name overwrites the
other one. For connectors it is worse: `redirectToConnector` (RouteMessageOutboundConnector)
names its connector, and with two candidates nobody can tell which smart host the rule
really sends mail to. The file then describes a tenant that cannot exist.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com, fabrikam.com]}
transportRules:
  - name: Legal disclaimer
    priority: 0
    conditions: {senderDomainIs: [contoso.com], recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Contoso Ltd, Seattle</p>"}}
  - name: Legal disclaimer
    priority: 1
    conditions: {senderDomainIs: [fabrikam.com], recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Fabrikam Inc, Boston</p>"}}
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com, fabrikam.com]}
transportRules:
  - name: Legal disclaimer contoso.com
    priority: 0
    conditions: {senderDomainIs: [contoso.com], recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Contoso Ltd, Seattle</p>"}}
  - name: Legal disclaimer fabrikam.com
    priority: 1
    conditions: {senderDomainIs: [fabrikam.com], recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: "<p>Fabrikam Inc, Boston</p>"}}
```

## Fix safety
There is no automatic fix: the tool does not know which object keeps the name, nor what
the tenant really calls the other one. Rename one of them (for a connector, also every
`redirectToConnector` that should point at it), or delete the one that is a leftover.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    duplicates(flow.connectors.iter().filter_map(|c| c.name.as_ref()), "connector", out);
    duplicates(flow.rules.iter().filter_map(|r| r.name.as_ref()), "rule", out);
}

/// Exchange compares names without regard to case. The first of each name is looked up by
/// its lower-case form, so a tenant of thousands of objects costs one look-up per name.
fn duplicates<'a>(names: impl Iterator<Item = &'a Spanned<String>>, what: &'static str, out: &mut Findings) {
    let mut first_named: HashMap<String, &Spanned<String>> = HashMap::new();
    for name in names {
        match first_named.get(&name.value.to_ascii_lowercase()) {
            Some(first) => {
                let message = Message::new()
                    .text(format!("another {what} is already named "))
                    .written(&first.value)
                    .text(format!(": Exchange {what} names are unique"));
                out.push(
                    Diagnostic::new(&RULE, name.span, message.render(out.syntax()))
                        .with_related(first.span, "first named here"),
                );
            }
            None => {
                first_named.insert(name.value.to_ascii_lowercase(), name);
            }
        }
    }
}
