//! MF313 anti-loop-header-removed-too-early: a rule removes a header a routing rule's exception relies on, while that routing rule still has to see it.

use super::message::Message;
use super::{Check, Findings, RuleMeta};
use crate::analysis::roles::{rule_span, Roles, Routing};
use crate::diagnostic::{Diagnostic, Fix, Severity, Subject};
use crate::fixes::{FixContext, Value};
use crate::model::keys::Object;
use crate::model::{MailFlow, ParameterValue, Predicates, Service, TransportRule};
use crate::rules::recipes::rule_edits;
use crate::rules::recipes::rule_order::{move_fix, Beside};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF313",
    name: "anti-loop-header-removed-too-early",
    severity: Severity::Error,
    summary: "A rule removes a header that a routing rule's exception relies on, before that routing rule has seen it",
    doc: r#"# MF313 anti-loop-header-removed-too-early

## What it finds
A rule that removes a header (`removeHeader`, or an `other` action `RemoveHeader`) which
an exception of a routing rule tests, while that routing rule still needs to see it. The
routing rule is one whose service hands mail back to Exchange Online (a signature
service, or a smart host with `returnsToExchange: true`); the header is what tells it
that a message has been there already: its own anti-loop header, or the `processedHeader`
the service stamps (a SEPPmail gateway stamps `X-SM-outgoing: yes`). Reported when:

- the removal runs before the routing rule: its `priority` number is smaller;
- the removal runs after the routing rule, but a routing rule to a service that hands
  mail back comes after the removal: the message can make one more pass through
  Exchange without the header, in which the routing rule sends it out again;
- the routing rule sets the header itself and does not stop processing more rules, and
  the removal runs after it in the same pass: the mark is gone before the message leaves.

Only enabled rules in enforce mode take part. The check reads the order of the rules,
not their conditions: a removal that never applies to the mail the routing rule handles
is still reported (silence it with `# mailflow: ignore[MF313]` when that is so).

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Creating a transport rule to forward messages through a smart host",
step 2, keeps messages from looping with an exception on a header: each time the smart
host hands a message back, Exchange Online evaluates the rules again (a new pass, the
guide's Fig. 1b), and the exception is what keeps the rule from sending the message out
once more. Cleaning up such headers is common (SEPPmail's rules remove theirs before
mail leaves), but a rule that removes the header before the routing rule has looked at
it takes the protection away: the message goes back to the service, comes back, and is
sent again, until Exchange rejects it with `554 5.4.6 Hop count exceeded - possible mail
loop` (the guide's "ATTR1"), or the recipient gets it more than once.

## Example
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: SEPPmail appliance
    type: on-premises
    use: transport-rule
    smartHosts: [securemail.contoso.com]
    service:
      kind: smart-host
      vendor: other
      processedHeader: {name: X-SM-outgoing, value: "yes"}
      returnsToExchange: true
transportRules:
  - name: Clean outbound SEPPmail header outgoing
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {removeHeader: X-SM-outgoing}
  - name: Route outgoing e-mails to SEPPmail
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-SM-outgoing, words: ["yes"]}}
    actions: {redirectToConnector: SEPPmail appliance}
    deferOnError: true
```

## Fixed
The routing rule sees the header on the mail SEPPmail hands back and lets it go; the
cleaning rule removes the header after it. (The fix changes only the two priority
numbers; the rules are shown here in their new order.)

```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: SEPPmail appliance
    type: on-premises
    use: transport-rule
    smartHosts: [securemail.contoso.com]
    service:
      kind: smart-host
      vendor: other
      processedHeader: {name: X-SM-outgoing, value: "yes"}
      returnsToExchange: true
