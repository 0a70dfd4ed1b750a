//! The diagnostic catalogue: one module per code, each carrying the code, its name, its
//! severity, a one-line summary, its documentation page, how it checks and its fix. This is
//! the one registry: adding a rule is its file and its line in [`ALL`].

use crate::analysis::activity::Activity;
use crate::analysis::roles::Roles;
use crate::analysis::simulate::Simulation;
use crate::diagnostic::{Diagnostic, Fix, Related, Severity, Subject};
use crate::fixes::FixContext;
use crate::model::problem::{Problem, ProblemKind};
use crate::model::MailFlow;
use crate::side_by_side;
use crate::syntax::Syntax;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod dsl_spelling;
pub mod message;
/// Edits that several rules' fixes share.
pub mod recipes;
/// How the simulation rules word what a simulated message did.
pub mod simulation_wording;

pub mod mf001_syntax_error;
pub mod mf002_unknown_key;
pub mod mf003_invalid_value;
pub mod mf004_missing_key;
pub mod mf005_duplicate_name;
pub mod mf006_unknown_connector;
pub mod mf007_duplicate_priority;
pub mod mf008_unsupported_version;
pub mod mf009_limit_exceeded;
pub mod mf010_invalid_header_name;
pub mod mf011_invalid_regex;
pub mod mf012_on_premises_only_value;
pub mod mf013_priority_gap;
pub mod mf014_unused_suppression;
pub mod mf015_other_has_a_key;
pub mod mf101_signature_rule_not_first;
pub mod mf102_signature_rule_without_stop;
pub mod mf103_smart_host_rule_not_next;
pub mod mf104_smart_host_rule_before_signature;
pub mod mf201_smart_host_connector_not_rule_scoped;
pub mod mf202_connector_without_rule;
pub mod mf203_rule_scoped_connector_lists_domains;
pub mod mf204_redirect_to_disabled_connector;
pub mod mf205_on_premises_relays_through_smart_host;
pub mod mf206_undeclared_service;
pub mod mf207_proofpoint_missing_relay_domain;
pub mod mf301_smart_host_rule_without_anti_loop_header;
pub mod mf302_smart_host_rule_without_anti_loop_exception;
pub mod mf303_anti_loop_mismatch;
pub mod mf304_routing_loop;
pub mod mf305_smart_host_visited_twice;
pub mod mf306_smart_host_before_signature;
pub mod mf307_shared_anti_loop_header;
pub mod mf308_rule_never_reached;
pub mod mf309_signature_rule_without_processed_exception;
pub mod mf310_conflicting_redirects;
pub mod mf311_signature_service_bypassed;
pub mod mf312_exclusion_rule_after_signature_rule;
pub mod mf313_anti_loop_header_removed_too_early;
pub mod mf401_smart_host_rule_without_sender_scope;
pub mod mf402_smart_host_rule_without_recipient_scope;
pub mod mf403_smart_host_rule_without_defer;
pub mod mf404_routing_rule_disabled;
pub mod mf405_routing_rule_not_enforced;
pub mod mf501_observed_smart_host_before_signature;
pub mod mf502_observed_service_visited_twice;
pub mod mf503_observed_loop;
pub mod mf504_observed_path_incomplete;
pub mod mf505_observed_path_differs_from_file;
pub mod mf506_observed_signature_missing;

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, `MF` and three digits.
    pub code: &'static str,
    /// Kebab-case name that says what is wrong.
    pub name: &'static str,
    pub severity: Severity,
    /// One line for `mailflow rules` and SARIF `shortDescription`.
    pub summary: &'static str,
    /// The Markdown page printed by `mailflow explain` and shown on hover.
    pub doc: &'static str,
    /// Computes the fix for a finding about this subject, when the rule has one.
    pub fix: Option<FixFn>,
    /// Where the rule's findings come from.
    pub check: Check,
}

/// How a rule finds what it reports.
#[derive(Debug)]
pub enum Check {
    /// Reading the text into the model reports it (MF001-MF004): `crate::check` turns the
    /// lowering's problems into these findings.
    Lowering,
    /// A pure function of the model.
    Model(fn(&MailFlow, &mut Findings)),
    /// A pure function of the simulated messages' paths.
    Simulation(fn(&Simulation, &mut Findings)),
    /// Applying the suppression comments reports it (MF014).
    Suppressions,
    /// Reading a real message's headers reports it (MF501-MF506, `crate::headers`), not
    /// checking a file: its page's Example is a header block (and the file, for the
    /// findings that compare the two).
    Headers,
}

/// Rules are identified by their code.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

