//! How the simulation rules (MF304-MF311) word what a simulated message did: the message,
//! its hops as related places, what sent it out. The simulator itself says nothing in words.

use super::message::{Message as Words, Place};
use crate::analysis::simulate::{
    Class, Ending, Message, OutOfScope, Pass, Path, Route, ScopeCause, MAX_BRANCHES, MAX_PASSES,
};
use crate::diagnostic::Related;
use crate::model::MailFlow;
use crate::syntax::Syntax;
use crate::text::Span;

/// A sentence naming the message, for findings: "a message from inside to user@x.com",
/// "an automatic reply (oof) from inside to user@x.com".
pub fn describe_message(message: &Message) -> String {
    let from = match &message.class {
        Class::NullSender => "the null sender <>".to_owned(),
        Class::From(address) => address.clone(),
        Class::MemberOf(group) => format!("a member of {group}"),
        _ if message.from_inside => "inside".to_owned(),
        _ => "outside".to_owned(),
    };
    format!("{} from {from} to {}", class_words(&message.class), message.to)
}

/// What kind of message a class is: "a message", "a message of 23592960 bytes", "an
/// automatic reply (oof)".
pub fn class_words(class: &Class) -> String {
    match class {
        Class::Type(message_type) => {
            let meaning = crate::model::keys::MESSAGE_TYPES
                .iter()
                .find(|(key, _)| *key == message_type.key())
                .map_or("a message", |(_, meaning)| meaning);
            format!("a message of type {} ({meaning})", message_type.key())
        }
        Class::Size(bytes) if (bytes + 1).is_multiple_of(1024) => {
            format!("a message just under {}", size_words(bytes + 1))
        }
        Class::Size(bytes) => format!("a message of {}", size_words(*bytes)),
        _ => "a message".to_owned(),
    }
}

/// A size as people write it: `22.5 MB`, `10 KB`, or bytes.
fn size_words(bytes: u64) -> String {
    let units = [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    let Some((unit, scale)) = units.into_iter().find(|(_, scale)| bytes >= *scale && bytes.is_multiple_of(1024)) else {
        return format!("{bytes} bytes");
    };
    let value = format!("{:.2}", bytes as f64 / scale as f64);
    format!("{} {unit}", value.trim_end_matches('0').trim_end_matches('.'))
}

/// Why a message is out of the signature scope, worded for `syntax`: "excepted by
/// `messageSizeOver` on `Identify messages to send to Exclaimer Cloud`".
pub fn out_of_scope_words(flow: &MailFlow, out: &OutOfScope, syntax: Syntax) -> String {
    let rule = flow.rules[out.rule].name();
    let words = match &out.cause {
        ScopeCause::Condition(key) => Words::new()
            .text("not matched by the condition ")
            .predicate(Place::Condition, key)
            .text(" of ")
            .written(rule),
        ScopeCause::Exception(key) => {
            Words::new().text("excepted by ").predicate(Place::Exception, key).text(" on ").written(rule)
        }
        ScopeCause::Stamped { header, by } => Words::new()
            .text("excepted on ")
            .written(rule)
            .text(" by the header ")
            .written(header.as_str())
            .text(", which ")
            .written(flow.rules[*by].name())
            .text(" stamps above it"),
    };
    words.render(syntax)
}

/// The note on a simulation finding of a file whose simulation the branch cap cut: `cut`
/// ways were not followed, and the finding may not hold on them (nor other findings be
/// missing).
pub fn cut_note(cut: u64) -> String {
    format!(
        "not every way was followed: conditions mailflow cannot evaluate branch past the {MAX_BRANCHES} ways it \
         follows per message, and at least {cut} more way{} went unfollowed; this finding rests on the ways \
         followed",
        if cut == 1 { "" } else { "s" }
    )
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
            Route::TakenAway { rule } => {
                let taken = Words::new()
                    .text(format!("pass {}: ", pass.number))
                    .written(flow.rules[rule].name())
                    .text(" takes the message away");
                related.push(Related { span: flow.rules[rule].name_span(), message: taken.render(syntax) });
                continue;
            }
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
        Route::TakenAway { rule } => {
            let rule = &flow.rules[rule];
            Some((rule.name_span(), Words::new().text("rule ").written(rule.name())))
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
