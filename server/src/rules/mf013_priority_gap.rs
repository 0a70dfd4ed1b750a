//! MF013 priority-gap: rule priorities are not numbered 0 to n-1 as Exchange numbers them.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::{MailFlow, TransportRule};

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
The fix renumbers the rules 0..n-1 in their current order. It is safe, applied by
`mailflow check --fix`: the order in which rules are evaluated, and so what each rule
acts on, stays exactly the same; only the numbers change. It is not offered while two
rules share a priority (MF007) or a rule has none (MF004): their order is not known.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

/// Reports the first rule, in priority order, whose priority is not its place in 0..n-1.
pub fn check(flow: &MailFlow, out: &mut Findings) {
    let mut priorities: Vec<_> = flow.rules.iter().filter_map(|r| r.priority.as_ref().map(|p| (p.value, r))).collect();
    priorities.sort_by_key(|(priority, _)| *priority);
    priorities.dedup_by_key(|(priority, _)| *priority);
    let gap = priorities.iter().enumerate().find(|(place, (priority, _))| *priority != *place as i64);
    if let Some((place, (priority, rule))) = gap {
        let span = rule.priority.as_ref().map_or(rule.span, |p| p.span);
        let message = Message::new().written(rule.name()).text(format!(
            " has priority {priority} where Exchange would number it {place}: Exchange numbers priorities 0 to {} \
             without gaps, so the file no longer mirrors the tenant",
            priorities.len() - 1
        ));
        out.push(Diagnostic::new(&RULE, span, message.render(out.syntax())).about(Subject::File));
    }
}

/// Renumbers the rules 0..n-1 in their order.
fn fix(_: Subject, context: &FixContext) -> Option<Fix> {
    let rules = context.flow.rules_in_order();
    // A rule without a priority (MF004), or two rules that share one (MF007), have no known
    // place to keep.
    let priorities: Vec<i64> =
        rules.iter().map(|rule| rule.priority.as_ref().map(|p| p.value)).collect::<Option<_>>()?;
    if priorities.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    let order: Vec<Option<&TransportRule>> = rules.into_iter().map(Some).collect();
    Some(Fix {
        title: format!("Renumber rule priorities 0 to {}", order.len() - 1),
        safe: true,
        edits: context.editor.renumber_priorities(&order)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::check::{check_yaml, Selection};

    #[test]
    fn rules_without_a_known_order_are_not_renumbered() {
        let shared =
            "transportRules:\n  - {name: A, priority: 0}\n  - {name: B, priority: 2}\n  - {name: C, priority: 2}\n";
        let missing = "transportRules:\n  - {name: A, priority: 0}\n  - {name: B, priority: 2}\n  - {name: C}\n";
        for text in [shared, missing] {
            let checked = check_yaml(text, &Selection::default());
            let gap = checked.diagnostics.iter().find(|d| d.code() == "MF013").expect("a gap at 1");
            assert_eq!(gap.fix, None, "{text}");
        }
    }
}
