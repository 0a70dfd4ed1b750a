//! MF012 on-premises-only-value: a rule uses a recipient scope that only Exchange Server on premises has.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::fixes::Value;
use crate::model::{MailFlow, Scope};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF012",
    name: "on-premises-only-value",
    severity: Severity::Error,
    summary: "recipientIs external-partner/external-non-partner exists only on Exchange Server",
    doc: r#"# MF012 on-premises-only-value

## What it finds
`recipientIs: external-partner` or `recipientIs: external-non-partner`, as a condition or
as an exception. The format accepts these two values because they are real values of the
parameter, but they describe an on-premises setup that an Exchange Online tenant does not
have.

## Why it breaks mail
`recipientIs` is SentToScope (Microsoft's New-TransportRule reference). Its
ExternalPartner and ExternalNonPartner values depend on partner domains configured on an
Exchange Server organization; Exchange Online accepts only InOrganization and
NotInOrganization and rejects a rule that uses the others. A smart host rule written
with them never reaches the tenant, so its connector has no rule and mail skips the smart
host, against the CodeTwo guide "How to configure smart host (mail relay) services to
work with CodeTwo software", section "Creating a transport rule to forward messages
through a smart host", step 2, which scopes the rule to recipients outside the
organization.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: external-non-partner}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.o.ess.barracudanetworks.com]
    service: {kind: smart-host, vendor: barracuda}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix: `outside` is wider than either value, so replacing it would
change which mail the rule routes. Use `recipientIs: outside`, and if only some partners
are meant, add `recipientDomainIs` with their domains.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for rule in &flow.rules {
        for predicates in [&rule.conditions, &rule.exceptions] {
            let Some(scope) = &predicates.recipient_is else { continue };
            let written = match scope.value {
                Scope::ExternalPartner => "external-partner",
                Scope::ExternalNonPartner => "external-non-partner",
                Scope::Inside | Scope::Outside => continue,
            };
            let message = Message::new().predicate_setting(Place::Either, "recipientIs", Value::str(written)).text(
                " exists only on Exchange Server on-premises; Exchange Online rejects the rule (use inside or outside)",
            );
            out.push(Diagnostic::new(&RULE, scope.span, message.render(out.syntax())));
        }
    }
}
