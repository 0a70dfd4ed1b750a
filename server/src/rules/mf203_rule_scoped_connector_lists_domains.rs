//! MF203 rule-scoped-connector-lists-domains: a connector used only by transport rules still lists recipient domains, which do nothing.

use super::message::{Message, Place};
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{connector_span, Roles};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::{ConnectorUse, MailFlow, TransportRule};
use crate::rules::recipes::rule_edits::{self, Block};
use crate::text::Spanned;

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
The fix removes `recipientDomains` from the connector. When the list holds only `*`, or
the one rule that redirects to the connector already has those domains in its
`recipientDomainIs`, that is all it does, and it is safe, applied by
`mailflow check --fix`: the list did nothing, so no mail changes its way.

Otherwise it also moves the domains into the rule that redirects to the connector, as
`recipientDomainIs` (`*.fabrikam.com` becomes `fabrikam.com`, which also matches
subdomains; `*` is left out). That is unsafe, offered only on request: the rule then
routes only those domains, and mail to every other outside domain, which went to the
smart host until now, no longer does. That is what the guide's step 2 asks for, but
check that the list is still the one you want. There is no automatic fix when several
rules redirect to the connector (which one should get the domains is yours to decide),
or when the rule already has a `recipientDomainIs` list of other domains.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    for connector in &flow.connectors {
        let Some(domains) = &connector.recipient_domains else { continue };
        // An empty list is how an export shows a rule-scoped connector: nothing is left over.
        if connector.usage() != ConnectorUse::TransportRule || domains.value.is_empty() {
            continue;
        }
        let message = Message::new()
            .written(connector.name())
            .text(" is used only when a transport rule redirects mail to it, so its ")
            .key(Object::Connector, "recipientDomains")
            .text(" do nothing; move them into its rule as ")
            .predicate(Place::Condition, "recipientDomainIs");
        let span = connector_span(connector, Some(domains.span));
        let mut diagnostic = Diagnostic::new(&RULE, span, message.render(out.syntax()))
            .about(Subject::Connector(flow.connector_index(connector)));
        for rule in roles.rules_to(connector) {
            diagnostic = diagnostic.with_related(rule.name_span(), "the rule that decides which mail goes to it");
        }
        out.push(diagnostic);
    }
}

fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let connector = rule_edits::connector(context.flow, subject)?;
    let removal = context.editor.remove_entry(connector.span, "recipientDomains")?;
    let domains = rule_domains(&connector.recipient_domains.as_ref()?.value);
    let name = connector.name();
    let of_connector = || Message::new().key(Object::Connector, "recipientDomains").text(" of ").written(name);
    // The rule's new condition, unless the domains limit nothing or the rule has them already.
    let (title, scope) = if domains.is_empty() {
        (Message::new().text("Remove the ").then(of_connector()).text(": ").code("*").text(" limits nothing"), None)
    } else {
        let roles = Roles::of(context.flow);
        let [rule] = roles.rules_to(connector).collect::<Vec<&TransportRule>>()[..] else { return None };
        match &rule.conditions.recipient_domain_is {
            Some(listed) if domains.iter().all(|d| listed.value.iter().any(|l| l.value.eq_ignore_ascii_case(d))) => {
                let title = Message::new().text("Remove the ").then(of_connector()).text(": ").written(rule.name());
                (title.text(" already lists them"), None)
            }
            // The rule has domains of its own: which of the two lists was meant is not for a fix to decide.
            Some(_) => return None,
            None => {
                let list = Value::List(domains.iter().map(|domain| Value::str(*domain)).collect());
                let scope = rule_edits::set_in_block(context, rule, Block::Conditions, "recipientDomainIs", &list)?;
                let title = Message::new().text("Move the ").then(of_connector()).text(" into ").written(rule.name());
                (title.text(" as ").predicate(Place::Condition, "recipientDomainIs"), Some(scope))
            }
        }
    };
    // Only a new condition changes what mail is routed: the rule stops routing the other domains.
    Some(Fix {
        title: title.render(context.syntax),
        safe: scope.is_none(),
        edits: [Some(removal), scope].into_iter().flatten().collect(),
    })
}

/// The connector's recipient domains as a rule's `recipientDomainIs`, which also matches
/// subdomains: `*.fabrikam.com` is `fabrikam.com`, and `*` (every domain) is no limit.
fn rule_domains(domains: &[Spanned<String>]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for domain in domains {
        let domain = domain.value.strip_prefix("*.").unwrap_or(&domain.value);
        if domain != "*" && !out.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            out.push(domain);
        }
    }
    out
}
