//! MF006 unknown-connector: a rule's `redirectToConnector` names a connector the file does not have.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::keys::edit_distance;
use crate::model::MailFlow;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF006",
    name: "unknown-connector",
    severity: Severity::Error,
    summary: "redirectToConnector names no connector of the file",
    doc: r#"# MF006 unknown-connector

## What it finds
A rule whose `actions.redirectToConnector` is not the `name` of any connector under
`connectors:`. The name must match exactly, spaces included; a typo, a connector
renamed in the tenant but not in the rule, or a connector that was never added to the
file all cause it. The message suggests the closest connector name of the file. Since
the target is unknown, the rule is neither a signature rule
nor a smart host rule for the other checks.

## Why it breaks mail
RouteMessageOutboundConnector (Microsoft's New-TransportRule reference) must name an
existing outbound connector of the tenant; Exchange will not create or update a rule that
points nowhere. If the file is right about the tenant, the rule that should send mail to
CodeTwo does not exist in its intended form and messages leave without a signature; if
the file is wrong, every check on routing works from a wrong picture.

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
    actions: {redirectToConnector: CodeTwo Email Signature 365 connector}
    stopProcessingMoreRules: true
```
`Signature` lacks its `s`.

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
```

## Fix safety
There is no automatic fix: the tool cannot tell a typo from a missing connector, and the
closest name is not always the right one. Correct the name in `redirectToConnector`
(the suggestion helps), or add the connector the rule is meant to use.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for rule in &flow.rules {
        let Some(target) = &rule.actions.redirect_to_connector else { continue };
        if flow.connector(&target.value).is_some() {
            continue;
        }
        let nearest = flow
            .connectors
            .iter()
            .filter_map(|c| c.name.as_ref())
            .min_by_key(|name| edit_distance(&name.value.to_lowercase(), &target.value.to_lowercase()));
        let message = Message::new()
            .written(rule.name())
            .text(" redirects to ")
            .written(&target.value)
            .text(", which is no connector of this file");
        let message = match nearest {
            Some(name) => message.text("; did you mean ").written(&name.value).text("?"),
            None => message.text("; the file defines no connectors"),
        };
        let mut diagnostic = Diagnostic::new(&RULE, target.span, message.render(out.syntax()));
        if let Some(name) = nearest {
            diagnostic = diagnostic.with_related(name.span, "the closest connector name");
        }
        out.push(diagnostic);
    }
}
