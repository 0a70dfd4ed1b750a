//! What the checker reports: a finding with its code, place, message and optional fix.

/// A finding carries its fix, made of the edit layer's edits.
pub use crate::fixes::{Edit, Fix};
use crate::rules::RuleMeta;
use crate::text::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary place that explains a finding (the first definition of a duplicate name,
/// a hop of a simulated message).
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// The object a finding is about, by its index in the model: what its rule's fix edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Index into `MailFlow::rules`.
    Rule(usize),
    /// Index into `MailFlow::connectors`.
    Connector(usize),
    /// The file as a whole (the order of all rules, say).
    File,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    /// This finding's severity: its rule's unless the check chose another that fits it
    /// better (a rule whose page gives two severities, such as MF301, reports the lower one
    /// where the harm is smaller). `mailflow rules` shows the rule's, the higher.
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    pub subject: Option<Subject>,
}

impl Diagnostic {
    pub fn new(rule: &'static RuleMeta, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            span,
            message: message.into(),
            related: Vec::new(),
            fix: None,
            subject: None,
        }
    }

    /// Gives this finding a severity other than its rule's.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related { span, message: message.into() });
        self
    }

    /// Names the object the finding is about, so that its rule's fix can be computed.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// This finding's severity, which every output and `--fail-on` read.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}
