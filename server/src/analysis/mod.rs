//! The analysis: what the checks share, pure functions of the model, whatever syntax it was
//! written in. `roles` classifies rules and connectors; `other_effects` reads what `other`
//! conditions and actions do, and what a rule's actions do to a message's path; `understood`
//! reads an `other` entry that names a key's parameter as the key; `simulate` follows
//! messages pass by pass, and `activity` keeps what it saw each rule do. The checks themselves
//! live in their rules' modules under `rules/`.

pub mod activity;
pub mod other_effects;
pub mod roles;
pub mod simulate;
pub mod understood;
