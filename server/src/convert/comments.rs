//! Which object each comment of a source belongs to, and where in the printed object it
//! goes, so that a conversion keeps every comment beside what it was written beside.

use std::collections::{HashMap, HashSet};

use crate::check::Checked;
use crate::text::{LineIndex, Span};

/// Every comment of a checked source, by the object it goes with.
#[derive(Clone, Debug)]
pub struct Attached {
    /// The comments before the first object that are not directly above it (a header block,
    /// an `# expect:` line), printed first. Lines are comment texts from the `#` on; an empty
    /// one stands for a blank line the source had between two comments.
    pub(super) top: Vec<String>,
    /// The comments after the last object, printed last.
    pub(super) bottom: Vec<String>,
    /// The comment at the end of the version's line, which stays there.
    pub(super) version: Option<String>,
    /// By the model span of the object.
    objects: HashMap<Span, ObjectComments>,
    /// The source's lines, to tell which line a model value was read from.
    lines: LineIndex,
    /// In YAML, where the key of each list or mapping that is a key's value starts, by the
    /// value's span (the model's, for `onPremises`): the value starts at its first key or
    /// item, and a comment between its key and that is inside it.
    value_keys: HashMap<Span, usize>,
    /// In the DSL, the spans of the rules' conditions, exceptions and actions, which start at
    /// their first statement: no comment goes above them ([`Attached::place`]).
    groups: HashSet<Span>,
}

/// The comments of one organization, connector or rule.
#[derive(Clone, Debug, Default)]
pub(super) struct ObjectComments {
    /// Printed above the object: the comment lines directly above it, and any other comment
    /// between the previous object and it.
    pub(super) above: Vec<String>,
    /// Printed at the end of the object's first line: the comment at the end of the line
    /// that names a connector or rule (where a `# mailflow: ignore[…]` must stay), or of the
    /// organization's first line.
    pub(super) trailing: Option<String>,
    /// Every other comment inside the object, placed among its printed lines by [`Attached::place`].
    inside: Vec<Inside>,
}

#[derive(Clone, Debug)]
struct Inside {
    start: usize,
    line: usize,
    /// Whether code comes before it on its line: it is about that line.
    ends_line: bool,
    /// Whether it ends a YAML line of a key whose value is the block below (`actions:  # …`):
    /// it is about that value, which starts on the next line.
    opens_block: bool,
    text: String,
}

const NO_COMMENTS: &ObjectComments = &ObjectComments { above: Vec::new(), trailing: None, inside: Vec::new() };

/// Where the comments inside an object go among the lines printed for its body: above a
/// line, at the end of a line, or after the last line.
#[derive(Debug)]
pub(super) struct Placement {
    pub(super) above: Vec<Vec<String>>,
    pub(super) trailing: Vec<Option<String>>,
    pub(super) end: Vec<String>,
}

/// An object of the model, by the lines it covers in the source.
struct Place {
    /// The span the model gives the object: the key of its comments.
    key: Span,
    /// Where it starts in the text. YAML's organization starts at its `organization:` key,
    /// before the mapping the model's span covers.
    start: usize,
    first_line: usize,
    last_line: usize,
    /// The line whose end-of-line comment stays at the end of the printed first line.
    trailing_line: usize,
}

impl Default for Attached {
    /// No comments: for a model that was not read from a text.
    fn default() -> Attached {
        Attached {
            top: Vec::new(),
            bottom: Vec::new(),
            version: None,
            objects: HashMap::new(),
            lines: LineIndex::new(""),
            value_keys: HashMap::new(),
            groups: HashSet::new(),
        }
    }
}

impl Attached {
    /// No comments but `top`, the comment lines (each from its `#`) that open a file written
    /// from a model read elsewhere (an import).
    pub fn header(top: Vec<String>) -> Attached {
        Attached {
            top,
            bottom: Vec::new(),
            version: None,
            objects: HashMap::new(),
            lines: LineIndex::new(""),
            value_keys: HashMap::new(),
            groups: HashSet::new(),
        }
    }

