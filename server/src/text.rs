//! Byte spans into a source text and their conversion to line/column positions.
//!
//! One rule says where lines break, everywhere: at `\n`, at `\r\n` and at a `\r` not
//! followed by `\n`, as YAML 1.2 and the Language Server Protocol count them (the language
//! server's rope, ropey with `cr_lines`, counts the same). The checker's positions, the
//! fixes' new lines, the diff and the server's positions all read it from here.
//!
//! Text a user wrote is made safe to print here too ([`visible`]): the command line and
//! `trace` escape names and values the same way. And the names of a path are written into
//! a URI's path and read back from it here ([`uri_segment`]), for SARIF and the language
//! server alike.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the two share a byte, or one begins where the other ends.
    pub fn touches(self, other: Span) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The same span in a text where everything before it moved by `delta` bytes.
    pub fn shifted(self, delta: isize) -> Span {
        Span::new(self.start.wrapping_add_signed(delta), self.end.wrapping_add_signed(delta))
    }
}

/// A name of a path as a segment of a URI's path (RFC 3986): the unreserved characters as
/// they are, every other byte as `%XX`, so that spaces, `#`, `%`, `:` and non-ASCII letters
/// read back as they were.
pub fn uri_segment(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Whether the first name of a path is a Windows drive, `C:`.
pub fn is_drive(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// A segment of a URI's path decoded: each `%XX` as its byte. `None` when an escape is cut
/// short or not hexadecimal, or the bytes are not UTF-8.
pub fn uri_segment_decoded(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The first line of `span` in `text`, for pointing at an object without underlining all of it.
pub fn first_line(text: &str, span: Span) -> Span {
    let end = text[span.range()].find(['\n', '\r']).map_or(span.end, |i| span.start + i);
    Span::new(span.start, end)
}

/// A value together with the span of source text it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A position as people count it: 1-based line, 1-based column in Unicode characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where `text`'s lone CRs are: each `\r` not followed by `\n`, which breaks a line as LF and
/// CRLF do.
pub fn lone_crs(text: &str) -> impl Iterator<Item = usize> + Clone + '_ {
    lone_crs_within(text, 0..text.len())
}

/// Pushes to `line_starts` the start of each line that a break among the bytes `within` of
/// `text` ends, in order.
fn push_line_starts(text: &str, within: Range<usize>, line_starts: &mut Vec<usize>) {
    // memchr searches with vector instructions: `str::match_indices`, a word at a time,
    // took over three times the instructions (3,000 rules: 15.8 against 4.7 million,
    // callgrind). A text without a lone CR (LF or CRLF) breaks exactly at its LFs.
    let pushed = line_starts.len();
    let start = within.start;
    line_starts.extend(memchr::memchr_iter(b'\n', &text.as_bytes()[within.clone()]).map(|at| start + at + 1));
    let lone = lone_crs_within(text, within).map(|at| at + 1);
    if lone.clone().next().is_some() {
        line_starts.extend(lone);
        line_starts[pushed..].sort_unstable();
    }
}

/// [`lone_crs`] among the bytes `within` (the byte after one may be outside them).
fn lone_crs_within(text: &str, within: Range<usize>) -> impl Iterator<Item = usize> + Clone + '_ {
    let bytes = text.as_bytes();
    let start = within.start;
    memchr::memchr_iter(b'\r', &bytes[within])
        .map(move |at| start + at)
        .filter(move |&at| bytes.get(at + 1) != Some(&b'\n'))
}

/// Maps byte offsets of one text to lines and columns. Clones share the line starts: a
/// checked version of an open document and what its next check reuses hold one index, and
/// the language server hands each check a copy of that reuse (copying the index of 3,000
/// rules was half a megabyte each time).
#[derive(Clone, Debug, PartialEq)]
pub struct LineIndex {
    /// Byte offset at which each line starts; the first is always 0.
    line_starts: std::sync::Arc<Vec<usize>>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        push_line_starts(text, 0..text.len(), &mut line_starts);
        LineIndex { line_starts: line_starts.into() }
    }

    /// The index of `text`, made from `self`, the index of a text of `old_len` bytes that
    /// `text` equals but for the bytes `changed` of `text` (and what they replaced): the line
    /// starts before and after them are taken, those after moved, and only `changed` is
    /// searched. An editor's text changes a few bytes at a time, and searching the whole of a
    /// large one again was a twentieth of each edit's check (3,000 rules).
    pub fn edited(&self, old_len: usize, text: &str, changed: Range<usize>) -> LineIndex {
        let bytes = text.as_bytes();
        let (prefix, suffix) = (changed.start, text.len().saturating_sub(changed.end));
        // The unchanged ends must fit in both texts; a CR just before the change ends a line
        // or not as the byte after it says, and that byte changed.
        if changed.start > changed.end
            || changed.end > text.len()
            || prefix + suffix > old_len
            || (prefix > 0 && bytes[prefix - 1] == b'\r')
        {
            return LineIndex::new(text);
        }
        let kept_before = self.line_starts.partition_point(|&start| start <= prefix);
        let kept_after = self.line_starts.partition_point(|&start| start <= old_len - suffix);
        let mut line_starts = Vec::with_capacity(self.line_starts.len());
        line_starts.extend_from_slice(&self.line_starts[..kept_before]);
        push_line_starts(text, changed.clone(), &mut line_starts);
        let moved = |start: usize| start - (old_len - suffix) + changed.end;
        line_starts.extend(self.line_starts[kept_after..].iter().map(|&start| moved(start)));
        LineIndex { line_starts: line_starts.into() }
    }

    /// 0-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// 0-based line that holds `offset`, which lies on `line` or after it: searched from
    /// there in steps that double, so that the end of a short span costs a few comparisons
    /// where [`LineIndex::line_of`] would search the whole file.
    pub fn line_of_from(&self, line: usize, offset: usize) -> usize {
        let line = line.min(self.line_starts.len() - 1);
        let starts = &self.line_starts[line..];
        if starts[0] > offset {
            return self.line_of(offset);
        }
        let mut step = 1;
        while step < starts.len() && starts[step] <= offset {
            step *= 2;
        }
        let (low, high) = (step / 2, step.min(starts.len()));
        line + low + starts[low..high].partition_point(|&start| start <= offset) - 1
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line.min(self.line_starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of 0-based `line`, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self.line_start(line);
        let end = self.line_starts.get(line + 1).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let column = text[self.line_start(line)..offset].chars().count() + 1;
        Position { line: line + 1, column }
    }
}

/// The line break a text's new lines should end with: its first one (`\r\n`, `\r` or
/// `\n`), `\n` when it has none.
pub fn newline_of(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(at) if text[at..].starts_with("\r\n") => "\r\n",
        Some(at) if text[at..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

/// Where the line holding `offset` starts: just after the last line break before it.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind(['\n', '\r']).map_or(0, |at| at + 1)
}

/// Where the line holding `offset` ends, before its line break (or the end of the text).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find(['\n', '\r']).map_or(text.len(), |at| offset + at)
}

/// Where the line after the one holding `offset` starts, past its line break; `None` on the
/// last line.
pub fn next_line_start(text: &str, offset: usize) -> Option<usize> {
    let end = line_end(text, offset);
    let rest = &text[end..];
    match () {
        _ if rest.starts_with("\r\n") => Some(end + 2),
        _ if rest.is_empty() => None,
        _ => Some(end + 1),
    }
}

/// The lines of `text`, each with its line break; a break at the very end starts no line.
pub fn lines_with_breaks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = next_line_start(rest, 0).unwrap_or(rest.len());
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// At most 40 characters of the first line of `text`, with `…` when cut: for quoting what
/// was written in a message.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    let first_line = &text[..line_end(text, 0)];
    let shown: String = first_line.chars().take(MAX).collect();
    if shown.len() < first_line.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// The largest char boundary of `text` at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Whether `c` must not reach a terminal or a log raw: the C0 and C1 controls and DEL
/// (Unicode's `Cc`), and the bidirectional embeddings, overrides and isolates, which make
/// text read in another order than it is stored.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each unsafe character written as an escape: `\n`, `\r`, `\t`, and `\u{1b}`
/// for the others, as Rust writes them.
pub fn visible(text: &str) -> Cow<'_, str> {
    visible_except(text, &[])
}

