//! MF001 syntax-error: the file is not well-formed YAML (or mail-flow DSL), so part of it cannot be read.

use super::{Check, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::syntax::yaml::SyntaxError;
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF001",
    name: "syntax-error",
    severity: Severity::Error,
    summary: "The file is not valid YAML or mail-flow DSL; the broken region cannot be read",
    doc: r#"# MF001 syntax-error

## What it finds
A place where the file cannot be parsed: in a YAML file, anything the YAML 1.2 grammar
rejects (a key without its `:`, an unclosed `[` or `{`, an unterminated quoted string,
a tab used for indentation), and a key given twice in one mapping, which YAML forbids;
in a `.mailflow` file, anything the mail-flow DSL grammar rejects (an unclosed `{` or
string, a half-typed statement), and a setting or a kind of condition given twice in one
block, as a YAML key. The parser recovers and reads on, so each broken region gets its own
MF001 and the rest of the file is still read and checked. In YAML, the broken line is left
out, and with it the lines indented under it that nothing above can hold (the block of a
key written without its `:`); the message says how many.

## Why it breaks mail
The objects inside a broken region are invisible to every other check. A signature rule
whose `stopProcessingMoreRules` line does not parse, or a smart host rule whose
anti-loop exception is lost in the error, can be neither verified nor compared with the
tenant, so a routing loop (NDR `554 5.4.6 Hop count exceeded - possible mail loop`) or
missing signatures may go unreported. A script that deploys the file cannot read it
either.

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
    priority 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```
`priority 0` lacks its `:`: YAML finds a key with no value where the rule's mapping
goes on.

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
There is no automatic fix: the tool cannot know what the broken text was meant to say.
Correct the text at the reported position; the message says what the parser expected.
"#,
    fix: None,
    check: Check::Lowering,
};

pub fn diagnostic(error: &SyntaxError) -> Diagnostic {
    Diagnostic::new(&RULE, error.span, format!("syntax error: {}", error.message))
}

/// A key given twice in one mapping: YAML requires keys to be unique.
pub fn duplicate_key(span: Span, key: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!("syntax error: `{key}` is given twice in this mapping; YAML keys must be unique"),
    )
}

/// A DSL statement given twice in one block: like a YAML key, each is given once.
pub fn duplicate_statement(span: Span, statement: &str, place: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!("syntax error: `{statement}` is given twice in {place}; each setting is given at most once"),
    )
}
