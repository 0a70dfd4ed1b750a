//! MF207 proofpoint-missing-relay-domain: Proofpoint does not list the signature service's domain as a relay domain.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::connector_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{join_insertions, FixContext, Value};
use crate::model::keys::Object;
use crate::model::{MailFlow, Service, ServiceKind, Vendor};
use crate::rules::recipes::rule_edits::{self, written_in};
use crate::text::Spanned;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF207",
    name: "proofpoint-missing-relay-domain",
    severity: Severity::Warning,
    summary: "A Proofpoint service's relayDomains lacks the signature service's domain",
    doc: r#"# MF207 proofpoint-missing-relay-domain

## What it finds
A connector whose service is `vendor: proofpoint`, in a file with a signature service
that has a `domain` (for CodeTwo, the tenant's unique `[id].smtp.codetwo.online`), where
the Proofpoint service's `relayDomains` does not include that domain. A missing
`relayDomains` list counts as an empty one. `relayDomains` is not an Exchange setting:
it records the domains set up as Relay domains in Proofpoint.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Additional steps for Proofpoint", explains that CodeTwo adds its
unique domain to the tenant when it is provisioned, and that Proofpoint may have to be
told about it: under Account Management > Domains, as a domain of type Relay, with the
same domain as primary delivery destination. The guide gives directory synchronisation
between Azure AD and Proofpoint as one thing that needs it; without the entry, Proofpoint
does not know a domain the tenant uses, and the two services may not work together.

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
  - name: Proofpoint outbound
    use: transport-rule
    smartHosts: [outbound-us1.ppe-hosted.com]
    service: {kind: smart-host, vendor: proofpoint}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Proofpoint smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
```

## Fixed
The Proofpoint connector's service lists the CodeTwo domain; the rest is unchanged:
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Proofpoint outbound
    use: transport-rule
    smartHosts: [outbound-us1.ppe-hosted.com]
    service: {kind: smart-host, vendor: proofpoint, relayDomains: [1a2b3c.smtp.codetwo.online]}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Proofpoint smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Proofpoint, value: "true"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
```

## Fix safety
The fix adds the signature service's domain to `relayDomains`. It is safe, applied by
`mailflow check --fix`: the list only records Proofpoint's configuration, so no rule or
connector of the tenant changes. The file then claims the domain is set up in
Proofpoint: add it there too, as the guide describes.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for connector in &flow.connectors {
        let Some(service) = &connector.service else { continue };
        for domain in missing_relay_domains(flow, service) {
            // Point at the list to extend, or at `vendor: proofpoint` when there is none.
            let place = service.relay_domains.as_ref().map(|d| d.span).or(service.vendor.as_ref().map(|v| v.span));
            let message = Message::new()
                .text("the Proofpoint service of ")
                .written(connector.name())
                .text(" does not list the signature service's domain ")
                .written(&domain.value)
                .text(" as a relay domain; add it to ")
                .key(Object::Service, "relayDomains")
                .text(", and in Proofpoint under Account Management > Domains as a Relay domain");
            out.push(
                Diagnostic::new(&RULE, connector_span(connector, place), message.render(out.syntax()))
                    .with_related(domain.span, "the signature service's domain")
                    .about(Subject::Connector(flow.connector_index(connector))),
            );
        }
    }
}

/// The domains of the file's signature services that `service`, when it is a Proofpoint
/// smart host, does not list in `relayDomains`.
fn missing_relay_domains<'a>(flow: &'a MailFlow, service: &Service) -> Vec<&'a Spanned<String>> {
    let proofpoint = service.vendor.as_ref().is_some_and(|v| v.value == Vendor::Proofpoint);
    if !proofpoint || service.kind.value != ServiceKind::SmartHost {
        return Vec::new();
    }
    let relay_domains = service.relay_domains.as_ref().map_or(&[][..], |d| &d.value);
    flow.connectors
        .iter()
        .filter_map(|c| c.service.as_ref())
        .filter(|s| s.kind.value == ServiceKind::Signature)
        .filter_map(|s| s.domain.as_ref())
        .filter(|domain| !relay_domains.iter().any(|d| d.value.eq_ignore_ascii_case(&domain.value)))
        .collect()
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let service = connector.service.as_ref()?;
    let missing: Vec<&str> = missing_relay_domains(context.flow, service).iter().map(|d| d.value.as_str()).collect();
    let edits = match &service.relay_domains {
        Some(list) if !list.value.is_empty() => {
            let list = written_in(connector.span, list.span)?;
            let pushed = missing.iter().map(|domain| context.editor.push_item(list, &Value::str(*domain)));
            join_insertions(pushed.collect::<Option<_>>()?)
        }
        // Absent, or written empty (`relayDomains:` or `[]`).
        _ => {
            let domains = Value::List(missing.iter().map(|domain| Value::str(*domain)).collect());
            vec![context.editor.set_entry(written_in(connector.span, service.span)?, "relayDomains", &domains)?]
        }
    };
    // Several domains pushed onto a single string would each rewrite it.
    if edits.len() != 1 {
        return None;
    }
    Some(Fix {
        title: Message::new()
            .text("Add ")
            .written_each(missing, ", ")
            .text(" to the relay domains of ")
            .written(connector.name())
            .render(context.syntax),
        safe: true,
        edits,
    })
}
