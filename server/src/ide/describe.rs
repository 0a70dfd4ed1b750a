//! The words the editor features use for keys, values, connectors and rules. Hover shows
//! them, completion documents its items with them, the outline labels its symbols with
//! them. What a key or value means is read from the key catalogue (`model::keys`); what a
//! rule or connector does, from the model, its roles and the simulation.

use super::locate::{path_words, Step};
use crate::analysis::activity::Activity;
use crate::analysis::roles::Roles;
use crate::analysis::simulate::Class;
use crate::check::Checked;
use crate::model::keys::{self, Key, Object, ValueShape, GUIDE_TITLE};
use crate::model::{Connector, ConnectorUse, MailFlow, RuleMode, Service, ServiceKind, TransportRule};
use crate::rules::simulation_wording::{describe_message, out_of_scope_words};
use crate::syntax::Syntax;
use crate::text::Spanned;

/// A key's page: what it means, the values it takes and its default, its names in Exchange
/// PowerShell and the admin center, and the guide section that explains it. `parent` is the
/// path of the mapping that holds the key.
pub fn key_page(key: &Key, parent: &[Step]) -> String {
    let place = match path_words(parent) {
        path if path.is_empty() => "at the top level".to_owned(),
        path => format!("in `{path}`"),
    };
    let mut page = format!("**`{}`** {place}\n\n{}\n\n{}\n\n", key.name, key.doc, value_words(key));
    if key.required {
        page.push_str("**Required.**\n\n");
    }
    if let Some(default) = key.default {
        page.push_str(&format!("**Default:** {default}\n\n"));
    }
    // Exceptions take the conditions' parameters with an `ExceptIf` prefix.
    let in_exceptions = parent.last() == Some(&Step::Key("exceptions"));
    if let Some(powershell) = key.powershell {
        let powershell = if in_exceptions {
            powershell.split(" + ").map(|part| format!("ExceptIf{part}")).collect::<Vec<_>>().join(" + ")
        } else {
            powershell.to_owned()
        };
        page.push_str(&format!("**Exchange PowerShell:** `{powershell}`\n\n"));
    }
    if let Some(admin_center) = key.admin_center {
        let admin_center =
            if in_exceptions { format!("Except if › {admin_center}") } else { admin_center.to_owned() };
        page.push_str(&format!("**Exchange admin center:** \"{admin_center}\"\n\n"));
    }
    if let Some(section) = key.guide {
        page.push_str(&format!("{}\n\n", guide_citation(section)));
    }
    page.truncate(page.trim_end().len());
    page
}

/// A section of the guide, cited as the project's documentation cites it.
pub fn guide_citation(section: &str) -> String {
    format!("*CodeTwo guide \"{GUIDE_TITLE}\", section \"{section}\"*")
}

/// What a key's value may be: each allowed value with what it does, or the shape of a
/// free one.
fn value_words(key: &Key) -> String {
    let key_names =
        |object: Object| keys::keys(object).iter().map(|key| format!("`{}`", key.name)).collect::<Vec<_>>().join(", ");
    let shape = match key.shape {
        ValueShape::Bool { .. } | ValueShape::OneOf(_) => {
            let values: String =
                key.values().into_iter().map(|(value, meaning)| format!("\n- `{value}`: {meaning}")).collect();
            return format!("**Values**{values}");
        }
        ValueShape::Integer { min } => format!("a whole number, {min} or more"),
        ValueShape::Text { max_chars: Some(max) } => format!("text, at most {max} characters"),
        ValueShape::Text { max_chars: None } => "text".to_owned(),
        ValueShape::TextList => "one string or a list of strings".to_owned(),
        ValueShape::Size => "a size with a unit (B, KB, MB or GB), such as 22.5 MB, or a number of bytes".to_owned(),
        ValueShape::Object(object) => format!("a mapping of {}", key_names(object)),
        ValueShape::ListOf(object) => format!("a list of mappings of {}", key_names(object)),
        ValueShape::OpenMap => "Exchange parameters by their PowerShell names, with their values".to_owned(),
    };
    format!("**Value:** {shape}")
}

/// What `value` does as the value of `key`, for keys that allow only listed values.
pub fn value_page(key: &Key, value: &str) -> Option<String> {
    key.meaning(value).map(|meaning| format!("**`{}: {value}`**\n\n{}", key.name, sentence(meaning)))
}

