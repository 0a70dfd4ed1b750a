//! The analysis: checks over the whole model, whatever syntax it was written in. Each check
//! lives in its rule's module under `rules/`; this runs them all. Pure functions of the model.

pub mod roles;
pub mod simulate;

use crate::diagnostic::Diagnostic;
use crate::model::MailFlow;
use crate::rules::*;
use simulate::Simulation;

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
    mf101_signature_rule_not_first::check,
    mf102_signature_rule_without_stop::check,
    mf103_smart_host_rule_not_next::check,
    mf104_smart_host_rule_before_signature::check,
    mf201_smart_host_connector_not_rule_scoped::check,
    mf202_connector_without_rule::check,
    mf203_rule_scoped_connector_lists_domains::check,
    mf204_redirect_to_disabled_connector::check,
    mf205_on_premises_relays_through_smart_host::check,
    mf206_undeclared_service::check,
    mf207_proofpoint_missing_relay_domain::check,
    mf301_smart_host_rule_without_anti_loop_header::check,
    mf302_smart_host_rule_without_anti_loop_exception::check,
    mf303_anti_loop_mismatch::check,
    mf307_shared_anti_loop_header::check,
    mf309_signature_rule_without_processed_exception::check,
    mf401_smart_host_rule_without_sender_scope::check,
    mf402_smart_host_rule_without_recipient_scope::check,
    mf403_smart_host_rule_without_defer::check,
    mf404_routing_rule_disabled::check,
    mf405_routing_rule_not_enforced::check,
];

/// The checks that follow simulated messages, in code order.
const SIMULATION_CHECKS: &[fn(&Simulation, &mut Vec<Diagnostic>)] = &[
    mf304_routing_loop::check,
    mf305_smart_host_visited_twice::check,
    mf306_smart_host_before_signature::check,
    mf308_rule_never_reached::check,
    mf310_conflicting_redirects::check,
    mf311_signature_service_bypassed::check,
];

pub fn check(flow: &MailFlow) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for check in CHECKS {
        check(flow, &mut diagnostics);
    }
    let simulation = Simulation::of(flow);
    for check in SIMULATION_CHECKS {
        check(&simulation, &mut diagnostics);
    }
    diagnostics
}