/// A rule's fix: the edits that resolve its finding about `subject`, or `None` when this
/// file's shape does not allow a safe edit.
pub type FixFn = fn(Subject, &FixContext) -> Option<Fix>;

/// Every rule, in code order.
pub static ALL: &[&RuleMeta] = &[
    &mf001_syntax_error::RULE,
    &mf002_unknown_key::RULE,
    &mf003_invalid_value::RULE,
    &mf004_missing_key::RULE,
    &mf005_duplicate_name::RULE,
    &mf006_unknown_connector::RULE,
    &mf007_duplicate_priority::RULE,
    &mf008_unsupported_version::RULE,
    &mf009_limit_exceeded::RULE,
    &mf010_invalid_header_name::RULE,
    &mf011_invalid_regex::RULE,
    &mf012_on_premises_only_value::RULE,
    &mf013_priority_gap::RULE,
    &mf014_unused_suppression::RULE,
    &mf015_other_has_a_key::RULE,
    &mf101_signature_rule_not_first::RULE,
    &mf102_signature_rule_without_stop::RULE,
    &mf103_smart_host_rule_not_next::RULE,
    &mf104_smart_host_rule_before_signature::RULE,
    &mf201_smart_host_connector_not_rule_scoped::RULE,
    &mf202_connector_without_rule::RULE,
    &mf203_rule_scoped_connector_lists_domains::RULE,
    &mf204_redirect_to_disabled_connector::RULE,
    &mf205_on_premises_relays_through_smart_host::RULE,
    &mf206_undeclared_service::RULE,
    &mf207_proofpoint_missing_relay_domain::RULE,
    &mf301_smart_host_rule_without_anti_loop_header::RULE,
    &mf302_smart_host_rule_without_anti_loop_exception::RULE,
    &mf303_anti_loop_mismatch::RULE,
    &mf304_routing_loop::RULE,
    &mf305_smart_host_visited_twice::RULE,
    &mf306_smart_host_before_signature::RULE,
    &mf307_shared_anti_loop_header::RULE,
    &mf308_rule_never_reached::RULE,
    &mf309_signature_rule_without_processed_exception::RULE,
    &mf310_conflicting_redirects::RULE,
    &mf311_signature_service_bypassed::RULE,
    &mf312_exclusion_rule_after_signature_rule::RULE,
    &mf313_anti_loop_header_removed_too_early::RULE,
    &mf401_smart_host_rule_without_sender_scope::RULE,
    &mf402_smart_host_rule_without_recipient_scope::RULE,
    &mf403_smart_host_rule_without_defer::RULE,
    &mf404_routing_rule_disabled::RULE,
    &mf405_routing_rule_not_enforced::RULE,
    &mf501_observed_smart_host_before_signature::RULE,
    &mf502_observed_service_visited_twice::RULE,
    &mf503_observed_loop::RULE,
    &mf504_observed_path_incomplete::RULE,
    &mf505_observed_path_differs_from_file::RULE,
    &mf506_observed_signature_missing::RULE,
];

/// Where the checks put their findings, with the syntax of the checked file: their messages
/// are worded for it (see [`message`]); and the roles of the file's rules and connectors,
/// resolved once for every check of the file.
pub struct Findings<'a> {
    syntax: Syntax,
    found: Vec<Diagnostic>,
    roles: &'a Roles<'a>,
}

impl<'a> Findings<'a> {
    pub fn new(syntax: Syntax, roles: &'a Roles<'a>) -> Findings<'a> {
        Findings { syntax, found: Vec::new(), roles }
    }

    /// What each rule and connector of the checked file is for.
    pub fn roles(&self) -> &'a Roles<'a> {
        self.roles
    }

    /// The syntax of the checked file.
    pub fn syntax(&self) -> Syntax {
        self.syntax
    }

    pub fn push(&mut self, finding: Diagnostic) {
        self.found.push(finding);
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.found
    }
}

/// Runs every check of the model and of the simulation, in code order: the model's first.
/// `syntax` is the syntax the model was read from, which the messages are worded for.
pub fn check(flow: &MailFlow, syntax: Syntax) -> Vec<Diagnostic> {
    check_unless(flow, syntax, &|| false).expect("a check that is never asked to stop ends").0
}

/// How many rules and connectors a file has before its model's checks run beside its
/// simulation, on a thread of their own: on a large file each takes a few milliseconds, on
/// a small one starting the thread, and the other core's caches, cost more than it saves.
/// With this and the other thresholds of a second thread (`COPIED_BESIDE`, `MOVED_BESIDE`,
/// `SERIALIZED_BESIDE`) at 200-256 rather than 512-1,024, an edit of 300 rules took more
/// time and more processor time: p50 1.8-2.5 ms against 1.4-2.1, 2.1-2.9 ms of processor
/// time against 1.6-2.4 (`benchmarks/lsp_latency.py`, two runs interleaved); at 1,000 and
/// 3,000 rules the two were within the noise.
const SIDE_BY_SIDE: usize = 1000;

