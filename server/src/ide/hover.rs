//! Hover: what the thing under the cursor means, in the project's own words.

use super::complete::Cursor;
use super::describe::{connector_page, key_page, rule_page, value_page};
use super::locate::{last_key, locate, resolve, touches, On, Slot, Step};
use super::navigate::references_in;
use crate::check::{Checked, Source};
use crate::model::dsl_statements::{self, Form, Place};
use crate::model::keys::{self, Object};
use crate::model::Compilation;
use crate::rules;
use crate::suppression;
use crate::syntax::dsl::Block;
use crate::syntax::scalar::Resolved;
use crate::syntax::span_of;
use crate::syntax::yaml::{NodeKind, Scalar};
use crate::text::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverInfo {
    /// What the hover is about: a key, a value, a name, a code.
    pub span: Span,
    pub markdown: String,
}

/// The page of the diagnostic code `code` (`MF203`, any case), as `mailflow explain` prints
/// it.
pub fn diagnostic_page(code: &str) -> Option<String> {
    rules::by_code(code).map(|rule| rule.doc.to_owned())
}

/// What is at `offset`: a code in a suppression comment, a rule's or connector's name, a
/// reference to a connector, or a key or value of the format.
pub fn hover(checked: &Checked, text: &str, offset: usize) -> Option<HoverInfo> {
    suppressed_code(checked, offset)
        .or_else(|| named_object(checked, offset))
        .or_else(|| pattern(checked, offset))
        .or_else(|| catalogue(checked, offset))
        .or_else(|| dsl_statement(checked, text, offset))
        .or_else(|| typed_key(checked, text, offset))
}

/// A statement of the DSL (or an enumerated word in one): the page of the YAML key it
/// stands for, since both syntaxes say the same things.
fn dsl_statement(checked: &Checked, text: &str, offset: usize) -> Option<HoverInfo> {
    let Source::Dsl(dsl) = &checked.source else { return None };
    let hovered = dsl.root().descendant_for_byte_range(offset, offset)?;
    let mut node = hovered;
    loop {
        let block = ancestors(node).find_map(|a| Block::of_kind(a.kind())).unwrap_or(Block::Root);
        // A connector or rule is hovered for its name, elsewhere, and its block is no key;
        // the word that opens it (`connector`, `rule`, `organization`) is its key's.
        let item = |s: &&dsl_statements::Statement| s.block == Block::Root && s.form == Form::Item;
        let opening = node.child(0).is_some_and(|word| word.id() == hovered.id() && !word.is_named())
            && dsl_statements::by_kind(block, node.kind()).is_some_and(|s| item(&s));
        let statement = dsl_statements::by_kind(block, node.kind()).filter(|s| !item(s) || opening);
        let (object, key) = match statement {
            // A word after `service` is its kind or its vendor.
            Some(s) if s.kind == "service" && hovered.kind() == "word" => {
                let word = &text[span_of(hovered).range()];
                let key = if keys::SERVICE_KINDS.iter().any(|(kind, _)| *kind == word) { "kind" } else { "vendor" };
                (Object::Service, key)
            }
            Some(s) => (s.object, s.key),
            None if node.kind() == "rule"
                && (hovered.kind() == "priority"
                    || node.child_by_field_name("priority").is_some_and(|p| span_of(p).contains(span_of(hovered)))) =>
            {
                (Object::Rule, "priority")
            }
            // The `if`/`except` word of a line: what its predicate tests.
            None if matches!(node.kind(), "condition" | "exception")
                && node.child_by_field_name("predicate").is_some() =>
            {
                node = node.child_by_field_name("predicate")?;
                continue;
            }
            None => {
                node = node.parent()?;
                continue;
            }
        };
        let exception = ancestors(node).any(|a| a.kind() == "exception");
        let key = keys::lookup(object, key)?;
        let span = span_of(if opening { hovered } else { node });
        // On an enumerated or boolean word, what that value does; elsewhere, the key's page.
        if matches!(hovered.kind(), "word" | "boolean") && hovered.id() != node.id() {
            if let Some(markdown) = value_page(key, &text[span_of(hovered).range()]) {
                return Some(HoverInfo { span: span_of(hovered), markdown });
            }
        }
        return Some(HoverInfo { span, markdown: key_page(key, &yaml_path(object, exception)) });
    }
}

