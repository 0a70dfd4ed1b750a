//! Moving one rule directly above or below another in evaluation order, every rule
//! renumbered to its new place (MF312, MF313): only priority numbers change, every rule
//! keeps its place in the file.

use std::ptr;

use crate::diagnostic::{Edit, Fix};
use crate::fixes::FixContext;
use crate::model::TransportRule;
use crate::rules::message::Message;

/// Where a moved rule goes, next to another rule of the file.
#[derive(Clone, Copy, Debug)]
pub enum Beside<'a> {
    /// Directly above it: evaluated just before.
    Above(&'a TransportRule),
    /// Directly below it: evaluated just after.
    Below(&'a TransportRule),
}

/// The edits that move `rule` to `place` in evaluation order and give every rule the
/// priority number of its new place; `None` when the other rule is not in the file or a
/// priority cannot be written.
pub fn move_beside(context: &FixContext, rule: &TransportRule, place: Beside) -> Option<Vec<Edit>> {
    let mut order: Vec<&TransportRule> =
        context.flow.rules_in_order().into_iter().filter(|other| !ptr::eq(*other, rule)).collect();
    let (anchor, after) = match place {
        Beside::Above(anchor) => (anchor, 0),
        Beside::Below(anchor) => (anchor, 1),
    };
    let at = order.iter().position(|other| ptr::eq(*other, anchor))? + after;
    order.insert(at, rule);
    let order: Vec<Option<&TransportRule>> = order.into_iter().map(Some).collect();
    context.editor.renumber_priorities(&order)
}

/// The fix that moves `rule` to `place`, titled "Move `rule` directly above (below) `other`".
/// It is unsafe: the rules it passes act on mail in another order.
pub fn move_fix(context: &FixContext, rule: &TransportRule, place: Beside) -> Option<Fix> {
    let (anchor, where_) = match place {
        Beside::Above(anchor) => (anchor, " directly above "),
        Beside::Below(anchor) => (anchor, " directly below "),
    };
    Some(Fix {
        title: Message::new()
            .text("Move ")
            .written(rule.name())
            .text(where_)
            .written(anchor.name())
            .render(context.syntax),
        safe: false,
        edits: move_beside(context, rule, place)?,
    })
}
