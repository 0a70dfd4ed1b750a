//! MF301 smart-host-rule-without-anti-loop-header: a smart host rule does not mark the mail it routes.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::excepts_header;
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{join_insertions, FixContext, Value};
use crate::model::keys::Object;
use crate::model::{Connector, MailFlow, Service, TransportRule};
use crate::rules::recipes::rule_edits::{self, Block};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF301",
    name: "smart-host-rule-without-anti-loop-header",
    severity: Severity::Error,
    summary: "A smart host rule has no setHeader action to mark the mail it has routed",
    doc: r#"# MF301 smart-host-rule-without-anti-loop-header

## What it finds
A smart host rule with no `setHeader` action that does not except the header its smart
host stamps either. Without a header of its own, and without the smart host's
`processedHeader` among its exceptions, there is nothing an exception could test to
recognise mail the rule has already routed.

A rule without `setHeader` is not reported when one of its exceptions tests the
`processedHeader` of its smart host's `service` for the value the smart host stamps
(header names compared without regard to case). That is how some gateways are set up: a
SEPPmail gateway stamps `X-SM-outgoing: yes` on the mail it hands back, and the rule that
routes to it excepts that header instead of setting one of its own.

The finding is an error when the smart host hands mail back to Exchange Online
(`returnsToExchange: true`), and a warning when it delivers mail to the recipients itself
(`returnsToExchange: false`, the default for a smart host): there a step of the guide is
not done, but nothing loops today.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, builds the smart host rule in two halves: an action that sets a header (the
guide's example is `X-AntiLoop-Smarthost` with the value `true`) and an exception on
that same header. The guide states that this is what keeps messages from looping when
the smart host hands them back to Exchange Online (its Fig. 1b): each return is a new
pass, the rule applies again and sends the message back to the smart host, until
Exchange rejects it with an NDR such as `554 5.4.6 Hop count exceeded - possible mail
loop` (the guide's "ATTR1"). A header the smart host stamps itself on what it hands back
does the same job, when the rule excepts it. A smart host that delivers mail itself (the
guide's Fig. 1a) does not loop today, but changing its setup later would.

## Example
Mimecast hands mail back to Exchange Online here (`returnsToExchange: true`), so this is
an error; without that line it would be a warning.

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
The rule marks what it routes and excepts the mark. Had the connector's `service` named a
`processedHeader`, an exception on that header would have done as well.

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
The fix adds `setHeader` with a header name no other rule sets or tests
(`X-AntiLoop-Smarthost` first, then one named after the vendor such as
`X-AntiLoop-Mimecast`, then `X-AntiLoop-Smarthost-2` and so on) and the value `"true"`,
plus the `headerContains` exception that tests it. It is safe, applied by
`mailflow check --fix`: the exception only matches mail this rule has already sent to
its smart host, so every message it routed before is still routed once. A rule has one
`headerContains` exception: when it already has one, there is no automatic fix. When the
smart host stamps a header of its own on what it hands back, excepting that header
(its `processedHeader`) is the other way to fix the rule; the fix does not choose it, as
only you know whether the smart host really stamps it.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    for smart_host in out.roles().smart_host_rules() {
        let (rule, connector) = (smart_host.rule, smart_host.connector);
        if rule.actions.set_header.is_some() || excepts_processed_header(rule, connector) {
            continue;
        }
        let severity = anti_loop_severity(connector);
        let consequence = match severity {
            Severity::Error => {
                " without marking it with an anti-loop header: mail that comes back to Exchange is sent to the smart \
                 host again; add "
            }
            _ => {
                " without marking it with an anti-loop header: the smart host delivers mail itself, so nothing loops \
                 today, but it would once the smart host hands mail back to Exchange; add "
            }
        };
        let message = Message::new()
            .written(rule.name())
            .text(" sends mail to the smart host ")
            .written(connector.name())
            .text(consequence)
            .key(Object::Actions, "setHeader")
            .text(" with a header unique to this smart host (value \"true\") and the exception on it");
        let diagnostic = Diagnostic::new(&RULE, rule.name_span(), message.render(out.syntax()));
        out.push(diagnostic.with_severity(severity).about(Subject::Rule(flow.rule_index(rule))));
    }
}

/// The severity of a finding about a smart host rule's missing anti-loop protection (MF301,
/// MF302): an error when the smart host hands mail back to Exchange Online, where each
/// return is a new pass that the rule routes again; a warning when it delivers mail itself,
/// where a step of the guide is not done but nothing loops today.
pub fn anti_loop_severity(connector: &Connector) -> Severity {
    if connector.service.as_ref().is_some_and(Service::returns_to_exchange) {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// Whether `rule` excepts the header its smart host stamps on the mail it hands back (its
/// `processedHeader`, as a gateway like SEPPmail stamps `X-SM-outgoing: yes`): mail that
/// has been there once is then not routed again, without a header of the rule's own.
pub fn excepts_processed_header(rule: &TransportRule, connector: &Connector) -> bool {
    let stamped = connector.service.as_ref().and_then(Service::processed_header);
    stamped.is_some_and(|(name, value)| excepts_header(&rule.exceptions, &name, &value))
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let flow = context.flow;
    let rule = rule_edits::rule(flow, subject)?;
    // A rule has one `headerContains`: replacing the one it has would drop that exception.
    if rule.exceptions.header_contains.is_some() {
        return None;
    }
    let connector = flow.connector(&rule.actions.redirect_to_connector.as_ref()?.value)?;
    let vendor = connector.service.as_ref()?.vendor.as_ref().map(|v| v.value);
    let header = rule_edits::unused_anti_loop_header(flow.iter_rules().filter(|r| !std::ptr::eq(*r, rule)), vendor);
    let mark = Value::flow_map([("name", Value::str(&header)), ("value", Value::str("true"))]);
    let set = rule_edits::set_in_block(context, rule, Block::Actions, "setHeader", &mark)?;
    let except = rule_edits::set_header_exception(context, rule, &header, "true")?;
    Some(Fix {
        title: Message::new()
            .text("Mark mail ")
            .written(rule.name())
            .text(" routes with the anti-loop header ")
            .written(&header)
            .text(", and except mail that has it")
            .render(context.syntax),
        safe: true,
        // When `actions` ends the rule, the new `exceptions` goes after the new `setHeader`.
        edits: join_insertions(vec![set, except]),
    })
}

#[cfg(test)]
mod tests {
    use crate::check::{check_yaml, Selection};
    use crate::diagnostic::Severity;

    /// A smart host rule to Barracuda with `actions` and `exceptions`, Barracuda handing mail
    /// back or not.
    fn file(returns: bool, actions: &str, exceptions: &str) -> String {
        format!(
            "mailflow: 1
connectors:
  - name: Barracuda outbound
    use: transport-rule
    service: {{kind: smart-host, vendor: barracuda, returnsToExchange: {returns}, processedHeader: {{name: X-Barracuda-Out, value: done}}}}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {{senderIs: inside, recipientIs: outside}}
    exceptions: {{{exceptions}}}
    actions: {{{actions}redirectToConnector: Barracuda outbound}}
    deferOnError: true
"
        )
    }

    fn severity(text: &str, code: &str) -> Option<Severity> {
        check_yaml(text, &Selection::default()).diagnostics.iter().find(|d| d.code() == code).map(|d| d.severity())
    }

    #[test]
    fn the_anti_loop_findings_are_errors_only_where_mail_comes_back() {
        assert_eq!(severity(&file(true, "", ""), "MF301"), Some(Severity::Error));
        assert_eq!(severity(&file(false, "", ""), "MF301"), Some(Severity::Warning));
        let marks = "setHeader: {name: X-AntiLoop-Barracuda, value: 'true'}, ";
        assert_eq!(severity(&file(true, marks, ""), "MF302"), Some(Severity::Error));
        assert_eq!(severity(&file(false, marks, ""), "MF302"), Some(Severity::Warning));
        // `mailflow rules` lists the higher.
        assert_eq!(super::RULE.severity, Severity::Error);
    }

    #[test]
    fn an_exception_on_the_header_the_smart_host_stamps_protects_the_rule() {
        let stamped = "headerContains: {header: x-barracuda-out, words: [done]}";
        assert_eq!(severity(&file(true, "", stamped), "MF301"), None);
        let wrong_value = "headerContains: {header: X-Barracuda-Out, words: [other]}";
        assert_eq!(severity(&file(true, "", wrong_value), "MF301"), Some(Severity::Error));
        // With a header of its own, the stamped header's exception is the one that matters.
        let marks = "setHeader: {name: X-SM-maildirection, value: outbound}, ";
        assert_eq!(severity(&file(true, marks, stamped), "MF303"), None);
        assert_eq!(severity(&file(true, marks, wrong_value), "MF303"), Some(Severity::Error));
    }
}
