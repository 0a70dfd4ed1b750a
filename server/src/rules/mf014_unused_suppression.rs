//! MF014 unused-suppression: a `mailflow: ignore` comment silences no diagnostic.

use super::{Check, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF014",
    name: "unused-suppression",
    severity: Severity::Hint,
    summary: "A mailflow: ignore comment that silences nothing",
    doc: r#"# MF014 unused-suppression

## What it finds
A suppression comment that silences no diagnostic. Suppressions take these forms, in YAML
and in the DSL alike:
- `# mailflow: ignore[MF203]`, or several codes `# mailflow: ignore[MF203, MF403]`, on
  the line of an object's `name` or on the line just above the object: the codes are
  silenced for that rule or connector only;
- `# mailflow: ignore-file[MF013]`, anywhere in the file: the codes are silenced for the
  whole file.

Each code in the comment is judged on its own: a code that silences nothing at the place
the comment covers is reported (the problem was fixed since, or the comment sits on a
line that belongs to no object), and so is a code that is not a mailflow code at all
(a typo such as `MF2O3`).

## Why it breaks mail
A stale suppression does nothing today, but it is a blind spot kept for later: if
someone puts the smart host's domains back on its rule-scoped connector, MF203 stays
silent on exactly the object where it was once accepted, and a setup the CodeTwo guide
"How to configure smart host (mail relay) services to work with CodeTwo software" warns
against (section "Reconfiguring a smart host's outbound connector", step 4) passes
review. Removing unused suppressions keeps every remaining one meaningful.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound  # mailflow: ignore[MF203]
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```
The connector lists no `recipientDomains` any more, so there is no MF203 to silence.

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix. Delete the comment, or move it to the object it was meant for
if the diagnostic it should silence is still reported elsewhere.
"#,
    fix: None,
    check: Check::Suppressions,
};

pub fn unused(span: Span, code: &str) -> Diagnostic {
    Diagnostic::new(&RULE, span, format!("this suppression of {code} silences nothing here; remove it"))
}

pub fn unknown_code(span: Span, code: &str) -> Diagnostic {
    Diagnostic::new(&RULE, span, format!("`{code}` is not a mailflow code, so this suppression silences nothing"))
}