/// A meaning from the catalogue as a sentence: capitalized, with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The catalogue's meaning of an enumerated or boolean value of `key` in `object`. The
/// model's values are the catalogue's: any other is a bug.
fn meaning(object: Object, key: &str, value: &str) -> &'static str {
    keys::lookup(object, key).and_then(|key| key.meaning(value)).expect("the catalogue explains the model's values")
}

/// "signature service (codetwo)", "smart host (mimecast)".
fn service_words(service: &Service) -> String {
    let kind = match service.kind.value {
        ServiceKind::Signature => "signature service",
        ServiceKind::SmartHost => "smart host",
    };
    match &service.vendor {
        Some(vendor) => format!("{kind} ({})", vendor.value.key()),
        None => kind.to_owned(),
    }
}

/// One line about a connector: its service, its use, whether it is disabled.
pub fn connector_detail(connector: &Connector) -> String {
    let mut parts = vec![connector.service.as_ref().map_or_else(|| "no service".to_owned(), service_words)];
    parts.push(connector.usage().key().to_owned());
    if !connector.is_enabled() {
        parts.push("disabled".to_owned());
    }
    parts.join(" · ")
}

/// One line about a rule: its priority, its role, and whether it acts at all.
pub fn rule_detail(roles: &Roles, rule: &TransportRule) -> String {
    let mut parts =
        vec![rule.priority.as_ref().map_or_else(|| "no priority".to_owned(), |p| format!("priority {}", p.value))];
    parts.extend(role(roles, rule).map(str::to_owned));
    if !rule.is_enabled() {
        parts.push("disabled".to_owned());
    }
    if rule.mode() != RuleMode::Enforce {
        parts.push(rule.mode().key().to_owned());
    }
    parts.join(" · ")
}

/// What format.md calls the rule, when it routes: signature, smart host or routing rule.
fn role(roles: &Roles, rule: &TransportRule) -> Option<&'static str> {
    let routing = roles.routing.iter().find(|routing| std::ptr::eq(routing.rule, rule))?;
    Some(match routing.kind() {
        Some(ServiceKind::Signature) => "signature rule",
        Some(ServiceKind::SmartHost) => "smart host rule",
        None => "routing rule",
    })
}

/// A connector's summary: type, use, smart hosts, the service behind it, and where it is
/// used (the rules that redirect to it, or the domains it serves by itself).
pub fn connector_page(flow: &MailFlow, connector: &Connector) -> String {
    let roles = Roles::of(flow);
    let mut page = format!("**Connector** `{}`\n\n", connector.name());
    let connector_type = connector
        .connector_type
        .as_ref()
        .map(|t| t.value.key())
        .or_else(|| keys::lookup(Object::Connector, "type").and_then(|key| key.default))
        .unwrap_or_default();
    page.push_str(&format!("- **Type** `{connector_type}`: {}\n", meaning(Object::Connector, "type", connector_type)));
    let usage = connector.usage().key();
    page.push_str(&format!("- **Use** `{usage}`: {}\n", meaning(Object::Connector, "use", usage)));
    match connector.smart_hosts.as_ref().filter(|hosts| !hosts.value.is_empty()) {
        Some(hosts) => page.push_str(&format!("- **Smart hosts** {}\n", code_list(&hosts.value))),
        None => page.push_str("- **Smart hosts** none: it delivers through the recipients' MX records\n"),
    }
    match &connector.service {
        Some(service) => {
            page.push_str(&format!("- **Service** {}", service_words(service)));
            if let Some((name, value)) =
                service.processed_header().filter(|_| service.kind.value == ServiceKind::Signature)
            {
                page.push_str(&format!(", stamps `{name}: {value}`"));
            }
            let returns = service.returns_to_exchange().to_string();
            page.push_str(&format!(". {}\n", meaning(Object::Service, "returnsToExchange", &returns)));
        }
        None => page.push_str("- **Service** none declared: the signature and smart host checks skip it\n"),
    }
    if !connector.is_enabled() {
        page.push_str(&format!("- **Disabled**: {}\n", meaning(Object::Connector, "enabled", "false")));
    }
    let rules: Vec<String> = roles
        .rules_to(connector)
        .map(|rule| {
            let mut words = format!("`{}` ({})", rule.name(), rule_detail(&roles, rule));
            if !rule.is_active() {
                words.push_str(", takes no action");
            }
            words
        })
        .collect();
    let used = match (connector.usage(), &connector.recipient_domains) {
        (ConnectorUse::RecipientDomains, Some(domains)) if !domains.value.is_empty() => {
            let mut used = format!("by itself for mail to {}", code_list(&domains.value));
            if !rules.is_empty() {
                used.push_str(&format!("; redirected to by {}", rules.join(", ")));
            }
            used
        }
        _ if rules.is_empty() => "no rule redirects to it".to_owned(),
        _ => rules.join(", "),
    };
    page.push_str(&format!("- **Where it is used** {used}"));
    page
}

