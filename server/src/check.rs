//! Checking one source text: parse, lower, analyse, apply suppressions and the selection.
//! This is what every front door (the CLI, the language server) calls.

use crate::analysis::activity::Activity;
use crate::diagnostic::{Diagnostic, Subject};
use crate::fixes::{apply_fixes, DslEditor, Editor, FixContext, YamlEditor};
use crate::model::lower_dsl::{self, LoweredRules};
use crate::model::problem::Problem;
use crate::model::{lower_yaml, MailFlow};
use crate::rules::{self, mf001_syntax_error};
use crate::suppression::{self, ObjectSpans};
use crate::syntax::dsl::{self, DslFile};

use crate::syntax::yaml::{self, YamlFile};
use crate::syntax::{Comment, ReusableTree, SyntaxError, TextPoint};
use crate::text::LineIndex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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

    pub fn errors(&self) -> &[SyntaxError] {
        match self {
            Source::Yaml(yaml) => &yaml.errors,
            Source::Dsl(dsl) => &dsl.errors,
        }
    }
}

/// Everything known about one checked text.
#[derive(Debug)]
pub struct Checked {
    pub source: Source,
    pub flow: Arc<MailFlow>,
    pub lines: LineIndex,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// What the check's simulation saw each rule do (for the pages about rules).
    pub activity: Activity,
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
            Source::Yaml(yaml) => attach_fixes(diagnostics, &self.flow, Syntax::Yaml, &yaml.errors, || {
                Box::new(YamlEditor::new(text, yaml))
            }),
            Source::Dsl(dsl) => {
                attach_fixes(diagnostics, &self.flow, Syntax::Dsl, &dsl.errors, || Box::new(DslEditor::new(text, dsl)))
            }
        }
    }
}

pub fn check_yaml(text: &str, selection: &Selection) -> Checked {
    check(text, Syntax::Yaml, selection)
}

/// Checks `text` and computes every finding's fix, keeping nothing for a next version of it:
/// a large YAML file is read in pieces ([`yaml::parse_once`]).
pub fn check(text: &str, syntax: Syntax, selection: &Selection) -> Checked {
    let lines = LineIndex::new(text);
    let parsed = parser_text(text);
    let read = match syntax {
        Syntax::Yaml => Read::of_yaml(yaml::parse_once(&parsed, &lines), &parsed, lines),
        Syntax::Dsl => {
            let dsl = dsl::parse(&parsed);
            let (flow, problems) = lower_dsl::lower(&dsl, &parsed);
            Read { source: Source::Dsl(dsl), flow: Arc::new(flow), problems, lines }
        }
    };
    let mut checked = read.checked(selection, &|| false).expect("a check never asked to stop ends");
    let mut diagnostics = std::mem::take(&mut checked.diagnostics);
    checked.attach_fixes(text, &mut diagnostics);
    checked.diagnostics = diagnostics;
    checked
}

/// The first check of a text an editor opened: [`check_incremental_unless`], but a large
/// YAML file is read in pieces (twice as fast on two cores) and leaves nothing for the next
/// check, which the editor has made after publishing ([`reuse_of`]).
pub fn check_first_unless(
    text: &str,
    syntax: Syntax,
    selection: &Selection,
    stop: &dyn Fn() -> bool,
) -> Option<(Checked, Option<Reuse>)> {
    if stop() {
        return None;
    }
    let lines = LineIndex::new(text);
    if syntax == Syntax::Yaml {
        let parsed = parser_text(text);
        if let Some(yaml) = yaml::parse_in_pieces(&parsed, &lines) {
            let read = Read::of_yaml(yaml, &parsed, lines);
            return Some((read.checked(selection, stop)?, None));
        }
    }
    let (read, reuse) = read_reusing(text, lines, syntax, None, stop)?;
    Some((read.checked(selection, stop)?, Some(reuse)))
}

/// What [`check_incremental`] leaves for the next check of `text`, without checking it.
/// `checked` is the model of the same text that its first check made ([`check_first_unless`],
/// which read it in pieces): each rule this reading lowers equal to the rule there (spans and
/// all) is that rule, shared, with what the analysis worked out from it alone (its
/// `Derived`). The first edit after a large file was opened then works out only the rules it
/// changed, not every rule again (3,000 rules: 12 million instructions), and the two models
/// are not held twice.
pub fn reuse_of(text: &str, syntax: Syntax, checked: &MailFlow) -> Reuse {
    let mut reuse = read_reusing(text, LineIndex::new(text), syntax, None, &|| false)
        .expect("a reading never asked to stop ends")
        .1;
    // A DSL file's first check leaves its own reuse: only YAML is read in pieces.
    if let Lowered::Yaml(_, flow) = &mut reuse.lowered {
        if let Some(flow) = Arc::get_mut(flow) {
            for (rule, checked) in flow.rules.iter_mut().zip(&checked.rules) {
                if rule == checked {
                    *rule = checked.clone();
                }
            }
        }
    }
    reuse
}

