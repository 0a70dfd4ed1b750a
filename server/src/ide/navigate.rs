//! Connectors as symbols: go to the connector a rule redirects to, find every place that
//! names a connector, rename one everywhere.

use super::locate::touches;
use crate::check::Checked;
use crate::diagnostic::Edit;
use crate::fixes::{Value, YamlEditor};
use crate::model::{Connector, MailFlow};
use crate::syntax::yaml::AliasUse;
use crate::text::{Span, Spanned};

/// Every value that names a connector: each rule's `redirectToConnector`, and the
/// on-premises `relaysThrough`, which names a connector or a host.
pub fn references_in(flow: &MailFlow) -> impl Iterator<Item = &Spanned<String>> {
    let redirects = flow.rules.iter().filter_map(|rule| rule.actions.redirect_to_connector.as_ref());
    let relay = flow.organization.iter().filter_map(|o| o.on_premises.as_ref()?.relays_through.as_ref());
    redirects.chain(relay)
}

/// In a YAML text, each alias read (`*name`) with the span of the node its anchor marks,
/// which every value read through the alias carries. None in the DSL.
fn aliases(checked: &Checked) -> &[AliasUse] {
    checked.yaml().map_or(&[], |yaml| &yaml.aliases)
}

/// The connector whose name is at `offset`, or which the value at `offset` names, or an
/// alias there reads.
fn connector_at<'f>(flow: &'f MailFlow, aliases: &[AliasUse], offset: usize) -> Option<&'f Connector> {
    let offset = aliases.iter().find(|a| touches(a.alias, offset)).map_or(offset, |a| a.anchored.start);
    flow.connectors.iter().find(|c| c.name.as_ref().is_some_and(|name| touches(name.span, offset))).or_else(|| {
        let reference = references_in(flow).find(|reference| touches(reference.span, offset))?;
        flow.connector(&reference.value)
    })
}

/// From a value naming a connector (or the connector's own name, or an alias of either) to
/// the connector's name.
pub fn definition(checked: &Checked, offset: usize) -> Option<Span> {
    connector_at(&checked.flow, aliases(checked), offset)?.name.as_ref().map(|name| name.span)
}

/// On a connector's name or a value naming it (or an alias of either): every value naming
/// it (names compare without regard to case, as Exchange compares them) and every alias
/// reading such a value or its name, and with `include_declaration` its name; in the order
/// of the text, each place once (a value read through an alias is its anchor, and the alias
/// is a place of its own).
pub fn references(checked: &Checked, offset: usize, include_declaration: bool) -> Vec<Span> {
    let aliases = aliases(checked);
    let Some((mut spans, name)) = named(checked, aliases, offset) else { return Vec::new() };
    let read: Vec<Span> =
        aliases.iter().filter(|a| a.anchored == name || spans.contains(&a.anchored)).map(|a| a.alias).collect();
    // A value read through an alias of the name carries the name's span: the alias stands
    // for it.
    spans.retain(|span| *span != name);
    if include_declaration {
        spans.push(name);
    }
    spans.extend(read);
    spans.sort();
    spans.dedup();
    spans
}

/// The values naming the connector at `offset`, and its name: the places a rename writes
/// (an alias reads the new name from its anchor).
fn named(checked: &Checked, aliases: &[AliasUse], offset: usize) -> Option<(Vec<Span>, Span)> {
    let flow = &checked.flow;
    let name = connector_at(flow, aliases, offset)?.name.as_ref()?;
    let mut spans: Vec<Span> = references_in(flow)
        .filter(|reference| reference.value.eq_ignore_ascii_case(&name.value))
        .map(|reference| reference.span)
        .collect();
    spans.push(name.span);
    spans.sort();
    spans.dedup();
    Some((spans, name.span))
}

/// The name, reference or alias at `offset` that [`rename`] can rename: the whole scalar,
/// quotes included, or the alias.
pub fn prepare_rename(checked: &Checked, offset: usize) -> Option<Span> {
    let flow = &checked.flow;
    let aliases = aliases(checked);
    connector_at(flow, aliases, offset)?;
    let at = |span: Span| touches(span, offset).then_some(span);
    flow.connectors
        .iter()
        .find_map(|c| at(c.name.as_ref()?.span))
        .or_else(|| references_in(flow).find_map(|reference| at(reference.span)))
        .or_else(|| aliases.iter().find_map(|a| at(a.alias)))
}

