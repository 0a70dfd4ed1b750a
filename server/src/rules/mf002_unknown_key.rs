//! MF002 unknown-key: a key that format version 1 does not define, usually a misspelling of one it does.

use super::{Check, RuleMeta};
use crate::diagnostic::Severity;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::model::keys::{self, Object};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF002",
    name: "unknown-key",
    severity: Severity::Error,
    summary: "A key the mailflow format does not define; the nearest known key is suggested",
    doc: r#"# MF002 unknown-key

## What it finds
A key that does not exist at that place in the format: at the top level, in
`organization`, a connector, its `service`, a rule, its `conditions`, `exceptions` or
`actions`, or inside a header test. Keys are case-sensitive and spelled exactly as in the
format. When a known key at the same place is close in spelling, the message suggests
that nearest key (below: `stopProcessingMoreRules`). Exchange settings the format does not model
belong under `other:` in `conditions`, `exceptions` or `actions`, where any PowerShell
name is accepted.

In a `.mailflow` file the same goes for statements: a line starting with a word that is no
statement (`smarthosts "…"`, with `smart-hosts` suggested), and a statement in a block it
does not belong in (`smart-hosts` in a rule, `domain` in a connector instead of its
`service`, a rule's `priority` inside its block instead of its first line). The message
lists the statements allowed where it stands; other Exchange settings are written
`if other "Name" …` and `do other "Name" …`.

## Why it breaks mail
Every key stands for one Exchange parameter (Microsoft's New-TransportRule and
New-OutboundConnector reference): `stopProcessingMoreRules` is StopRuleProcessing,
`deferOnError` is RuleErrorAction Defer, `redirectToConnector` is
RouteMessageOutboundConnector. A misspelt key is not a setting at all: the rule is read,
and deployed, as if the line were missing. A signature rule whose stop setting is
misspelt lets the rules below it run in the first pass, so a smart host can get the
message before the signature service (missing or misplaced signatures).

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
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingRules: true
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
When a nearest key is suggested, the fix renames the key to it. The fix is unsafe, so
it is applied only on request: the renamed line starts to take effect and may change
which messages the rule acts on (here, rules below stop running in the first pass), and
the nearest spelling is not always the key that was meant. When no key is close, there
is no automatic fix: correct the key, move the setting under `other:`, or delete it.
"#,
    fix: None,
    check: Check::Lowering,
};

pub fn diagnostic(span: Span, key: &str, object: Object, nearest: Option<&str>) -> Diagnostic {
    let allowed: Vec<&str> = keys::keys(object).iter().map(|k| k.name).collect();
    let place = object_words(object);
    match nearest {
        Some(nearest) => Diagnostic::new(
            &RULE,
            span,
            format!("unknown key `{key}` in {place}: did you mean `{nearest}`? (allowed: {})", allowed.join(", ")),
        )
        .with_fix(Fix {
            title: format!("Rename `{key}` to `{nearest}`"),
            // The key starts to mean something: the rule or connector behaves differently.
            safe: false,
            edits: vec![Edit { span, replacement: nearest.to_owned() }],
        }),
        None => {
            Diagnostic::new(&RULE, span, format!("unknown key `{key}` in {place} (allowed: {})", allowed.join(", ")))
        }
    }
}

/// A word starting a DSL statement that is no statement of the block it stands in (`place`,
/// whose statements are `allowed`).
pub fn unknown_statement(
    span: Span,
    written: &str,
    place: &str,
    allowed: &[&str],
    nearest: Option<&str>,
) -> Diagnostic {
    let allowed = allowed.join(", ");
    match nearest {
        Some(nearest) => Diagnostic::new(
            &RULE,
            span,
            format!("unknown setting `{written}` in {place}: did you mean `{nearest}`? (allowed: {allowed})"),
        )
        .with_fix(Fix {
            title: format!("Rename `{written}` to `{nearest}`"),
            // As for a YAML key: the statement starts to mean something.
            safe: false,
            edits: vec![Edit { span, replacement: nearest.to_owned() }],
        }),
        None => Diagnostic::new(&RULE, span, format!("unknown setting `{written}` in {place} (allowed: {allowed})")),
    }
}

/// A DSL statement of another block (`home`), or one written where it is not a statement
/// (a rule's `priority` inside its block).
pub fn misplaced_statement(span: Span, written: &str, home: &str, place: &str, allowed: &[&str]) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!("`{written}` belongs in {home}, not in {place} (allowed here: {})", allowed.join(", ")),
    )
}

fn object_words(object: Object) -> &'static str {
    match object {
        Object::Root => "the top level",
        Object::Organization => "`organization`",
        Object::OnPremises => "`onPremises`",
        Object::Connector => "a connector",
        Object::Service => "a connector's `service`",
        Object::Header => "a header (`name` and `value`)",
        Object::Rule => "a transport rule",
        Object::Predicates => "conditions or exceptions (other Exchange conditions go under `other`)",
        Object::HeaderContains => "`headerContains`",
        Object::HeaderMatches => "`headerMatches`",
        Object::Actions => "actions (other Exchange actions go under `other`)",
    }
}
