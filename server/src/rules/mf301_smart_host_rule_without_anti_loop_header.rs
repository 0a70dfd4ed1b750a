//! MF301 smart-host-rule-without-anti-loop-header: a smart host rule does not mark the mail it routes.

use super::RuleMeta;
use crate::analysis::roles::Roles;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::MailFlow;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF301",
    name: "smart-host-rule-without-anti-loop-header",
    severity: Severity::Error,
    summary: "A smart host rule has no setHeader action to mark the mail it has routed",
    doc: r#"# MF301 smart-host-rule-without-anti-loop-header

## What it finds
A smart host rule with no `setHeader` action. Without a header of its own there is
nothing an exception could test to recognise mail the rule has already routed.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, builds the smart host rule in two halves: an action that sets a header (the
guide's example is `X-AntiLoop-Smarthost` with the value `true`) and an exception on
that same header. The guide states that this is what keeps messages from looping when
the smart host hands them back to Exchange Online (its Fig. 1b): each return is a new
pass, the rule applies again and sends the message back to the smart host, until
Exchange rejects it with an NDR such as `554 5.4.6 Hop count exceeded - possible mail
loop` (the guide's "ATTR1"). A smart host that delivers mail itself does not loop today,
but changing its setup later would.

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
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
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
    actions: {redirectToConnector: Mimecast outbound}
    deferOnError: true
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
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: true}
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
The fix adds `setHeader` with a header name no other rule sets (`X-AntiLoop-Smarthost`
first) and the value `"true"`, plus the exception that tests it. It is safe, applied by
`mailflow check --fix`: the exception only matches mail this rule has already sent to
its smart host, so every message it routed before is still routed once.
"#,
    fix: None,
};

pub fn check(flow: &MailFlow, out: &mut Vec<Diagnostic>) {
    for smart_host in Roles::of(flow).smart_host_rules().filter(|r| r.rule.actions.set_header.is_none()) {
        out.push(Diagnostic::new(
            &RULE,
            smart_host.rule.name_span(),
            format!(
                "`{}` sends mail to the smart host `{}` without marking it with an anti-loop header: mail that comes \
                 back to Exchange is sent to the smart host again; add `setHeader` with a header unique to this smart \
                 host (value \"true\") and the exception on it",
                smart_host.rule.name(),
                smart_host.connector.name()
            ),
        ));
    }
}