/// The model of `text` as [`check`] reads it (lone CRs, syntax errors and all), without
/// checking it: for `trace`, which follows the file's mail and reports no finding.
pub fn model(text: &str, syntax: Syntax) -> MailFlow {
    let parsed = parser_text(text);
    match syntax {
        Syntax::Yaml => lower_yaml::lower(&yaml::parse(&parsed), &parsed).0,
        Syntax::Dsl => lower_dsl::lower(&dsl::parse(&parsed), &parsed).0,
    }
}

/// Rounds of fixing and checking again in [`fix`]. A fix can make a new finding with its
/// own fix appear, and a fix that overlapped another waits for the next round; fixes still
/// coming after this many rounds would be undoing one another.
const MAX_FIX_ROUNDS: usize = 8;

/// The codes of the findings a fix must never add: the file no longer parses, or no longer
/// reads as the format (syntax error, unknown key, invalid value, missing key).
const BROKEN_FILE_CODES: [&str; 4] = ["MF001", "MF002", "MF003", "MF004"];

/// What [`fix`] did to a text.
#[derive(Debug)]
pub struct Fixed {
    /// The text after fixing; the text given when nothing was applied or the run was
    /// rolled back.
    pub text: String,
    /// `text` checked with the selection given.
    pub checked: Checked,
    /// How many fixes were applied, over every round.
    pub applied: usize,
    /// The titles of the fixes left out because applying them added an MF001-MF004 finding
    /// or did not remove the finding they fix (alone, or with the fixes before them).
    pub withheld: Vec<String>,
    /// The same fixes with their findings and why each was left out, in the order met.
    pub held_back: Vec<HeldBack>,
    /// Whether the fixes did not settle (a fix kept undoing another) and the text was put
    /// back as it was given.
    pub rolled_back: bool,
}

/// A fix that [`fix`] left out: the finding it is for, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldBack {
    /// The finding's code and message, as checking the text it was found in gave them.
    pub code: &'static str,
    pub message: String,
    /// The fix's title.
    pub title: String,
    pub reason: HeldBackReason,
}

/// Why a fix was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeldBackReason {
    /// Applied alone, it adds this MF001-MF004 finding (code and message): the file would no
    /// longer parse or read as the format.
    Breaks { code: &'static str, message: String },
    /// Applied alone, its finding is still there (or it changes nothing).
    LeavesItsFinding,
    /// Fine alone, but not together with these fixes (their titles), applied before it in
    /// the same round: it would undo or repeat what they do.
    Clashes { with: Vec<String> },
}

impl std::fmt::Display for HeldBackReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeldBackReason::Breaks { code, message } => write!(f, "it would add {code} ({message})"),
            HeldBackReason::LeavesItsFinding => f.write_str("it would not remove its finding"),
            HeldBackReason::Clashes { with } => {
                let titles: Vec<String> = with.iter().map(|title| format!("\"{title}\"")).collect();
                write!(f, "it clashes with {}, applied first", titles.join(", "))
            }
        }
    }
}

/// Applies the fixes of the findings of `text` that `selection` reports (the safe ones, and
/// the others too with `unsafe_fixes`) in rounds, checking the text again after each,
/// until no fix is left: what `check --fix` and `--diff` do, and a language server's "fix
/// all".
///
/// Every round is checked before it is kept: each fix applied must remove its finding (no
/// finding of its code and message is left where one was), and the round must add no
/// MF001-MF004 finding (whatever the selection). A round that fails is tried again fix by
/// fix, in order, each kept only when the fixes kept before it and it pass together: so two
/// fixes that are each fine but clash (a key renamed and the same key added) are never
/// applied together, and a fix that breaks the file is never applied. Fixes of MF001-MF004
/// findings (renaming a misspelt key) go in rounds of their own, before the others, which
/// are computed on a model that lacks what the file does not yet read (the others go when
/// none of those can be applied). When the rounds do not settle, the text is put back
/// whole. So the result has no MF001-MF004 finding that `text` did not have, and fixing it
/// again changes nothing (a run is a function of its text).
pub fn fix(text: &str, syntax: Syntax, selection: &Selection, unsafe_fixes: bool) -> Fixed {
    let everything = Selection::default();
    let mut current = text.to_owned();
    let mut checked = check(&current, syntax, &everything);
    let mut applied = 0;
    let mut held_back = Vec::new();
    let mut settled = false;
    for _ in 0..MAX_FIX_ROUNDS {
        let candidates: Vec<&Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| selection.is_enabled(d.code()))
            .filter(|d| d.fix.as_ref().is_some_and(|fix| fix.safe || unsafe_fixes))
            .collect();
        // While part of the file does not read as the format (a misspelt key), the model
        // lacks it and the other fixes are computed without it: the file's own fixes are
        // tried first, alone, and the others wait for the model of the next round, unless
        // none of the file's own can be applied.
        let (own, others): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            candidates.into_iter().partition(|d| BROKEN_FILE_CODES.contains(&d.code()));
        let round = [own, others]
            .iter()
            .filter(|group| !group.is_empty())
            .find_map(|group| fix_round(&current, &checked, group, syntax, &mut held_back));
        let Some(round) = round else {
            settled = true;
            break;
        };
        applied += round.applied;
        current = round.text;
        checked = round.checked;
    }
    let rolled_back = !settled;
    if rolled_back {
        current = text.to_owned();
        applied = 0;
    }
    let checked = if rolled_back || *selection != everything { check(&current, syntax, selection) } else { checked };
    let mut withheld: Vec<String> = Vec::new();
    for title in held_back.iter().map(|held| &held.title) {
        if !withheld.contains(title) {
            withheld.push(title.clone());
        }
    }
    Fixed { text: current, checked, applied, withheld, held_back, rolled_back }
}

