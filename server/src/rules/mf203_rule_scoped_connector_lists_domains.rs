//! MF203 rule-scoped-connector-lists-domains: a connector used only by transport rules still lists recipient domains, which do nothing.

use super::RuleMeta;
use crate::analysis::roles::{connector_span, Roles};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{ConnectorUse, MailFlow};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF203",
    name: "rule-scoped-connector-lists-domains",
    severity: Severity::Warning,
    summary: "A connector with use: transport-rule lists recipientDomains, which have no effect",
    doc: r#"# MF203 rule-scoped-connector-lists-domains

## What it finds
A connector with `use: transport-rule` that also has `recipientDomains`. With that `use`,
the list is dead configuration: it looks like a restriction, but nothing reads it.

## Why it breaks mail
When a connector is scoped to transport rules (IsTransportRuleScoped), Exchange sends it
whatever a rule redirects to it, whatever the recipient's domain; RecipientDomains only
matters for a connector used by domain. The CodeTwo guide "How to configure smart host
(mail relay) services to work with CodeTwo software", section "Reconfiguring a smart
host's outbound connector", step 4, has you write the domains down before switching
the connector, and section "Creating a transport rule to forward messages through a
smart host", step 2, reproduces them as a condition of the rule. If they stay on the
connector only, the smart host receives mail for every outside domain, not only the
ones listed, which may breach a contract or send partner mail through the wrong
gateway.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Barracuda outbound
    use: transport-rule
    recipientDomains: [fabrikam.com, tailspintoys.com]
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
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com, tailspintoys.com]}
    exceptions: {headerContains: {header: X-AntiLoop-Barracuda, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Barracuda, value: "true"}
      redirectToConnector: Barracuda outbound
    deferOnError: true
```

## Fix safety
The fix moves the domains from the connector into the rule that redirects to it, as
`recipientDomainIs`. It is safe, applied by `mailflow check --fix`: the rule then routes
exactly the domains the file already declared for this connector, so it only makes the
scope the user wrote down come true. Note that `recipientDomainIs` also matches
subdomains.
"#,
    fix: None,
};

pub fn check(flow: &MailFlow, out: &mut Vec<Diagnostic>) {
    let roles = Roles::of(flow);
    for connector in &flow.connectors {
        let Some(domains) = &connector.recipient_domains else { continue };
        // An empty list is how an export shows a rule-scoped connector: nothing is left over.
        if connector.usage() != ConnectorUse::TransportRule || domains.value.is_empty() {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            &RULE,
            connector_span(connector, Some(domains.span)),
            format!(
                "`{}` is used only when a transport rule redirects mail to it, so its `recipientDomains` do \
                 nothing; move them into its rule as `recipientDomainIs`",
                connector.name()
            ),
        );
        for rule in roles.rules_to(connector) {
            diagnostic = diagnostic.with_related(rule.name_span(), "the rule that decides which mail goes to it");
        }
        out.push(diagnostic);
    }
}