/// [`check`], asking `stop` before the model's checks, before each simulated message and
/// before the simulation's checks: `None` when it said to stop. Also returns what the
/// simulation saw each rule do, for the pages about rules.
pub fn check_unless(flow: &MailFlow, syntax: Syntax, stop: &dyn Fn() -> bool) -> Option<(Vec<Diagnostic>, Activity)> {
    check_side_by_side_unless(flow, syntax, flow.rules.len() + flow.connectors.len() >= SIDE_BY_SIDE, stop)
}

/// [`check_unless`], the model's checks on a thread of their own beside the simulation when
/// `beside` (their findings are the same either way): this thread takes its share of them
/// once the simulation is done, since with the rules' reading kept between versions the
/// simulation of an edit is the shorter of the two.
fn check_side_by_side_unless(
    flow: &MailFlow,
    syntax: Syntax,
    beside: bool,
    stop: &dyn Fn() -> bool,
) -> Option<(Vec<Diagnostic>, Activity)> {
    if stop() {
        return None;
    }
    let roles = Roles::of(flow);
    let model_checks = ModelChecks { flow, syntax, roles: &roles, next: AtomicUsize::new(0) };
    // The simulation holds `Rc`s: it stays on this thread.
    let simulate = || Simulation::of_unless(flow, stop);
    let (simulation, found) = if beside {
        let (mut found, (simulation, here)) = side_by_side::join(
            || model_checks.take(),
            || {
                let simulation = simulate();
                (simulation, model_checks.take())
            },
        );
        found.extend(here);
        (simulation, found)
    } else {
        let found = model_checks.take();
        (simulate(), found)
    };
    let mut findings = Findings::new(syntax, &roles);
    findings.found = ModelChecks::in_code_order(found);
    let simulation = simulation?;
    if stop() {
        return None;
    }
    let simulated_from = findings.found.len();
    for rule in ALL {
        if let Check::Simulation(check) = rule.check {
            check(&simulation, &mut findings);
        }
    }
    // What the simulation found rests on the ways it followed: where the branch cap cut
    // some, each of its findings says so.
    let cut = simulation.simulator.work().cut;
    if cut > 0 {
        for finding in &mut findings.found[simulated_from..] {
            let note = Related { span: finding.span, message: simulation_wording::cut_note(cut) };
            finding.related.push(note);
        }
    }
    Some((findings.into_vec(), Activity::of(&simulation)))
}

/// The model's checks of one file, each taken by one of the threads that run them.
struct ModelChecks<'a> {
    flow: &'a MailFlow,
    syntax: Syntax,
    roles: &'a Roles<'a>,
    /// The index in [`ALL`] of the next rule to look at.
    next: AtomicUsize,
}

impl ModelChecks<'_> {
    /// Runs checks until none is left; returns each one's findings with its index in [`ALL`].
    fn take(&self) -> Vec<(usize, Vec<Diagnostic>)> {
        let mut done = Vec::new();
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = ALL.get(index) else { return done };
            if let Check::Model(check) = rule.check {
                let mut findings = Findings::new(self.syntax, self.roles);
                check(self.flow, &mut findings);
                done.push((index, findings.found));
            }
        }
    }

    /// The findings of every check, in the order of [`ALL`], whichever thread ran it.
    fn in_code_order(mut done: Vec<(usize, Vec<Diagnostic>)>) -> Vec<Diagnostic> {
        done.sort_unstable_by_key(|&(index, _)| index);
        done.into_iter().flat_map(|(_, found)| found).collect()
    }
}

fn words(allowed: &[String]) -> Vec<&str> {
    allowed.iter().map(String::as_str).collect()
}

