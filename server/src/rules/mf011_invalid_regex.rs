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
    summary:
        "A pattern in recipientAddressMatches, senderAddressMatches or headerMatches is not a .NET regular expression",
    doc: r#"# MF011 invalid-regex

## What it finds
A pattern in `recipientAddressMatches`, `senderAddressMatches` or `headerMatches.patterns`, as a condition or
as an exception, that is not a .NET regular expression. Exchange text patterns are .NET
regular expressions, and the tool reads each one as .NET does (Microsoft's "Regular
expression language - quick reference" and the pages it links), reporting what .NET would
reject in .NET's terms: an unterminated group or character class, a quantifier that
follows nothing, an unknown escape such as `\q`, a reference to an undefined group, an
unknown `\p{…}` property, a range in reverse order.

Everything .NET accepts is accepted: `\cA`, octal `\07`, `\p{IsBasicLatin}` and the other
named blocks, character class subtraction `[a-z-[aeiou]]`, inline options such as `(?n:…)`,
balancing groups, conditionals, any repetition count. The simulator evaluates a pattern
with an engine of the same syntax, translated where .NET writes a thing differently; the
few it cannot evaluate (a balancing group, repetitions too large for the engine) it follows
both ways, and hover and `mailflow trace` say so. Write patterns in single quotes in YAML,
so that a backslash stays a backslash.

## Why it breaks mail
RecipientAddressMatchesPatterns and HeaderMatchesPatterns (Microsoft's New-TransportRule
reference, and their ExceptIf forms) only take valid expressions: the rule cannot be
created or updated as written. The CodeTwo guide "How to configure smart host (mail relay)
services to work with CodeTwo software", section "Creating a transport rule to forward
messages through a smart host", step 2, has you rebuild a smart host connector's domain
list with exactly this condition; if that rule never reaches the tenant, the mail it
should route skips the smart host. The tool cannot evaluate a rejected pattern either, so
the simulation follows that rule both ways.

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
            for pattern in predicates.patterns() {
                report(pattern, out);
            }
        }
    }
}

fn report(pattern: &Pattern, out: &mut Findings) {
    if let Some(error) = pattern.error() {
        let message = Message::new()
            .written(&pattern.source.value)
            .text(" is not a valid .NET regular expression: ")
            .verbatim(error);
        out.push(Diagnostic::new(&RULE, pattern.source.span, message.render(out.syntax())));
    }
}
