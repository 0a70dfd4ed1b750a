//! Moving the spans of a lowered rule, for a text in which everything before the rule moved:
//! the DSL lowering reuses the rules an edit left alone (see `lower_dsl::LoweredRules`).
//! Every impl takes its value apart field by field, so that a field added to the model and
//! not moved here does not compile.

use super::problem::Problem;
use super::*;

pub(crate) trait Shift {
    /// Moves every span by `delta` bytes.
    fn shift(&mut self, delta: isize);
}

impl Shift for Span {
    fn shift(&mut self, delta: isize) {
        *self = self.shifted(delta);
    }
}

impl<T: Shift> Shift for Spanned<T> {
    fn shift(&mut self, delta: isize) {
        let Spanned { value, span } = self;
        value.shift(delta);
        span.shift(delta);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, delta: isize) {
        if let Some(value) = self {
            value.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, delta: isize) {
        (**self).shift(delta);
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, delta: isize) {
        for value in self {
            value.shift(delta);
        }
    }
}

/// Values without a span.
macro_rules! spanless {
    ($($t:ty),*) => {$(
        impl Shift for $t {
            fn shift(&mut self, _: isize) {}
        }
    )*};
}

spanless!(String, bool, i64, Scope, RuleMode, MessageType, MessageSize, ParameterValue);

impl Shift for Pattern {
    fn shift(&mut self, delta: isize) {
        let Pattern { source, compiled: _ } = self;
        source.shift(delta);
    }
}

impl Shift for Header {
    fn shift(&mut self, delta: isize) {
        let Header { span, name, value } = self;
        span.shift(delta);
        name.shift(delta);
        value.shift(delta);
    }
}

impl Shift for HeaderContains {
    fn shift(&mut self, delta: isize) {
        let HeaderContains { span, header, words } = self;
        span.shift(delta);
        header.shift(delta);
        words.shift(delta);
    }
}

impl Shift for HeaderMatches {
    fn shift(&mut self, delta: isize) {
        let HeaderMatches { span, header, patterns } = self;
        span.shift(delta);
        header.shift(delta);
        patterns.shift(delta);
    }
}

impl Shift for OtherParameter {
    fn shift(&mut self, delta: isize) {
        let OtherParameter { name, values, span } = self;
        name.shift(delta);
        values.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Predicates {
    fn shift(&mut self, delta: isize) {
        let Predicates {
            span,
            sender_is,
            recipient_is,
            sender_domain_is,
            recipient_domain_is,
            recipient_address_matches,
            header_contains,
            header_matches,
            message_type_matches,
            sender_is_member_of,
            from,
            sender_address_matches,
            message_size_over,
            other,
        } = self;
        span.shift(delta);
        sender_is.shift(delta);
        recipient_is.shift(delta);
        sender_domain_is.shift(delta);
        recipient_domain_is.shift(delta);
        recipient_address_matches.shift(delta);
        header_contains.shift(delta);
        header_matches.shift(delta);
        message_type_matches.shift(delta);
        sender_is_member_of.shift(delta);
        from.shift(delta);
        sender_address_matches.shift(delta);
        message_size_over.shift(delta);
        other.shift(delta);
    }
}

impl Shift for Actions {
    fn shift(&mut self, delta: isize) {
        let Actions { span, set_header, redirect_to_connector, remove_header, other } = self;
        span.shift(delta);
        set_header.shift(delta);
        redirect_to_connector.shift(delta);
        remove_header.shift(delta);
        other.shift(delta);
    }
}

impl Shift for TransportRule {
    fn shift(&mut self, delta: isize) {
        let TransportRule {
            span,
            name,
            priority,
            enabled,
            mode,
            conditions,
            exceptions,
            actions,
            stop_processing,
            defer_on_error,
            comments,
            derived: _,
        } = self;
        span.shift(delta);
        name.shift(delta);
        priority.shift(delta);
        enabled.shift(delta);
        mode.shift(delta);
        conditions.shift(delta);
        exceptions.shift(delta);
        actions.shift(delta);
        stop_processing.shift(delta);
        defer_on_error.shift(delta);
        comments.shift(delta);
    }
}

impl TransportRule {
    /// A copy of the rule for a text in which everything before it moved by `delta` bytes,
    /// keeping what the analysis derived from it, which holds no span.
    pub(crate) fn moved(&self, delta: isize) -> TransportRule {
        let mut copy = self.clone();
        copy.shift(delta);
        copy.derived = self.derived.kept();
        copy
    }
}

impl Shift for Problem {
    fn shift(&mut self, delta: isize) {
        // The kind holds no span: only the problem's place and the first place it names.
        let Problem { span, kind: _, first_given } = self;
        span.shift(delta);
        first_given.shift(delta);
    }
}
