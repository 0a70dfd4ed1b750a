//! The shape of a file: its symbols (the tenant, its connectors and its rules) and the
//! ranges an editor can fold.

use super::describe::{connector_detail, rule_detail};
use crate::analysis::roles::Roles;
use crate::check::Checked;
use crate::syntax::yaml::{Node, NodeKind};
use crate::text::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Organization,
    Connector,
    Rule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// One line: a rule's priority and role, a connector's service, the tenant's domains.
    pub detail: String,
    pub kind: SymbolKind,
    /// The whole object.
    pub span: Span,
    /// What names it, inside `span`.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

/// The organization (when the file has one), then the connectors, then the rules in the
/// order Exchange evaluates them. The outline is flat: `children` is always empty.
pub fn document_symbols(checked: &Checked) -> Vec<Symbol> {
    let flow = &checked.flow;
    let roles = Roles::of(flow);
    // A name read through an alias has its anchor's span, which may lie outside the object.
    let symbol = |name: &str, detail: String, kind, span: Span, selection: Span| Symbol {
        name: name.to_owned(),
        detail,
        kind,
        span,
        selection: if span.contains(selection) { selection } else { Span::new(span.start, span.start) },
        children: Vec::new(),
    };
    let organization = flow.organization.iter().map(|organization| {
        let name = organization.name.as_ref().map_or("organization", |name| name.value.as_str());
        let domains: Vec<&str> = organization.domains.iter().map(|domain| domain.value.as_str()).collect();
        let selection = organization.name.as_ref().map_or(organization.span, |name| name.span);
        symbol(name, domains.join(", "), SymbolKind::Organization, organization.span, selection)
    });
    let connectors = flow.connectors.iter().map(|connector| {
        let detail = connector_detail(connector);
        symbol(connector.name(), detail, SymbolKind::Connector, connector.span, connector.name_span())
    });
    let rules = roles
        .ordered
        .iter()
        .map(|rule| symbol(rule.name(), rule_detail(&roles, rule), SymbolKind::Rule, rule.span, rule.name_span()));
    organization.chain(connectors).chain(rules).collect()
}

/// The symbols whose name contains `query` (without regard to case), each with the index of
/// its file in `files`; the uri or path beside each file is the caller's, to turn the index
/// back into a location.
pub fn workspace_symbols(files: &[(&str, &Checked)], query: &str) -> Vec<(usize, Symbol)> {
    let query = query.to_lowercase();
    files
        .iter()
        .enumerate()
        .flat_map(|(index, (_, checked))| document_symbols(checked).into_iter().map(move |symbol| (index, symbol)))
        .filter(|(_, symbol)| symbol.name.to_lowercase().contains(&query))
        .collect()
}

/// 0-based `(first line, last line)` of every mapping entry and list item that spans lines,
/// and of every run of two or more comment lines; sorted, each once. At most `limit` of them
/// (an editor's `rangeLimit`): over it, the outermost are kept (see [`keep_outermost`]).
pub fn folding_ranges(checked: &Checked, text: &str, limit: Option<usize>) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    if let Some(root) = checked.yaml().and_then(|yaml| yaml.root.as_ref()) {
        fold(checked, text, root, 0, &mut ranges);
    }
    let comment_lines = checked.source.comments().iter().map(|c| c.span.start).filter(|&start| {
        let line_start = checked.lines.line_start(checked.lines.line_of(start));
        text[line_start..start].trim().is_empty()
    });
    let mut run: Option<(usize, usize)> = None;
    for line in comment_lines.map(|start| checked.lines.line_of(start)) {
        run = match run {
            Some((first, last)) if line == last + 1 => Some((first, line)),
            finished => {
                ranges.extend(finished.filter(|(first, last)| last > first));
                Some((line, line))
            }
        };
    }
    ranges.extend(run.filter(|(first, last)| last > first));
    ranges.sort_unstable();
    ranges.dedup();
    if let Some(limit) = limit.filter(|&limit| ranges.len() > limit) {
        keep_outermost(&mut ranges, limit);
    }
    ranges
}