/// One round: the fixes of `findings` applied together when that passes ([`try_fixes`]),
/// else one by one, each kept when it passes with those kept before it. Those that fail
/// are added to `held_back`, with why (not those only put off by an overlap).
fn fix_round(
    text: &str,
    checked: &Checked,
    findings: &[&Diagnostic],
    syntax: Syntax,
    held_back: &mut Vec<HeldBack>,
) -> Option<Round> {
    if let Ok(round) = try_fixes(text, checked, findings, syntax) {
        return Some(round);
    }
    let mut kept: Vec<&Diagnostic> = Vec::new();
    let mut round = None;
    for &finding in findings {
        kept.push(finding);
        match try_fixes(text, checked, &kept, syntax) {
            Ok(tried) if tried.applied == kept.len() => round = Some(tried),
            // It only overlapped a kept fix: it is tried again in the next round.
            Ok(_) => {
                kept.pop();
            }
            Err(failure) => {
                kept.pop();
                let reason = match (kept.is_empty(), failure) {
                    (true, failure) => failure,
                    // Whether it fails alone too, or only with the fixes kept before it.
                    (false, _) => match try_fixes(text, checked, &[finding], syntax) {
                        Ok(_) => HeldBackReason::Clashes { with: kept.iter().filter_map(|d| fix_title(d)).collect() },
                        Err(alone) => alone,
                    },
                };
                let Some(title) = fix_title(finding) else { continue };
                // Said once, with the first reason: a fix that clashed with one applied in
                // this round breaks the file in the next, where that one is in the text.
                let said = |held: &HeldBack| {
                    held.code == finding.code() && held.message == finding.message && held.title == title
                };
                if !held_back.iter().any(said) {
                    held_back.push(HeldBack { code: finding.code(), message: finding.message.clone(), title, reason });
                }
            }
        }
    }
    round
}

fn fix_title(finding: &Diagnostic) -> Option<String> {
    finding.fix.as_ref().map(|fix| fix.title.clone())
}

/// A round of fixes applied and checked again.
struct Round {
    text: String,
    checked: Checked,
    applied: usize,
}

/// Applies the fixes of `findings` (of `checked`, the check of `text` with every code) that
/// do not overlap an earlier one, and checks the result: why not, when nothing changed, a
/// fix applied left its finding, or an MF001-MF004 finding appeared.
fn try_fixes(text: &str, checked: &Checked, findings: &[&Diagnostic], syntax: Syntax) -> Result<Round, HeldBackReason> {
    let fixes = findings.iter().filter_map(|d| d.fix.as_ref());
    let outcome = apply_fixes(text, fixes);
    if outcome.applied.is_empty() || outcome.text == text {
        return Err(HeldBackReason::LeavesItsFinding);
    }
    let after = check(&outcome.text, syntax, &Selection::default());
    fn count(diagnostics: &[Diagnostic]) -> HashMap<(&str, &str), usize> {
        let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
        for d in diagnostics {
            *counts.entry((d.code(), d.message.as_str())).or_default() += 1;
        }
        counts
    }
    let (before_counts, after_counts) = (count(&checked.diagnostics), count(&after.diagnostics));
    let mut to_remove: HashMap<(&str, &str), usize> = HashMap::new();
    for &index in &outcome.applied {
        *to_remove.entry((findings[index].code(), findings[index].message.as_str())).or_default() += 1;
    }
    let removed = to_remove.iter().all(|(key, &fixed)| {
        after_counts.get(key).copied().unwrap_or(0) + fixed <= before_counts.get(key).copied().unwrap_or(0)
    });
    // The first finding (in the text's order) of which there are more than before.
    let broken = after.diagnostics.iter().find(|d| {
        let key = (d.code(), d.message.as_str());
        BROKEN_FILE_CODES.contains(&d.code()) && after_counts[&key] > before_counts.get(&key).copied().unwrap_or(0)
    });
    if let Some(broken) = broken {
        return Err(HeldBackReason::Breaks { code: broken.code(), message: broken.message.clone() });
    }
    if !removed {
        return Err(HeldBackReason::LeavesItsFinding);
    }
    Ok(Round { text: outcome.text, checked: after, applied: outcome.applied.len() })
}

