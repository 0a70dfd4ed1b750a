//! Text from a checked file (names, values, paths) made safe to print: a crafted name must
//! not move a terminal's cursor, erase a line, or start a line of a CI log (where
//! `::warning …` is a workflow command).

use std::borrow::Cow;
use std::fmt::Write as _;

// The escaping itself is the text layer's: `trace`, below the command line, escapes names too.
pub use crate::text::{is_unsafe, visible, visible_except, visible_lines};

/// A path at the start of a line: escaped, and never starting with `::`, which a CI log
/// would read as a workflow command (`./` names the same file).
pub fn line_start_path(path: &str) -> String {
    let shown = visible(path);
    if shown.starts_with("::") {
        format!("./{shown}")
    } else {
        shown.into_owned()
    }
}

/// Serialized JSON with the unsafe characters a serializer leaves raw (DEL, the C1
/// controls, the bidirectional ones; the C0 controls are escaped already) written as `\u`
/// escapes. Outside strings JSON has only ASCII punctuation and whitespace, so they only
/// occur inside strings, where the escape reads back as the same character.
pub fn json(text: String) -> String {
    if !text.chars().any(|c| is_unsafe(c) && u32::from(c) >= 0x7f) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && u32::from(c) >= 0x7f {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A path for a unified diff's `---`/`+++` lines: as it is, or, when it holds an unsafe
/// character, a quote, or a backslash, quoted in C's way (`"a\033b"`), as git writes such
/// names and GNU patch reads them.
pub fn diff_path(path: &str) -> Cow<'_, str> {
    if !path.chars().any(|c| is_unsafe(c) || c == '"' || c == '\\') {
        return Cow::Borrowed(path);
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if is_unsafe(c) => {
                for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                    let _ = write!(out, "\\{byte:03o}");
                }
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// Source text for the human report's snippet, where the renderer itself shows the C0
/// controls, DEL and the bidirectional characters as visible symbols but would print a C1
/// control raw: each C1 control becomes U+FFFD. Returns the text and a map from a byte
/// offset in `text` to the same place in the result.
pub fn snippet_source(text: &str) -> (Cow<'_, str>, impl Fn(usize) -> usize) {
    // ASCII, as most files are, holds no C1 control: told a word at a time, where decoding
    // every character of a window that spans much of a file cost as much as rendering it.
    let c1: Vec<usize> = match text.is_ascii() {
        true => Vec::new(),
        false => text.char_indices().filter(|(_, c)| ('\u{80}'..='\u{9f}').contains(c)).map(|(at, _)| at).collect(),
    };
    let source = if c1.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(|c| if ('\u{80}'..='\u{9f}').contains(&c) { '\u{fffd}' } else { c }).collect())
    };
    // Each C1 control takes two bytes, U+FFFD three.
    let map = move |offset: usize| offset + c1.iter().take_while(|&&at| at < offset).count();
    (source, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_everything_else_stays() {
        let name = "a\x1b[2K\r::warning x\n\u{9b}\u{202e}é\t\\.b";
        assert_eq!(visible(name), "a\\u{1b}[2K\\r::warning x\\n\\u{9b}\\u{202e}é\\t\\.b");
        assert_eq!(visible_lines("a\x1b\nb\r\n"), "a\\u{1b}\nb\\r\n");
        assert_eq!(visible_except("a\x1b\nb\r\n", &['\r', '\n']), "a\\u{1b}\nb\r\n");
        assert!(matches!(visible("plain `name`: ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_path_never_starts_a_workflow_command() {
        assert_eq!(line_start_path("::warning file=x::y.mailflow"), "./::warning file=x::y.mailflow");
        assert_eq!(line_start_path("a/::b"), "a/::b");
    }

    #[test]
    fn json_escapes_read_back_as_the_same_text() {
        let value = serde_json::json!({"message": "a\x1b\u{7f}\u{9b}\u{2066}b"});
        let text = json(serde_json::to_string(&value).unwrap());
        assert!(!text.chars().any(is_unsafe), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    #[test]
    fn diff_paths_are_quoted_as_git_does() {
        assert_eq!(diff_path("a/b.mailflow"), "a/b.mailflow");
        assert_eq!(diff_path("a\x1b\"b\u{9b}"), "\"a\\033\\\"b\\302\\233\"");
    }

    #[test]
    fn snippet_source_keeps_offsets_in_step() {
        let (source, map) = snippet_source("a\u{9b}b\u{85}c");
        assert_eq!(source, "a\u{fffd}b\u{fffd}c");
        assert_eq!(&source[map(3)..map(4)], "b");
        assert_eq!(&source[map(6)..map(7)], "c");
    }
}
