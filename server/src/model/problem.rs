//! What reading a text into the model found wrong. The lowerings of both syntaxes report
//! these typed problems; `crate::check` turns each into its finding (MF001-MF004), whose
//! wording lives with the rule.

use super::keys::Object;
use crate::text::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub span: Span,
    pub kind: ProblemKind,
    /// For a key or statement given twice: where it was first given.
    pub first_given: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProblemKind {
    /// MF001: a key given twice in one YAML mapping.
    DuplicateKey { key: String },
    /// MF001: a DSL statement (a setting's slot) given twice in one block (`place`).
    DuplicateStatement { statement: String, place: String },
    /// MF002: a YAML key that `object` does not have, with the nearest one it has.
    UnknownKey { key: String, object: Object, nearest: Option<&'static str> },
    /// MF002: a word starting a DSL statement that is no statement of the block (`place`,
    /// whose statements are `allowed`).
    UnknownStatement { written: String, place: String, allowed: Vec<String>, nearest: Option<String> },
    /// MF002: a DSL statement of another block (`home`), or one written where it is not a
    /// statement.
    MisplacedStatement { written: String, home: String, place: String, allowed: Vec<String> },
    /// MF003: a value of the wrong kind.
    WrongType { key: String, found: String, expected: String },
    /// MF003: a value outside the allowed set.
    NotAllowed { key: String, written: String, allowed: Vec<String> },
    /// MF003: a YAML scalar where a boolean belongs.
    NotBoolean { key: String, written: String },
    /// MF003: a number below the minimum.
    OutOfRange { key: String, value: i64, min: i64 },
    /// MF004: `what` (the object) lacks the required `key`, which is for `purpose`.
    Missing { what: String, key: String, purpose: String },
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

impl Problem {
    fn new(span: Span, kind: ProblemKind) -> Self {
        Problem { span, kind, first_given: None }
    }

    /// Says where the repeated key or statement was first given.
    pub fn first_given_at(mut self, span: Span) -> Self {
        self.first_given = Some(span);
        self
    }

    pub fn duplicate_key(span: Span, key: &str) -> Self {
        Problem::new(span, ProblemKind::DuplicateKey { key: key.to_owned() })
    }

    pub fn duplicate_statement(span: Span, statement: &str, place: &str) -> Self {
        Problem::new(span, ProblemKind::DuplicateStatement { statement: statement.to_owned(), place: place.to_owned() })
    }

    pub fn unknown_key(span: Span, key: &str, object: Object, nearest: Option<&'static str>) -> Self {
        Problem::new(span, ProblemKind::UnknownKey { key: key.to_owned(), object, nearest })
    }

    pub fn unknown_statement(span: Span, written: &str, place: &str, allowed: &[&str], nearest: Option<&str>) -> Self {
        let kind = ProblemKind::UnknownStatement {
            written: written.to_owned(),
            place: place.to_owned(),
            allowed: strings(allowed),
            nearest: nearest.map(str::to_owned),
        };
        Problem::new(span, kind)
    }

    pub fn misplaced_statement(span: Span, written: &str, home: &str, place: &str, allowed: &[&str]) -> Self {
        let kind = ProblemKind::MisplacedStatement {
            written: written.to_owned(),
            home: home.to_owned(),
            place: place.to_owned(),
            allowed: strings(allowed),
        };
        Problem::new(span, kind)
    }

    pub fn wrong_type(span: Span, key: &str, found: &str, expected: &str) -> Self {
        let kind =
            ProblemKind::WrongType { key: key.to_owned(), found: found.to_owned(), expected: expected.to_owned() };
        Problem::new(span, kind)
    }

    pub fn not_allowed(span: Span, key: &str, written: &str, allowed: &[&str]) -> Self {
        let kind =
            ProblemKind::NotAllowed { key: key.to_owned(), written: written.to_owned(), allowed: strings(allowed) };
        Problem::new(span, kind)
    }

    pub fn not_boolean(span: Span, key: &str, written: &str) -> Self {
        Problem::new(span, ProblemKind::NotBoolean { key: key.to_owned(), written: written.to_owned() })
    }

    pub fn out_of_range(span: Span, key: &str, value: i64, min: i64) -> Self {
        Problem::new(span, ProblemKind::OutOfRange { key: key.to_owned(), value, min })
    }

    pub fn missing(span: Span, what: &str, key: &str, purpose: &str) -> Self {
        let kind = ProblemKind::Missing { what: what.to_owned(), key: key.to_owned(), purpose: purpose.to_owned() };
        Problem::new(span, kind)
    }
}