/// Renames the connector at `offset` (on its name or a value naming it): its name and every
/// value naming it, each keeping its quoting style where the new name allows it. Refuses an
/// empty name and a name another connector has (Exchange connector names are unique,
/// without regard to case).
pub fn rename(checked: &Checked, text: &str, offset: usize, new_name: &str) -> Result<Vec<Edit>, String> {
    let flow = &checked.flow;
    let aliases = aliases(checked);
    let connector = connector_at(flow, aliases, offset)
        .ok_or("rename works on a connector: put the cursor on its `name` or on a `redirectToConnector` naming it")?;
    if new_name.trim().is_empty() {
        return Err("a connector needs a name: the new name is empty".to_owned());
    }
    if let Some(other) =
        flow.connectors.iter().find(|c| !std::ptr::eq(*c, connector) && c.name().eq_ignore_ascii_case(new_name))
    {
        return Err(format!(
            "another connector is already named `{}`: connector names are unique in Exchange, without regard to case",
            other.name()
        ));
    }
    let Some(yaml) = checked.yaml() else {
        // In the DSL every name is a string literal: each is spelled anew.
        let quoted = crate::syntax::dsl::quote(new_name);
        let places = named(checked, aliases, offset).map_or_else(Vec::new, |(spans, _)| spans);
        return Ok(places.into_iter().map(|span| Edit { span, replacement: quoted.clone() }).collect());
    };
    let editor = YamlEditor::new(text, yaml);
    let new = Value::str(new_name);
    // The anchored values are renamed; the aliases read the new name from them.
    named(checked, aliases, offset)
        .map_or_else(Vec::new, |(spans, _)| spans)
        .into_iter()
        .map(|span| {
            editor.replace_value(span, &new).ok_or_else(|| {
                format!("cannot rename `{}`: one of the places naming it is not a plain value", connector.name())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_yaml, Selection};
    use crate::fixes::apply_fixes;
    use crate::ide::tests::cursor;

    #[test]
    fn rename_in_the_dsl_respells_every_string() {
        let text = "mailflow 1\nconnector \"Mimecast\" {\n  use transport-rule\n}\nrule \"R\" priority 0 {\n  redirect to \"mimecast\"\n}\n";
        let checked = crate::check::check(text, crate::check::Syntax::Dsl, &Selection::default());
        let offset = text.find("mimecast").unwrap();
        let edits = rename(&checked, text, offset, "Mimecast \"EU\"").unwrap();
        let fix = crate::diagnostic::Fix { title: String::new(), safe: true, edits };
        let renamed = apply_fixes(text, [&fix]).text;
        assert_eq!(
            renamed,
            text.replace("\"Mimecast\"", "\"Mimecast \\\"EU\\\"\"").replace("\"mimecast\"", "\"Mimecast \\\"EU\\\"\"")
        );
    }

    const FILE: &str = "mailflow: 1
organization:
  domains: [contoso.com]
  onPremises: {relaysThrough: mimecast outbound}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    service: {kind: smart-host, vendor: mimecast}
  - name: 'CodeTwo connector'
    use: transport-rule
    service: {kind: signature, vendor: codetwo}
transportRules:
  - name: CodeTwo rule
    priority: 0
    actions: {redirectToConnector: \"CodeTwo connector\"}
  - name: Mimecast rule
    priority: 1
    actions:
      redirectToConnector: Mimecast outbound
";

    /// The text with every span marked `[...]`.
    fn marked(text: &str, spans: &[Span]) -> String {
        let mut out = text.to_owned();
        for span in spans.iter().rev() {
            out.insert(span.end, ']');
            out.insert(span.start, '[');
        }
        out
    }

    fn with_cursor(before: &str) -> (Checked, String, usize) {
        let (text, offset) = cursor(&FILE.replacen(before, &format!("$0{before}"), 1));
        (check_yaml(&text, &Selection::default()), text, offset)
    }

    #[test]
    fn definition_goes_from_a_redirect_to_the_connector_name() {
        let (checked, text, offset) = with_cursor("\"CodeTwo connector\"}");
        let span = definition(&checked, offset + 3).unwrap();
        assert_eq!(&text[span.range()], "'CodeTwo connector'");
        // Not on a connector at all.
        assert_eq!(definition(&checked, text.find("priority: 0").unwrap()), None);
    }

    #[test]
    fn references_include_redirects_and_the_relay_in_any_case() {
        let (checked, text, offset) = with_cursor("Mimecast outbound\n    use");
        insta::assert_snapshot!(marked(&text, &references(&checked, offset, true)), @r#"
        mailflow: 1
        organization:
          domains: [contoso.com]
          onPremises: {relaysThrough: [mimecast outbound]}
        connectors:
          - name: [Mimecast outbound]
            use: transport-rule
            service: {kind: smart-host, vendor: mimecast}
          - name: 'CodeTwo connector'
            use: transport-rule
            service: {kind: signature, vendor: codetwo}
        transportRules:
          - name: CodeTwo rule
            priority: 0
            actions: {redirectToConnector: "CodeTwo connector"}
          - name: Mimecast rule
            priority: 1
            actions:
              redirectToConnector: [Mimecast outbound]
        "#);
        let from_redirect = text.rfind("Mimecast outbound").unwrap();
        assert_eq!(references(&checked, from_redirect, false).len(), 2);
    }

    #[test]
    fn rename_follows_every_reference_in_its_quoting() {
        let (checked, text, offset) = with_cursor("CodeTwo connector'");
        let span = prepare_rename(&checked, offset).unwrap();
        assert_eq!(&text[span.range()], "'CodeTwo connector'");
        let edits = rename(&checked, &text, offset, "CodeTwo: signatures").unwrap();
        let fix = crate::diagnostic::Fix { title: "rename".into(), safe: true, edits };
        let renamed = apply_fixes(&text, [&fix]).text;
        assert!(renamed.contains("  - name: 'CodeTwo: signatures'\n"), "{renamed}");
        assert!(renamed.contains("{redirectToConnector: \"CodeTwo: signatures\"}"), "{renamed}");
        // The renamed file names one connector less than before: none is unknown.
        let again = check_yaml(&renamed, &Selection::default());
        assert!(again.diagnostics.iter().all(|d| d.code() != "MF006"), "{:?}", again.diagnostics);
    }

    /// A connector's name anchored and read by an alias in a redirect, and a redirect
    /// anchored and read by an alias in another rule.
    const ALIASED: &str = "mailflow: 1
connectors:
  - name: &mc Mimecast outbound
    use: transport-rule
transportRules:
  - name: R
    priority: 0
    actions: {redirectToConnector: *mc}
  - name: S
    priority: 1
    conditions: {senderIs: inside}
    actions: {redirectToConnector: &again mimecast OUTBOUND}
  - name: T
    priority: 2
    conditions: {senderIs: outside}
    actions: {redirectToConnector: *again}
";

    #[test]
    fn references_and_rename_reach_a_connector_through_an_alias() {
        let checked = check_yaml(ALIASED, &Selection::default());
        let everywhere = "mailflow: 1
connectors:
  - name: &mc [Mimecast outbound]
    use: transport-rule
transportRules:
  - name: R
    priority: 0
    actions: {redirectToConnector: [*mc]}
  - name: S
    priority: 1
    conditions: {senderIs: inside}
    actions: {redirectToConnector: &again [mimecast OUTBOUND]}
  - name: T
    priority: 2
    conditions: {senderIs: outside}
    actions: {redirectToConnector: [*again]}
";
        // From the name, from each alias and from the anchored redirect: every place.
        for at in ["Mimecast outbound", "*mc", "mimecast OUTBOUND", "*again"] {
            let offset = ALIASED.find(at).unwrap() + 1;
            assert_eq!(marked(ALIASED, &references(&checked, offset, true)), everywhere, "from {at}");
            let name = definition(&checked, offset).map(|span| &ALIASED[span.range()]);
            assert_eq!(name, Some("Mimecast outbound"), "from {at}");
        }
        // Without the declaration, the alias of the name still reads the connector.
        let from_alias = ALIASED.find("*mc").unwrap() + 1;
        let places: Vec<&str> =
            references(&checked, from_alias, false).iter().map(|span| &ALIASED[span.range()]).collect();
        assert_eq!(places, ["*mc", "mimecast OUTBOUND", "*again"]);

        // Renamed from an alias: the anchored values change, and the aliases read them.
        let span = prepare_rename(&checked, from_alias).unwrap();
        assert_eq!(&ALIASED[span.range()], "*mc");
        let edits = rename(&checked, ALIASED, from_alias, "Mimecast EU").unwrap();
        let fix = crate::diagnostic::Fix { title: "rename".into(), safe: true, edits };
        let renamed = apply_fixes(ALIASED, [&fix]).text;
        assert_eq!(
            renamed,
            ALIASED
                .replace("&mc Mimecast outbound", "&mc Mimecast EU")
                .replace("&again mimecast OUTBOUND", "&again Mimecast EU")
        );
        let again = check_yaml(&renamed, &Selection::default());
        assert!(again.diagnostics.iter().all(|d| d.code() != "MF006"), "{:?}", again.diagnostics);
        assert!(again
            .flow
            .rules
            .iter()
            .all(|rule| { rule.actions.redirect_to_connector.as_ref().is_some_and(|to| to.value == "Mimecast EU") }));
    }

    #[test]
    fn rename_refuses_a_taken_or_empty_name() {
        let (checked, text, offset) = with_cursor("Mimecast outbound\n    use");
        assert_eq!(
            rename(&checked, &text, offset, "codetwo CONNECTOR"),
            Err("another connector is already named `CodeTwo connector`: connector names are unique in Exchange, \
                 without regard to case"
                .to_owned())
        );
        assert_eq!(rename(&checked, &text, offset, " "), Err("a connector needs a name: the new name is empty".into()));
        assert!(rename(&checked, &text, text.find("priority").unwrap(), "X").is_err());
        assert_eq!(prepare_rename(&checked, text.find("priority").unwrap()), None);
    }
}
