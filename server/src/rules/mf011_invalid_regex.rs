//! MF011 invalid-regex: a text pattern in a rule is not a regular expression that compiles.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{MailFlow, Pattern};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF011",
    name: "invalid-regex",
    severity: Severity::Error,
    summary: "A pattern in recipientAddressMatches, senderAddressMatches or headerMatches does not compile",
    doc: r#"# MF011 invalid-regex

## What it finds
A pattern in `recipientAddressMatches`, `senderAddressMatches` or `headerMatches.patterns`, as a condition or
as an exception, that does not compile. Exchange text patterns are .NET regular
expressions; the tool compiles each one with an engine that accepts the same syntax,
lookahead and lookbehind included, and reports the engine's error at the pattern:
an unbalanced parenthesis or bracket, a quantifier with nothing to repeat, an unknown
escape. Write patterns in single quotes in YAML, so that a backslash stays a backslash.

## Why it breaks mail
RecipientAddressMatchesPatterns and HeaderMatchesPatterns (Microsoft's New-TransportRule
reference, and their ExceptIf forms) only take valid expressions: the rule cannot be
created or updated as written. The CodeTwo guide "How to configure smart host (mail relay)
services to work with CodeTwo software", section "Creating a transport rule to forward
messages through a smart host", step 2, has you rebuild a smart host connector's domain
list with exactly this condition; if that rule never reaches the tenant, the mail it
should route skips the smart host. The tool cannot evaluate a broken pattern either, so
the simulation of that rule is incomplete.

## Example
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
    conditions: {senderIs: inside, recipientIs: outside, recipientAddressMatches: ['@(fabrikam|tailspintoys\.com$']}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```
The group opened after `@` is never closed.

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
    conditions: {senderIs: inside, recipientIs: outside, recipientAddressMatches: ['@(fabrikam|tailspintoys)\.com$']}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix: the tool cannot know what the pattern was meant to match.
Correct the pattern using the error shown; for plain domains `recipientDomainIs` is
simpler and needs no escaping.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for rule in &flow.rules {
        for predicates in [&rule.conditions, &rule.exceptions] {
            let lists = predicates.pattern_lists();
            let addresses = lists.iter().flat_map(|(_, list)| list.iter().flat_map(|list| &list.value));
            let header = predicates.header_matches.iter().flat_map(|test| &test.patterns);
            for pattern in addresses.chain(header) {
                report(pattern, out);
            }
        }
    }
}

fn report(pattern: &Pattern, out: &mut Findings) {
    if let Err(error) = &*pattern.regex {
        let message = Message::new()
            .written(&pattern.source.value)
            .text(" is not a valid regular expression: ")
            .verbatim(error.to_string());
        out.push(Diagnostic::new(&RULE, pattern.source.span, message.render(out.syntax())));
    }
}
