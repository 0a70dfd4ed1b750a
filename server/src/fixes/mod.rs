//! Fixes: computing the text edits that resolve a finding, and applying them.
//!
//! A rule that can fix what it finds gets an [`Editor`] on the checked text (built once per
//! text on the tree `check` parsed: a [`YamlEditor`], or a [`DslEditor`] for a `*.mailflow`
//! file) and turns the spans of the model into edits with its primitives; the edits become a [`Fix`] on the diagnostic. The edits of one
//! fix must not overlap one another (two insertions at one offset overlap: write them as
//! one edit, or as two fixes). Every front door applies fixes with [`apply_fixes`], which
//! keeps a fix whole or leaves it out.
//!
//! ```
//! use mailflow::check::{check_yaml, Selection};
//! use mailflow::diagnostic::Fix;
//! use mailflow::fixes::{apply_fixes, Value, YamlEditor};
//!
//! let text = "transportRules:\n  - name: CodeTwo  # signatures\n    priority: 0\n";
//! let checked = check_yaml(text, &Selection::default());
//! let editor = YamlEditor::new(text, checked.yaml().unwrap());
//! let rule = &checked.flow.rules[0];
//! let edit = editor.set_entry(rule.span, "stopProcessingMoreRules", &Value::Bool(true)).unwrap();
//! let fix = Fix { title: "Stop processing more rules".into(), safe: true, edits: vec![edit] };
//! assert_eq!(
//!     apply_fixes(text, [&fix]).text,
//!     "transportRules:\n  - name: CodeTwo  # signatures\n    priority: 0\n    stopProcessingMoreRules: true\n"
//! );
//! ```

mod dsl_edit;
mod yaml_edit;

pub use dsl_edit::DslEditor;
pub use yaml_edit::{scalar, RulePlace, Value, YamlEditor};

use std::cell::OnceCell;

use crate::model::{MailFlow, TransportRule};
use crate::syntax::Syntax;
use crate::text::Span;

/// Replace the bytes of `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A change that resolves a finding. A fix is safe when it cannot change which messages a
/// rule acts on in a way the user did not ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub title: String,
    pub safe: bool,
    pub edits: Vec<Edit>,
}

/// What a rule's fix reads: the model, an editor on the text it was read from, and that
/// text's syntax, which the fix's title is worded for.
pub struct FixContext<'a> {
    pub flow: &'a MailFlow,
    pub editor: Box<dyn Editor + 'a>,
    pub syntax: Syntax,
    /// Every rule's blocks, gathered when a fix first asks whether a block is its rule's own
    /// ([`FixContext::rule_owned`]): each finding looking through every other rule made a
    /// check with a fix per rule quadratic.
    blocks: OnceCell<RuleBlocks<'a>>,
}

impl<'a> FixContext<'a> {
    pub fn new(flow: &'a MailFlow, editor: Box<dyn Editor + 'a>, syntax: Syntax) -> FixContext<'a> {
        FixContext { flow, editor, syntax, blocks: OnceCell::new() }
    }

    /// `span` when it is `rule`'s own to edit: written inside the rule, and not holding or
    /// held by a block (conditions, exceptions, actions) of another rule, which reads it
    /// through an alias of its anchor (editing it would edit that rule too). A value read
    /// through an alias carries its anchor's span.
    pub fn rule_owned(&self, rule: &TransportRule, span: Span) -> Option<Span> {
        let blocks = self.blocks.get_or_init(|| RuleBlocks::of(self.flow));
        (rule.span.contains(span) && !blocks.shares(rule, span)).then_some(span)
    }
}

/// The conditions, exceptions and actions of every rule, by where they start.
struct RuleBlocks<'a> {
    /// Each block's span and its rule, in the order of their starts.
    blocks: Vec<(Span, &'a TransportRule)>,
    /// For each block, the furthest end of it and the blocks before it: a block holding a
    /// span starts at or before it and ends at or after it, and the walk back for one stops
    /// where no block before reaches that far.
    reach: Vec<usize>,
}

