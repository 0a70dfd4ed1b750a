//! Fixes that put a smart host rule where the guide wants it, directly below the signature
//! rule ("Creating a transport rule to forward messages through a smart host", step 3):
//! moving one there (MF103, MF104), or inserting the anti-loop smart host rule there for a
//! connector (MF201, MF202).

use std::iter;
use std::ptr;

use super::rule_edits::{self, unused_anti_loop_header};
use super::rule_order::{move_fix, Beside};
use crate::analysis::roles::Roles;
use crate::diagnostic::{Fix, Subject};
use crate::fixes::{join_insertions, FixContext, RulePlace, Value};
use crate::model::{Connector, MailFlow, TransportRule};
use crate::rules::message::Message;
use crate::rules::mf009_limit_exceeded::MAX_NAME_CHARS;
use crate::text::Spanned;

/// Rules in evaluation order with a free slot (`None`, as
/// [`crate::fixes::Editor::renumber_priorities`] reads it) for the rule a fix inserts,
/// directly below the signature rule, or first when there is none. Returns the order and the
/// index of the slot.
fn order_with_slot_below_signature<'a>(roles: &Roles<'a>) -> (Vec<Option<&'a TransportRule>>, usize) {
    let mut order: Vec<Option<&TransportRule>> = roles.ordered.iter().copied().map(Some).collect();
    let signature = roles.signature_rule().map(|signature| signature.rule);
    let at = signature
        .and_then(|signature| order.iter().position(|rule| rule.is_some_and(|rule| ptr::eq(rule, signature))))
        .map_or(0, |position| position + 1);
    order.insert(at, None);
    (order, at)
}

/// The fix of MF103 and MF104: moves the smart host rule `subject` directly below the
/// signature rule and renumbers every rule in the new order.
pub fn move_below_signature(subject: Subject, context: &FixContext) -> Option<Fix> {
    let rule = rule_edits::rule(context.flow, subject)?;
    let signature = Roles::of(context.flow).signature_rule()?.rule;
    // Unsafe: the rules it jumps over act on mail in another order.
    move_fix(context, rule, Beside::Below(signature))
}