/// As [`visible`], but line feeds stay: for text whose lines are its structure (an error
/// listing several places, a traced path).
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    visible_except(text, &['\n'])
}

/// As [`visible`], but the characters in `keep` stay, for a format that escapes them its
/// own way (GitHub's `%0A`).
pub fn visible_except<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let escape = |c: char| !keep.contains(&c);
    if !text.chars().any(|c| is_unsafe(c) && escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            _ if !(is_unsafe(c) && escape(c)) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// An index made from the previous text's, for the bytes an edit changed, is the
        /// index made afresh: with LF, CRLF and lone CR line breaks on either side of the
        /// edit and in it.
        #[test]
        fn an_edited_index_is_the_index_made_afresh(
            old in "[ab\r\n]{0,40}",
            edits in proptest::collection::vec((0.0..=1.0f64, 0.0..=1.0f64, "[ab\r\n]{0,6}"), 1..4),
        ) {
            let mut text = old.clone();
            let mut changed: Option<Range<usize>> = None;
            for (at, length, insert) in edits {
                let start = (at * text.len() as f64) as usize;
                let end = start + (length * (text.len() - start) as f64) as usize;
                text.replace_range(start..end, &insert);
                let new_end = start + insert.len();
                // As `ReusableTree::edit` keeps it: one stretch of the text after every edit.
                let moved = |at: usize| if at >= end { at - end + new_end } else if at > start { new_end } else { at };
                changed = Some(match changed {
                    None => start..new_end,
                    Some(changed) => changed.start.min(start)..moved(changed.end).max(new_end),
                });
            }
            let edited = LineIndex::new(&old).edited(old.len(), &text, changed.unwrap());
            proptest::prop_assert_eq!(edited.line_starts, LineIndex::new(&text).line_starts);
        }

        /// Searched from any line at or before it, an offset is on the line a search of the
        /// whole file finds; from a line after it, too.
        #[test]
        fn a_line_searched_from_another_is_the_line_of_the_offset(
            text in "[ab\r\n]{0,80}",
            at in 0.0..=1.0f64,
            from in 0.0..=1.2f64,
        ) {
            let index = LineIndex::new(&text);
            let offset = (at * text.len() as f64) as usize;
            let line = (from * index.line_count() as f64) as usize;
            proptest::prop_assert_eq!(index.line_of_from(line, offset), index.line_of(offset));
        }
    }

    #[test]
    fn positions_count_characters_from_one() {
        let text = "ab\né x\r\nz";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(index.position(text, 3), Position { line: 2, column: 1 });
        // 'x' follows a two-byte 'é' and a space: third character.
        assert_eq!(index.position(text, 6), Position { line: 2, column: 3 });
        assert_eq!(index.position(text, text.len()), Position { line: 3, column: 2 });
        assert_eq!(index.line_text(text, 1), "é x");
    }

    #[test]
    fn a_lone_cr_breaks_a_line_as_lf_and_crlf_do() {
        let text = "a\rb\r\nc\nd\r\re";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 6);
        let lines: Vec<&str> = (0..index.line_count()).map(|line| index.line_text(text, line)).collect();
        assert_eq!(lines, ["a", "b", "c", "d", "", "e"]);
        assert_eq!(index.position(text, 2), Position { line: 2, column: 1 });
        // The `\n` of a `\r\n` ends the line its `\r` ends.
        assert_eq!(index.line_of(4), 1);
        assert_eq!(lines_with_breaks(text).collect::<Vec<_>>(), ["a\r", "b\r\n", "c\n", "d\r", "\r", "e"]);
        assert_eq!(
            (newline_of(text), newline_of("a\r\nb\rc"), newline_of("a\nb\r\n"), newline_of("a")),
            ("\r", "\r\n", "\n", "\n")
        );
        assert_eq!((line_start(text, 3), line_end(text, 2), next_line_start(text, 2)), (2, 3, Some(5)));
        assert_eq!((next_line_start(text, 9), next_line_start(text, 10)), (Some(10), None));
        assert_eq!(shorten("first\rsecond"), "first");
    }
}