/// Where a key of this object stands in a YAML file, as steps from the top.
fn yaml_path(object: Object, exception: bool) -> Vec<Step<'static>> {
    let rule = [Step::Key("transportRules"), Step::Item];
    let connector = [Step::Key("connectors"), Step::Item];
    match object {
        Object::Root => vec![],
        Object::Organization => vec![Step::Key("organization")],
        Object::OnPremises => vec![Step::Key("organization"), Step::Key("onPremises")],
        Object::Connector => connector.to_vec(),
        Object::Service | Object::Header => [&connector[..], &[Step::Key("service")]].concat(),
        Object::Rule => rule.to_vec(),
        Object::Predicates | Object::HeaderContains | Object::HeaderMatches => {
            let place = if exception { Place::Exception } else { Place::Condition };
            [&rule[..], &[Step::Key(place.yaml_key())]].concat()
        }
        Object::Actions => [&rule[..], &[Step::Key("actions")]].concat(),
    }
}

/// The parents of a DSL node, nearest first.
fn ancestors(node: tree_sitter::Node) -> impl Iterator<Item = tree_sitter::Node> {
    std::iter::successors(node.parent(), |n| n.parent())
}

fn suppressed_code(checked: &Checked, offset: usize) -> Option<HoverInfo> {
    suppression::codes(checked.source.comments(), &checked.lines)
        .into_iter()
        .find(|(_, span)| touches(*span, offset))
        .and_then(|(code, span)| Some(HoverInfo { span, markdown: diagnostic_page(&code)? }))
}

/// A rule's or connector's name, or a value that names a connector.
fn named_object(checked: &Checked, offset: usize) -> Option<HoverInfo> {
    let flow = &checked.flow;
    let named = |name: Option<Span>| name.is_some_and(|span| touches(span, offset));
    if let Some(rule) = flow.rules.iter().find(|rule| named(rule.name.as_ref().map(|n| n.span))) {
        return Some(HoverInfo { span: rule.name_span(), markdown: rule_page(checked, rule, checked.source.syntax()) });
    }
    if let Some(connector) = flow.connectors.iter().find(|c| named(c.name.as_ref().map(|n| n.span))) {
        return Some(HoverInfo { span: connector.name_span(), markdown: connector_page(flow, connector) });
    }
    let reference = references_in(flow).find(|reference| touches(reference.span, offset))?;
    let connector = flow.connector(&reference.value)?;
    Some(HoverInfo { span: reference.span, markdown: connector_page(flow, connector) })
}

/// A text pattern: what the tool makes of it. Exchange reads it as a .NET regular
/// expression; the tool evaluates it as written, or as its equivalent for the tool's engine,
/// or cannot evaluate it (the simulation follows both outcomes), or it is not .NET (MF011).
fn pattern(checked: &Checked, offset: usize) -> Option<HoverInfo> {
    let pattern = checked
        .flow
        .rules
        .iter()
        .flat_map(|rule| rule.conditions.patterns().chain(rule.exceptions.patterns()))
        .find(|pattern| touches(pattern.source.span, offset))?;
    let heading = format!(
        "**Text pattern** `{}` · a .NET regular expression, matched without regard to case",
        pattern.source.value
    );
    let what = match pattern.compilation() {
        Compilation::Evaluated { translated: None, .. } => "mailflow evaluates it as written.".to_owned(),
        Compilation::Evaluated { translated: Some(engine), .. } => {
            format!("mailflow evaluates it as its equivalent `{engine}` (written for the engine it evaluates patterns with).")
        }
        Compilation::NotEvaluated { why } => format!(
            "Valid .NET, but mailflow cannot evaluate it: {why}. The simulation follows both outcomes: \
             what depends on it *may* happen (`mailflow trace` lists it)."
        ),
        Compilation::Invalid { error } => {
            format!("Not a valid .NET regular expression: {error}. Exchange rejects the rule (MF011).")
        }
    };
    Some(HoverInfo { span: pattern.source.span, markdown: format!("{heading}\n\n{what}") })
}

