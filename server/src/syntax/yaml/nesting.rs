//! How deep block lists and mappings nest, read off the lines before anything is parsed.
//!
//! tree-sitter-yaml's scanner keeps a stack of the indentations of the open blocks and writes it
//! into a buffer of fixed size after every token; the grammar (as patched in
//! `vendor/tree-sitter-yaml`) refuses a block deeper than that buffer holds, and before the
//! patch the process aborted. A file nested that deep is no mail flow: the lines that open
//! blocks deeper than the reader's limit are found here, from indentation and indicators, and
//! blanked before tree-sitter sees them.

use std::ops::Range;

use crate::text::LineIndex;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Mapping,
}

/// A block list or mapping still open at the line being read.
struct Open {
    column: usize,
    kind: Kind,
    depth: usize,
}

/// The stretches of lines to blank, each a line whose blocks nest deeper than `max` followed by
/// the lines nested under it (comment and blank lines among them are kept), by 0-based line,
/// and whether every line is bounded within `max` ([`depth_bound`]). `only`, when the lines
/// outside it are known to be (an edit of a text whose lines all were, the lines it touched),
/// the lines to bound.
pub(super) fn too_deep(
    text: &str,
    lines: &LineIndex,
    max: usize,
    only: Option<Range<usize>>,
) -> (Vec<Vec<usize>>, bool) {
    if depth_bound(text, lines, only.unwrap_or(0..lines.line_count())) <= max {
        return (Vec::new(), true);
    }
    (too_deep_lines(text, lines, max), false)
}

/// [`too_deep`], reading every line.
fn too_deep_lines(text: &str, lines: &LineIndex, max: usize) -> Vec<Vec<usize>> {
    let mut stretches: Vec<Vec<usize>> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    // The indentation of the line that started a block scalar, or of the last line of the
    // stretch being blanked: the lines indented more belong to it.
    let mut block_scalar: Option<usize> = None;
    let mut blanking: Option<usize> = None;
    for line in 0..lines.line_count() {
        let content = lines.line_text(text, line);
        let body = content.trim_start_matches(' ');
        let indent = content.len() - body.len();
        if body.trim().is_empty() || body.starts_with('#') {
            continue;
        }
        if let Some(outer) = blanking {
            if indent > outer {
                stretches.last_mut().expect("a stretch is being blanked").push(line);
                continue;
            }
        }
        if block_scalar.is_some_and(|outer| indent > outer) {
            continue;
        }
        block_scalar = None;
        if indent == 0 && (is_marker(body, "---") || is_marker(body, "...") || body.starts_with('%')) {
            open.clear();
            blanking = None;
            continue;
        }
        if blocks_too_deep(&mut open, indent, body, max) {
            open.retain(|o| o.column < indent);
            // A too deep line right after a stretch (its sibling, say) joins it.
            match stretches.last_mut() {
                Some(stretch) if blanking.is_some() => stretch.push(line),
                _ => stretches.push(vec![line]),
            }
            blanking = Some(indent);
        } else {
            blanking = None;
            if starts_block_scalar(body) {
                block_scalar = Some(indent);
            }
        }
    }
    stretches
}

/// A bound of how deep blocks nest at the lines `of` of `text`, from the start of each line
/// alone, so that a file well within the limit (every mail-flow file) is not read line by
/// line.
///
/// Along the blocks open at a line, columns never decrease, and two of them share a column
/// only as a mapping and the list at its key's column (see [`blocks_too_deep`]): a block at
/// column c is at most 2 (c + 1) deep. A block starts at its line's indentation, or after the
/// `- `, `? ` and `: ` indicators that open the line.
///
/// Read byte by byte: it runs on every version of an open document, and no byte it reads
/// (spaces, tabs, indicators) ends a line.
fn depth_bound(text: &str, lines: &LineIndex, of: Range<usize>) -> usize {
    let bytes = text.as_bytes();
    let skip = |mut at: usize, blank: &[u8]| {
        while bytes.get(at).is_some_and(|byte| blank.contains(byte)) {
            at += 1;
        }
        at
    };
    let deepest_column = |start: usize| {
        let mut at = skip(start, b" ");
        while matches!(bytes.get(at), Some(b'-' | b'?' | b':')) && matches!(bytes.get(at + 1), Some(b' ' | b'\t')) {
            at = skip(at + 1, b" \t");
        }
        at - start
    };
    of.map(|line| 2 * (deepest_column(lines.line_start(line)) + 1)).max().unwrap_or(0)
}

