//! MF009 limit-exceeded: the file goes past a size limit of Exchange Online transport rules.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::MailFlow;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF009",
    name: "limit-exceeded",
    severity: Severity::Warning,
    summary: "More than 300 rules, a rule name over 64 characters, or comments over 1024",
    doc: r#"# MF009 limit-exceeded

## What it finds
Any of three limits of Exchange Online transport rules passed:
- more than 300 transport rules in the file (one tenant's limit; this number is
  reported by the community rather than documented by Microsoft);
- a rule `name` longer than 64 characters;
- a rule's `comments` longer than 1024 characters.

## Why it breaks mail
These are the limits behind the Name and Comments parameters of New-TransportRule in
Microsoft's reference, and the tenant's cap on the number of rules. Exchange refuses to
create or update a rule that breaks one, so the tenant keeps its old rule or none. If it
is the CodeTwo Exchange transport rule, mail leaves without a signature; if it is the
smart host rule that the CodeTwo guide "How to configure smart host (mail relay) services
to work with CodeTwo software" has you create (section "Creating a transport rule to
forward messages through a smart host"), the smart host's connector has no rule and mail
skips the smart host. It is a warning because the file itself is consistent; only
putting it into the tenant fails.

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
  - name: CodeTwo Exchange transport rule - route all mail from contoso.com users
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```
The name has 71 characters.

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
    comments: Routes all mail from contoso.com users through CodeTwo
```

## Fix safety
There is no automatic fix: shortening a name or a comment needs words only the user can
choose. Move detail from a long name into `comments`, trim the comments, or merge rules
that do the same thing until the tenant has 300 or fewer.
"#,
    fix: None,
    check: Check::Model(check),
};

/// Transport rules per tenant (community-reported limit).
pub const MAX_RULES: usize = 300;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_COMMENT_CHARS: usize = 1024;

pub fn check(flow: &MailFlow, out: &mut Findings) {
    if let Some(rule) = flow.rules.get(MAX_RULES) {
        out.push(Diagnostic::new(
            &RULE,
            rule.name_span(),
            format!(
                "this is rule {} of {}: Exchange Online holds at most {MAX_RULES} transport rules per tenant",
                MAX_RULES + 1,
                flow.rules.len()
            ),
        ));
    }
    for rule in &flow.rules {
        if let Some(name) = &rule.name {
            let chars = name.value.chars().count();
            if chars > MAX_NAME_CHARS {
                out.push(Diagnostic::new(
                    &RULE,
                    name.span,
                    format!("this rule name has {chars} characters; Exchange allows at most {MAX_NAME_CHARS}"),
                ));
            }
        }
        if let Some(comments) = &rule.comments {
            let chars = comments.value.chars().count();
            if chars > MAX_COMMENT_CHARS {
                out.push(Diagnostic::new(
                    &RULE,
                    comments.span,
                    format!("these comments have {chars} characters; Exchange allows at most {MAX_COMMENT_CHARS}"),
                ));
            }
        }
    }
}
