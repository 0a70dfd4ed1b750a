//! Edits that several rules' fixes share: a key inside a rule's conditions, exceptions or
//! actions (`rule_edits`), moving a rule next to another (`rule_order`), and the guide's
//! anti-loop smart host rule (`smart_host_rule`).

pub mod rule_edits;
pub mod rule_order;
pub mod smart_host_rule;
