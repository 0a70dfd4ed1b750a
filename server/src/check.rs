//! Checking one source text: parse, lower, analyse, apply suppressions and the selection.
//! This is what every front door (the CLI, the language server) calls.

use crate::diagnostic::Diagnostic;
use crate::fixes::{breaks_aliases, DslEditor, Editor, FixContext, YamlEditor};
use crate::model::lower_dsl::{self, LoweredRules};
use crate::model::{lower_yaml, MailFlow};
use crate::rules::{self, mf001_syntax_error};
use crate::suppression::{self, ObjectSpans};
use crate::syntax::dsl::{self, DslFile};

use crate::syntax::yaml::{self, YamlFile};
use crate::syntax::{Comment, ReusableTree, TextPoint};
use crate::text::LineIndex;
use std::sync::Arc;

/// The two ways to write a mail flow; the syntax layer defines it, as the rules word their
/// messages for it.
pub use crate::syntax::Syntax;

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

/// The parsed text, in the syntax it was written in.
#[derive(Debug)]
pub enum Source {
    Yaml(YamlFile),
    Dsl(DslFile),
}

impl Source {
    pub fn syntax(&self) -> Syntax {
        match self {
            Source::Yaml(_) => Syntax::Yaml,
            Source::Dsl(_) => Syntax::Dsl,
        }
    }

    pub fn comments(&self) -> &[Comment] {
        match self {
            Source::Yaml(yaml) => &yaml.comments,
            Source::Dsl(dsl) => &dsl.comments,
        }
    }
}

/// Everything known about one checked text.
#[derive(Debug)]
pub struct Checked {
    pub source: Source,
    pub flow: MailFlow,
    pub lines: LineIndex,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// The YAML tree, when the text is YAML.
    pub fn yaml(&self) -> Option<&YamlFile> {
        match &self.source {
            Source::Yaml(yaml) => Some(yaml),
            Source::Dsl(_) => None,
        }
    }

    /// Computes, from their rules, the fixes of `diagnostics` (findings of this check, or
    /// some of them) that have none yet. `text` is the checked text.
    pub fn attach_fixes(&self, text: &str, diagnostics: &mut [Diagnostic]) {
        // A DSL file also keeps the fixes its lowering made (renaming a misspelt statement).
        match &self.source {
            Source::Yaml(yaml) => {
                attach_fixes(diagnostics, &self.flow, text, Syntax::Yaml, || Box::new(YamlEditor::new(text, yaml)))
            }
            Source::Dsl(dsl) => {
                attach_fixes(diagnostics, &self.flow, text, Syntax::Dsl, || Box::new(DslEditor::new(text, dsl)))
            }
        }
    }
}

pub fn check_yaml(text: &str, selection: &Selection) -> Checked {
    check(text, Syntax::Yaml, selection)
}

/// Checks `text` and computes every finding's fix.
pub fn check(text: &str, syntax: Syntax, selection: &Selection) -> Checked {
    let mut checked = check_incremental(text, syntax, selection, None).0;
    let mut diagnostics = std::mem::take(&mut checked.diagnostics);
    checked.attach_fixes(text, &mut diagnostics);
    checked.diagnostics = diagnostics;
    checked
}

/// What checking one version of an open document leaves for checking the next: its syntax
/// tree (with what reading YAML into values left), and for the DSL its lowered rules. Every
/// edit made to the text must be told to it.
#[derive(Clone)]
pub struct Reuse {
    tree: ReusableTree,
    lowered: Option<Arc<LoweredRules>>,
}

impl Reuse {
    /// Records that the text from `start` to `old_end` was replaced by text ending at `new_end`.
    pub fn edit(&mut self, start: TextPoint, old_end: TextPoint, new_end: TextPoint) {
        self.tree.edit(start, old_end, new_end);
    }
}

/// Checks `text` reusing what checking an earlier version left (see [`Reuse`]), and returns
/// what this check leaves for the next. Fixes are left for [`Checked::attach_fixes`]: an
/// editor asks for a few of them, and not after every keystroke.
pub fn check_incremental(
    text: &str,
    syntax: Syntax,
    selection: &Selection,
    previous: Option<&Reuse>,
) -> (Checked, Reuse) {
    let lines = LineIndex::new(text);
    let old_tree = previous.map(|previous| &previous.tree);
    let (source, reuse, errors, (flow, lowering)) = match syntax {
        Syntax::Yaml => {
            let (yaml, tree) = yaml::parse_incremental(text, &lines, old_tree);
            let lowered = lower_yaml::lower(&yaml, text);
            let errors = yaml.errors.clone();
            (Source::Yaml(yaml), Reuse { tree, lowered: None }, errors, lowered)
        }
        Syntax::Dsl => {
            let dsl = dsl::parse(text, old_tree);
            let old_rules = previous.and_then(|previous| previous.lowered.as_deref());
            let (flow, diagnostics, rules) = lower_dsl::lower_reusing(&dsl, text, old_rules);
            let reuse = Reuse { tree: dsl.tree.clone(), lowered: Some(Arc::new(rules)) };
            let errors = dsl.errors.clone();
            (Source::Dsl(dsl), reuse, errors, (flow, diagnostics))
        }
    };
    let mut diagnostics: Vec<Diagnostic> = errors.iter().map(mf001_syntax_error::diagnostic).collect();
    diagnostics.extend(lowering.iter().map(rules::lowering_finding));
    // The checks word their findings for `syntax`, as the lowering does its own.
    diagnostics.extend(rules::check(&flow, syntax));
    let objects: Vec<ObjectSpans> = flow
        .connectors
        .iter()
        .map(|c| ObjectSpans { item: c.span, name: c.name_span() })
        .chain(flow.rules.iter().map(|r| ObjectSpans { item: r.span, name: r.name_span() }))
        .collect();
    let mut diagnostics =
        suppression::apply(diagnostics, source.comments(), &objects, &lines, |code| selection.is_enabled(code));
    // After the suppressions, so that MF014 itself can be deselected; a suppression of a code
    // that is not selected is never reported as unused.
    diagnostics.retain(|d| selection.is_enabled(d.code()));
    diagnostics.sort_by(|a, b| (a.span, a.code()).cmp(&(b.span, b.code())));
    // An alias expands one anchored value in several places: report each finding once.
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code() == b.code() && a.message == b.message);
    (Checked { source, flow, lines, diagnostics }, reuse)
}

/// Computes each finding's fix from its rule, for findings that name their subject, titled
/// for `syntax`. Aliases exist only in YAML: there, fixes that break them are withheld.
// The lifetime ties the editor to the model's text; clippy's elision would not compile.
#[allow(clippy::needless_lifetimes)]
fn attach_fixes<'a>(
    diagnostics: &mut [Diagnostic],
    flow: &'a MailFlow,
    text: &str,
    syntax: Syntax,
    editor: impl Fn() -> Box<dyn Editor + 'a>,
) {
    let mut context = None;
    for diagnostic in diagnostics.iter_mut().filter(|d| d.fix.is_none()) {
        let (Some(fix), Some(subject)) = (diagnostic.rule.fix, diagnostic.subject) else { continue };
        let context = context.get_or_insert_with(|| FixContext { flow, editor: editor(), syntax });
        let yaml = syntax == Syntax::Yaml;
        diagnostic.fix = fix(subject, context).filter(|fix| !yaml || !breaks_aliases(text, &fix.edits));
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