impl<'a> RuleBlocks<'a> {
    fn of(flow: &'a MailFlow) -> RuleBlocks<'a> {
        let mut blocks: Vec<(Span, &TransportRule)> = flow
            .iter_rules()
            .flat_map(|rule| {
                [rule.conditions.span, rule.exceptions.span, rule.actions.span]
                    .into_iter()
                    .flatten()
                    .map(move |span| (span, rule))
            })
            .collect();
        blocks.sort_by_key(|(span, _)| span.start);
        let mut furthest = 0;
        let reach = blocks
            .iter()
            .map(|(span, _)| {
                furthest = furthest.max(span.end);
                furthest
            })
            .collect();
        RuleBlocks { blocks, reach }
    }

    /// Whether a block of a rule other than `rule` holds `span` or lies inside it.
    fn shares(&self, rule: &TransportRule, span: Span) -> bool {
        let other = |(block, owner): &(Span, &TransportRule)| {
            !std::ptr::eq(*owner, rule) && (block.contains(span) || span.contains(*block))
        };
        let starting_inside = self.blocks.partition_point(|(block, _)| block.start < span.start);
        let inside = self.blocks[starting_inside..].iter().take_while(|(block, _)| block.start <= span.end);
        let starting_after = self.blocks.partition_point(|(block, _)| block.start <= span.start);
        let holding = (0..starting_after).rev().take_while(|&index| self.reach[index] >= span.end);
        let holding = holding.map(|index| &self.blocks[index]);
        inside.chain(holding).any(other)
    }
}

/// The edits a fix asks for, in the terms of the YAML format (keys and [`Value`]s) and the
/// model's spans: [`YamlEditor`] writes them as YAML, [`DslEditor`] as DSL statements. Each
/// method is documented on [`YamlEditor`]; `None` when the edit cannot be written.
pub trait Editor {
    fn newline(&self) -> &'static str;
    fn set_entry(&self, mapping: Span, key: &str, new: &Value) -> Option<Edit>;
    fn insert_entry(&self, mapping: Span, key: &str, value: &Value) -> Option<Edit>;
    fn push_item(&self, list: Span, item: &Value) -> Option<Edit>;
    fn remove_entry(&self, mapping: Span, key: &str) -> Option<Edit>;
    fn insert_rule(&self, place: RulePlace, fields: &[(String, Value)]) -> Option<Edit>;
    /// Replaces `other` parameters of a rule's conditions, exceptions or actions with keys
    /// of the format: the parameters whose spans (`OtherParameter.span`) are `parameters`,
    /// all of the block at `block` (`Predicates.span` or `Actions.span`), give way to
    /// `entries`, keys the block does not have, written where the parameters were.
    fn replace_others(&self, block: Span, parameters: &[Span], entries: &[(String, Value)]) -> Option<Vec<Edit>>;

    /// Whether a fix made of `edits` leaves what every alias and `<<` merge reads as it was
    /// (see [`YamlEditor::keeps_aliases`]); the DSL has neither. A fix that would not is
    /// not offered.
    fn keeps_aliases(&self, edits: &[Edit]) -> bool {
        let _ = edits;
        true
    }

    /// Edits that give each rule of `order` its index as priority: the rule at index `i`
    /// gets priority `i`. A `None` slot holds the priority of a rule the same fix inserts,
    /// so the rules after it move down one. Only priorities that differ are edited (as
    /// `set_entry` does: a missing `priority` is added). `None` when a rule's span names no
    /// rule of this text.
    fn renumber_priorities(&self, order: &[Option<&TransportRule>]) -> Option<Vec<Edit>> {
        order
            .iter()
            .enumerate()
            .filter_map(|(place, rule)| rule.map(|rule| (place as i64, rule)))
            .filter(|(place, rule)| rule.priority.as_ref().map(|p| p.value) != Some(*place))
            .map(|(place, rule)| self.set_entry(rule.span, "priority", &Value::Int(place)))
            .collect()
    }
}

impl Editor for YamlEditor<'_> {
    fn newline(&self) -> &'static str {
        YamlEditor::newline(self)
    }
    fn set_entry(&self, mapping: Span, key: &str, new: &Value) -> Option<Edit> {
        YamlEditor::set_entry(self, mapping, key, new)
    }
    fn insert_entry(&self, mapping: Span, key: &str, value: &Value) -> Option<Edit> {
        YamlEditor::insert_entry(self, mapping, key, value)
    }
    fn push_item(&self, list: Span, item: &Value) -> Option<Edit> {
        YamlEditor::push_item(self, list, item)
    }
    fn remove_entry(&self, mapping: Span, key: &str) -> Option<Edit> {
        YamlEditor::remove_entry(self, mapping, key)
    }
    fn insert_rule(&self, place: RulePlace, fields: &[(String, Value)]) -> Option<Edit> {
        YamlEditor::insert_rule(self, place, fields)
    }
    fn replace_others(&self, block: Span, parameters: &[Span], entries: &[(String, Value)]) -> Option<Vec<Edit>> {
        YamlEditor::replace_others(self, block, parameters, entries)
    }
    fn keeps_aliases(&self, edits: &[Edit]) -> bool {
        YamlEditor::keeps_aliases(self, edits)
    }
}