    /// Attaches each comment of `checked` (the check of `text`) to an object of its model.
    pub fn from(checked: &Checked, text: &str) -> Attached {
        let lines = &checked.lines;
        let comments = checked.source.comments();
        let ends_line = |start: usize| !text[lines.line_start(lines.line_of(start))..start].trim().is_empty();
        let opens_block = |start: usize| {
            checked.yaml().is_some() && text[lines.line_start(lines.line_of(start))..start].trim_end().ends_with(':')
        };
        let comment_lines: HashSet<usize> =
            comments.iter().filter(|c| !ends_line(c.span.start)).map(|c| lines.line_of(c.span.start)).collect();
        let places = places(checked, text, &comment_lines);
        let version_line = checked.flow.version.as_ref().map(|v| lines.line_of(v.span.start));
        let mut version = None;
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        let mut above: HashMap<usize, Vec<(usize, &str)>> = HashMap::new();
        let mut objects: HashMap<Span, ObjectComments> = HashMap::new();
        for comment in comments {
            let (start, line, written) =
                (comment.span.start, lines.line_of(comment.span.start), comment.text.trim_end());
            if Some(line) == version_line && ends_line(start) {
                version = Some(written.to_owned());
                continue;
            }
            let directly_above = |place: &Place| (line + 1..place.first_line).all(|l| comment_lines.contains(&l));
            match places.iter().rev().find(|p| p.start <= start && line <= p.last_line) {
                Some(place) if line == place.trailing_line => {
                    objects.entry(place.key).or_default().trailing = Some(written.to_owned())
                }
                Some(place) => objects.entry(place.key).or_default().inside.push(Inside {
                    start,
                    line,
                    ends_line: ends_line(start),
                    opens_block: opens_block(start),
                    text: written.to_owned(),
                }),
                None => match places.iter().position(|p| p.start > start) {
                    // A header block: before the first object, not directly above it, and not
                    // after the version's line (printed first, it would move above that line).
                    Some(0) if !directly_above(&places[0]) && version_line.is_none_or(|v| line < v) => {
                        top.push((line, written))
                    }
                    Some(next) => above.entry(next).or_default().push((line, written)),
                    None if places.is_empty() => top.push((line, written)),
                    None => bottom.push((line, written)),
                },
            }
        }
        for (index, found) in above {
            let place = &places[index];
            objects.entry(place.key).or_default().above = with_blank_lines(&found, Some(place.first_line), text, lines);
        }
        Attached {
            top: with_blank_lines(&top, None, text, lines),
            bottom: with_blank_lines(&bottom, None, text, lines),
            version,
            objects,
            lines: lines.clone(),
            value_keys: value_keys(checked),
            groups: dsl_groups(checked),
        }
    }

    /// The comments of the object the model gives this span.
    pub(super) fn of(&self, object: Span) -> &ObjectComments {
        self.objects.get(&object).unwrap_or(NO_COMMENTS)
    }

    /// Places an object's inside comments among the lines printed for its body, given the
    /// spans of the model values each line prints (none for a line that prints none, or that
    /// nothing may go above). A comment that ends a source line goes to the end of the printed
    /// line of the value that starts first on that line, of those that end there too if any
    /// do (`{name: X}  # …` is about the mapping, `name: X  # …` in a block mapping about the
    /// name, though both start there);
    /// one that ends the line of a YAML key whose block value follows (`actions:  # …`) to
    /// the end of the printed line of that value, the outermost value starting first after
    /// it (so that a comment a conversion wrote at the end of a key's line comes back where
    /// it was: converting again changes nothing); any other goes above the line of the first
    /// value after it, or after the last line. In the DSL that value is never a rule's
    /// conditions, exceptions or actions: they start at their first statement, and a comment
    /// above a statement is about it (anchored to the group, it went above `actions:`, came
    /// back above the group's first statement in the DSL's order, another one where the
    /// orders differ, and went inside `actions:` the next time).
    pub(super) fn place(&self, comments: &ObjectComments, anchors: &[Vec<Span>]) -> Placement {
        let mut placement =
            Placement { above: vec![Vec::new(); anchors.len()], trailing: vec![None; anchors.len()], end: Vec::new() };
        let anchored = || anchors.iter().enumerate().flat_map(|(index, spans)| spans.iter().map(move |s| (index, *s)));
        // The comments on the line of a value they are about come first: a key's comment
        // goes to the end of its value's line only when no such comment went there.
        let mut claimed: Vec<Option<usize>> = Vec::with_capacity(comments.inside.len());
        let mut taken = vec![false; anchors.len()];
        for comment in &comments.inside {
            let starts_there = |span: &Span| comment.ends_line && self.lines.line_of(span.start) == comment.line;
            // A value that also ends on the line before one that runs on below it: a DSL
            // group (`actions`) starts at its first statement, and a comment ending that
            // statement's line is about the statement unless the group is that line alone.
            let ends_there = |span: &Span| self.lines.line_of(span.end.max(span.start + 1) - 1) == comment.line;
            let on_its_line = first(anchored().filter(|(_, span)| starts_there(span) && ends_there(span)))
                .or_else(|| first(anchored().filter(|(_, span)| starts_there(span))))
                .filter(|&index| !taken[index]);
            if let Some(index) = on_its_line {
                taken[index] = true;
            }
            claimed.push(on_its_line);
        }
        for (comment, claimed) in comments.inside.iter().zip(claimed) {
            if let Some(index) = claimed {
                placement.trailing[index] = Some(comment.text.clone());
                continue;
            }
            let value_below = anchored()
                .filter(|(_, span)| comment.opens_block && span.start > comment.start)
                .min_by_key(|(_, span)| (span.start, std::cmp::Reverse(span.len())))
                .map(|(index, _)| index)
                .filter(|&index| !taken[index]);
            if let Some(index) = value_below {
                taken[index] = true;
                placement.trailing[index] = Some(comment.text.clone());
                continue;
            }
            let key_start = |span: &Span| self.value_keys.get(span).copied().unwrap_or(span.start);
            let after = |span: &Span| key_start(span) > comment.start && !self.groups.contains(span);
            match first(anchored().filter(|(_, span)| after(span))) {
                Some(index) => placement.above[index].push(comment.text.clone()),
                None => placement.end.push(comment.text.clone()),
            }
        }
        placement
    }
}

