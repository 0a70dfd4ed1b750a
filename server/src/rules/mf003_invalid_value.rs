//! MF003 invalid-value: a value of the wrong type, or outside the set of values its key allows.

use super::{Check, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF003",
    name: "invalid-value",
    severity: Severity::Error,
    summary: "A value has the wrong type or is not one of the allowed values (which are listed)",
    doc: r#"# MF003 invalid-value

## What it finds
A value the key cannot take. The message lists the allowed values. Checked are:
- booleans (`enabled`, `stopProcessingMoreRules`, `deferOnError`, `returnsToExchange`):
  only `true` or `false`. The file is read as YAML 1.2, where `yes`, `no`, `on` and `off`
  are strings, not booleans, so they are invalid here.
- enumerations, always lower-case with hyphens: `type` (partner, on-premises), `use`
  (transport-rule, recipient-domains), `mode` (enforce, audit, audit-and-notify),
  `senderIs` (inside, outside), `recipientIs` (inside, outside, and the on-premises-only
  external-partner and external-non-partner, reported as MF012), `messageTypeMatches` (oof, auto-forward, encrypted,
  calendaring, permission-controlled, voicemail, signed, approval-request,
  read-receipt), `service.kind` (signature, smart-host) and `service.vendor` (codetwo,
  exclaimer, mimecast, proofpoint, barracuda, reflexion, symantec, other).
- `priority`: an integer, 0 or more (no sign, no fraction, no quotes).
- types: text where text is expected (header values and words are strings: quote
  `"true"`), a list of strings or a single string where a list is expected, a mapping
  where one is expected (`conditions`, `setHeader`, `service`...).

In a `.mailflow` file the same values are checked, with the DSL's kinds of value: an
enumerated value is a bare word (`type on-premises`, not `type "on-premises"`), a boolean is
`true` or `false` (`enabled yes` is invalid), text is a string in double quotes (a number
is taken as the text written), and `priority` and `mailflow` take whole numbers.

## Why it breaks mail
Each of these keys maps to an Exchange parameter that takes a fixed kind of value
(Microsoft's New-TransportRule and New-OutboundConnector reference): StopRuleProcessing
takes `$true` or `$false`, RuleErrorAction Ignore or Defer, Mode Enforce, Audit or
AuditAndNotify, ConnectorType Partner or OnPremises, Priority a whole number from 0. A value outside the set cannot be deployed, and a value one YAML reader takes
as `true` and another as the string `yes` means the file says two different things.
A signature rule whose stop setting is not really `true` lets other rules act before
the signature is added.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: OnPremises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: yes
```
`OnPremises` is the PowerShell spelling, not the format's; `yes` is not a boolean.

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fix safety
There is no automatic fix: the tool does not guess which allowed value was meant. Replace
the value with one of those the message lists.
"#,
    fix: None,
    check: Check::Lowering,
};

/// A value of the wrong kind, such as a list where a string belongs.
pub fn wrong_type(span: Span, key: &str, found: &str, expected: &str) -> Diagnostic {
    Diagnostic::new(&RULE, span, format!("`{key}` takes {expected}, not {found}"))
}

/// A value outside the allowed set.
pub fn not_allowed(span: Span, key: &str, written: &str, allowed: &[&str]) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!("`{written}` is not a valid value for `{key}`; allowed: {}", allowed.join(", ")),
    )
}

/// A YAML scalar where a boolean belongs, saying why `yes` is not one.
pub fn not_boolean(span: Span, key: &str, written: &str) -> Diagnostic {
    let mut diagnostic = not_allowed(span, key, written, &["true", "false"]);
    if matches!(written.to_ascii_lowercase().as_str(), "yes" | "no" | "on" | "off" | "y" | "n") {
        diagnostic.message.push_str(" (YAML 1.2 reads `yes`/`no` as text, not as a boolean)");
    }
    diagnostic
}

pub fn out_of_range(span: Span, key: &str, value: i64, min: i64) -> Diagnostic {
    Diagnostic::new(&RULE, span, format!("`{key}` is {value}; it must be {min} or more"))
}