/// Reads the blocks `body` (a line's text after its `indent` spaces) opens or continues into
/// `open`; whether one of them is deeper than `max`.
fn blocks_too_deep(open: &mut Vec<Open>, indent: usize, body: &str, max: usize) -> bool {
    let (mut column, mut rest) = (indent, body);
    loop {
        let indicator = ['-', '?', ':'].into_iter().find(|&c| is_indicator(rest, c));
        let kind = match indicator {
            Some('-') => Kind::List,
            Some(_) => Kind::Mapping,
            None if has_implicit_key(rest) => Kind::Mapping,
            None => return false,
        };
        // A block ends at a line indented less, and a list also at a key of its own column
        // (`key:` then `- item` at the key's column is a list in the mapping).
        while open
            .last()
            .is_some_and(|o| o.column > column || (o.column == column && o.kind == Kind::List && kind == Kind::Mapping))
        {
            open.pop();
        }
        let depth = match open.last() {
            Some(o) if o.column == column && o.kind == kind => o.depth,
            outer => {
                let depth = outer.map_or(1, |o| o.depth + 1);
                open.push(Open { column, kind, depth });
                depth
            }
        };
        if depth > max {
            return true;
        }
        if indicator.is_none() {
            // `key: value`: a value on the key's line opens no block.
            return false;
        }
        // `- `, `? ` and `: ` may be followed on their line by a block nested in theirs.
        let after = 1 + rest[1..].len() - rest[1..].trim_start_matches([' ', '\t']).len();
        column += after;
        rest = &rest[after..];
        if rest.is_empty() || rest.starts_with('#') {
            return false;
        }
    }
}

/// `rest` starts with the indicator `c` followed by a space, a tab or the end of the line.
fn is_indicator(rest: &str, c: char) -> bool {
    rest.strip_prefix(c).is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t']))
}

fn is_marker(body: &str, marker: &str) -> bool {
    body.strip_prefix(marker).is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t']))
}

/// `rest` is a `key: …` pair: a plain or quoted key, then `:` followed by a space, a tab or the
/// end of the line.
fn has_implicit_key(rest: &str) -> bool {
    let after_key = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => match closing_quote(&rest[1..], quote) {
            Some(close) => rest[1 + close + 1..].trim_start_matches([' ', '\t']),
            None => return false,
        },
        Some('[' | '{') | None => return false,
        Some(_) => {
            let mut previous = ' ';
            for (index, c) in rest.char_indices() {
                if c == '#' && matches!(previous, ' ' | '\t') {
                    return false;
                }
                if c == ':' && is_indicator(&rest[index..], ':') {
                    return true;
                }
                previous = c;
            }
            return false;
        }
    };
    is_indicator(after_key, ':')
}

