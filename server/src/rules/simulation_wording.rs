//! How the simulation rules (MF304-MF311) word what a simulated message did: the message,
//! its hops as related places, what sent it out. The simulator itself says nothing in words.

use super::message::Message as Words;
use crate::analysis::simulate::{Ending, Message, Pass, Path, Route, MAX_PASSES};
use crate::diagnostic::Related;
use crate::model::MailFlow;
use crate::syntax::Syntax;
use crate::text::Span;

/// A sentence naming the message, for findings: "a message from inside to user@x.com".
pub fn describe_message(message: &Message) -> String {
    format!("a message from {} to {}", if message.from_inside { "inside" } else { "outside" }, message.to)
}

/// The hops of a path as related information, worded for `syntax`: each pass's rules and
/// where it went.
pub fn hops(flow: &MailFlow, message: &Message, path: &Path, syntax: Syntax) -> Vec<Related> {
    let mut related = Vec::new();
    let may = if path.uncertain { " (depends on a condition the tool cannot evaluate)" } else { "" };
    for pass in &path.passes {
        for applied in &pass.applied {
            let rule = &flow.rules[applied.rule];
            let maybe = if applied.uncertain { " may" } else { "" };
            let applies = Words::new()
                .text(format!("pass {}: ", pass.number))
                .written(rule.name())
                .text(format!("{maybe} applies to "))
                .verbatim(describe_message(message));
            related.push(Related { span: rule.name_span(), message: applies.render(syntax) });
        }
        let (connector, how) = match pass.route {
            Route::Rule { connector, rule } => {
                (connector, Words::new().text("redirected by ").written(flow.rules[rule].name()))
            }
            Route::RecipientDomains { connector } => (connector, Words::new().text("chosen by its recipient domains")),
            Route::Mx | Route::Mailbox => continue,
        };
        let target = &flow.connectors[connector];
        let through = Words::new()
            .text(format!("pass {}: out through ", pass.number))
            .written(target.name())
            .text(" (")
            .then(how)
            .text(")");
        related.push(Related { span: target.name_span(), message: through.render(syntax) });
    }
    let end = path.passes.last().map_or(0, |p| p.number);
    let ending = match &path.ending {
        Ending::Loop { first } => format!("the message is back in the state it had at pass {first}: a loop{may}"),
        Ending::HopCapExceeded => format!("after {MAX_PASSES} passes Exchange gives up (hop count exceeded){may}"),
        Ending::DisabledConnector { .. } => "the connector is disabled: the message is not delivered".to_owned(),
        _ => return related,
    };
    if let Some(last) = related.last().map(|r| r.span) {
        related.push(Related { span: last, message: format!("after pass {end}: {ending}") });
    }
    related
}

/// What sent the message out in this pass, named by the span a finding should sit on: the
/// redirecting rule, or the recipient-domain connector.
pub fn sender_of(flow: &MailFlow, pass: &Pass) -> Option<(Span, Words)> {
    match pass.route {
        Route::Rule { rule, .. } => {
            let rule = &flow.rules[rule];
            Some((rule.name_span(), Words::new().text("rule ").written(rule.name())))
        }
        Route::RecipientDomains { connector } => {
            let c = &flow.connectors[connector];
            Some((c.name_span(), Words::new().text("connector ").written(c.name())))
        }
        Route::Mx | Route::Mailbox => None,
    }
}

/// The verb of a finding: "loops", or "may loop" when the path depends on a condition the
/// tool cannot evaluate.
pub fn verb(uncertain: bool, third_person: &str, base: &str) -> String {
    if uncertain {
        format!("may {base}")
    } else {
        third_person.to_owned()
    }
}
