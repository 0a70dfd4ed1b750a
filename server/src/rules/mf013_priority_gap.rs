//! MF013 priority-gap: rule priorities are not numbered 0 to n-1 as Exchange numbers them.

use super::RuleMeta;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::MailFlow;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF013",
    name: "priority-gap",
    severity: Severity::Hint,
    summary: "Priorities are not 0..n-1, so the file no longer mirrors the tenant's numbering",
    doc: r#"# MF013 priority-gap

## What it finds
A file whose rule priorities, sorted, are not exactly 0, 1, 2 ... up to the number of
rules minus one: the first is not 0, or a number is skipped. Disabled rules count, as
they hold a priority in Exchange too. Duplicate priorities are MF007.

## Why it breaks mail
It does not break mail by itself: only the order of the numbers matters when rules run.
But Exchange keeps the Priority of a tenant's rules (Microsoft's New-TransportRule and
Set-TransportRule reference) numbered from 0 with no gaps: a rule set to 10 when there
are two rules becomes 1. The tenant then never matches the file, so every comparison or
export shows a difference that is not one, and instructions such as the CodeTwo guide's
"your smart host rule should have priority 1" ("How to configure smart host (mail relay)
services to work with CodeTwo software", section "Creating a transport rule to forward
messages through a smart host", step 3) no longer read the same in the file as in the
admin center.

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
    stopProcessingMoreRules: true
  - name: Tag external mail
    priority: 10
    conditions: {senderIs: outside}
    actions: {other: {PrependSubject: "[EXTERNAL] "}}
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
  - name: Tag external mail
    priority: 1
    conditions: {senderIs: outside}
    actions: {other: {PrependSubject: "[EXTERNAL] "}}
```
A file numbered in steps on purpose can keep its numbers and say so once, anywhere in
the file: `# mailflow: ignore-file[MF013]`.

## Fix safety
The fix renumbers every rule 0..n-1 in its current order. It is safe: the order in which
rules are evaluated, and so what each rule acts on, stays exactly the same; only the
numbers change.
"#,
    fix: None,
};

/// Reports the first rule, in priority order, whose priority is not its place in 0..n-1.
pub fn check(flow: &MailFlow, out: &mut Vec<Diagnostic>) {
    let mut priorities: Vec<_> = flow.rules.iter().filter_map(|r| r.priority.as_ref().map(|p| (p.value, r))).collect();
    priorities.sort_by_key(|(priority, _)| *priority);
    priorities.dedup_by_key(|(priority, _)| *priority);
    let gap = priorities.iter().enumerate().find(|(place, (priority, _))| *priority != *place as i64);
    if let Some((place, (priority, rule))) = gap {
        let span = rule.priority.as_ref().map_or(rule.span, |p| p.span);
        out.push(Diagnostic::new(
            &RULE,
            span,
            format!(
                "`{}` has priority {priority} where Exchange would number it {place}: Exchange numbers \
                 priorities 0 to {} without gaps, so the file no longer mirrors the tenant",
                rule.name(),
                priorities.len() - 1
            ),
        ));
    }
}