/// The fix that inserts the guide's anti-loop smart host rule for `connector` directly
/// below the signature rule (first when there is none), renumbering the rules below it: a
/// rule named after the connector that redirects inside-to-outside mail to it, with
/// `recipientDomainIs` carrying the connector's recipient domains when it lists specific
/// ones, a `setHeader` with an anti-loop header no rule uses and the exception that tests
/// it, and `deferOnError: true`. `None` when the connector has no name to redirect to.
pub fn insert_anti_loop_rule(connector: &Connector, context: &FixContext) -> Option<Fix> {
    let flow = context.flow;
    let target = connector.name.as_ref()?.value.as_str();
    let roles = Roles::of(flow);
    let (order, at) = order_with_slot_below_signature(&roles);
    let place = order.get(at + 1).copied().flatten().map_or(RulePlace::End, |next| RulePlace::Before(next.span));

    let mut conditions = vec![("senderIs", Value::str("inside")), ("recipientIs", Value::str("outside"))];
    let domains = connector.recipient_domains.as_ref().map_or_else(Vec::new, |list| rule_domains(&list.value));
    if !domains.is_empty() {
        conditions.push(("recipientDomainIs", Value::List(domains.into_iter().map(Value::str).collect())));
    }
    let vendor = connector.service.as_ref().and_then(|service| service.vendor.as_ref()).map(|vendor| vendor.value);
    let header = unused_anti_loop_header(flow.iter_rules(), vendor);
    let words = Value::List(vec![Value::str("true")]);
    let fields: Vec<(String, Value)> = [
        ("name", Value::Str(rule_name(target, flow))),
        ("priority", Value::Int(at as i64)),
        ("conditions", Value::flow_map(conditions)),
        (
            "exceptions",
            Value::flow_map([("headerContains", Value::flow_map([("header", Value::str(&header)), ("words", words)]))]),
        ),
        (
            "actions",
            Value::map([
                ("setHeader", Value::flow_map([("name", Value::str(&header)), ("value", Value::str("true"))])),
                ("redirectToConnector", Value::str(target)),
            ]),
        ),
        ("deferOnError", Value::Bool(true)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();

    let renumbered = context.editor.renumber_priorities(&order)?;
    let inserted = context.editor.insert_rule(place, &fields)?;
    Some(Fix {
        title: Message::new().text("Insert anti-loop rule for ").written(target).render(context.syntax),
        // Mail that went straight out, or by the connector's domains, goes through the rule.
        safe: false,
        // When the new rule goes last and the last rule gains a `priority` line, both land
        // at the end of that rule: the priority first.
        edits: join_insertions(renumbered.into_iter().chain(iter::once(inserted)).collect()),
    })
}

/// `<connector> smart host rule`, shortened to Exchange's limit on rule names, and numbered
/// when a rule has that name already (names compare without regard to case, as Exchange
/// compares them).
fn rule_name(connector: &str, flow: &MailFlow) -> String {
    (1..)
        .map(|n| {
            let suffix = if n == 1 { " smart host rule".to_owned() } else { format!(" smart host rule {n}") };
            let stem: String = connector.chars().take(MAX_NAME_CHARS - suffix.len()).collect();
            format!("{}{suffix}", stem.trim_end())
        })
        .find(|name| !flow.rules.iter().any(|rule| rule.name().eq_ignore_ascii_case(name)))
        .expect("a file has finitely many rules")
}

/// A connector's `recipientDomains` as a rule's `recipientDomainIs`, which also matches
/// subdomains: `*.contoso.com` becomes `contoso.com`, and `*`, which every outside domain
/// matches, is left to `recipientIs: outside`. Each domain once.
pub fn rule_domains(domains: &[Spanned<String>]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for domain in domains {
        let domain = domain.value.strip_prefix("*.").unwrap_or(&domain.value);
        if !matches!(domain, "" | "*") && !out.iter().any(|known| known.eq_ignore_ascii_case(domain)) {
            out.push(domain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::{check_yaml, Selection};
    use crate::fixes::apply_fixes;

    /// `text` with the fix of its first `code` finding applied.
    fn fixed(text: &str, code: &str) -> String {
        let checked = check_yaml(text, &Selection::default());
        let finding = checked.diagnostics.iter().find(|d| d.code() == code).expect("the code is reported");
        apply_fixes(text, finding.fix.as_ref()).text
    }

    fn codes(text: &str) -> Vec<&'static str> {
        check_yaml(text, &Selection::default()).diagnostics.iter().map(|d| d.code()).collect()
    }

    /// A tenant in block style, rules apart, with comments about them.
    const BLOCK: &str = "\
# Contoso, exported 2024-05-02.
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  # Mimecast since 2019.
  - name: Mimecast outbound
    use: transport-rule
    recipientDomains: [\"*.fabrikam.com\", \"*\", fabrikam.com, northwind.example]   # moved to a rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}

transportRules:
  - name: CodeTwo Exchange transport rule   # keep first
    priority: 0
    conditions:
      senderIs: inside
    exceptions:
      headerContains: {header: X-CodeTwoProcessed, words: [\"true\"]}
    actions:
      redirectToConnector: CodeTwo Email Signatures 365 connector
    stopProcessingMoreRules: true

  # Legal asked for this one (CHG-1432).
  - name: Legal disclaimer
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {other: {ApplyHtmlDisclaimerText: \"<p>Contoso Ltd, Seattle</p>\"}}
";

    #[test]
    fn the_anti_loop_rule_goes_below_the_signature_rule_in_the_files_style() {
        let rule = "  - name: Mimecast outbound smart host rule
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com, northwind.example]}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}
      redirectToConnector: Mimecast outbound
    deferOnError: true

";
        let expected = BLOCK.replace("  # Legal asked", &format!("{rule}  # Legal asked")).replace(
            "    priority: 1\n    conditions: {senderIs: inside, recipientIs: outside}\n    actions: {other",
            "    priority: 2\n    conditions: {senderIs: inside, recipientIs: outside}\n    actions: {other",
        );
        assert_eq!(fixed(BLOCK, "MF202"), expected);
    }

    #[test]
    fn after_the_anti_loop_rule_the_smart_host_is_reached_once_and_in_its_place() {
        let text = fixed(BLOCK, "MF202");
        let left = codes(&text);
        for code in ["MF202", "MF301", "MF302", "MF303", "MF401", "MF402", "MF403", "MF103"] {
            assert!(!left.contains(&code), "{code} in {left:?}:\n{text}");
        }
    }

    #[test]
    fn the_anti_loop_rule_follows_a_file_indented_by_four() {
        let text = "\
mailflow: 1
connectors:
    -   name: Send to Exclaimer Cloud
        type: on-premises
        use: transport-rule
        smartHosts: [uk.smtp.exclaimer.net]
        service:
            kind: signature
            vendor: exclaimer
    -   name: Barracuda outbound
        use: transport-rule
        smartHosts: [d123456a.ess.barracudanetworks.com]
        service: {kind: smart-host, vendor: barracuda}
transportRules:
    -   name: Identify messages to send to Exclaimer Cloud
        priority: 0
        conditions:
            senderIs: inside
        exceptions:
            headerContains:
                header: X-ExclaimerHostedSignatures-MessageProcessed
                words: [\"true\"]
        actions:
            redirectToConnector: Send to Exclaimer Cloud
        stopProcessingMoreRules: true
        # Exclaimer's rule.
";
        let rule = "
    -   name: Barracuda outbound smart host rule
        priority: 1
        conditions: {senderIs: inside, recipientIs: outside}
        exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}}
        actions:
            setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}
            redirectToConnector: Barracuda outbound
        deferOnError: true";
        assert_eq!(fixed(text, "MF202"), format!("{}{rule}\n", text.trim_end()));
    }

    #[test]
    fn without_a_signature_rule_the_anti_loop_rule_goes_first() {
        let text = "\
connectors:
  - {name: Proofpoint outbound, use: transport-rule, smartHosts: [outbound-us1.ppe-hosted.com], service: {kind: smart-host, vendor: proofpoint}}
transportRules:
  - {name: Proofpoint outbound smart host rule, priority: 3, actions: {setHeader: {name: X-AntiLoop-Smarthost, value: x}}}
";
        assert_eq!(
            fixed(text, "MF202"),
            "\
connectors:
  - {name: Proofpoint outbound, use: transport-rule, smartHosts: [outbound-us1.ppe-hosted.com], service: {kind: smart-host, vendor: proofpoint}}
transportRules:
  - name: Proofpoint outbound smart host rule 2
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {headerContains: {header: X-AntiLoop-Proofpoint, words: [\"true\"]}}
    actions:
      setHeader: {name: X-AntiLoop-Proofpoint, value: \"true\"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
  - {name: Proofpoint outbound smart host rule, priority: 1, actions: {setHeader: {name: X-AntiLoop-Smarthost, value: x}}}
"
        );
    }

    #[test]
    fn the_rule_name_keeps_to_exchanges_limit() {
        let connector = "Mimecast outbound connector for the subsidiaries in the EU and UK";
        let text = format!(
            "connectors:\n  - {{name: {connector}, use: transport-rule, service: {{kind: smart-host}}}}\ntransportRules:\n"
        );
        let name = "Mimecast outbound connector for the subsidiaries smart host rule";
        assert_eq!(name.len(), 64);
        let fixed = fixed(&text, "MF202");
        assert!(fixed.contains(&format!("\n  - name: {name}\n    priority: 0\n")), "{fixed}");
        assert!(!codes(&fixed).contains(&"MF009"));
    }

    #[test]
    fn scoping_a_connector_without_use_puts_use_where_its_domains_were() {
        let text = "\
connectors:
  - name: CodeTwo Email Signatures 365 connector
    use: transport-rule
    service: {kind: signature, vendor: codetwo}
  - name: Proofpoint outbound
    smartHosts: [outbound-us1.ppe-hosted.com]
    service: {kind: smart-host}
    recipientDomains:   # partners only
      - fabrikam.com
      - \"*.northwind.example\"
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
";
        let expected = text.replace(
            "    recipientDomains:   # partners only\n      - fabrikam.com\n      - \"*.northwind.example\"\n",
            "    use: transport-rule\n",
        ) + "  - name: Proofpoint outbound smart host rule
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside, recipientDomainIs: [fabrikam.com, northwind.example]}
    exceptions: {headerContains: {header: X-AntiLoop-Smarthost, words: [\"true\"]}}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: \"true\"}
      redirectToConnector: Proofpoint outbound
    deferOnError: true
";
        assert_eq!(fixed(text, "MF201"), expected);
        assert!(!codes(&expected).contains(&"MF201"));
    }

    #[test]
    fn a_connector_a_rule_already_redirects_to_keeps_its_domains_for_that_rule() {
        let text = "\
connectors:
  - {name: CodeTwo, use: transport-rule, service: {kind: signature, vendor: codetwo}}
  - {name: Mimecast outbound, use: recipient-domains, recipientDomains: [fabrikam.com], service: {kind: smart-host}}
transportRules:
  - {name: CodeTwo rule, priority: 0, actions: {redirectToConnector: CodeTwo}}
  - {name: Mimecast smart host, priority: 1, actions: {redirectToConnector: Mimecast outbound}}
";
        let expected = text.replace("use: recipient-domains", "use: transport-rule");
        assert_eq!(fixed(text, "MF201"), expected);
        let left = codes(&expected);
        assert!(left.contains(&"MF203") && !left.contains(&"MF201"), "{left:?}");
    }
}