transportRules:
  - name: Route outgoing e-mails to SEPPmail
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-SM-outgoing, words: ["yes"]}}
    actions: {redirectToConnector: SEPPmail appliance}
    deferOnError: true
  - name: Clean outbound SEPPmail header outgoing
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {removeHeader: X-SM-outgoing}
```

## Fix safety
The fix moves the removing rule directly below the last rule after it that routes mail
to a service that hands it back, and renumbers the rules in between: only the priority
numbers change, every rule keeps its place in the file. It is unsafe, offered only on
request: the rules it passes now run before the removal and see the header, and when a
routing rule it moves below stops processing more rules, the removal waits for the pass
in which that rule no longer applies, which is the last one. When the routing rule sets
the header itself and the removal follows it in the same pass, moving does not help and
there is no automatic fix: let the routing rule stop processing more rules, or remove the
header only where it is not needed any more.
"#,
    fix: Some(fix),
    check: Check::Model(check),
};

/// When a removal takes a header away from a routing rule that relies on it.
#[derive(Clone, Copy, Debug)]
enum When<'a> {
    /// The removal runs before the routing rule, in the same pass.
    Before,
    /// The routing rule sets the header itself and does not stop processing; the removal
    /// runs after it in the same pass, so the message leaves without its mark.
    AfterItsMark,
    /// The removal runs after the routing rule, and `later`, a routing rule to a service that
    /// hands mail back, runs after the removal: the message can make another pass without
    /// the header.
    PassEarlier(&'a TransportRule),
}

/// A removal that defeats a routing rule's exception.
struct Removal<'a> {
    rule: &'a TransportRule,
    header: &'a str,
    /// Where the removal is written.
    span: Span,
    relying: Routing<'a>,
    /// The relying rule's exception on the header.
    exception: Span,
    when: When<'a>,
}

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let roles = out.roles();
    for removal in removals(roles) {
        let (name, relying) = (removal.rule.name(), removal.relying.rule.name());
        let message = Message::new().written(name).text(" removes ").written(removal.header);
        let message = match removal.when {
            When::Before => message
                .text(" before ")
                .written(relying)
                .text(" runs, whose exception relies on it: mail that comes back from ")
                .written(removal.relying.connector.name())
                .text(" without the header is sent there again; move ")
                .written(name)
                .text(" below ")
                .written(relying),
            When::AfterItsMark => message
                .text(", the mark that ")
                .written(relying)
                .text(" sets and its exception relies on, later in the same pass: mail leaves for ")
                .written(removal.relying.connector.name())
                .text(" without the mark and is sent there again when it comes back; set ")
                .setting(Object::Rule, "stopProcessingMoreRules", Value::Bool(true))
                .text(" on ")
                .written(relying)
                .text(", or remove the header where it is no longer needed"),
            When::PassEarlier(later) => message
                .text(", which the exception of ")
                .written(relying)
                .text(" relies on, and ")
                .written(later.name())
                .text(" after it can send the message through Exchange once more: in that pass ")
                .written(relying)
                .text(" no longer sees the header and sends the message to ")
                .written(removal.relying.connector.name())
                .text(" again; move ")
                .written(name)
                .text(" below ")
                .written(later.name()),
        };
        let mut diagnostic = Diagnostic::new(&RULE, removal.rule.name_span(), message.render(out.syntax()))
            .with_related(rule_span(removal.rule, Some(removal.span)), "the header removed here")
            .with_related(rule_span(removal.relying.rule, Some(removal.exception)), "the exception that relies on it");
        if let When::PassEarlier(later) = removal.when {
            diagnostic =
                diagnostic.with_related(later.name_span(), "a later routing rule whose service hands mail back");
        }
        out.push(diagnostic.about(Subject::Rule(flow.rule_index(removal.rule))));
    }
}

/// Every removal that defeats a routing rule's exception: for each active rule and header it
/// removes, the first routing rule that relies on the header, those after the removal first.
fn removals<'a>(roles: &Roles<'a>) -> Vec<Removal<'a>> {
    let returning = returning_routes(roles);
    let mut found = Vec::new();
    for &rule in roles.ordered.iter().filter(|rule| rule.is_active()) {
        let at = roles.position(rule);
        let others = returning.iter().filter(|route| !std::ptr::eq(route.rule, rule));
        let (after, before): (Vec<&Routing>, Vec<&Routing>) = others.partition(|route| roles.position(route.rule) > at);
        for (header, span) in removed_headers(rule) {
            let found_one = after.iter().chain(&before).find_map(|route| {
                let exception = tested_header(&route.rule.exceptions, header)?;
                let when = if roles.position(route.rule) > at {
                    When::Before
                } else if sets_header(route.rule, header) && !route.rule.stops_processing() {
                    When::AfterItsMark
                } else {
                    When::PassEarlier(after.first()?.rule)
                };
                Some(Removal { rule, header, span, relying: **route, exception, when })
            });
            found.extend(found_one);
        }
    }
    found
}

/// The active routing rules, in evaluation order, whose service hands mail back to
/// Exchange Online: a message they route comes back for another pass.
fn returning_routes<'a>(roles: &Roles<'a>) -> Vec<Routing<'a>> {
    let returns = |route: &Routing| route.connector.service.as_ref().is_some_and(Service::returns_to_exchange);
    roles.routing.iter().copied().filter(|route| route.rule.is_active() && returns(route)).collect()
}

/// The headers `rule` removes, each with where it is written: its `removeHeader`, and the
/// values of an `other` action `RemoveHeader` (the name without regard to case).
fn removed_headers(rule: &TransportRule) -> Vec<(&str, Span)> {
    let key = rule.actions.remove_header.iter().map(|header| (header.value.as_str(), header.span));
    let other = rule.actions.other.iter().filter(|parameter| parameter.name.value.eq_ignore_ascii_case("RemoveHeader"));
    let values = other.flat_map(|parameter| &parameter.values).filter_map(|value| match &value.value {
        ParameterValue::Text(name) => Some((name.as_str(), value.span)),
        _ => None,
    });
    key.chain(values).collect()
}

/// Where `exceptions` test the header `name` (compared without regard to case), if they do.
fn tested_header(exceptions: &Predicates, name: &str) -> Option<Span> {
    let contains = exceptions.header_contains.as_ref().map(|test| &test.header);
    let matches = exceptions.header_matches.as_ref().map(|test| &test.header);
    contains.into_iter().chain(matches).find(|header| header.value.eq_ignore_ascii_case(name)).map(|header| header.span)
}

fn sets_header(rule: &TransportRule, name: &str) -> bool {
    rule.actions.set_header.as_ref().is_some_and(|header| header.name.value.eq_ignore_ascii_case(name))
}

/// Moves the removing rule directly below the last routing rule after it whose service
/// hands mail back (unsafe: the rules it passes now see the header). `None` when one of its removals follows a routing rule's own mark in
/// the same pass: moving it further down does not help.
fn fix(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let roles = Roles::of(context.flow);
    let own: Vec<Removal> = removals(&roles).into_iter().filter(|r| std::ptr::eq(r.rule, rule)).collect();
    if own.is_empty() || own.iter().any(|removal| matches!(removal.when, When::AfterItsMark)) {
        return None;
    }
    let at = roles.position(rule);
    let last = returning_routes(&roles).into_iter().rfind(|route| roles.position(route.rule) > at)?.rule;
    move_fix(context, rule, Beside::Below(last))
}

#[cfg(test)]
mod tests {
    use crate::check::{check_yaml, Selection};

    const CONNECTORS: &str = "mailflow: 1
connectors:
  - name: SEPPmail
    use: transport-rule
    service: {kind: smart-host, vendor: other, processedHeader: {name: X-SM-outgoing, value: 'yes'}, returnsToExchange: true}
  - name: Mimecast
    use: transport-rule
    service: {kind: smart-host, vendor: mimecast, returnsToExchange: RETURNS}
transportRules:
  - {name: Route, priority: 1, exceptions: {headerMatches: {header: X-SM-OUTGOING, patterns: ['yes']}}, actions: {redirectToConnector: SEPPmail}}
";

    /// The rules MF313 reports in `CONNECTORS` with `rules` added, Mimecast handing mail back
    /// or not.
    fn reported(returns: bool, rules: &str) -> Vec<String> {
        let text = CONNECTORS.replace("RETURNS", &returns.to_string()) + rules;
        let checked = check_yaml(&text, &Selection::default());
        let found = checked.diagnostics.iter().filter(|d| d.code() == "MF313");
        found.map(|d| text[d.span.start..d.span.end].to_owned()).collect()
    }

    #[test]
    fn a_removal_before_the_routing_rule_is_reported_in_either_spelling() {
        let rules = "  - {name: Clean, priority: 0, actions: {removeHeader: x-sm-outgoing}}
  - {name: Imported, priority: 2, actions: {other: {removeheader: [X-Other, X-SM-outgoing]}}}
  - {name: Disabled, priority: 3, enabled: false, actions: {removeHeader: X-SM-outgoing}}
  - {name: Audit, priority: 4, mode: audit, actions: {removeHeader: X-SM-outgoing}}
  - {name: Mimecast rule, priority: 5, exceptions: {headerContains: {header: X-AntiLoop-Mimecast, words: ['true']}}, actions: {redirectToConnector: Mimecast}}
";
        // `Imported` runs after `Route`, but `Mimecast rule` can send mail through Exchange
        // once more after it; the disabled and audit-mode rules remove nothing.
        assert_eq!(reported(true, rules), ["Clean", "Imported"]);
        // A smart host that delivers mail itself brings nothing back.
        assert_eq!(reported(false, rules), ["Clean"]);
    }

    #[test]
    fn a_removal_after_the_routing_rules_is_not_reported() {
        let rules = "  - {name: Clean, priority: 2, actions: {removeHeader: X-SM-outgoing}}\n";
        assert!(reported(true, rules).is_empty());
    }
}