/// Whether the edits replace or remove an anchor (`&name`) that an alias (`*name`) outside
/// them still uses: such a fix would leave the alias pointing at nothing. A `&` that is not
/// an anchor (inside quotes, say) at worst withholds a fix, never breaks a file.
pub fn breaks_aliases(text: &str, edits: &[Edit]) -> bool {
    let is_name = |c: char| !c.is_whitespace() && !",[]{}".contains(c);
    edits.iter().any(|edit| {
        let replaced = &text[edit.span.range()];
        replaced.match_indices('&').any(|(at, _)| {
            let name: String = replaced[at + 1..].chars().take_while(|&c| is_name(c)).collect();
            if name.is_empty() {
                return false;
            }
            let alias = format!("*{name}");
            text[..edit.span.start].contains(&alias) || text[edit.span.end..].contains(&alias)
        })
    })
}

/// Joins insertions at the same offset into one edit, in the order given, so that a fix may
/// add two things at one place (a key inside `actions` and a key after it, say).
pub fn join_insertions(edits: Vec<Edit>) -> Vec<Edit> {
    let mut joined: Vec<Edit> = Vec::with_capacity(edits.len());
    for edit in edits {
        match joined.iter_mut().find(|e| e.span.is_empty() && edit.span.is_empty() && e.span.start == edit.span.start) {
            Some(existing) => existing.replacement.push_str(&edit.replacement),
            None => joined.push(edit),
        }
    }
    joined
}

/// What [`apply_fixes`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices, into the fixes given, of those applied.
    pub applied: Vec<usize>,
    /// Indices of those left out: an edit overlaps an edit of a fix before it (or of the
    /// same fix), or its span is not a range of char boundaries of the text.
    pub skipped: Vec<usize>,
}

/// Applies `fixes` to `text`, each whole or not at all, in the order given: a fix whose edit
/// overlaps one of an earlier applied fix is skipped (checking again after applying, which
/// computes fresh spans, may offer it again).
///
/// Two edits overlap when they share a byte, when both insert at the same offset (which
/// would come first is not defined), or when one inserts strictly inside the other's span.
/// An insertion at either end of a replaced span does not overlap it: it lands before or
/// after the replacement.
pub fn apply_fixes<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> Applied {
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for (index, fix) in fixes.into_iter().enumerate() {
        let fits = fix.edits.iter().enumerate().all(|(i, edit)| {
            is_range_of(text, edit.span)
                && !fix.edits[..i].iter().any(|other| overlap(edit.span, other.span))
                && !accepted.iter().any(|other| overlap(edit.span, other.span))
        });
        if fits {
            accepted.extend(&fix.edits);
            applied.push(index);
        } else {
            skipped.push(index);
        }
    }
    // Insertions at the start of a replaced span go before it: they sort first.
    accepted.sort_by_key(|edit| (edit.span.start, edit.span.end));
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for edit in accepted {
        out.push_str(&text[copied..edit.span.start]);
        out.push_str(&edit.replacement);
        copied = edit.span.end;
    }
    out.push_str(&text[copied..]);
    Applied { text: out, applied, skipped }
}