/// Leaves `limit` of the sorted `ranges`: every range that fewer others hold than the cut,
/// then, of those held by exactly that many, the first in the text. An editor told of more
/// ranges than it shows drops some itself; what it keeps of a file of rules should be each
/// rule and its keys, not the first few thousand lines' every nested list.
fn keep_outermost(ranges: &mut Vec<(usize, usize)>, limit: usize) {
    // How many ranges hold each one: visited by first line, the longer first, with the last
    // lines of those still open above it.
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_unstable_by_key(|&index| (ranges[index].0, std::cmp::Reverse(ranges[index].1)));
    let mut depth = vec![0; ranges.len()];
    let mut open: Vec<usize> = Vec::new();
    for index in order {
        let (first, last) = ranges[index];
        while open.last().is_some_and(|&end| end < first) {
            open.pop();
        }
        depth[index] = open.len();
        open.push(last);
    }
    let mut at_depth = vec![0; depth.iter().max().map_or(0, |&max| max + 1)];
    for &d in &depth {
        at_depth[d] += 1;
    }
    let (mut cut, mut kept) = (0, 0);
    while cut < at_depth.len() && kept + at_depth[cut] <= limit {
        kept += at_depth[cut];
        cut += 1;
    }
    let mut room = limit - kept;
    let mut depths = depth.into_iter();
    ranges.retain(|_| match depths.next() {
        Some(d) if d < cut => true,
        Some(d) if d == cut && room > 0 => {
            room -= 1;
            true
        }
        _ => false,
    });
}

/// The ranges of `node`'s entries and items, and of theirs. What an alias or a merge brought
/// in from elsewhere lies outside `node` and is left to where it is written. `node` starts
/// on line `line` or after it: the text is walked in order, each line found from the last.
fn fold(checked: &Checked, text: &str, node: &Node, mut line: usize, out: &mut Vec<(usize, usize)>) {
    let mut fold_child = |span: Span, child: &Node| {
        if !node.span.contains(span) {
            return;
        }
        line = checked.lines.line_of_from(line, span.start);
        let last = last_content_line(checked, text, line, span);
        if last > line {
            out.push((line, last));
        }
        if span.contains(child.span) {
            fold(checked, text, child, line, out);
        }
    };
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().for_each(|entry| fold_child(entry.span, &entry.value)),
        NodeKind::Seq(items) => items.iter().for_each(|item| fold_child(item.span, item)),
        _ => {}
    }
}