fn code_list(values: &[Spanned<String>]) -> String {
    values.iter().map(|value| format!("`{}`", value.value)).collect::<Vec<_>>().join(", ")
}

/// A rule's summary: priority, state and mode, what it routes where, the headers it sets,
/// whether it stops processing, and the passes in which it acts on simulated
/// inside-to-outside mail (as the check's simulation saw it: nothing is simulated again),
/// worded for `syntax`.
pub fn rule_page(checked: &Checked, rule: &TransportRule, syntax: Syntax) -> String {
    let flow = &checked.flow;
    let roles = Roles::of(flow);
    let mut page = format!("**Transport rule** `{}`", rule.name());
    if let Some(role) = role(&roles, rule) {
        page.push_str(&format!(" · {role}"));
    }
    let priority = rule.priority.as_ref().map_or_else(|| "none".to_owned(), |p| p.value.to_string());
    let state = if rule.is_enabled() { "enabled" } else { "disabled" };
    page.push_str(&format!("\n\n- **Priority** {priority} · {state} · mode `{}`\n", rule.mode().key()));
    if let Some(target) = &rule.actions.redirect_to_connector {
        let connector = match flow.connector(&target.value) {
            Some(connector) => connector_detail(connector),
            None => "no connector of the file has this name".to_owned(),
        };
        page.push_str(&format!("- **Redirects to** `{}` ({connector})\n", target.value));
    }
    if let Some(header) = &rule.actions.set_header {
        page.push_str(&format!("- **Sets the header** `{}: {}`\n", header.name.value, header.value.value));
    }
    let stops = rule.stops_processing().to_string();
    page.push_str(&format!(
        "- **Stop processing more rules** `{stops}`: {}\n",
        meaning(Object::Rule, "stopProcessingMoreRules", &stops)
    ));
    let activity = &checked.activity;
    page.push_str(&format!("- **Acts on inside-to-outside mail** {}", acting_passes(activity, flow, rule)));
    if let Some(scope) = signature_scope(activity, flow, &roles, rule, syntax) {
        page.push_str(&format!("\n- **Signature scope** {scope}"));
    }
    page
}

/// For a signature rule: the mail from inside to outside it keeps out of the signature
/// service on purpose, class by class, in the words `trace` uses; `None` for another rule.
fn signature_scope(
    activity: &Activity,
    flow: &MailFlow,
    roles: &Roles,
    rule: &TransportRule,
    syntax: Syntax,
) -> Option<String> {
    if !roles.signature_rules().any(|routing| std::ptr::eq(routing.rule, rule)) {
        return None;
    }
    let mut kept_out: Vec<String> = Vec::new();
    for (message, out) in &activity.kept_out[flow.rule_index(rule)] {
        let what = match &message.class {
            Class::Ordinary => "mail from this sender".to_owned(),
            _ => describe_message(message).split(" to ").next().unwrap_or_default().to_owned(),
        };
        let line = format!("{what}: {}", out_of_scope_words(flow, out, syntax));
        if !kept_out.contains(&line) {
            kept_out.push(line);
        }
    }
    Some(match kept_out.as_slice() {
        [] => "all mail from inside to outside".to_owned(),
        _ => format!(
            "mail from inside to outside, but for\n{}",
            kept_out.iter().map(|l| format!("  - {l}\n")).collect::<String>().trim_end()
        ),
    })
}

