//! What the simulation saw each rule do, worked out once when a text is checked and kept with
//! it (`check::Checked::activity`): a page about a rule (an editor's hover) reads it instead of
//! simulating the whole file again.

use std::collections::BTreeMap;

use super::simulate::{Message, OutOfScope, SignatureScope, Simulation};

/// For each rule of the flow, by index.
#[derive(Debug, Default)]
pub struct Activity {
    /// The passes in which the rule applied to a simulated message from inside to outside,
    /// each with whether it surely did (not only on a branch of a condition the tool cannot
    /// evaluate).
    pub outbound_passes: Vec<BTreeMap<usize, bool>>,
    /// The simulated messages from inside to outside that the rule, a signature rule, keeps
    /// out of the signature service on purpose, and why, in the order simulated.
    pub kept_out: Vec<Vec<(Message, OutOfScope)>>,
}

impl Activity {
    /// One pass over the simulation's paths and runs.
    pub fn of(simulation: &Simulation) -> Activity {
        let rules = simulation.flow.rules.len();
        let mut activity =
            Activity { outbound_passes: vec![BTreeMap::new(); rules], kept_out: vec![Vec::new(); rules] };
        let outbound = |message: &Message| message.from_inside && !simulation.is_inside(message.recipient_domain());
        for (_, path) in simulation.paths().filter(|(message, _)| outbound(message)) {
            for pass in &path.passes {
                for applied in &pass.applied {
                    *activity.outbound_passes[applied.rule].entry(pass.number).or_default() |= !applied.uncertain;
                }
            }
        }
        for (message, scope, _) in simulation.runs.iter().filter(|(message, _, _)| outbound(message)) {
            if let SignatureScope::Out(out) = scope {
                activity.kept_out[out.rule].push((message.clone(), out.clone()));
            }
        }
        activity
    }
}