/// The last line of `span`, which starts on line `first`, that holds more than blanks and
/// comments: tree-sitter's block nodes also take the comment lines after them, which belong
/// to what follows.
fn last_content_line(checked: &Checked, text: &str, first: usize, span: Span) -> usize {
    let mut last = checked.lines.line_of_from(first, span.end.saturating_sub(1).max(span.start));
    while last > first {
        // YAML's blanks are spaces and tabs.
        match checked.lines.line_text(text, last).bytes().find(|&byte| byte != b' ' && byte != b'\t') {
            None | Some(b'#') => last -= 1,
            Some(_) => break,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_yaml, Selection};

    const FILE: &str = "mailflow: 1
organization:
  name: Contoso
  domains: [contoso.com, contoso.onmicrosoft.com]
connectors:
  # Created by CodeTwo when the tenant was provisioned:
  # do not rename.
  - name: CodeTwo Email Signatures 365 connector
    use: transport-rule
    service: {kind: signature, vendor: codetwo}
  - name: Mimecast outbound
    enabled: false
    service:
      kind: smart-host
      vendor: mimecast
transportRules:
  - name: Mimecast rule
    priority: 1
    mode: audit
    actions: {redirectToConnector: Mimecast outbound}
  - name: CodeTwo Exchange transport rule
    priority: 0
    actions:
      redirectToConnector: CodeTwo Email Signatures 365 connector
    stopProcessingMoreRules: true
";

    #[test]
    fn the_organization_then_connectors_then_rules_in_priority_order() {
        let checked = check_yaml(FILE, &Selection::default());
        let lines = crate::text::LineIndex::new(FILE);
        let outline: Vec<String> = document_symbols(&checked)
            .into_iter()
            .map(|symbol| {
                assert!(symbol.span.contains(symbol.selection) && symbol.children.is_empty());
                let (first, last) = (lines.line_of(symbol.span.start), lines.line_of(symbol.span.end));
                format!("{:?} {} ({}) lines {first}-{last}", symbol.kind, symbol.name, symbol.detail)
            })
            .collect();
        insta::assert_snapshot!(outline.join("\n"), @"
        Organization Contoso (contoso.com, contoso.onmicrosoft.com) lines 2-3
        Connector CodeTwo Email Signatures 365 connector (signature service (codetwo) · transport-rule) lines 7-9
        Connector Mimecast outbound (smart host (mimecast) · recipient-domains · disabled) lines 10-14
        Rule CodeTwo Exchange transport rule (priority 0 · signature rule) lines 20-25
        Rule Mimecast rule (priority 1 · smart host rule · audit) lines 16-19
        ");
    }

    #[test]
    fn workspace_symbols_match_names_in_any_case() {
        let first = check_yaml(FILE, &Selection::default());
        let second = check_yaml("mailflow: 1\nconnectors:\n  - name: Mimecast EU\n", &Selection::default());
        let found = workspace_symbols(&[("a.mailflow.yaml", &first), ("b.mailflow.yaml", &second)], "MIMECAST");
        let names: Vec<(usize, &str)> = found.iter().map(|(file, symbol)| (*file, symbol.name.as_str())).collect();
        assert_eq!(names, [(0, "Mimecast outbound"), (0, "Mimecast rule"), (1, "Mimecast EU")]);
        assert_eq!(workspace_symbols(&[("a", &first)], "").len(), 5);
    }

    #[test]
    fn folds_multi_line_entries_items_and_comment_runs() {
        // The comment lines above the second rule are not folded into the first.
        let text = FILE.replace(
            "  - name: CodeTwo Exchange transport rule",
            "  # The signature rule goes first:\n  # see the guide.\n  - name: CodeTwo Exchange transport rule",
        );
        let checked = check_yaml(&text, &Selection::default());
        let lines: Vec<&str> = text.lines().collect();
        let folds: Vec<String> = folding_ranges(&checked, &text, None)
            .into_iter()
            .map(|(first, last)| format!("{first}-{last}: {} … {}", lines[first].trim(), lines[last].trim()))
            .collect();
        insta::assert_snapshot!(folds.join("\n"), @"
        1-3: organization: … domains: [contoso.com, contoso.onmicrosoft.com]
        4-14: connectors: … vendor: mimecast
        5-6: # Created by CodeTwo when the tenant was provisioned: … # do not rename.
        7-9: - name: CodeTwo Email Signatures 365 connector … service: {kind: signature, vendor: codetwo}
        10-14: - name: Mimecast outbound … vendor: mimecast
        12-14: service: … vendor: mimecast
        15-26: transportRules: … stopProcessingMoreRules: true
        16-19: - name: Mimecast rule … actions: {redirectToConnector: Mimecast outbound}
        20-21: # The signature rule goes first: … # see the guide.
        22-26: - name: CodeTwo Exchange transport rule … stopProcessingMoreRules: true
        24-25: actions: … redirectToConnector: CodeTwo Email Signatures 365 connector
        ");
    }

    #[test]
    fn over_the_limit_the_outermost_ranges_are_kept() {
        let checked = check_yaml(FILE, &Selection::default());
        let all = folding_ranges(&checked, FILE, None);
        let kept = |limit| folding_ranges(&checked, FILE, Some(limit));
        // Three top-level keys, then what they hold (a comment run, connectors, rules) in the
        // order of the text, then what those hold.
        assert_eq!(kept(3), [(1, 3), (4, 14), (15, 24)]);
        assert_eq!(kept(5), [(1, 3), (4, 14), (5, 6), (7, 9), (15, 24)]);
        assert_eq!(kept(7), [(1, 3), (4, 14), (5, 6), (7, 9), (10, 14), (15, 24), (16, 19)]);
        assert_eq!(kept(2), [(1, 3), (4, 14)]);
        assert_eq!(kept(0), []);
        assert_eq!(kept(all.len()), all);
        // Whatever the limit, a kept range's holders are kept.
        for limit in 0..all.len() {
            let kept = kept(limit);
            assert_eq!(kept.len(), limit);
            for &(first, last) in &kept {
                for holder in all.iter().filter(|&&(f, l)| f <= first && last <= l) {
                    assert!(kept.contains(holder), "{holder:?} holds {:?} and is dropped at {limit}", (first, last));
                }
            }
        }
    }
}
