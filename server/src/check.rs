//! Checking one source text: parse, lower, analyse, apply suppressions and the selection.
//! This is what every front door (the CLI, the language server) calls.

use crate::analysis;
use crate::diagnostic::Diagnostic;
use crate::fixes::{FixContext, YamlEditor};
use crate::model::{lower_yaml, MailFlow};
use crate::rules::mf001_syntax_error;
use crate::suppression::{self, ObjectSpans};
use crate::syntax::yaml::{self, YamlFile};
use crate::syntax::ReusableTree;
use crate::text::LineIndex;

/// Which codes are reported: `--select` and `--ignore` take codes or prefixes (`MF3`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Empty selects every code.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn is_enabled(&self, code: &str) -> bool {
        let matches = |prefix: &String| code.len() >= prefix.len() && code[..prefix.len()].eq_ignore_ascii_case(prefix);
        (self.select.is_empty() || self.select.iter().any(matches)) && !self.ignore.iter().any(matches)
    }
}

/// Everything known about one checked YAML text.
#[derive(Debug)]
pub struct Checked {
    pub yaml: YamlFile,
    pub flow: MailFlow,
    pub lines: LineIndex,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

pub fn check_yaml(text: &str, selection: &Selection) -> Checked {
    check_yaml_incremental(text, selection, None).0
}

/// `check_yaml` reusing the syntax tree of an earlier version (see
/// `yaml::parse_incremental`); returns the tree of this version for the next.
pub fn check_yaml_incremental(
    text: &str,
    selection: &Selection,
    old_tree: Option<&ReusableTree>,
) -> (Checked, ReusableTree) {
    let (yaml, tree) = yaml::parse_incremental(text, old_tree);
    let lines = LineIndex::new(text);
    let mut diagnostics: Vec<Diagnostic> = yaml.errors.iter().map(mf001_syntax_error::diagnostic).collect();
    let (flow, lowering) = lower_yaml::lower(&yaml, text);
    diagnostics.extend(lowering);
    diagnostics.extend(analysis::check(&flow));
    diagnostics.retain(|d| selection.is_enabled(d.code()));
    let objects: Vec<ObjectSpans> = flow
        .connectors
        .iter()
        .map(|c| ObjectSpans { item: c.span, name: c.name_span() })
        .chain(flow.rules.iter().map(|r| ObjectSpans { item: r.span, name: r.name_span() }))
        .collect();
    let mut diagnostics =
        suppression::apply(diagnostics, &yaml.comments, &objects, &lines, |code| selection.is_enabled(code));
    diagnostics.retain(|d| selection.is_enabled(d.code()));
    diagnostics.sort_by(|a, b| (a.span, a.code()).cmp(&(b.span, b.code())));
    // An alias expands one anchored value in several places: report each finding once.
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code() == b.code() && a.message == b.message);
    attach_fixes(&mut diagnostics, &flow, &yaml, text);
    (Checked { yaml, flow, lines, diagnostics }, tree)
}

/// Computes each finding's fix from its rule, for findings that name their subject.
fn attach_fixes(diagnostics: &mut [Diagnostic], flow: &MailFlow, yaml: &YamlFile, text: &str) {
    let mut context = None;
    for diagnostic in diagnostics.iter_mut().filter(|d| d.fix.is_none()) {
        let (Some(fix), Some(subject)) = (diagnostic.rule.fix, diagnostic.subject) else { continue };
        let context = context.get_or_insert_with(|| FixContext { flow, editor: YamlEditor::new(text, yaml) });
        diagnostic.fix = fix(subject, context);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_takes_codes_and_prefixes() {
        let selection = Selection { select: vec!["MF3".into(), "mf013".into()], ignore: vec!["MF304".into()] };
        assert!(selection.is_enabled("MF301"));
        assert!(selection.is_enabled("MF013"));
        assert!(!selection.is_enabled("MF304"));
        assert!(!selection.is_enabled("MF101"));
        assert!(Selection::default().is_enabled("MF101"));
    }
}