/// What checking one version of an open document leaves for checking the next: its syntax
/// tree (with what reading YAML into values left), and its lowered rules (for YAML, with the
/// model they are in). Every edit made to the text must be told to it.
#[derive(Clone)]
pub struct Reuse {
    tree: ReusableTree,
    lowered: Lowered,
    /// Whether the parsers read the text with its lone CRs written as LFs ([`parser_text`]).
    normalised: bool,
    /// The lines of the text, and its length: the next version's are made from them.
    lines: LineIndex,
    text_len: usize,
}

/// The rules one version's lowering left for the next, in the syntax it read.
#[derive(Clone)]
enum Lowered {
    /// With the model they are in: the YAML lowering takes a rule it reuses from there.
    Yaml(Arc<lower_yaml::LoweredRules>, Arc<MailFlow>),
    Dsl(Arc<LoweredRules>),
}

impl Reuse {
    /// Records that the text from `start` to `old_end` was replaced by text ending at `new_end`.
    pub fn edit(&mut self, start: TextPoint, old_end: TextPoint, new_end: TextPoint) {
        self.tree.edit(start, old_end, new_end);
    }

    /// The lines of `text`, the text this was made from with the edits told to it.
    fn lines_of(&self, text: &str) -> LineIndex {
        match &self.tree.edited {
            Some(changed) => self.lines.edited(self.text_len, text, changed.clone()),
            None if text.len() == self.text_len => self.lines.clone(),
            None => LineIndex::new(text),
        }
    }
}

/// The text the parsers read: `text` with each lone CR written as LF.
///
/// YAML 1.2, the Language Server Protocol and the checker ([`crate::text`]) break lines at
/// `\n`, `\r\n` and a lone `\r`. tree-sitter counts rows at `\n` only, and
/// tree-sitter-yaml's grammar, outside its external scanner, does not take a lone CR for a
/// line break either: a valid file reads the same, but a broken one recovers differently.
/// A lone CR and an LF are both one byte, so every offset and span of the copy is one of
/// `text`, and so is every value read (YAML reads every line break in a value as LF; no
/// DSL token holds one). Everything else (positions, fixes, the editors) reads `text`.
fn parser_text(text: &str) -> Cow<'_, str> {
    let lone = crate::text::lone_crs(text);
    if lone.clone().next().is_none() {
        return Cow::Borrowed(text);
    }
    let mut normalised = text.as_bytes().to_vec();
    for at in lone {
        normalised[at] = b'\n';
    }
    // An ASCII byte replaced by another leaves the text UTF-8.
    Cow::Owned(String::from_utf8(normalised).expect("UTF-8 with one ASCII byte replaced by another"))
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
    check_incremental_unless(text, syntax, selection, previous, &|| false)
        .expect("a check that is never asked to stop ends")
}

/// [`check_incremental`], asking `stop` before each phase (parsing, lowering, the model's
/// checks, the simulation's checks) and before each simulated message: `None` when it said
/// to stop, so that a language server drops the check of a text a newer one overtook.
pub fn check_incremental_unless(
    text: &str,
    syntax: Syntax,
    selection: &Selection,
    previous: Option<&Reuse>,
    stop: &dyn Fn() -> bool,
) -> Option<(Checked, Reuse)> {
    if stop() {
        return None;
    }
    let lines = previous.map_or_else(|| LineIndex::new(text), |previous| previous.lines_of(text));
    let (read, reuse) = read_reusing(text, lines, syntax, previous, stop)?;
    Some((read.checked(selection, stop)?, reuse))
}