/// The finding (MF001-MF004) for a problem that reading the text into the model found.
pub fn lowering_finding(problem: &Problem) -> Diagnostic {
    let span = problem.span;
    let finding = match &problem.kind {
        ProblemKind::DuplicateKey { key } => mf001_syntax_error::duplicate_key(span, key),
        ProblemKind::DuplicateStatement { statement, place } => {
            mf001_syntax_error::duplicate_statement(span, statement, place)
        }
        ProblemKind::UnknownKey { key, object, nearest } => mf002_unknown_key::diagnostic(span, key, *object, *nearest),
        ProblemKind::UnknownStatement { written, place, allowed, nearest } => {
            mf002_unknown_key::unknown_statement(span, written, place, &words(allowed), nearest.as_deref())
        }
        ProblemKind::MisplacedStatement { written, home, place, allowed } => {
            mf002_unknown_key::misplaced_statement(span, written, home, place, &words(allowed))
        }
        ProblemKind::WrongType { key, found, expected } => mf003_invalid_value::wrong_type(span, key, found, expected),
        ProblemKind::NotAllowed { key, written, allowed } => {
            mf003_invalid_value::not_allowed(span, key, written, &words(allowed))
        }
        ProblemKind::NotBoolean { key, written } => mf003_invalid_value::not_boolean(span, key, written),
        ProblemKind::OutOfRange { key, value, min } => mf003_invalid_value::out_of_range(span, key, *value, *min),
        ProblemKind::Missing { what, key, purpose } => mf004_missing_key::diagnostic(span, what, key, purpose),
    };
    match problem.first_given {
        Some(first) => finding.with_related(first, "first given here"),
        None => finding,
    }
}

/// The rule with this code (case-insensitive), if any.
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    ALL.iter().copied().find(|rule| rule.code.eq_ignore_ascii_case(code))
}

/// The project's home page (SARIF's `informationUri`).
pub const PROJECT_HOME: &str = "https://github.com/mailflow/mailflow";

/// The pages of the codes as the repository shows them (`docs/rules/MFxxx.md`), in the form
/// [`page_url`] reads.
pub const REPOSITORY_PAGES: &str = "https://github.com/mailflow/mailflow/blob/main/docs/rules/{CODE}.md";

/// The address of the page of `code` under a docs URL, the one link the language server
/// (`codeDescription`) and SARIF (`helpUri`) give: `{CODE}` in the URL stands for the code
/// (so pages may have a suffix such as `.md`); a URL without it gets the code as its last
/// segment, `{docs_url}/{CODE}`.
pub fn page_url(docs_url: &str, code: &str) -> String {
    if docs_url.contains("{CODE}") {
        docs_url.replace("{CODE}", code)
    } else {
        format!("{}/{code}", docs_url.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_url_puts_the_code_where_it_says_or_last() {
        assert_eq!(
            page_url(REPOSITORY_PAGES, "MF206"),
            "https://github.com/mailflow/mailflow/blob/main/docs/rules/MF206.md"
        );
        assert_eq!(page_url("https://docs.example/codes/", "MF202"), "https://docs.example/codes/MF202");
        assert_eq!(page_url("https://docs.example/codes", "MF202"), "https://docs.example/codes/MF202");
        assert_eq!(page_url("https://docs.example/{CODE}.html#top", "MF101"), "https://docs.example/MF101.html#top");
    }

    /// A large file's model checks run on a thread of their own beside the simulation; the
    /// findings, of both, are those of running one after the other.
    #[test]
    fn checking_side_by_side_finds_what_checking_in_turn_finds() {
        let example = include_str!("../../../examples/broken-rule-order.mailflow.yaml");
        // Disclaimer rules whose header names end in a colon (MF010, of the model).
        let disclaimer = |n: usize| {
            format!(
                "  - name: Disclaimer {n}\n    priority: {}\n    exceptions: {{headerContains: {{header: \"X-Dept-{n}:\", words: [x]}}}}\n    actions: {{setHeader: {{name: X-Dept, value: \"{n}\"}}}}\n",
                n + 3
            )
        };
        let text = format!("{example}\n{}", (0..SIDE_BY_SIDE).map(disclaimer).collect::<String>());
        let flow = crate::model::lower_yaml::lower(&crate::syntax::yaml::parse(&text), &text).0;
        assert!(flow.rules.len() + flow.connectors.len() >= SIDE_BY_SIDE);
        let check = |beside| check_side_by_side_unless(&flow, Syntax::Yaml, beside, &|| false).unwrap().0;
        let (beside, in_turn) = (check(true), check(false));
        assert_eq!(beside, in_turn);
        let count = |code: &str| beside.iter().filter(|d| d.code() == code).count();
        assert_eq!((count("MF010"), count("MF306")), (SIDE_BY_SIDE, 1), "{beside:#?}");
    }

    #[test]
    fn codes_are_unique_and_ordered() {
        for pair in ALL.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
    }

    #[test]
    fn every_page_has_the_required_sections() {
        for rule in ALL {
            for heading in ["## What it finds", "## Why it breaks mail", "## Example", "## Fixed", "## Fix safety"] {
                assert!(rule.doc.contains(heading), "{} lacks {heading}", rule.code);
            }
            assert!(rule.doc.starts_with(&format!("# {} {}", rule.code, rule.name)), "{} page title", rule.code);
        }
    }
}
