//! What the `check_yaml` and `check_dsl` targets hold of any bytes read as a file of one
//! syntax, through `check::check` as `mailflow check` calls it: bytes that are not UTF-8 are
//! refused before a check (as `mailflow check` refuses them); any text is checked without a
//! panic and within [`BUDGET`], and every place a finding names (its span, its related
//! places, its fix's edits) is a stretch of the text on character boundaries, with a line
//! and column.
//!
//! Its CI twin is `server/tests/robustness.rs` (`arbitrary_text`, `examples_cut_and_spliced`),
//! which holds the same of each finding's span and related places.

use std::time::{Duration, Instant};

use mailflow::check::{check, Selection, Syntax};
use mailflow::text::Span;

/// The longest a check may take: libFuzzer's `-timeout` catches a hang, this a check that
/// ends but is far slower than any file's (a few milliseconds for the largest example; the
/// fuzz build runs under AddressSanitizer on a shared machine, hence the margin).
pub const BUDGET: Duration = Duration::from_secs(3);

/// Checks `bytes` as a file of `syntax` and holds the check to the properties above.
pub fn holds(bytes: &[u8], syntax: Syntax) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let started = Instant::now();
    let checked = check(text, syntax, &Selection::default());
    let took = started.elapsed();
    assert!(took <= BUDGET, "checking {} bytes took {took:?}", text.len());
    let inside = |span: Span, what: &str| {
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "{what}: span {span:?} is not inside the text ({} bytes)",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "{what}: {span:?} splits a character"
        );
        let (start, end) = (checked.lines.position(text, span.start), checked.lines.position(text, span.end));
        assert!(start.line >= 1 && start.column >= 1 && (start.line, start.column) <= (end.line, end.column), "{what}");
    };
    for diagnostic in &checked.diagnostics {
        let what = format!("{} {}", diagnostic.code(), diagnostic.message);
        inside(diagnostic.span, &what);
        for related in &diagnostic.related {
            inside(related.span, &format!("{what}, related {}", related.message));
        }
        for edit in diagnostic.fix.iter().flat_map(|fix| &fix.edits) {
            inside(edit.span, &format!("{what}, fix edit {:?}", edit.replacement));
        }
    }
}