/// Reads and lowers `text` (whose lines as written are `lines`) reusing `previous`, and what
/// that leaves for the next version: `None` when `stop` said to stop.
fn read_reusing(
    text: &str,
    lines: LineIndex,
    syntax: Syntax,
    previous: Option<&Reuse>,
    stop: &dyn Fn() -> bool,
) -> Option<(Read, Reuse)> {
    let parsed = parser_text(text);
    let normalised = matches!(parsed, Cow::Owned(_));
    // An edit next to a lone CR can make it half of a CRLF, or a CRLF's CR lone: a byte the
    // parsers read changes outside the edit, so nothing of a text read normalised is reused.
    let previous = previous.filter(|previous| !normalised && !previous.normalised);
    let text: &str = &parsed;
    let old_tree = previous.map(|previous| &previous.tree);
    let (source, flow, problems, tree, lowered) = match syntax {
        Syntax::Yaml => {
            let (yaml, tree) = yaml::parse_incremental(text, &lines, old_tree);
            if stop() {
                return None;
            }
            let old = previous.and_then(|previous| match &previous.lowered {
                Lowered::Yaml(rules, flow) => Some((rules, flow)),
                Lowered::Dsl(_) => None,
            });
            let reusing = old.zip(tree.yaml.as_deref()).map(|((rules, flow), converted)| lower_yaml::Previous {
                converted,
                rules,
                flow,
            });
            let (flow, problems, rules) = lower_yaml::lower_reusing(&yaml, text, reusing);
            let flow = Arc::new(flow);
            let lowered = Lowered::Yaml(Arc::new(rules), flow.clone());
            (Source::Yaml(yaml), flow, problems, tree, lowered)
        }
        Syntax::Dsl => {
            let dsl = dsl::parse_incremental(text, old_tree);
            if stop() {
                return None;
            }
            let old_rules = previous.and_then(|previous| match &previous.lowered {
                Lowered::Dsl(rules) => Some(&**rules),
                Lowered::Yaml(..) => None,
            });
            let (flow, problems, rules) = lower_dsl::lower_reusing(&dsl, text, old_rules);
            let tree = dsl.tree.clone();
            (Source::Dsl(dsl), Arc::new(flow), problems, tree, Lowered::Dsl(Arc::new(rules)))
        }
    };
    let reuse = Reuse { tree, lowered, normalised, lines: lines.clone(), text_len: text.len() };
    Some((Read { source, flow, problems, lines }, reuse))
}

/// A text read (with its syntax errors) and lowered, with the lowering's problems.
struct Read {
    source: Source,
    flow: Arc<MailFlow>,
    problems: Vec<Problem>,
    /// The lines of the text as written (a lone CR ends one).
    lines: LineIndex,
}

impl Read {
    /// `yaml`, the reading of `text` (whose lines as written are `lines`), lowered.
    fn of_yaml(yaml: YamlFile, text: &str, lines: LineIndex) -> Read {
        let (flow, problems) = lower_yaml::lower(&yaml, text);
        Read { source: Source::Yaml(yaml), flow: Arc::new(flow), problems, lines }
    }

    /// The findings on the text, suppressed and selected: `None` when `stop` said to stop.
    fn checked(self, selection: &Selection, stop: &dyn Fn() -> bool) -> Option<Checked> {
        let Read { source, flow, problems, lines } = self;
        let syntax = source.syntax();
        let mut diagnostics: Vec<Diagnostic> = source.errors().iter().map(mf001_syntax_error::diagnostic).collect();
        diagnostics.extend(problems.iter().map(rules::lowering_finding));
        // The checks word their findings for `syntax`, as the lowering does its own.
        let (findings, activity) = rules::check_unless(&flow, syntax, stop)?;
        diagnostics.extend(findings);
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
        Some(Checked { source, flow, lines, diagnostics, activity })
    }
}

/// Computes each finding's fix from its rule, for findings that name their subject, titled
/// for `syntax`. A fix is withheld when its subject's name is not unique (the fix, or
/// Exchange, could take the other object of that name), when a syntax error lies in its
/// subject's lines or touches them (what the subject holds there is the error recovery's
/// guess, and lines a fix adds can make the broken lines read otherwise, as a new error), and
/// in YAML when it would change what an alias or a `<<` merge reads
/// ([`Editor::keeps_aliases`]): a fix changes its subject, never another rule through a
/// shared anchor.
// The lifetime ties the editor to the model's text; clippy's elision would not compile.
#[allow(clippy::needless_lifetimes)]
fn attach_fixes<'a>(
    diagnostics: &mut [Diagnostic],
    flow: &'a MailFlow,
    syntax: Syntax,
    errors: &[SyntaxError],
    editor: impl Fn() -> Box<dyn Editor + 'a>,
) {
    let mut context = None;
    let mut subjects = None;
    for diagnostic in diagnostics.iter_mut().filter(|d| d.fix.is_none()) {
        let (Some(fix), Some(subject)) = (diagnostic.rule.fix, diagnostic.subject) else { continue };
        let subjects = subjects.get_or_insert_with(|| Subjects::of(flow, syntax, errors));
        if subjects.is_ambiguous(subject) || subjects.is_broken(subject) {
            continue;
        }
        let context = context.get_or_insert_with(|| FixContext::new(flow, editor(), syntax));
        diagnostic.fix = fix(subject, context).filter(|fix| context.editor.keeps_aliases(&fix.edits));
    }
}