/// The passes in which `rule` applies to the simulated messages from inside to outside:
/// "in pass 2", "in pass 1, may in pass 3", or "never".
fn acting_passes(activity: &Activity, flow: &MailFlow, rule: &TransportRule) -> String {
    // Pass number → whether the rule surely applies in it.
    let passes = &activity.outbound_passes[flow.rule_index(rule)];
    if passes.is_empty() {
        let why = if rule.is_active() { "" } else { ": it takes no action (disabled or not enforced)" };
        return format!("never, in the simulation{why}");
    }
    let passes: Vec<String> = passes
        .iter()
        .map(|(number, &sure)| if sure { format!("in pass {number}") } else { format!("may in pass {number}") })
        .collect();
    format!("{} (simulated)", passes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_yaml, Selection};

    #[test]
    fn a_connector_used_by_its_domains_and_by_a_rule_that_takes_no_action() {
        let text = "mailflow: 1
connectors:
  - name: Partner relay
    enabled: false
    recipientDomains: [fabrikam.com]
transportRules:
  - name: Old relay rule
    priority: 0
    enabled: false
    actions: {redirectToConnector: Partner relay}
";
        let checked = check_yaml(text, &Selection::default());
        insta::assert_snapshot!(connector_page(&checked.flow, &checked.flow.connectors[0]), @"
        **Connector** `Partner relay`

        - **Type** `partner`: mail to a partner organization or a service provider (ConnectorType Partner)
        - **Use** `recipient-domains`: used by itself for mail to the domains in recipientDomains
        - **Smart hosts** none: it delivers through the recipients' MX records
        - **Service** none declared: the signature and smart host checks skip it
        - **Disabled**: The connector is off: mail a rule redirects to it is not delivered.
        - **Where it is used** by itself for mail to `fabrikam.com`; redirected to by `Old relay rule` (priority 0 · routing rule · disabled), takes no action
        ");
        insta::assert_snapshot!(rule_page(&checked, &checked.flow.rules[0], Syntax::Yaml), @"
        **Transport rule** `Old relay rule` · routing rule

        - **Priority** 0 · disabled · mode `enforce`
        - **Redirects to** `Partner relay` (no service · recipient-domains · disabled)
        - **Stop processing more rules** `false`: The rules below it run in this pass as usual.
        - **Acts on inside-to-outside mail** never, in the simulation: it takes no action (disabled or not enforced)
        ");
    }

    #[test]
    fn a_signature_rule_says_what_it_keeps_out_on_purpose() {
        let text = "mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Exclaimer
    type: on-premises
    use: transport-rule
    smartHosts: [smtp.uk1.exclaimer.net]
    service: {kind: signature, vendor: exclaimer}
transportRules:
  - name: Out of Office
    priority: 0
    conditions: {messageTypeMatches: oof}
    actions: {setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: 'true'}}
  - name: Identify messages to send to Exclaimer Cloud
    priority: 1
    conditions: {senderIs: inside}
    exceptions:
      headerMatches: {header: X-ExclaimerHostedSignatures-MessageProcessed, patterns: ['true']}
      senderAddressMatches: ['^<>$']
      messageSizeOver: 22.5 MB
    actions: {redirectToConnector: Exclaimer}
    stopProcessingMoreRules: true
";
        let checked = check_yaml(text, &Selection::default());
        let page = rule_page(&checked, &checked.flow.rules[1], Syntax::Yaml);
        let scope = &page[page.find("**Signature scope**").expect("a scope")..];
        insta::assert_snapshot!(scope, @"
        **Signature scope** mail from inside to outside, but for
          - a message of type oof (automatic replies (out of office)) from inside: excepted on `Identify messages to send to Exclaimer Cloud` by the header `X-ExclaimerHostedSignatures-MessageProcessed`, which `Out of Office` stamps above it
          - a message from the null sender <>: excepted by `senderAddressMatches` on `Identify messages to send to Exclaimer Cloud`
          - a message of 22.5 MB from inside: excepted by `messageSizeOver` on `Identify messages to send to Exclaimer Cloud`
        ");
        let dsl = rule_page(&checked, &checked.flow.rules[1], Syntax::Dsl);
        assert!(dsl.contains("excepted by `except message size over` on"), "{dsl}");
        // The page reads what the check's simulation saw (issue 15: a hover simulated the
        // whole file again): with that forgotten, it says the rule never acts.
        let mut checked = checked;
        assert!(page.contains("**Acts on inside-to-outside mail** in pass 1"), "{page}");
        checked.activity.kept_out[1].clear();
        checked.activity.outbound_passes[1].clear();
        let page = rule_page(&checked, &checked.flow.rules[1], Syntax::Yaml);
        assert!(page.contains("**Acts on inside-to-outside mail** never, in the simulation\n"), "{page}");
        assert!(page.ends_with("**Signature scope** all mail from inside to outside"), "{page}");
    }
}
