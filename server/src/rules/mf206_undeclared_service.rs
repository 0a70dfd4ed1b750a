//! MF206 undeclared-service: a connector points at a known vendor's host but does not say what service is behind it.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::connector_span;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::{Connector, MailFlow, ServiceKind, Vendor};
use crate::rules::recipes::rule_edits;
use crate::text::Spanned;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF206",
    name: "undeclared-service",
    severity: Severity::Hint,
    summary: "A connector without a service block has a smart host of a known vendor",
    doc: r#"# MF206 undeclared-service

## What it finds
A connector with no `service` block whose `smartHosts` include a host of a known
vendor: `*.smtp.codetwo.online` (CodeTwo), `*.exclaimer.net` (Exclaimer),
`*.mimecast.com` and `*.mimecast.co.za` (Mimecast), `*.ppe-hosted.com` and
`*.pphosted.com` (Proofpoint), `*.barracudanetworks.com` (Barracuda), `*.reflexion.net`
(Reflexion), `*.messagelabs.com` (Symantec).

## Why it breaks mail
The `service` block is not an Exchange setting; it tells the checker what sits behind the
connector. Without it the connector is unclassified, and every check built on the CodeTwo
guide "How to configure smart host (mail relay) services to work with CodeTwo software"
stays silent about it: the order of rules (section "Ensuring that messages are always
routed to the CodeTwo cloud service first"), the anti-loop header and exception and the
deferral setting (section "Creating a transport rule to forward messages through a smart
host"), the loop simulation. The guide names Barracuda, Proofpoint, Mimecast and Reflexion
as the smart hosts it is about, so a connector to one of them that the tool cannot check
may hide a loop or a bypassed signature service.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
The fix adds the `service` block for the vendor (`kind: signature` for CodeTwo and
Exclaimer, `kind: smart-host` for the others). It is safe, applied by
`mailflow check --fix`: the block only describes the connector to the checker and changes
nothing that Exchange does with mail. Afterwards, check `returnsToExchange` (a smart host
that hands mail back to Exchange needs `true`) and expect the new checks to report
whatever they find.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for connector in flow.connectors.iter().filter(|c| c.service.is_none()) {
        let Some((host, vendor)) = vendor_host(connector) else { continue };
        let service = match kind_word(vendor) {
            Some(kind) => Message::new().setting(Object::Connector, "service", service(kind, vendor)),
            None => {
                let block = Message::new().article().key(Object::Connector, "service").text(" block with ");
                block.setting(Object::Service, "vendor", Value::str(vendor.key()))
            }
        };
        let message = Message::new()
            .written(connector.name())
            .text(" has no ")
            .key(Object::Connector, "service")
            .text(" block, but its smart host ")
            .written(&host.value)
            .text(" is a ")
            .code(vendor.key())
            .text(" host: the signature and smart host checks skip this connector; add ")
            .then(service);
        out.push(
            Diagnostic::new(&RULE, connector_span(connector, Some(host.span)), message.render(out.syntax()))
                .about(Subject::Connector(flow.connector_index(connector))),
        );
    }
}

/// The first smart host of `connector` that belongs to a known vendor, with the vendor.
fn vendor_host(connector: &Connector) -> Option<(&Spanned<String>, Vendor)> {
    connector.smart_hosts.as_ref()?.value.iter().find_map(|host| Some((host, Vendor::from_host(&host.value)?)))
}

/// The format's word for what the vendor's service does, when it does one thing.
fn kind_word(vendor: Vendor) -> Option<&'static str> {
    Some(match vendor.kind()? {
        ServiceKind::Signature => "signature",
        ServiceKind::SmartHost => "smart-host",
    })
}

/// The service of the vendor's kind: `{kind: …, vendor: …}`.
fn service(kind: &str, vendor: Vendor) -> Value {
    Value::flow_map([("kind", Value::str(kind)), ("vendor", Value::str(vendor.key()))])
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let (_, vendor) = vendor_host(connector)?;
    let kind = kind_word(vendor)?;
    let service = service(kind, vendor);
    let edit = context.editor.insert_entry(connector.span, "service", &service)?;
    let title = Message::new().text("Add ").setting(Object::Connector, "service", service).text(" to ");
    Some(Fix { title: title.written(connector.name()).render(context.syntax), safe: true, edits: vec![edit] })
}
