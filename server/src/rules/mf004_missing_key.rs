//! MF004 missing-key: a key the format requires is absent, so the object cannot be placed or deployed.

use super::{Check, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF004",
    name: "missing-key",
    severity: Severity::Error,
    summary: "A required key is absent: mailflow, a name, a rule's priority, or half a header pair",
    doc: r#"# MF004 missing-key

## What it finds
An object without one of the keys it must have:
- the file: `mailflow` (the format version);
- a transport rule: `name` and `priority`;
- a connector: `name`;
- a header test or header setting, which comes in two parts: `headerContains` needs
  `header` and `words`, `headerMatches` needs `header` and `patterns` (in conditions and
  in exceptions alike), `setHeader` needs `name` and `value`, and a service's
  `processedHeader` needs `name` and `value`.

Every other key has a default or may be left out.

## Why it breaks mail
Microsoft's New-TransportRule and New-OutboundConnector reference makes Name mandatory:
it is how Exchange and `redirectToConnector` find the object. A rule without Priority is
added at the bottom of the list, whatever its place in the file, so a smart host rule
meant to sit directly below the signature rule ends up last, where a rule above it can
stop processing first. SetHeaderName works only with SetHeaderValue, and
HeaderContainsMessageHeader only with HeaderContainsWords: half an anti-loop exception
tests nothing, so a smart host that hands mail back to Exchange gets it again and again
until Exchange gives up (NDR `554 5.4.6 Hop count exceeded`).

## Example
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
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

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
There is no automatic fix: the tool cannot invent a name, a priority or the missing half
of a header test. Add the key; for a signature rule the priority is 0, for a smart host
rule the number directly below the signature rule's.
"#,
    fix: None,
    check: Check::Lowering,
};

/// `what` names the object ("this rule"); `purpose` says what the key is for (its first
/// sentence is used).
pub fn diagnostic(span: Span, what: &str, key: &str, purpose: &str) -> Diagnostic {
    let first_sentence = purpose.split(". ").next().unwrap_or(purpose).trim_end_matches('.');
    Diagnostic::new(
        &RULE,
        span,
        format!("{what} has no `{key}`, which is required ({})", lowercase_first(first_sentence)),
    )
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