/// A unified diff of `old` and `new` with three lines of context, both sides named `path`,
/// as `patch -p0` reads it. Lines are split where the checker splits them (`\n`, `\r\n`
/// and a lone `\r`), so hunks and line numbers are the checker's; each line of the diff
/// ends with its own line break, except that a line ending with a lone `\r` is shown
/// ending with `\n` (a diff's lines end with `\n`: a bare `\r` would overwrite the line on
/// a terminal).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    use std::fmt::Write as _;
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for (index, hunk) in diff.unified_diff().context_radius(3).iter_hunks().enumerate() {
        if index == 0 {
            out.push_str(&format!("--- {path}\n+++ {path}\n"));
        }
        writeln!(out, "{}", hunk.header()).expect("writing to a String");
        for change in hunk.iter_changes() {
            let line = change.value();
            write!(out, "{}", change.tag()).expect("writing to a String");
            match line.strip_suffix('\r') {
                Some(content) => {
                    out.push_str(content);
                    out.push('\n');
                }
                None => out.push_str(line),
            }
            if change.missing_newline() {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// One edit that turns `old` into `new`: the bytes between their common start and their
/// common end (on char boundaries), for a front door that sends a fixed text as an edit.
pub fn edit_between(old: &str, new: &str) -> Edit {
    let common_start = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    let mut start = common_start;
    while !old.is_char_boundary(start) || !new.is_char_boundary(start) {
        start -= 1;
    }
    let longest_end = old.len().min(new.len()) - start;
    let common_end = old.bytes().rev().zip(new.bytes().rev()).take_while(|(a, b)| a == b).count().min(longest_end);
    let mut end = common_end;
    while !old.is_char_boundary(old.len() - end) || !new.is_char_boundary(new.len() - end) {
        end -= 1;
    }
    Edit { span: Span::new(start, old.len() - end), replacement: new[start..new.len() - end].to_owned() }
}

fn is_range_of(text: &str, span: Span) -> bool {
    text.get(span.range()).is_some()
}

fn overlap(a: Span, b: Span) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    a.start < b.end && b.start < a.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower_yaml;
    use crate::syntax::yaml::parse;

    /// Whether a block is `rule`'s own, looked up in every other rule: what
    /// [`FixContext::rule_owned`] answers from its index.
    fn owned_by_looking_through_every_rule(flow: &MailFlow, rule: &TransportRule, span: Span) -> bool {
        let others = flow.iter_rules().filter(|other| !std::ptr::eq(*other, rule));
        let blocks = others.flat_map(|other| [other.conditions.span, other.exceptions.span, other.actions.span]);
        rule.span.contains(span) && !blocks.flatten().any(|block| block.contains(span) || span.contains(block))
    }

    #[test]
    fn a_block_another_rule_reads_through_an_alias_is_not_the_rules_own() {
        let text = "\
transportRules:
  - name: A
    conditions: &scope {senderIs: inside}
    exceptions: {recipientDomainIs: [fabrikam.com]}
  - name: B
    conditions: *scope
  - &whole
    name: C
    conditions: {senderIs: outside}
    actions: &stamp {setHeader: {name: X-A, value: b}}
  - *whole
  - name: E
    exceptions: {<<: *scope, recipientDomainIs: [contoso.com]}
    actions: *stamp
  - name: F
    conditions: {recipientDomainIs: [contoso.com]}
";
        let yaml = parse(text);
        let flow = lower_yaml::lower(&yaml, text).0;
        let context = FixContext::new(&flow, Box::new(YamlEditor::new(text, &yaml)), Syntax::Yaml);
        let [a, b, c, d, e, f] = [0, 1, 2, 3, 4, 5].map(|index| flow.rules[index].as_ref());
        let exceptions = a.exceptions.span.unwrap();
        assert_eq!(context.rule_owned(a, exceptions), Some(exceptions));
        // A's conditions are also B's; B's are not written in B.
        assert_eq!(context.rule_owned(a, a.conditions.span.unwrap()), None);
        assert_eq!(context.rule_owned(b, b.conditions.span.unwrap()), None);
        // D is C read again: nothing of C is C's own; C's actions are E's too.
        assert_eq!(context.rule_owned(c, c.conditions.span.unwrap()), None);
        assert_eq!(context.rule_owned(d, d.conditions.span.unwrap()), None);
        // A merge copies the anchor's keys: E's exceptions are written in E.
        let merged = e.exceptions.span.unwrap();
        assert_eq!(context.rule_owned(e, merged), Some(merged));
        assert_eq!(context.rule_owned(f, f.conditions.span.unwrap()), f.conditions.span);
        // Every block and every part of one, for every rule, as looking through every rule says.
        let spans: Vec<Span> = flow
            .iter_rules()
            .flat_map(|rule| {
                [rule.span, rule.name_span()]
                    .into_iter()
                    .chain([rule.conditions.span, rule.exceptions.span, rule.actions.span].into_iter().flatten())
            })
            .flat_map(|span| {
                [
                    span,
                    Span::new(span.start, span.start),
                    Span::new(span.start + 1, span.end),
                    Span::new(span.start, span.end - 1),
                ]
            })
            .collect();
        for rule in flow.iter_rules() {
            for &span in &spans {
                let expected = owned_by_looking_through_every_rule(&flow, rule, span);
                assert_eq!(context.rule_owned(rule, span).is_some(), expected, "{:?} in {:?}", span, rule.name);
            }
        }
    }

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            title: "test".into(),
            safe: true,
            edits: edits
                .iter()
                .map(|&(start, end, replacement)| Edit { span: Span::new(start, end), replacement: replacement.into() })
                .collect(),
        }
    }

    #[test]
    fn applies_edits_in_offset_order_whatever_the_order_given() {
        let fixes = [fix(&[(8, 9, "Z")]), fix(&[(0, 1, "A"), (4, 4, "+")])];
        let result = apply_fixes("abcdefghij", &fixes);
        assert_eq!(result.text, "Abcd+efghZj");
        assert_eq!((result.applied, result.skipped), (vec![0, 1], vec![]));
    }

    #[test]
    fn a_fix_that_overlaps_an_earlier_one_is_skipped_whole() {
        let fixes = [fix(&[(2, 5, "X")]), fix(&[(0, 1, "A"), (4, 6, "Y")]), fix(&[(7, 8, "H")])];
        let result = apply_fixes("abcdefghij", &fixes);
        // The second fix's first edit would fit, but a fix is applied whole or not at all.
        assert_eq!(result.text, "abXfgHij");
        assert_eq!((result.applied, result.skipped), (vec![0, 2], vec![1]));
    }

    #[test]
    fn insertions_conflict_only_at_the_same_offset_or_inside_a_replacement() {
        let text = "0123456789";
        // At both ends of a replacement: fine, and placed before and after it.
        let ends = [fix(&[(3, 6, "R")]), fix(&[(3, 3, "<")]), fix(&[(6, 6, ">")])];
        assert_eq!(apply_fixes(text, &ends).text, "012<R>6789");
        // Two insertions at one offset, or one inside a replaced span: the later is skipped.
        let same = [fix(&[(3, 3, "a")]), fix(&[(3, 3, "b")]), fix(&[(0, 2, "x")]), fix(&[(1, 1, "y")])];
        let result = apply_fixes(text, &same);
        assert_eq!(result.text, "x2a3456789");
        assert_eq!(result.skipped, vec![1, 3]);
    }

    #[test]
    fn the_diff_splits_lines_as_the_checker_does() {
        let diff = unified_diff("rules.mailflow.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert_eq!(diff, "--- rules.mailflow.yaml\n+++ rules.mailflow.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n");
        // Lone CRs: the second line changes, and the diff's lines end with LF.
        let diff = unified_diff("f", "a: 1\rb: 2\rc: 3\r", "a: 1\rb: 3\rc: 3\r");
        assert_eq!(diff, "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a: 1\n-b: 2\n+b: 3\n c: 3\n");
        // CRLF is kept, and a missing final line break is said.
        let diff = unified_diff("f", "a\r\nb", "a\r\nc");
        assert_eq!(
            diff,
            "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\r\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(unified_diff("f", "same\n", "same\n"), "");
    }

    #[test]
    fn one_edit_turns_the_old_text_into_the_new() {
        for (old, new) in [("abcdef", "abXYef"), ("aaa", "aaaa"), ("é", "è"), ("", "x"), ("xyz", ""), ("ab", "ab")] {
            let edit = edit_between(old, new);
            let fix = Fix { title: String::new(), safe: true, edits: vec![edit] };
            assert_eq!(apply_fixes(old, [&fix]).text, new);
        }
        assert_eq!(edit_between("abcdef", "abXYef").span, Span::new(2, 4));
    }

    #[test]
    fn a_fix_whose_own_edits_overlap_or_leave_the_text_is_skipped() {
        let fixes = [fix(&[(0, 3, "a"), (2, 4, "b")]), fix(&[(8, 12, "c")]), fix(&[(1, 2, "é")])];
        let result = apply_fixes("0123456789", &fixes);
        assert_eq!(result.text, "0é23456789");
        assert_eq!(result.skipped, vec![0, 1]);
        // Not on a char boundary.
        assert_eq!(apply_fixes("é", &[fix(&[(1, 2, "e")])]).skipped, vec![0]);
    }
}
