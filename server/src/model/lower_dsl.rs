//! Lowering from the DSL tree to the model.

use super::MailFlow;
use crate::diagnostic::Diagnostic;
use crate::syntax::dsl::DslFile;

pub fn lower(file: &DslFile, text: &str) -> (MailFlow, Vec<Diagnostic>) {
    let _ = (file, text);
    (MailFlow::default(), Vec::new())
}