/// What withholds a subject's fixes ([`attach_fixes`]), worked out once for the file rather
/// than for each finding: each finding compared its subject with every object, which made a
/// check with a fixable finding per rule quadratic.
struct Subjects<'f> {
    flow: &'f MailFlow,
    errors: &'f [SyntaxError],
    /// The indexes of the rules, and of the connectors, whose name another object of their
    /// kind has (as Exchange compares names, without regard to case).
    ambiguous_rules: HashSet<usize>,
    ambiguous_connectors: HashSet<usize>,
    /// In YAML beside a syntax error, where each connector and rule starts, in order: a
    /// subject's lines run on to the next object ([`Subjects::is_broken`]). `None` in the
    /// DSL, where they end with its span.
    starts: Option<Vec<usize>>,
}

impl<'f> Subjects<'f> {
    fn of(flow: &'f MailFlow, syntax: Syntax, errors: &'f [SyntaxError]) -> Subjects<'f> {
        fn shared<'n>(names: impl Iterator<Item = Option<&'n str>>) -> HashSet<usize> {
            let names: Vec<Option<String>> = names.map(|name| name.map(str::to_ascii_lowercase)).collect();
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for name in names.iter().flatten() {
                *counts.entry(name).or_default() += 1;
            }
            let is_shared = |name: &Option<String>| name.as_deref().is_some_and(|name| counts[name] > 1);
            names.iter().enumerate().filter(|(_, name)| is_shared(name)).map(|(index, _)| index).collect()
        }
        let starts = (syntax == Syntax::Yaml).then(|| {
            let mut starts: Vec<usize> = match errors.is_empty() {
                true => Vec::new(),
                false => flow
                    .connectors
                    .iter()
                    .map(|c| c.span.start)
                    .chain(flow.rules.iter().map(|r| r.span.start))
                    .collect(),
            };
            starts.sort_unstable();
            starts
        });
        Subjects {
            flow,
            errors,
            ambiguous_rules: shared(flow.rules.iter().map(|r| r.name.as_ref().map(|n| n.value.as_str()))),
            ambiguous_connectors: shared(flow.connectors.iter().map(|c| c.name.as_ref().map(|n| n.value.as_str()))),
            starts,
        }
    }

    /// Whether another object of the subject's kind has its name.
    fn is_ambiguous(&self, subject: Subject) -> bool {
        match subject {
            Subject::Rule(index) => self.ambiguous_rules.contains(&index),
            Subject::Connector(index) => self.ambiguous_connectors.contains(&index),
            Subject::File => false,
        }
    }

    /// Whether a syntax error lies in the lines of the subject, or begins or ends where it
    /// does. In YAML the subject's lines run on to the next object: a line indented under the
    /// item that does not parse is left out of the value read (the item's span ends before
    /// it), but a fix that removes or adds a line above it can make it read as part of another
    /// key (a connector's `service:` taking the list the line starts), as a new error.
    fn is_broken(&self, subject: Subject) -> bool {
        let span = match subject {
            Subject::Rule(index) => self.flow.rules[index].span,
            Subject::Connector(index) => self.flow.connectors[index].span,
            Subject::File => return false,
        };
        let lines_end = match &self.starts {
            Some(starts) => {
                starts.get(starts.partition_point(|&start| start <= span.start)).copied().unwrap_or(usize::MAX)
            }
            None => span.end,
        };
        self.errors.iter().any(|error| error.span.touches(span) || (span.start..lines_end).contains(&error.span.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `model` reads what `check` reads: every example in both syntaxes, a broken line, a
    /// lone CR.
    #[test]
    fn the_model_alone_is_the_checked_model() {
        let examples = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples")).unwrap();
        let mut texts: Vec<(String, Syntax)> = examples
            .map(|entry| entry.unwrap().path())
            .map(|path| (std::fs::read_to_string(&path).unwrap(), Syntax::of_path(&path)))
            .collect();
        assert!(texts.len() >= 20, "the examples are read");
        texts.push((
            "mailflow: 1\ntransportRules:\n  - name: A\n    priority: 0\n  nope\r  - name: B\n".into(),
            Syntax::Yaml,
        ));
        texts.push(("mailflow 1\nrule \"A\" priority 0 {\n  when sender is inside\n  oops\r}\n".into(), Syntax::Dsl));
        for (text, syntax) in &texts {
            assert_eq!(model(text, *syntax), *check(text, *syntax, &Selection::default()).flow, "{text}");
        }
    }

    /// A rule whose lines hold a line that does not parse is not fixed: the error recovery
    /// leaves out the `- name: Tag` line and reads the lines under it into `Route`'s actions,
    /// and the `exceptions` MF301's fix would add after them would make them read otherwise,
    /// as a new error. (Found by `tests/fixes.rs` on an example with lines removed.)
    #[test]
    fn a_fix_is_withheld_from_a_subject_with_a_syntax_error_in_its_lines() {
        let whole = "connectors:\n  - name: Gateway\n    smartHosts: [d1.ess.barracudanetworks.com]\n    \
            service: {kind: smart-host, vendor: barracuda}\ntransportRules:\n  - name: Route\n    actions:\n      \
            setHeader:\n      redirectToConnector: Gateway\n";
        let broken = format!("{whole}  - name: Tag\n      recipientIs: inside\n      other: {{PrependSubject: x}}\n");
        let fix_of_mf301 = |text: &str| {
            let checked = check(text, Syntax::Yaml, &Selection::default());
            let mf301 = checked.diagnostics.iter().find(|d| d.code() == "MF301").expect("MF301");
            mf301.fix.is_some()
        };
        assert!(fix_of_mf301(whole));
        assert!(!fix_of_mf301(&broken));
    }

    /// A line indented under a connector that does not parse is left out of its value, which
    /// ends before it: removing `recipientDomains` (MF203's safe fix) would make `service:`
    /// above read it as its own, a new MF001. (Found by `tests/fixes.rs` on
    /// `suppressed-leftover-domains.mailflow.yaml` with lines removed.)
    #[test]
    fn a_fix_is_withheld_from_a_subject_followed_by_a_line_it_did_not_read() {
        let connector = "connectors:\n  - name: CodeTwo\n    use: transport-rule\n    service:\n    \
            recipientDomains: [\"*\"]\n";
        let rule = "  - name: Other\n    use: transport-rule\n";
        let fix_of_mf203 = |text: &str| {
            let checked = check(text, Syntax::Yaml, &Selection::default());
            let mf203 = checked.diagnostics.iter().find(|d| d.code() == "MF203").expect("MF203");
            assert!(checked.diagnostics.iter().any(|d| d.code() == "MF001") == text.contains("kind"));
            mf203.fix.is_some()
        };
        assert!(fix_of_mf203(&format!("{connector}{rule}")));
        assert!(!fix_of_mf203(&format!("{connector}      kind: smart-host\n{rule}")));
    }

    /// A fix is withheld from every rule whose name another rule has, as Exchange compares
    /// names (without regard to case), and from no other.
    #[test]
    fn a_fix_is_withheld_from_rules_named_alike() {
        let rule = |name: &str| {
            format!("  - name: {name}\n    conditions:\n      other: {{RecipientDomainIs: [a.example]}}\n")
        };
        let fixed = |names: [&str; 3]| {
            let text = format!("transportRules:\n{}", names.map(rule).concat());
            let checked = check(&text, Syntax::Yaml, &Selection::default());
            let mf015 = checked.diagnostics.iter().filter(|d| d.code() == "MF015");
            mf015.map(|d| d.fix.is_some()).collect::<Vec<bool>>()
        };
        assert_eq!(fixed(["A", "B", "C"]), [true, true, true]);
        assert_eq!(fixed(["Route", "B", "ROUTE"]), [false, true, false]);
    }

    /// What the editor makes for the next check of a large file it opened shares the first
    /// check's rules, with the simulator's reading of each: none is worked out again.
    #[test]
    fn the_reuse_of_a_file_read_in_pieces_shares_the_rules_of_its_check() {
        let rule = |i: usize| {
            format!(
                "  - name: Rule {i}\n    priority: {i}\n    conditions: {{senderDomainIs: [d{i}.example]}}\n    \
                 actions: {{setHeader: {{name: X-Rule-{i}, value: 'yes'}}}}\n"
            )
        };
        let text = format!("mailflow: 1\ntransportRules:\n{}", (0..400).map(rule).collect::<String>());
        let (checked, reuse) = check_first_unless(&text, Syntax::Yaml, &Selection::default(), &|| false).unwrap();
        assert!(reuse.is_none(), "a file this large is read in pieces");
        let reuse = reuse_of(&text, Syntax::Yaml, &checked.flow);
        let Lowered::Yaml(_, flow) = &reuse.lowered else { panic!("a YAML reuse") };
        assert_eq!(flow.rules.len(), 400);
        assert!(flow.rules.iter().zip(&checked.flow.rules).all(|(ours, theirs)| Arc::ptr_eq(ours, theirs)));
        assert_eq!(crate::analysis::simulate::Simulator::new(flow).work().rules_read, 0);
        // A rule that reads otherwise is the reuse's own.
        let edited = text.replacen("d7.example", "d7.example, e7.example", 1);
        let reuse = reuse_of(&edited, Syntax::Yaml, &checked.flow);
        let Lowered::Yaml(_, flow) = &reuse.lowered else { panic!("a YAML reuse") };
        assert_eq!(crate::analysis::simulate::Simulator::new(flow).work().rules_read, 393);
    }

    #[test]
    fn selection_takes_codes_and_prefixes() {
        let selection = Selection { select: vec!["MF3".into(), "mf013".into()], ignore: vec!["MF304".into()] };
        assert!(selection.is_enabled("MF301"));
        assert!(selection.is_enabled("MF013"));
        assert!(!selection.is_enabled("MF304"));
        assert!(!selection.is_enabled("MF101"));
        assert!(Selection::default().is_enabled("MF101"));
    }

    /// Issue 14, item 3: what `check --fix` says of the fixes it held back.
    #[test]
    fn held_back_fixes_say_why() {
        // Two misspellings of one key: each rename is fine alone, not both.
        let text = "mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n    prioriti: 0\n";
        let fixed = fix(text, Syntax::Yaml, &Selection::default(), true);
        assert_eq!(fixed.text, text.replace("priorty", "priority"));
        let [held] = &fixed.held_back[..] else { panic!("{:?}", fixed.held_back) };
        assert_eq!((held.code, held.title.as_str()), ("MF002", "Rename `prioriti` to `priority`"));
        assert_eq!(held.reason, HeldBackReason::Clashes { with: vec!["Rename `priorty` to `priority`".into()] });
        assert_eq!(held.reason.to_string(), "it clashes with \"Rename `priorty` to `priority`\", applied first");
        assert_eq!(fixed.withheld, [held.title.as_str()]);
        // Renaming a DSL statement to one that does not take what follows it breaks the file.
        let dsl = "mailflow 1\nrule \"R\" priority 0 {\n  sethead \"X-A\" \"true\"\n}\n";
        let fixed = fix(dsl, Syntax::Dsl, &Selection::default(), true);
        assert_eq!(fixed.text, dsl);
        let [held] = &fixed.held_back[..] else { panic!("{:?}", fixed.held_back) };
        assert_eq!(held.title, "Rename `sethead` to `set header`");
        assert!(matches!(&held.reason, HeldBackReason::Breaks { code: "MF001", .. }), "{:?}", held.reason);
        assert!(held.reason.to_string().starts_with("it would add MF001 ("), "{}", held.reason);
    }

    /// Issue 14, item 5: a check asked to stop stops before its next phase.
    #[test]
    fn a_check_stops_between_phases_when_asked() {
        let text = "mailflow: 1\ntransportRules:\n  - name: A\n    priority: 0\n";
        for syntax in [Syntax::Yaml, Syntax::Dsl] {
            let asked = std::cell::Cell::new(0);
            let never = || {
                asked.set(asked.get() + 1);
                false
            };
            let (checked, _) = check_incremental_unless(text, syntax, &Selection::default(), None, &never).unwrap();
            let phases = asked.get();
            // Parsing, lowering, the model's checks, each simulated message, the simulation's checks.
            assert!(phases > 4, "asked {phases} times");
            let whole = check_incremental(text, syntax, &Selection::default(), None).0;
            assert_eq!(format!("{:?}", checked.diagnostics), format!("{:?}", whole.diagnostics));
            for at in 1..=phases {
                let asked = std::cell::Cell::new(0);
                let stop = || {
                    asked.set(asked.get() + 1);
                    asked.get() == at
                };
                assert!(check_incremental_unless(text, syntax, &Selection::default(), None, &stop).is_none());
                assert_eq!(asked.get(), at, "nothing is asked once it stopped");
            }
        }
    }

    /// A check is asked again before every simulated message, so one overtaken inside the
    /// simulation (most of a big file's check) stops there too.
    #[test]
    fn a_check_is_asked_before_each_simulated_message() {
        let polls = |text: &str| {
            let asked = std::cell::Cell::new(0);
            let never = || {
                asked.set(asked.get() + 1);
                false
            };
            check_incremental_unless(text, Syntax::Yaml, &Selection::default(), None, &never).unwrap();
            asked.get()
        };
        let rule = |n: usize| {
            format!("  - name: R{n}\n    priority: {n}\n    conditions: {{recipientDomainIs: [d{n}.example]}}\n    actions: {{setHeader: {{name: X-{n}, value: v}}}}\n")
        };
        let file = |rules: usize| format!("mailflow: 1\ntransportRules:\n{}", (0..rules).map(rule).collect::<String>());
        let (few, many) = (polls(&file(1)), polls(&file(20)));
        assert!(many > few + 10, "{few} polls for one rule, {many} for twenty");
    }
}
