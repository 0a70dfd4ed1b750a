//! Open documents: their text in a rope, and positions in the encoding the client agreed to.

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

use crate::check::{Reuse, Syntax};
use crate::syntax::TextPoint;
use crate::text::Span;

/// How the client counts columns: UTF-16 code units unless it agreed to UTF-8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf8,
}

/// Converts between byte offsets of one text and LSP positions.
pub struct Positions<'t> {
    text: &'t str,
    lines: &'t crate::text::LineIndex,
    encoding: Encoding,
    /// Whether the whole text is ASCII (its UTF-16 columns are its byte columns), found once
    /// the first column far along a line is asked for.
    ascii: std::sync::OnceLock<bool>,
}

/// How far along a line a column is counted from the line's start, rather than after finding
/// the whole text ASCII once: a file written on one line (JSON) has every finding there, and
/// counting each from the line's start took 2 of an edit's 4 ms at 300 rules on a 130 KB line.
const FAR_ALONG_A_LINE: usize = 1024;

impl<'t> Positions<'t> {
    /// `lines` is the line index of `text` (a checked text has one already).
    pub fn new(text: &'t str, lines: &'t crate::text::LineIndex, encoding: Encoding) -> Self {
        Positions { text, lines, encoding, ascii: std::sync::OnceLock::new() }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = crate::text::floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.lines.line_of(offset);
        let before = &self.text[self.lines.line_start(line)..offset];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 if before.len() > FAR_ALONG_A_LINE && *self.ascii.get_or_init(|| self.text.is_ascii()) => {
                before.len()
            }
            Encoding::Utf16 => utf16_len(before),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a position; a column past the line's end means the line's end.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.lines.line_count() {
            return self.text.len();
        }
        let start = self.lines.line_start(line);
        let content = self.lines.line_text(self.text, line);
        start + column_to_byte(content, position.character as usize, self.encoding)
    }
}

/// How many UTF-16 code units `text` takes: a character each, and two for one outside the
/// Basic Multilingual Plane, whose UTF-8 starts with a byte from 0xF0. Counted a word at a
/// time rather than character by character: a file written on one line has every finding's
/// column counted from its start (300 findings on a 130 KB line: an edit's diagnostics took
/// 18 ms to publish counted character by character, and the edit 102 -> 84 ms in all).
fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars().count() + text.bytes().filter(|&byte| byte >= 0xF0).count()
}

/// The byte index in `line` of a column counted in `encoding`, clamped to the line.
fn column_to_byte(line: &str, column: usize, encoding: Encoding) -> usize {
    let mut counted = 0;
    for (index, c) in line.char_indices() {
        if counted >= column {
            return index;
        }
        counted += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    line.len()
}

/// Which text a check is of: of which opening of the document, after how many changes, with
/// which settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub opening: u64,
    pub revision: u64,
    pub settings: u64,
}

pub struct Document {
    pub rope: Rope,
    /// The client's version of the text.
    pub version: i32,
    pub syntax: Syntax,
    /// What checking an earlier version left, with every change since recorded in it.
    pub previous: Option<Reuse>,
    /// While what the next check reuses is being made from a checked text (a document just
    /// opened), the changes since that text, to record in it once made; `None` when none is
    /// being made, or a change replaced the whole text.
    pub changes_to_replay: Option<Vec<[TextPoint; 3]>>,
    /// Numbers this opening of the document: a check of a document closed since and opened
    /// again is not of this one.
    pub opening: u64,
    /// Counts the changes since the opening, whatever versions the client gives.
    pub revision: u64,
    /// The checks of this document running now.
    pub running: Vec<Stamp>,
    /// The revisions named by the requests waiting for an analysis (of that text or a newer
    /// one), one entry a request.
    pub waiting: Vec<u64>,
    /// A check that failed (panicked), and why: it is not tried again.
    pub failed: Option<(Stamp, String)>,
    /// How many checks of this opening ran to their end (the tests count them: a burst of
    /// changes is checked once, not once a version).
    pub checked: u64,
}

