//! MF201 smart-host-connector-not-rule-scoped: a smart host connector routes by recipient domain beside a rule-routed signature service.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{connector_span, Roles};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::{ConnectorUse, MailFlow, ServiceKind};
use crate::rules::recipes::rule_edits;
use crate::rules::recipes::smart_host_rule::insert_anti_loop_rule;
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF201",
    name: "smart-host-connector-not-rule-scoped",
    severity: Severity::Error,
    summary: "A smart host connector uses recipient-domains beside a rule-routed signature service",
    doc: r#"# MF201 smart-host-connector-not-rule-scoped

## What it finds
A connector whose service is `kind: smart-host` with `use: recipient-domains`, in a file
where a signature rule sends mail to a signature service. Such a connector takes mail on
its own, by recipient domain, instead of only when a rule redirects to it.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" reports, in section "Ensuring that messages are always routed to the CodeTwo
cloud service first", a routing glitch: a smart host connector that works by itself can
still catch messages before they reach CodeTwo, with missing signatures, messages
reaching the smart host several times (duplicates) or routing loops (NDR `554 5.4.6 Hop
count exceeded`, the guide's "ATTR1"). Its "Important" note gives Microsoft's
recommendation: once one connector is driven by a transport rule, every later redirect
should be too. Section "Reconfiguring a smart host's outbound connector" therefore
switches the connector to "Only when I have a transport rule set up..." (IsTransportRuleScoped)
and moves its domains into a new smart host rule.

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
    use: recipient-domains
    recipientDomains: ["*"]
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
The catch-all `*` needs no domain condition: `recipientIs: outside` already covers it.

## Fix safety
The fix sets `use: transport-rule`. When no rule redirects to the connector yet, it also
drops `recipientDomains` and inserts the anti-loop smart host rule: named after the
connector, `senderIs: inside`, `recipientIs: outside`, a `recipientDomainIs` with the
connector's former domains if it had specific ones (`*.contoso.com` as `contoso.com`,
which covers its subdomains too), a `setHeader` with an anti-loop header no other rule
uses (`X-AntiLoop-Smarthost` first, then one named after the vendor) and the matching
exception, the redirect, `deferOnError: true`, enabled, directly below the signature
rule, with the rules below renumbered. When a rule already redirects to the connector,
the domains stay, and MF203 then offers to move them into that rule. It is unsafe,
offered only on request: the connector stops taking mail by domain and takes only what
the rule sends it, for instance no more mail from outside senders.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    let Some(signature) = roles.signature_rules().find(|r| r.rule.is_active()) else { return };
    for connector in &flow.connectors {
        let smart_host = connector.service.as_ref().is_some_and(|s| s.kind.value == ServiceKind::SmartHost);
        if !smart_host || connector.usage() != ConnectorUse::RecipientDomains {
            continue;
        }
        let message = Message::new()
            .written(connector.name())
            .text(" takes mail by recipient domain on its own, while the signature service is reached through the transport rule ")
            .written(signature.rule.name())
            .text(": the connector can catch mail before the signature service does; set ")
            .setting(Object::Connector, "use", transport_rule())
            .text(" and send mail to it with a smart host rule");
        // Without `use`, Exchange's default is recipient-domains: point at the name.
        let span = connector_span(connector, connector.use_.as_ref().map(|u| u.span));
        out.push(
            Diagnostic::new(&RULE, span, message.render(out.syntax()))
                .with_related(signature.rule.name_span(), "the rule that sends mail to the signature service")
                .about(Subject::Connector(flow.connector_index(connector))),
        );
    }
}

/// The `use` of a connector that only a transport rule sends mail to.
fn transport_rule() -> Value {
    Value::str("transport-rule")
}

/// Sets `use: transport-rule`. When no rule redirects to the connector yet, also drops its
/// `recipientDomains` and inserts its anti-loop smart host rule, which carries them. When
/// one does, the domains stay for MF203, whose fix moves them into that rule.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let editor = &*context.editor;
    let mut set_use = editor.set_entry(connector.span, "use", &transport_rule())?;
    if Roles::of(context.flow).rules_to(connector).next().is_some() {
        let title =
            Message::new().text("Use ").written(connector.name()).text(" only when a transport rule redirects to it");
        return Some(Fix { title: title.render(context.syntax), safe: false, edits: vec![set_use] });
    }
    let mut fix = insert_anti_loop_rule(connector, context)?;
    if connector.recipient_domains.is_some() {
        let removal = editor.remove_entry(connector.span, "recipientDomains")?;
        // Without `use`, the key is added on a line after the connector's last one: when that
        // is the `recipientDomains` being removed, the new line takes the removed lines' place.
        if removal.span.start < set_use.span.start && set_use.span.start < removal.span.end {
            let line = set_use.replacement.strip_prefix(editor.newline())?;
            set_use = Edit {
                span: Span::new(removal.span.start, removal.span.start),
                replacement: format!("{line}{}", editor.newline()),
            };
        }
        fix.edits.push(removal);
    }
    fix.edits.push(set_use);
    Some(fix)
}