/// Where the key of each list or mapping under a key starts, by the value's span (YAML only).
fn value_keys(checked: &Checked) -> HashMap<Span, usize> {
    use crate::syntax::yaml::{Node, NodeKind};
    fn walk(node: &Node, found: &mut HashMap<Span, usize>) {
        match &node.kind {
            NodeKind::Map(entries) => {
                for entry in entries.iter() {
                    if matches!(entry.value.kind, NodeKind::Map(_) | NodeKind::Seq(_)) {
                        found.insert(entry.value.span, entry.key.span.start);
                    }
                    walk(&entry.value, found);
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = HashMap::new();
    if let Some(root) = checked.yaml().and_then(|yaml| yaml.root.as_deref()) {
        walk(root, &mut found);
    }
    found
}

/// In a DSL source, the spans of its rules' conditions, exceptions and actions.
fn dsl_groups(checked: &Checked) -> HashSet<Span> {
    if checked.yaml().is_some() {
        return HashSet::new();
    }
    let groups =
        checked.flow.rules.iter().flat_map(|rule| [rule.conditions.span, rule.exceptions.span, rule.actions.span]);
    groups.flatten().collect()
}

/// The line (by index) that prints the value starting first among `anchors`, the innermost
/// when several start there.
fn first(anchors: impl Iterator<Item = (usize, Span)>) -> Option<usize> {
    anchors.min_by_key(|(_, span)| (span.start, span.len())).map(|(index, _)| index)
}

/// The model's objects in the order of the source. `comment_lines` are the lines that hold
/// only a comment.
fn places(checked: &Checked, text: &str, comment_lines: &HashSet<usize>) -> Vec<Place> {
    let (flow, lines) = (&checked.flow, &checked.lines);
    let place = |key: Span, start: usize, name: Option<Span>| {
        let first_line = lines.line_of(start);
        // A YAML mapping's span runs on over the blank and comment lines after it, up to the
        // next item; the comments there indented less than its keys are about what follows.
        // (The end is exclusive: its last byte may be a line break.)
        let column = key.start - lines.line_start(lines.line_of(key.start));
        let mut last_line = lines.line_of(key.end.max(start + 1) - 1);
        while last_line > first_line {
            let line = lines.line_text(text, last_line);
            let indent = line.len() - line.trim_start().len();
            if !(line.trim().is_empty() || comment_lines.contains(&last_line) && indent < column) {
                break;
            }
            last_line -= 1;
        }
        Place { key, start, first_line, last_line, trailing_line: lines.line_of(name.map_or(start, |n| n.start)) }
    };
    let organization = flow.organization.as_ref().map(|org| {
        let key = checked.yaml().and_then(|yaml| {
            yaml.root.as_ref()?.as_map()?.iter().find(|e| e.key.as_str() == Some("organization")).map(|e| e.key.span)
        });
        place(org.span, key.map_or(org.span.start, |k| k.start), None)
    });
    let mut places: Vec<Place> = organization
        .into_iter()
        .chain(flow.connectors.iter().map(|c| place(c.span, c.span.start, Some(c.name_span()))))
        .chain(flow.rules.iter().map(|r| place(r.span, r.span.start, Some(r.name_span()))))
        .collect();
    places.sort_by_key(|p| p.start);
    places
}

/// The comments' texts (in source order, each with its line), with an empty line where the
/// source has a blank line between two, or between the last and the line `before` (the
/// object they are printed above: what was not directly above it must not become so, an
/// ignore comment least of all).
fn with_blank_lines(comments: &[(usize, &str)], before: Option<usize>, text: &str, lines: &LineIndex) -> Vec<String> {
    let blank_between = |from: usize, to: usize| (from + 1..to).any(|l| lines.line_text(text, l).trim().is_empty());
    let mut out = Vec::new();
    for (index, &(line, comment)) in comments.iter().enumerate() {
        if index > 0 && blank_between(comments[index - 1].0, line) {
            out.push(String::new());
        }
        out.push(comment.to_owned());
    }
    if let (Some(&(last, _)), Some(before)) = (comments.last(), before) {
        if blank_between(last, before) {
            out.push(String::new());
        }
    }
    out
}
