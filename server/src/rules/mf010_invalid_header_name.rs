//! MF010 invalid-header-name: a header name contains a character no message header name can have.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{MailFlow, Predicates};
use crate::text::Spanned;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF010",
    name: "invalid-header-name",
    severity: Severity::Error,
    summary: "A header name has a character outside printable ASCII 33-126, or a colon",
    doc: r#"# MF010 invalid-header-name

## What it finds
A header name that is not made only of printable ASCII characters 33 to 126 (`!` to
`~`) other than the colon. Spaces, tabs, accented letters and the `:` that ends a header
name in a raw message are all reported, as is an empty name. Every header name in the file is checked: `header`
in `headerContains` and `headerMatches` (conditions and exceptions), `setHeader.name`,
`removeHeader` and `service.processedHeader.name`.

## Why it breaks mail
A message header's field name is defined (RFC 5322) as exactly those characters, and
the Exchange parameters that take one, SetHeaderName, HeaderContainsMessageHeader and
HeaderMatchesMessageHeader (Microsoft's New-TransportRule reference, with their ExceptIf
forms), expect such a name. A name copied from a message source with its trailing colon
names a header no message can carry: an exception on it never matches. On the signature
rule's exception that means mail that CodeTwo has already processed is sent to CodeTwo
again on every pass, until it is rejected with an NDR such as `554 5.4.6 Hop count
exceeded - possible mail loop` (the guide's "ATTR1").

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
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: "X-CodeTwoProcessed:", words: ["true"]}}
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
There is no automatic fix: a stray colon is easy to spot, but a space or a non-ASCII
letter may stand for any of several names. Write the header name exactly as it appears
before the colon in a real message's headers.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for connector in &flow.connectors {
        if let Some(header) = connector.service.as_ref().and_then(|s| s.processed_header.as_ref()) {
            check_name(&header.name, out);
        }
    }
    for rule in &flow.rules {
        for predicates in [&rule.conditions, &rule.exceptions] {
            check_predicates(predicates, out);
        }
        if let Some(header) = &rule.actions.set_header {
            check_name(&header.name, out);
        }
        if let Some(header) = &rule.actions.remove_header {
            check_name(header, out);
        }
    }
}

fn check_predicates(predicates: &Predicates, out: &mut Findings) {
    if let Some(test) = &predicates.header_contains {
        check_name(&test.header, out);
    }
    if let Some(test) = &predicates.header_matches {
        check_name(&test.header, out);
    }
}

/// A header name is one or more printable ASCII characters (33 to 126) other than `:`.
fn check_name(name: &Spanned<String>, out: &mut Findings) {
    let bad = name.value.chars().find(|&c| !('!'..='~').contains(&c) || c == ':');
    let message = match bad {
        _ if name.value.is_empty() => Message::new().text("a header name cannot be empty"),
        Some(c) => Message::new()
            .written(&name.value)
            .text(" is not a valid header name: it contains ")
            .then(describe(c))
            .text("; a header name is printable ASCII (33-126) without ")
            .code(":"),
        None => return,
    };
    out.push(Diagnostic::new(&RULE, name.span, message.render(out.syntax())));
}

fn describe(c: char) -> Message {
    match c {
        ' ' => Message::new().text("a space"),
        ':' => Message::new().text("a colon"),
        c if c.is_control() => Message::new().text(format!("the control character U+{:04X}", c as u32)),
        c => Message::new().written(c),
    }
}
