//! MF202 connector-without-rule: a transport-rule connector that no enabled, enforcing rule redirects to.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::Roles;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::{ConnectorUse, MailFlow, ServiceKind, TransportRule};
use crate::rules::recipes::rule_edits;
use crate::rules::recipes::smart_host_rule::insert_anti_loop_rule;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF202",
    name: "connector-without-rule",
    severity: Severity::Error,
    summary: "A transport-rule connector has no enabled, enforcing rule redirecting to it",
    doc: r#"# MF202 connector-without-rule

## What it finds
A connector with `use: transport-rule` that no rule sends mail to, counting only rules
that are enabled and in `mode: enforce`. A rule that redirects to it but is disabled or
in audit mode does not count (MF404 or MF405 then points at that rule). Any connector is
checked, whatever its service.

## Why it breaks mail
A connector scoped to transport rules (IsTransportRuleScoped in Microsoft's
New-OutboundConnector reference) carries only the mail a rule redirects to it. The CodeTwo
guide "How to configure smart host (mail relay) services to work with CodeTwo software",
section "Reconfiguring a smart host's outbound connector", says so in its "Important"
note: each reconfigured connector needs its own new transport rule. Without one, the
smart host is silently skipped: mail goes straight to the recipients without the
filtering, archiving or encryption it was bought for, and for a signature connector,
without a signature.

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
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
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
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Mimecast outbound smart host rule
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
For a smart host connector that no rule redirects to, the fix inserts the anti-loop smart
host rule shown above: named after the connector, directly below the signature rule (the
rules below renumbered), with an anti-loop header no other rule uses
(`X-AntiLoop-Smarthost` first, then one named after the vendor) and, when the connector
still lists specific `recipientDomains`, a `recipientDomainIs` with them. When a rule
redirects to it but is disabled or in audit mode, enable or enforce that rule (the fixes
of MF404 and MF405) rather than add a second one. For other connectors there is no
automatic fix: add the rule that should use the connector, or delete the connector. The
fix is unsafe, offered only on request: mail that went straight out starts going through
the smart host.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    for connector in &flow.connectors {
        if connector.usage() != ConnectorUse::TransportRule {
            continue;
        }
        let rules: Vec<&TransportRule> = roles.rules_to(connector).collect();
        if rules.iter().any(|r| r.is_active()) {
            continue;
        }
        let why = if rules.is_empty() {
            "no rule redirects to it"
        } else {
            "every rule that redirects to it is disabled or in audit mode"
        };
        let message = Message::new().written(connector.name()).text(format!(
            " is used only when a transport rule redirects mail to it, and {why}: it carries no mail; add an enabled \
             rule that redirects to it (for a smart host, the anti-loop smart host rule), or delete the connector"
        ));
        let mut diagnostic = Diagnostic::new(&RULE, connector.name_span(), message.render(out.syntax()))
            .about(Subject::Connector(flow.connector_index(connector)));
        for rule in rules {
            let state = if rule.is_enabled() { "is in audit mode" } else { "is disabled" };
            diagnostic = diagnostic.with_related(rule.name_span(), format!("redirects here, but {state}"));
        }
        out.push(diagnostic);
    }
}

/// Inserts the anti-loop smart host rule for a smart host connector no rule redirects to. A
/// rule that does but is disabled or in audit mode is to be enabled or enforced instead
/// (the fixes of MF404 and MF405), not doubled.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let smart_host = connector.service.as_ref().is_some_and(|s| s.kind.value == ServiceKind::SmartHost);
    let redirected = Roles::of(context.flow).rules_to(connector).next().is_some();
    if !smart_host || redirected {
        return None;
    }
    insert_anti_loop_rule(connector, context)
}