impl Document {
    pub fn new(text: &str, version: i32, syntax: Syntax, opening: u64) -> Self {
        Document {
            rope: Rope::from_str(text),
            version,
            syntax,
            previous: None,
            changes_to_replay: None,
            opening,
            revision: 0,
            running: Vec::new(),
            waiting: Vec::new(),
            failed: None,
            checked: 0,
        }
    }

    /// What a check of the text now would be.
    pub fn stamp(&self, settings: u64) -> Stamp {
        Stamp { opening: self.opening, revision: self.revision, settings }
    }

    /// Applies one change from `didChange`: a range edit, or the whole text.
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, encoding: Encoding) {
        let Some(range) = change.range else {
            self.rope = Rope::from_str(&change.text);
            self.previous = None;
            self.changes_to_replay = None;
            return;
        };
        let start = self.char_index(range.start, encoding);
        let end = self.char_index(range.end, encoding).max(start);
        let start_point = self.point(self.rope.char_to_byte(start));
        let old_end = self.point(self.rope.char_to_byte(end));
        self.rope.remove(start..end);
        self.rope.insert(start, &change.text);
        let new_end = self.point(start_point.byte + change.text.len());
        if let Some(previous) = &mut self.previous {
            previous.edit(start_point, old_end, new_end);
        }
        if let Some(changes) = &mut self.changes_to_replay {
            changes.push([start_point, old_end, new_end]);
        }
    }

    /// The point of a byte offset of the current text.
    fn point(&self, byte: usize) -> TextPoint {
        let row = self.rope.byte_to_line(byte);
        TextPoint { byte, row, column: byte - self.rope.line_to_byte(row) }
    }

    /// The char index of a position in the rope, clamped to the line (and the text). A column
    /// inside a character stands for the character's end. Found through the rope's counts,
    /// not by walking the line: on a line of 130 KB (JSON on one line) the walk took a tenth
    /// of an edit.
    fn char_index(&self, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.rope.len_lines() {
            return self.rope.len_chars();
        }
        let line_start = self.rope.line_to_char(line);
        let line_text = self.rope.line(line);
        let mut content = line_text.len_chars();
        while content > 0 && matches!(line_text.char(content - 1), '\n' | '\r') {
            content -= 1;
        }
        let content = line_text.slice(..content);
        // `inside`: the column falls inside the character at `chars`.
        let (chars, inside) = match encoding {
            Encoding::Utf8 => {
                let column = (position.character as usize).min(content.len_bytes());
                let chars = content.byte_to_char(column);
                (chars, content.char_to_byte(chars) < column)
            }
            Encoding::Utf16 => {
                let column = (position.character as usize).min(content.len_utf16_cu());
                let chars = content.utf16_cu_to_char(column);
                (chars, content.char_to_utf16_cu(chars) < column)
            }
        };
        line_start + chars + usize::from(inside)
    }

    /// The text, copied chunk by chunk into a string of its size (`to_string` goes through
    /// `Display`, growing the string as it goes: a third of a 3,000-rule edit's time on the
    /// async thread, under the state's lock).
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(self.rope.len_bytes());
        self.rope.chunks().for_each(|chunk| text.push_str(chunk));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|(s, e)| Range::new(Position::new(s.0, s.1), Position::new(e.0, e.1))),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn incremental_edits_count_utf16_columns() {
        // '𝄞' is two UTF-16 code units and four UTF-8 bytes.
        let mut document = Document::new("name: 𝄞x\r\nnext: y\n", 1, Syntax::Yaml, 1);
        document.apply(&change(Some(((0, 8), (0, 9))), "Z"), Encoding::Utf16);
        assert_eq!(document.text(), "name: 𝄞Z\r\nnext: y\n");
        document.apply(&change(Some(((1, 6), (1, 7))), "zz"), Encoding::Utf16);
        assert_eq!(document.text(), "name: 𝄞Z\r\nnext: zz\n");
        document.apply(&change(None, "all new"), Encoding::Utf16);
        assert_eq!(document.text(), "all new");
    }

    #[test]
    fn utf8_columns_when_agreed() {
        let mut document = Document::new("a: é1\n", 1, Syntax::Yaml, 1);
        document.apply(&change(Some(((0, 5), (0, 6))), "2"), Encoding::Utf8);
        assert_eq!(document.text(), "a: é2\n");
    }

    /// The char index of a position is the one a walk along its line finds: characters
    /// counted until the column is reached or the line ends (any line break, any column,
    /// inside a character or past the line's end).
    #[test]
    fn a_position_finds_the_char_a_walk_along_its_line_finds() {
        let walked = |text: &str, line: usize, column: usize, encoding: Encoding| {
            let rope = Rope::from_str(text);
            if line >= rope.len_lines() {
                return rope.len_chars();
            }
            let (mut counted, mut chars) = (0, 0);
            for c in rope.line(line).chars() {
                if counted >= column || c == '\n' || c == '\r' {
                    break;
                }
                counted += if encoding == Encoding::Utf8 { c.len_utf8() } else { c.len_utf16() };
                chars += 1;
            }
            rope.line_to_char(line) + chars
        };
        for text in ["a: é𝄞b\r\nc: 😀\rd\n\ne", "", "x", "\n", "é", "a𝄞\r\n"] {
            let document = Document::new(text, 1, Syntax::Yaml, 1);
            for line in 0..5 {
                for column in 0..12 {
                    for encoding in [Encoding::Utf8, Encoding::Utf16] {
                        let position = Position::new(line as u32, column as u32);
                        assert_eq!(
                            document.char_index(position, encoding),
                            walked(text, line, column, encoding),
                            "{text:?} {line}:{column} {encoding:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn positions_round_trip() {
        let text = "a: 𝄞\r\nb: c\n";
        let lines = crate::text::LineIndex::new(text);
        for encoding in [Encoding::Utf16, Encoding::Utf8] {
            let positions = Positions::new(text, &lines, encoding);
            for offset in [0, 3, 7, 9, 12, text.len()] {
                assert_eq!(positions.offset(positions.position(offset)), offset, "{encoding:?} {offset}");
            }
        }
        assert_eq!(Positions::new(text, &lines, Encoding::Utf16).position(7), Position::new(0, 5));
        for text in ["", "plain", "é", "a𝄞b", "€𝄞😀x\u{10ffff}"] {
            assert_eq!(utf16_len(text), text.encode_utf16().count(), "{text}");
        }
        assert_eq!(Positions::new(text, &lines, Encoding::Utf8).position(7), Position::new(0, 7));
        // Far along a long line, in an ASCII text and in one that is not (past or before the
        // line's only wide character).
        for wide in ["", "é", "𝄞"] {
            for at in [0, FAR_ALONG_A_LINE + 5] {
                let text = format!("a: [{}{wide}{}]\nb: c\n", "x".repeat(at), "y".repeat(2 * FAR_ALONG_A_LINE));
                let lines = crate::text::LineIndex::new(&text);
                let positions = Positions::new(&text, &lines, Encoding::Utf16);
                for offset in [FAR_ALONG_A_LINE / 2, FAR_ALONG_A_LINE + 2, 2 * FAR_ALONG_A_LINE, text.len() - 8] {
                    let offset = crate::text::floor_char_boundary(&text, offset);
                    let expected = text[..offset].rsplit('\n').next().unwrap().encode_utf16().count();
                    assert_eq!(positions.position(offset).character as usize, expected, "{wide:?} at {at}, {offset}");
                    assert_eq!(positions.offset(positions.position(offset)), offset);
                }
            }
        }
    }
}
