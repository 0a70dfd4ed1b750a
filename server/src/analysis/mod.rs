//! The analysis: checks over the whole model, whatever syntax it was written in. Each check
//! lives in its rule's module under `rules/`; this runs them all. Pure functions of the model.

pub mod roles;

use crate::diagnostic::Diagnostic;
use crate::model::MailFlow;
use crate::rules::*;

/// The checks that read the model, in code order.
const CHECKS: &[fn(&MailFlow, &mut Vec<Diagnostic>)] = &[
    mf005_duplicate_name::check,
    mf006_unknown_connector::check,
    mf007_duplicate_priority::check,
    mf008_unsupported_version::check,
    mf009_limit_exceeded::check,
    mf010_invalid_header_name::check,
    mf011_invalid_regex::check,
    mf012_on_premises_only_value::check,
    mf013_priority_gap::check,
];

pub fn check(flow: &MailFlow) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for check in CHECKS {
        check(flow, &mut diagnostics);
    }
    diagnostics
}