/// A key of the format, or a value the catalogue explains (an enumerated or boolean one).
fn catalogue(checked: &Checked, offset: usize) -> Option<HoverInfo> {
    let located = locate(checked.yaml()?.root.as_ref()?, offset)?;
    let key = last_key(&located.path)?;
    match located.on {
        On::Key(node) => {
            Some(HoverInfo { span: node.span, markdown: key_page(key, &located.path[..located.path.len() - 1]) })
        }
        On::Value(node) => {
            let value = match &node.kind {
                NodeKind::Scalar(Scalar { value: Resolved::Str(value), .. }) => value.to_string(),
                NodeKind::Scalar(Scalar { value: Resolved::Bool(value), .. }) => value.to_string(),
                _ => return None,
            };
            Some(HoverInfo { span: node.span, markdown: value_page(key, &value)? })
        }
    }
}

/// A key on a line the parser could not read (it is blanked and reported as MF001): read
/// from the text as completion reads it, so hover still explains what is being typed.
fn typed_key(checked: &Checked, text: &str, offset: usize) -> Option<HoverInfo> {
    let line = checked.lines.line_of(offset);
    let rest = text.get(offset..checked.lines.line_start(line) + checked.lines.line_text(text, line).len())?;
    // Completion reads what is before the cursor: put it at the end of the word.
    let word_end = offset + rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let cursor = Cursor::at(text, &checked.lines, word_end).filter(Cursor::types_key)?;
    let Some(Slot::Keys(object)) = resolve(&cursor.path) else { return None };
    let key = keys::lookup(object, &text[cursor.partial.range()])?;
    Some(HoverInfo { span: cursor.partial, markdown: key_page(key, &cursor.path) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_yaml, Selection};
    use crate::ide::tests::cursor;

    const FILE: &str = r#"mailflow: 1
organization:
  name: Contoso Ltd
  domains: [contoso.com]
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [7f3a9c2e1b.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo}
  - name: Mimecast Outbound Connector   # mailflow: ignore[MF203]
    use: transport-rule
    recipientDomains: ["*"]
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service:
      kind: smart-host
      vendor: mimecast
      returnsToExchange: false
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions:
      headerContains: {header: X-CodeTwoProcessed, words: ["true"]}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
  - name: Route outbound mail through Mimecast
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions:
      headerContains: {header: X-AntiLoop-Smarthost, words: ["true"]}
    actions:
      setHeader: {name: X-AntiLoop-Smarthost, value: "true"}
      redirectToConnector: Mimecast Outbound Connector
    deferOnError: true
"#;

    /// The hover with the cursor placed before the first `at` in `text`, moved `into` bytes
    /// into it: the hovered text in brackets, then the Markdown.
    fn hover_in(text: &str, at: &str, into: usize) -> String {
        let offset = text.find(at).unwrap_or_else(|| panic!("`{at}` is in the text")) + into;
        let checked = check_yaml(text, &Selection::default());
        match hover(&checked, text, offset) {
            Some(info) => format!("[{}]\n{}", &text[info.span.range()], info.markdown),
            None => "nothing".to_owned(),
        }
    }

    #[test]
    fn a_key_shows_its_meaning_values_default_exchange_names_and_guide_section() {
        insta::assert_snapshot!(hover_in(FILE, "stopProcessingMoreRules", 4), @r#"
        [stopProcessingMoreRules]
        **`stopProcessingMoreRules`** in `transportRules`

        When the rule applies, no rule below it runs in this pass. The signature rule needs it so that the first pass goes straight to the signature service.

        **Values**
        - `true`: When the rule applies, no rule below it runs in this pass; all rules run again when the message comes back for a new pass.
        - `false`: The rules below it run in this pass as usual.

        **Default:** false

        **Exchange PowerShell:** `StopRuleProcessing`

        **Exchange admin center:** "Stop processing more rules"

        *CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo software", section "Modifying the CodeTwo transport rule"*
        "#);
    }

    #[test]
    fn a_condition_key_in_exceptions_takes_the_except_if_names() {
        insta::assert_snapshot!(hover_in(FILE, "headerContains: {header: X-AntiLoop", 2), @r#"
        [headerContains]
        **`headerContains`** in `transportRules › exceptions`

        A header contains one of these words.

        **Value:** a mapping of `header`, `words`

        **Exchange PowerShell:** `ExceptIfHeaderContainsMessageHeader + ExceptIfHeaderContainsWords`

        **Exchange admin center:** "Except if › The message headers include any of these words"

        *CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo software", section "Creating a transport rule to forward messages through a smart host"*
        "#);
    }

    #[test]
    fn a_value_shows_what_it_does() {
        insta::assert_snapshot!(hover_in(FILE, "on-premises", 3), @"
        [on-premises]
        **`type: on-premises`**

        Mail to your own servers or a service acting for you, as add-on services use (ConnectorType OnPremises).
        ");
        insta::assert_snapshot!(hover_in(FILE, "false\ntransportRules", 0), @"
        [false]
        **`returnsToExchange: false`**

        The service delivers mail to the recipients itself (the guide's Fig. 1a).
        ");
        insta::assert_snapshot!(hover_in(FILE, "true\n  - name: Route", 0), @"
        [true]
        **`stopProcessingMoreRules: true`**

        When the rule applies, no rule below it runs in this pass; all rules run again when the message comes back for a new pass.
        ");
        // Free text has nothing more to say than its key.
        assert_eq!(hover_in(FILE, "Contoso Ltd", 1), "nothing");
    }

    #[test]
    fn a_rule_name_shows_what_the_rule_does_and_when_it_acts() {
        insta::assert_snapshot!(hover_in(FILE, "Route outbound mail", 6), @"
        [Route outbound mail through Mimecast]
        **Transport rule** `Route outbound mail through Mimecast` · smart host rule

        - **Priority** 1 · enabled · mode `enforce`
        - **Redirects to** `Mimecast Outbound Connector` (smart host (mimecast) · transport-rule)
        - **Sets the header** `X-AntiLoop-Smarthost: true`
        - **Stop processing more rules** `false`: The rules below it run in this pass as usual.
        - **Acts on inside-to-outside mail** in pass 2 (simulated)
        ");
        insta::assert_snapshot!(hover_in(FILE, "CodeTwo Exchange transport rule", 0), @"
        [CodeTwo Exchange transport rule]
        **Transport rule** `CodeTwo Exchange transport rule` · signature rule

        - **Priority** 0 · enabled · mode `enforce`
        - **Redirects to** `CodeTwo Email Signatures 365 connector` (signature service (codetwo) · transport-rule)
        - **Stop processing more rules** `true`: When the rule applies, no rule below it runs in this pass; all rules run again when the message comes back for a new pass.
        - **Acts on inside-to-outside mail** in pass 1 (simulated)
        - **Signature scope** all mail from inside to outside
        ");
    }

    #[test]
    fn a_connector_name_or_redirect_shows_the_connector_and_where_it_is_used() {
        insta::assert_snapshot!(hover_in(FILE, "Mimecast Outbound Connector   #", 3), @"
        [Mimecast Outbound Connector]
        **Connector** `Mimecast Outbound Connector`

        - **Type** `partner`: mail to a partner organization or a service provider (ConnectorType Partner)
        - **Use** `transport-rule`: used only for mail a transport rule redirects to it (IsTransportRuleScoped $true)
        - **Smart hosts** `eu-smtp-o365-outbound-1.mimecast.com`
        - **Service** smart host (mimecast). The service delivers mail to the recipients itself (the guide's Fig. 1a).
        - **Where it is used** `Route outbound mail through Mimecast` (priority 1 · smart host rule)
        ");
        let from_redirect = hover_in(FILE, "CodeTwo Email Signatures 365 connector}", 0);
        assert_eq!(from_redirect.lines().nth(1), Some("**Connector** `CodeTwo Email Signatures 365 connector`"));
        assert!(
            from_redirect
                .contains("- **Where it is used** `CodeTwo Exchange transport rule` (priority 0 · signature rule)"),
            "{from_redirect}"
        );
    }

    #[test]
    fn a_suppressed_code_shows_its_page() {
        let page = hover_in(FILE, "MF203]", 2);
        assert!(page.starts_with("[MF203]\n# MF203 rule-scoped-connector-lists-domains\n"), "{page}");
        assert_eq!(diagnostic_page("mf203"), rules::by_code("MF203").map(|rule| rule.doc.to_owned()));
        assert_eq!(diagnostic_page("MF999"), None);
    }

    #[test]
    fn a_key_on_a_line_that_does_not_parse_is_still_explained() {
        let text = FILE.replace("    deferOnError: true\n", "    deferOnError: true: yes\n");
        assert!(check_yaml(&text, &Selection::default()).diagnostics.iter().any(|d| d.code() == "MF001"));
        let page = hover_in(&text, "deferOnError", 3);
        assert!(page.starts_with("[deferOnError]\n**`deferOnError`** in `transportRules`\n"), "{page}");
    }

    #[test]
    fn a_pattern_says_what_the_tool_makes_of_it() {
        let file = FILE.replace(
            "    conditions: {senderIs: inside, recipientIs: outside}\n",
            "    conditions: {senderIs: inside, recipientIs: outside, recipientAddressMatches: ['@fabrikam\\.com', \
             '^[a-z-[aeiou]]+@', '(?<o>x)(?<c-o>y)', '@(tailspin']}\n",
        );
        insta::assert_snapshot!(hover_in(&file, "@fabrikam", 1), @r"
        ['@fabrikam\.com']
        **Text pattern** `@fabrikam\.com` · a .NET regular expression, matched without regard to case

        mailflow evaluates it as written.
        ");
        insta::assert_snapshot!(hover_in(&file, "^[a-z", 1), @r"
        ['^[a-z-[aeiou]]+@']
        **Text pattern** `^[a-z-[aeiou]]+@` · a .NET regular expression, matched without regard to case

        mailflow evaluates it as its equivalent `^(?:(?![aeiou])[a-z])+@` (written for the engine it evaluates patterns with).
        ");
        insta::assert_snapshot!(hover_in(&file, "(?<o>", 1), @r"
        ['(?<o>x)(?<c-o>y)']
        **Text pattern** `(?<o>x)(?<c-o>y)` · a .NET regular expression, matched without regard to case

        Valid .NET, but mailflow cannot evaluate it: a balancing group (`(?<name-other>…)`), which the engine has no equivalent of. The simulation follows both outcomes: what depends on it *may* happen (`mailflow trace` lists it).
        ");
        insta::assert_snapshot!(hover_in(&file, "@(tailspin", 1), @r"
        ['@(tailspin']
        **Text pattern** `@(tailspin` · a .NET regular expression, matched without regard to case

        Not a valid .NET regular expression: unterminated group: the `(` at character 2 is never closed. Exchange rejects the rule (MF011).
        ");
    }

    #[test]
    fn the_cursor_just_after_a_word_still_hovers_it() {
        let (text, offset) = cursor(&FILE.replace("priority: 0", "priority$0: 0"));
        let checked = check_yaml(&text, &Selection::default());
        assert_eq!(hover(&checked, &text, offset).map(|info| &text[info.span.range()]), Some("priority"));
    }
}

#[cfg(test)]
mod dsl_tests {
    use super::*;
    use crate::check::{check, Selection, Syntax};

    const TEXT: &str = r#"mailflow 1
connector "Mimecast" {
  use transport-rule
  smart-hosts "eu-smtp-o365-outbound-1.mimecast.com"
  service smart-host mimecast
}
rule "Mimecast smart host" priority 0 {
  if sender is inside
  except header "X-AntiLoop" contains "true"
  set header "X-AntiLoop" to "true"
  redirect to "Mimecast"
  stop processing
}
"#;

    /// The hover with the cursor one byte into the first `needle` of the text: the hovered
    /// text and the Markdown. There must be one.
    fn hover_at(needle: &str) -> (&'static str, String) {
        let offset = TEXT.find(needle).unwrap() + 1;
        let checked = check(TEXT, Syntax::Dsl, &Selection::default());
        let info = hover(&checked, TEXT, offset).unwrap_or_else(|| panic!("a hover on `{needle}`"));
        (&TEXT[info.span.range()], info.markdown)
    }

    fn heading(markdown: &str) -> &str {
        markdown.lines().next().unwrap_or_default()
    }

    #[test]
    fn dsl_statements_show_the_page_of_their_key() {
        let (hovered, stop) = hover_at("stop processing");
        assert_eq!(hovered, "stop processing");
        assert_eq!(heading(&stop), "**`stopProcessingMoreRules`** in `transportRules`");
        assert!(stop.contains("**Exchange PowerShell:** `StopRuleProcessing`"), "{stop}");
        assert!(stop.contains(r#"section "Modifying the CodeTwo transport rule""#), "{stop}");
        let (hovered, hosts) = hover_at("smart-hosts");
        assert_eq!(hovered, r#"smart-hosts "eu-smtp-o365-outbound-1.mimecast.com""#);
        assert_eq!(heading(&hosts), "**`smartHosts`** in `connectors`");
        assert!(hosts.contains("**Exchange PowerShell:** `SmartHosts (UseMXRecord $false)`"), "{hosts}");
        let (_, priority) = hover_at("priority");
        assert_eq!(heading(&priority), "**`priority`** in `transportRules`");
        assert!(priority.contains("**Exchange PowerShell:** `Priority`"), "{priority}");
        // An exception takes the condition's name with Exchange's ExceptIf prefix.
        let (hovered, except) = hover_at("except header");
        assert_eq!(hovered, r#"header "X-AntiLoop" contains "true""#);
        assert_eq!(heading(&except), "**`headerContains`** in `transportRules › exceptions`");
        let powershell = "**Exchange PowerShell:** `ExceptIfHeaderContainsMessageHeader + ExceptIfHeaderContainsWords`";
        assert!(except.contains(powershell), "{except}");
    }

    #[test]
    fn the_word_opening_a_connector_or_rule_shows_the_page_of_its_list() {
        let (hovered, connectors) = hover_at("connector \"Mimecast\"");
        assert_eq!(hovered, "connector");
        assert_eq!(heading(&connectors), "**`connectors`** at the top level");
        let (hovered, rules) = hover_at("rule \"Mimecast");
        assert_eq!(hovered, "rule");
        assert_eq!(heading(&rules), "**`transportRules`** at the top level");
        // Its block is no key: between its statements, nothing is shown.
        let offset = TEXT.find("  redirect to").unwrap();
        let checked = check(TEXT, Syntax::Dsl, &Selection::default());
        assert_eq!(hover(&checked, TEXT, offset), None);
    }

    #[test]
    fn dsl_words_show_what_the_value_does() {
        assert_eq!(
            hover_at("inside"),
            (
                "inside",
                "**`senderIs: inside`**\n\nThe sender is inside the organization (FromScope InOrganization).".into()
            )
        );
        assert_eq!(hover_at("mimecast\n"), ("mimecast", "**`vendor: mimecast`**\n\nMimecast (smart host).".into()));
    }

    #[test]
    fn a_dsl_pattern_says_what_the_tool_makes_of_it() {
        let text = TEXT
            .replace("  if sender is inside\n", "  if sender is inside\n  if recipient address matches \"\\\\cA\"\n");
        let offset = text.find("\"\\\\cA").unwrap() + 1;
        let checked = check(&text, Syntax::Dsl, &Selection::default());
        let info = hover(&checked, &text, offset).expect("a hover on the pattern");
        assert_eq!(&text[info.span.range()], "\"\\\\cA\"");
        assert_eq!(
            info.markdown,
            "**Text pattern** `\\cA` · a .NET regular expression, matched without regard to case\n\n\
             mailflow evaluates it as its equivalent `\\x{1}` (written for the engine it evaluates patterns with)."
        );
    }

    #[test]
    fn dsl_names_show_their_object() {
        let (hovered, rule) = hover_at("Mimecast smart host");
        assert_eq!(hovered, r#""Mimecast smart host""#);
        assert_eq!(heading(&rule), "**Transport rule** `Mimecast smart host` · smart host rule");
        assert!(rule.contains("- **Priority** 0 · enabled · mode `enforce`"), "{rule}");
        assert!(rule.contains("- **Redirects to** `Mimecast` (smart host (mimecast) · transport-rule)"), "{rule}");
        let (hovered, connector) = hover_at(r#""Mimecast""#);
        assert_eq!(hovered, r#""Mimecast""#);
        assert_eq!(heading(&connector), "**Connector** `Mimecast`");
        let used = "- **Where it is used** `Mimecast smart host` (priority 0 · smart host rule)";
        assert!(connector.contains(used), "{connector}");
    }
}