/// Where the quote that closes a scalar opened by `quote` is in `rest` (the text after the
/// opening quote).
fn closing_quote(rest: &str, quote: char) -> Option<usize> {
    let mut chars = rest.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            _ if c == quote => {
                // `''` is an escaped quote in a single-quoted scalar.
                if quote == '\'' && chars.peek().is_some_and(|&(_, next)| next == '\'') {
                    chars.next();
                } else {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The line's value is a block scalar (`|` or `>`, with optional indentation and chomping
/// indicators, and maybe a comment): the lines indented more than it are its text.
fn starts_block_scalar(body: &str) -> bool {
    let code = match body.find(" #") {
        Some(comment) => &body[..comment],
        None => body,
    };
    let code = code.trim_end();
    let last = &code[code.rfind([' ', '\t']).map_or(0, |space| space + 1)..];
    last.starts_with(['|', '>']) && last[1..].chars().all(|c| c.is_ascii_digit() || c == '+' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stretches(text: &str) -> Vec<Vec<usize>> {
        too_deep(text, &LineIndex::new(text), 3, None).0
    }

    #[test]
    fn the_bound_is_never_below_the_depth_found() {
        // Two blocks to a column: a key's list at the key's column, the next item's mapping
        // one column further, on lines of their own; and `- ` opening a block on its line.
        let mut tightest = String::new();
        for column in 0..40 {
            let indent = " ".repeat(column);
            tightest.push_str(&format!("{indent}k{column}:\n{indent}-\n"));
        }
        let compact = "a:\n".to_owned() + &"- ".repeat(40) + "x\n";
        let after_cr = "a: 1\r".to_owned() + &" ".repeat(20) + "- - - - x\n";
        for text in [tightest, compact, after_cr] {
            let lines = LineIndex::new(&text);
            let deepest = (1..200).find(|&max| too_deep_lines(&text, &lines, max).is_empty()).unwrap_or(200);
            let bound = depth_bound(&text, &lines, 0..lines.line_count());
            assert!(bound >= deepest, "bound {bound} below depth {deepest}: {text:?}");
        }
        let usual = "mailflow: 1\nrules:\n  - name: a\n    priority: 0\n";
        let lines = LineIndex::new(usual);
        assert_eq!(depth_bound(usual, &lines, 0..lines.line_count()), 2 * (4 + 1));
    }

    #[test]
    fn compact_lists_on_one_line_count_each_dash() {
        assert_eq!(stretches("connectors:\n- - x\n"), Vec::<Vec<usize>>::new());
        assert_eq!(stretches("connectors:\n- - - x\n"), vec![vec![1]]);
    }

    #[test]
    fn indentation_nests_and_dedenting_closes() {
        let text = "a:\n  b:\n    c: 1\n  d:\n    e:\n      f: 1\n      g: 2\n    h: 1\ni: 1\n";
        assert_eq!(stretches(text), vec![vec![5, 6]]);
    }

    #[test]
    fn a_list_at_its_key_column_is_nested_in_the_mapping() {
        assert_eq!(stretches("a:\n- b:\n  - c\n"), vec![vec![2]]);
        assert_eq!(stretches("a:\n- b: 1\n- c: 2\nd: 3\n"), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn block_scalars_and_comments_are_not_blocks() {
        let text = "a:\n  b: |\n    - - - - text\n       c: d\n  # - - - -\n  e: 1\n";
        assert_eq!(stretches(text), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn lines_nested_under_a_too_deep_line_go_with_it() {
        let text = "a:\n- - - b:\n        c: 1\n\n  # kept\n        d: 2\ne: 1\n";
        assert_eq!(stretches(text), vec![vec![1, 2, 5]]);
    }

    #[test]
    fn quoted_keys_and_values_with_colons() {
        assert!(has_implicit_key("\"a: b\": c"));
        assert!(!has_implicit_key("\"a: b\""));
        assert!(has_implicit_key("'it''s': x"));
        assert!(has_implicit_key("key:"));
        assert!(!has_implicit_key("http://example.com"));
        assert!(!has_implicit_key("text # a: comment"));
        assert!(!has_implicit_key("{a: b}"));
    }

    #[test]
    fn block_scalar_headers() {
        for body in ["key: |", "key: >-", "- |2", "key: |+ # comment", "|"] {
            assert!(starts_block_scalar(body), "{body}");
        }
        for body in ["key: a|", "key: value", "key: '|'"] {
            assert!(!starts_block_scalar(body), "{body}");
        }
    }
}
