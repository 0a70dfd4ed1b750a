//! MF204 redirect-to-disabled-connector: a rule redirects mail to a connector that is turned off.

use super::RuleMeta;
use crate::diagnostic::Severity;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF204",
    name: "redirect-to-disabled-connector",
    severity: Severity::Error,
    summary: "A rule redirects to a connector with enabled: false",
    doc: r#"# MF204 redirect-to-disabled-connector

## What it finds
A rule whose `redirectToConnector` names a connector that has `enabled: false`
(connectors are enabled by default).

## Why it breaks mail
A disabled outbound connector (Enabled $false in Microsoft's New-OutboundConnector and
Set-OutboundConnector reference) carries no mail, so the rule's redirect
(RouteMessageOutboundConnector) cannot reach the service behind it. The mail flow the
CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" describes (Fig. 1, and section "Creating a transport rule to forward messages
through a smart host") relies on each redirect arriving: for the signature connector the
messages get no signature, for a smart host connector they are not filtered or archived.
Microsoft does not document what Exchange does with a message whose redirect target is
disabled, so depending on that is fragile in any case.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    enabled: false
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

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    enabled: true
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
The fix enables the connector. It is unsafe, offered only on request: mail starts to flow
through a connector someone may have turned off on purpose (during a migration or an
outage at the vendor); in that case disable or change the rule instead.
"#,
};
