//! MF205 on-premises-relays-through-smart-host: in a hybrid setup, the on-premises server relays outbound mail through a smart host.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::MailFlow;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF205",
    name: "on-premises-relays-through-smart-host",
    severity: Severity::Warning,
    summary: "The on-premises server relays outbound mail through a smart host",
    doc: r#"# MF205 on-premises-relays-through-smart-host

## What it finds
A file with `organization.onPremises.relaysThrough` set, that is, a hybrid deployment
whose on-premises Exchange server sends outbound mail through a smart host (named by a
connector of the file or by host name).

## Why it breaks mail
Mail relayed by the on-premises server goes to that smart host without passing the
Exchange Online transport rules, so no rule of this file can put the signature service
before it. The CodeTwo guide "How to configure smart host (mail relay) services to work
with CodeTwo software", section "Ensuring that messages are always routed to the CodeTwo
cloud service first", step 2, asks hybrid tenants to check for exactly this and to move
the relaying to the Office 365 tenant, otherwise the order of services cannot be
controlled. Messages sent from on-premises mailboxes may then leave without a signature,
or reach the smart host before the signature service sees them. The simulation only
follows mail entering Exchange Online, so this path is not checked further.

## Example
```yaml
mailflow: 1
organization:
  domains: [contoso.com]
  onPremises: {relaysThrough: eu-smtp-o365-outbound-1.mimecast.com}
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
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}   # on-premises mail now leaves via Exchange Online
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
  - name: Mimecast smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast outbound
    deferOnError: true
```

## Fix safety
There is no automatic fix: the change is made on the on-premises server, not in this
file. Route on-premises outbound mail through Exchange Online instead of the smart host,
give the smart host a transport-rule connector and a smart host rule there, and then
remove `relaysThrough`.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let Some(relay) = flow.organization.as_ref().and_then(|o| o.on_premises.as_ref()?.relays_through.as_ref()) else {
        return;
    };
    let message =
        Message::new().text("the on-premises server relays its outbound mail through ").written(&relay.value).text(
            ": that mail never passes the Exchange Online rules, so nothing puts the signature service before the \
             smart host; send on-premises outbound mail through Exchange Online instead",
        );
    let mut diagnostic = Diagnostic::new(&RULE, relay.span, message.render(out.syntax()));
    // `relaysThrough` names a connector or a host; show the connector it means, if any.
    let connector = flow.connector(&relay.value).or_else(|| {
        flow.connectors.iter().find(|c| {
            c.smart_hosts
                .as_ref()
                .is_some_and(|hosts| hosts.value.iter().any(|h| h.value.eq_ignore_ascii_case(&relay.value)))
        })
    });
    if let Some(connector) = connector {
        diagnostic = diagnostic.with_related(connector.name_span(), "the Exchange Online connector to that smart host");
    }
    out.push(diagnostic);
}
