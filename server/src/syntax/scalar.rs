//! The values of YAML 1.2 scalars, decoded from the source text of tree-sitter-yaml scalar nodes.
//!
//! What tree-sitter-yaml 0.7 puts in each scalar node (checked by the tests at the end of this
//! file):
//! - `plain_scalar`: every line of a multi-line scalar, with the continuation lines' indentation
//!   and any empty lines between them, but neither a trailing comment nor the final line break.
//! - `single_quote_scalar`, `double_quote_scalar`: both quotes and everything between them.
//! - `block_scalar`: the header (indicator, indicators, comment) and the content up to the end
//!   of the last non-blank line, without that line's break, when more of the document follows;
//!   at the end of the input it runs to the end, trailing blank lines included. The trailing
//!   breaks matter for chomping, so [`block_scalar`] takes them separately, as cut out by
//!   [`block_scalar_trailing`].
//!
//! Line breaks are left in node text as the source has them. YAML 1.2 counts `\r\n`, `\r` and
//! `\n` each as one line break, and so does this module; a break kept in a value is always `\n`.

use std::convert::Infallible;
use std::iter;

/// The value of a plain scalar after YAML 1.2 core-schema resolution. A string is shared: a
/// value read again for an edited text is a copy of the previous version's, which then copies
/// no string.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(std::sync::Arc<str>),
}

/// Folds a (possibly multi-line) plain scalar's source text into its string content.
pub fn plain(raw: &str) -> String {
    // The node has no white space or breaks at its ends; trimming makes stray ones harmless.
    let text = raw.trim_matches(|c| is_white(c) || c == '\r' || c == '\n');
    let Ok(value) = fold_flow(text, &[], |_, _| None::<Result<usize, Infallible>>);
    value
}

/// Core-schema resolution of a plain scalar's content (null: ~ null Null NULL and empty;
/// bool: true True TRUE false False FALSE; int: decimal with optional sign, 0o octal, 0x hex;
/// float: decimal/exponent forms, .inf/-.inf/.nan variants; anything else Str).
/// An integer out of i64 range resolves to Str.
pub fn resolve_plain(content: &str) -> Resolved {
    match content {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let string = || Resolved::Str(content.into());
    let radix_int = |digits: &str, radix: u32| {
        // Checked first because from_str_radix would also take a sign, which YAML does not
        // allow after the prefix.
        if !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)) {
            i64::from_str_radix(digits, radix).map_or_else(|_| string(), Resolved::Int)
        } else {
            string()
        }
    };
    if let Some(digits) = content.strip_prefix("0o") {
        return radix_int(digits, 8);
    }
    if let Some(digits) = content.strip_prefix("0x") {
        return radix_int(digits, 16);
    }
    let unsigned = content.strip_prefix(['-', '+']).unwrap_or(content);
    if is_digits(unsigned) {
        return content.parse().map_or_else(|_| string(), Resolved::Int);
    }
    if is_core_float(unsigned) {
        // The pattern check above keeps out what Rust would read but YAML does not, like `inf`.
        return content.parse().map_or_else(|_| string(), Resolved::Float);
    }
    string()
}

/// `raw` includes the surrounding single quotes; handles '' and line folding.
pub fn single_quoted(raw: &str) -> String {
    let (text, _) = unquote(raw, '\'');
    let Ok(value) = fold_flow(text, &['\''], |rest, folder| {
        rest.starts_with("''").then(|| {
            folder.content('\'');
            Ok::<usize, Infallible>(2)
        })
    });
    value
}

/// `raw` includes the surrounding double quotes; handles every YAML escape (\0 \a \b \t
/// \<TAB> \n \v \f \r \e \<space> \" \/ \\ \N \_ \L \P \xXX \uXXXX \UXXXXXXXX), escaped line
/// breaks, and line folding. An invalid escape is an error whose message names the escape and
/// lists the valid ones; Err carries (byte offset within raw, message).
///
/// # Errors
///
/// At the first backslash that starts no valid escape: an unknown escape character, too few
/// hex digits, a code that is not a Unicode scalar value (a surrogate, or past U+10FFFF), or
/// a backslash with nothing after it. tree-sitter-yaml itself rejects unknown escapes and
/// short hex codes, so from its nodes only codes that are no Unicode scalar value arrive here.
pub fn double_quoted(raw: &str) -> Result<String, (usize, String)> {
    let (text, offset) = unquote(raw, '"');
    fold_flow(text, &['\\'], |rest, folder| {
        let escaped = rest.strip_prefix('\\')?;
        Some(if line_break_len(escaped).is_some() {
            Ok(1 + folder.join(escaped))
        } else {
            unescape(escaped).map(|(c, len)| {
                folder.content(c);
                1 + len
            })
        })
    })
    .map_err(|(at, message)| (offset + at, message))
}

/// `raw` is the block scalar node's source text from its indicator (`|` or `>` with optional
/// chomping `-`/`+` and indentation indicator digit, optional comment) through its content.
/// `parent_indent` is the indentation (column, 0-based) of the node that owns the block scalar
/// (the mapping key's column, or the column of the sequence item's `-`), used with an
/// explicit indentation indicator. Literal keeps line breaks; folded folds them per the spec
/// (more-indented lines are kept); chomping strip/clip/keep.
///
/// `trailing` is the source text that follows the node and still belongs to the scalar, as
/// [`block_scalar_trailing`] cuts it out: tree-sitter-yaml leaves the last content line's break
/// and the blank lines after it out of the node unless the node ends the input, and clip and
/// keep chomping need them. At the end of the input it is empty, as the node has them all.
///
/// For a block scalar at the top level of a document the spec's parent indentation is -1, which
/// a `usize` cannot say; passing 0 puts the content of an explicit `|1` at column 1, as libyaml
/// and saphyr do, where the spec would put it at column 0.
pub fn block_scalar(raw: &str, parent_indent: usize, trailing: &str) -> String {
    let source = [raw, trailing].concat();
    let (header, body) = match line_break_len_at(&source) {
        Some((at, len)) => (&source[..at], &source[at + len..]),
        None => (source.as_str(), ""),
    };
    let header = BlockHeader::parse(header);
    let lines: Vec<Line<'_>> = lines(body).collect();
    let indent = match header.indent {
        Some(m) => parent_indent.saturating_add(m),
        // The spec: the indentation of the first line with more than spaces on it, or else
        // that of the longest line.
        None => lines
            .iter()
            .find(|line| !line.text.trim_start_matches(' ').is_empty())
            .or_else(|| lines.iter().max_by_key(|line| line.text.len()))
            .map_or(0, |line| leading_spaces(line.text)),
    };
    // Content and empty lines, up to a line that is indented less than the content and not
    // empty: that line ends the scalar (a tab-only line at column 0 is such a line).
    let lines: Vec<Line<'_>> = lines
        .into_iter()
        .take_while(|line| {
            let spaces = leading_spaces(line.text);
            spaces >= indent || spaces == line.text.len()
        })
        .map(|line| Line {
            // Spaces past the indentation are content, even on an otherwise empty line.
            text: &line.text[leading_spaces(line.text).min(indent)..],
            ..line
        })
        .collect();

    let mut value = String::new();
    let last_content = lines.iter().rposition(|line| !line.text.is_empty());
    if let Some(last) = last_content {
        let mut previous = None;
        let mut empty_lines = 0;
        for line in &lines[..=last] {
            if line.text.is_empty() {
                empty_lines += 1;
                continue;
            }
            let breaks = match previous {
                None => empty_lines,
                // Folding joins two lines with a space, or drops the first break if empty
                // lines follow it, unless either line is more indented (starts with white).
                Some(previous) if header.folded && !starts_white(previous) && !starts_white(line.text) => {
                    if empty_lines == 0 {
                        value.push(' ');
                    }
                    empty_lines
                }
                Some(_) => 1 + empty_lines,
            };
            value.extend(iter::repeat_n('\n', breaks));
            value.push_str(line.text);
            previous = Some(line.text);
            empty_lines = 0;
        }
        // A last line that ends the input has no break to keep (b-chomped-last); libyaml and
        // saphyr add one anyway.
        if lines[last].has_break && header.chomping != Chomping::Strip {
            value.push('\n');
        }
    }
    if header.chomping == Chomping::Keep {
        let after_content = last_content.map_or(0, |last| last + 1);
        let breaks = lines[after_content..].iter().filter(|line| line.has_break).count();
        value.extend(iter::repeat_n('\n', breaks));
    }
    value
}

/// The text after a `block_scalar` node, ending at `node_end` in `source`, that still belongs to
/// the scalar and must be passed to [`block_scalar`] as `trailing`: the rest of the node's last
/// line with its line break, then every following line made only of spaces and tabs, each with
/// its break, up to the first other line or the end of `source`.
pub fn block_scalar_trailing(source: &str, node_end: usize) -> &str {
    let rest = source.get(node_end..).unwrap_or("");
    let Some((at, len)) = line_break_len_at(rest) else {
        return rest;
    };
    let mut end = at + len;
    loop {
        let line = &rest[end..];
        let blank = line.len() - line.trim_start_matches(is_white).len();
        if blank == line.len() {
            return rest;
        }
        match line_break_len(&line[blank..]) {
            Some(len) => end += blank + len,
            None => return &rest[..end],
        }
    }
}

/// Runs the content of a flow scalar through a [`FlowFolder`]. At each character `escape` is
/// asked first; it returns `None` to leave the character to folding, or else how many bytes it
/// consumed or what is wrong there. `escapes` are the characters `escape` acts on. Errors carry
/// the byte offset in `text`.
fn fold_flow<E>(
    text: &str,
    escapes: &[char],
    mut escape: impl FnMut(&str, &mut FlowFolder) -> Option<Result<usize, E>>,
) -> Result<String, (usize, E)> {
    // Most values are one line without an escape, and are their characters as they stand
    // (white space is folded only at a line break): no need to go through them one by one.
    if !text.contains(|c| c == '\r' || c == '\n' || escapes.contains(&c)) {
        return Ok(text.to_owned());
    }
    let mut folder = FlowFolder::default();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let rest = &text[at..];
        at += match escape(rest, &mut folder) {
            Some(consumed) => consumed.map_err(|error| (at, error))?,
            None if is_white(c) => {
                folder.white(c);
                c.len_utf8()
            }
            None if line_break_len(rest).is_some() => folder.fold(rest),
            None => {
                folder.content(c);
                c.len_utf8()
            }
        };
    }
    Ok(folder.finish())
}

/// Builds a flow scalar's value from its characters, folding its line breaks.
#[derive(Default)]
struct FlowFolder {
    value: String,
    /// White space after the last content: it is content if more follows on its line, and is
    /// trimmed if a line break follows.
    white: String,
}

impl FlowFolder {
    fn white(&mut self, c: char) {
        self.white.push(c);
    }

    fn content(&mut self, c: char) {
        self.value.push_str(&self.white);
        self.white.clear();
        self.value.push(c);
    }

    /// Folds the line break at the start of `text` into a space, or into one line feed for each
    /// empty line after it. Returns the bytes it takes: the break, the empty lines, and the
    /// indentation of the next line.
    fn fold(&mut self, text: &str) -> usize {
        self.white.clear();
        let (len, empty_lines) = skip_line_prefixes(text);
        if empty_lines == 0 {
            self.value.push(' ');
        }
        self.value.extend(iter::repeat_n('\n', empty_lines));
        len
    }

    /// Joins the lines at an escaped line break (`text` starts at the break, after the `\`):
    /// white space before the `\` is kept, no space is added, and empty lines still give line
    /// feeds. Returns the bytes it takes, as [`FlowFolder::fold`] does.
    fn join(&mut self, text: &str) -> usize {
        self.value.push_str(&self.white);
        self.white.clear();
        let (len, empty_lines) = skip_line_prefixes(text);
        self.value.extend(iter::repeat_n('\n', empty_lines));
        len
    }

    /// The value; white space at the end is content, as only the closing quote follows it.
    fn finish(mut self) -> String {
        self.value.push_str(&self.white);
        self.value
    }
}

/// Skips the line break at the start of `text`, the white-space-only lines after it and the
/// white space that starts the next line. Returns the bytes skipped and how many lines were
/// empty.
fn skip_line_prefixes(text: &str) -> (usize, usize) {
    let mut at = line_break_len(text).unwrap_or(0);
    let mut empty_lines = 0;
    loop {
        at += text[at..].len() - text[at..].trim_start_matches(is_white).len();
        match line_break_len(&text[at..]) {
            Some(len) => {
                at += len;
                empty_lines += 1;
            }
            None => return (at, empty_lines),
        }
    }
}

/// The valid double-quoted escapes, for error messages.
const ESCAPES: &str = r#"\0 \a \b \t \<TAB> \n \v \f \r \e \<space> \" \/ \\ \N \_ \L \P \xXX \uXXXX \UXXXXXXXX, and \ at the end of a line"#;

/// Decodes the escape whose text, after the backslash, starts `escaped`. Returns the character
/// and the bytes it takes after the backslash.
fn unescape(escaped: &str) -> Result<(char, usize), String> {
    let Some(name) = escaped.chars().next() else {
        return Err(format!("a `\\` ends the scalar without an escape; valid escapes are {ESCAPES}"));
    };
    let c = match name {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\x0B',
        'f' => '\x0C',
        'r' => '\r',
        'e' => '\x1B',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{A0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' => return unescape_hex(escaped, 2),
        'u' => return unescape_hex(escaped, 4),
        'U' => return unescape_hex(escaped, 8),
        _ => {
            let shown = if name.is_control() { name.escape_debug().to_string() } else { name.to_string() };
            return Err(format!("invalid escape `\\{shown}` in a double-quoted scalar; valid escapes are {ESCAPES}"));
        }
    };
    Ok((c, name.len_utf8()))
}

/// Decodes `\x`, `\u` or `\U` (the first character of `escaped`) and its `digits` hex digits.
fn unescape_hex(escaped: &str, digits: usize) -> Result<(char, usize), String> {
    let name = &escaped[..1];
    let hex = escaped
        .get(1..=digits)
        .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("the escape `\\{name}` needs {digits} hexadecimal digits after it"))?;
    u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .map(|c| (c, 1 + digits))
        .ok_or_else(|| format!("the escape `\\{name}{hex}` is not a Unicode scalar value"))
}

/// Chomping of a block scalar's final line break and trailing empty lines.
#[derive(Clone, Copy, PartialEq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// The indicators of a block scalar.
struct BlockHeader {
    folded: bool,
    chomping: Chomping,
    /// The indentation indicator.
    indent: Option<usize>,
}

impl BlockHeader {
    /// Reads the header line; the indicators may come in either order, and what follows them
    /// can only be a comment.
    fn parse(line: &str) -> Self {
        let mut header = BlockHeader { folded: line.starts_with('>'), chomping: Chomping::Clip, indent: None };
        for c in line.chars().skip(1) {
            match c {
                '-' => header.chomping = Chomping::Strip,
                '+' => header.chomping = Chomping::Keep,
                '1'..='9' => header.indent = c.to_digit(10).map(|m| m as usize),
                _ => break,
            }
        }
        header
    }
}

/// One line of a block scalar.
struct Line<'a> {
    /// The line without its break.
    text: &'a str,
    /// Whether a line break ends the line, rather than the end of the input.
    has_break: bool,
}

/// The lines of `text`; a break at its very end does not start another line.
fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut rest = text;
    iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, has_break) = match line_break_len_at(rest) {
            Some((at, len)) => {
                let line = &rest[..at];
                rest = &rest[at + len..];
                (line, true)
            }
            None => (std::mem::take(&mut rest), false),
        };
        Some(Line { text: line, has_break })
    })
}

/// Where the first line break in `text` is, and how many bytes it has.
fn line_break_len_at(text: &str) -> Option<(usize, usize)> {
    let at = text.find(['\r', '\n'])?;
    line_break_len(&text[at..]).map(|len| (at, len))
}

/// The length in bytes of the line break that `text` starts with, if it starts with one.
fn line_break_len(text: &str) -> Option<usize> {
    if text.starts_with("\r\n") {
        Some(2)
    } else if text.starts_with(['\r', '\n']) {
        Some(1)
    } else {
        None
    }
}

/// YAML's white space: space and tab.
fn is_white(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn starts_white(text: &str) -> bool {
    text.starts_with(is_white)
}

/// How many spaces `text` starts with (YAML indents with spaces only). Counted by bytes: a
/// space is one, and recovery counts every line of a file at every keystroke that breaks one
/// (`trim_start_matches` took 40% more instructions there).
pub(crate) fn leading_spaces(text: &str) -> usize {
    text.bytes().take_while(|&byte| byte == b' ').count()
}

/// `raw` without its opening and closing `quote`, and the offset of the rest in `raw`.
fn unquote(raw: &str, quote: char) -> (&str, usize) {
    let (text, offset) = match raw.strip_prefix(quote) {
        Some(text) => (text, quote.len_utf8()),
        None => (raw, 0),
    };
    (text.strip_suffix(quote).unwrap_or(text), offset)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `unsigned` matches the core schema's float pattern after its sign:
/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`.
fn is_core_float(unsigned: &str) -> bool {
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_or_empty = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits_or_empty(whole) && digits_or_empty(fraction) && whole.len() + fraction.len() > 0;
    let exponent_ok = exponent.is_none_or(|exponent| is_digits(exponent.strip_prefix(['-', '+']).unwrap_or(exponent)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;
    use saphyr::{LoadableYamlNode, Scalar, ScalarStyle, Yaml};
    use tree_sitter::{Node, Tree};

    const SCALAR_KINDS: [&str; 4] = ["plain_scalar", "single_quote_scalar", "double_quote_scalar", "block_scalar"];

    fn parse(source: &str) -> Tree {
        crate::syntax::yaml::parser().parse(source, None).expect("the parser returns a tree")
    }

    /// `node` and the nodes under it, in document order.
    fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
        let mut nodes = vec![node];
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            nodes.extend(descendants(child));
        }
        nodes
    }

    /// The first scalar node in the value of the mapping key `k`.
    fn value_scalar<'t>(tree: &'t Tree, source: &str) -> Node<'t> {
        descendants(tree.root_node())
            .into_iter()
            .filter(|node| matches!(node.kind(), "block_mapping_pair" | "flow_pair"))
            .find(|pair| pair.child_by_field_name("key").is_some_and(|key| &source[key.byte_range()] == "k"))
            .and_then(|pair| pair.child_by_field_name("value"))
            .and_then(|value| descendants(value).into_iter().find(|node| SCALAR_KINDS.contains(&node.kind())))
            .unwrap_or_else(|| panic!("no scalar value for k in {source:?}"))
    }

    /// The column of the mapping key or sequence entry that owns `node`.
    fn parent_indent(node: Node<'_>) -> usize {
        iter::successors(node.parent(), Node::parent)
            .find(|node| matches!(node.kind(), "block_mapping_pair" | "block_sequence_item"))
            .map_or(0, |owner| owner.start_position().column)
    }

    /// Decodes the value of key `k` in `source` as the tree conversion will, from the node
    /// that tree-sitter-yaml gives it; the document must parse without errors.
    fn decode(source: &str) -> Result<Resolved, (usize, String)> {
        let tree = parse(source);
        assert!(!tree.root_node().has_error(), "tree-sitter-yaml rejects {source:?}: {}", tree.root_node().to_sexp());
        let node = value_scalar(&tree, source);
        let text = &source[node.byte_range()];
        match node.kind() {
            "plain_scalar" => Ok(resolve_plain(&plain(text))),
            "single_quote_scalar" => Ok(Resolved::Str(single_quoted(text).into())),
            "double_quote_scalar" => double_quoted(text).map(|value| Resolved::Str(value.into())),
            _ => Ok(Resolved::Str(
                block_scalar(text, parent_indent(node), block_scalar_trailing(source, node.end_byte())).into(),
            )),
        }
    }

    fn from_saphyr(scalar: &Scalar<'_>) -> Resolved {
        match scalar {
            Scalar::Null => Resolved::Null,
            Scalar::Boolean(b) => Resolved::Bool(*b),
            Scalar::Integer(i) => Resolved::Int(*i),
            Scalar::FloatingPoint(f) => Resolved::Float(f.into_inner()),
            Scalar::String(s) => Resolved::Str(s.as_ref().into()),
        }
    }

    /// saphyr's reading of the first scalar in the value of key `k`, or its error.
    fn saphyr(source: &str) -> Result<Resolved, String> {
        let docs = Yaml::load_from_str(source).map_err(|error| error.to_string())?;
        let mut value = docs.first().and_then(value_of_k).ok_or("no value for k")?;
        while let Some(first) = value.as_sequence().and_then(|items| items.first()) {
            value = first;
        }
        match value {
            Yaml::Value(scalar) => Ok(from_saphyr(scalar)),
            other => Err(format!("not a scalar: {other:?}")),
        }
    }

    /// The value of the first key `k` in `doc`'s mappings, searched depth first.
    fn value_of_k<'a, 'input>(doc: &'a Yaml<'input>) -> Option<&'a Yaml<'input>> {
        let mapping = doc.as_mapping()?;
        doc.as_mapping_get("k").or_else(|| mapping.values().find_map(value_of_k))
    }

    /// Equality that takes NaN as equal to itself.
    fn same(a: &Resolved, b: &Resolved) -> bool {
        match (a, b) {
            (Resolved::Float(x), Resolved::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => a == b,
        }
    }

    fn s(value: &str) -> Resolved {
        Resolved::Str(value.into())
    }

    /// Documents and the value of their key `k`, per YAML 1.2; saphyr reads each the same.
    fn cases() -> Vec<(&'static str, Resolved)> {
        use Resolved::{Bool, Float, Int, Null};
        vec![
            // Plain scalars: folding.
            ("k: hello world\n", s("hello world")),
            ("k: one\n  two\n   three\nz: 1\n", s("one two three")),
            ("k: a\n\n  b\n\n\n  c\n", s("a\nb\n\nc")),
            ("k: a   b\n", s("a   b")),
            ("k: a b # comment\n", s("a b")),
            ("k: a\t\n  \tb\n", s("a b")),
            ("k: a\r\n  b\r\n\r\n  c\r\nz: 1\r\n", s("a b\nc")),
            ("k: grüße, 😀 — ok\n", s("grüße, 😀 — ok")),
            ("k: [a\n  b, c]\n", s("a b")),
            ("k: a#b:c\n", s("a#b:c")),
            // Plain scalars: core-schema resolution.
            ("k: ~\n", Null),
            ("k: null\n", Null),
            ("k: Null\n", Null),
            ("k: NULL\n", Null),
            ("k: nULL\n", s("nULL")),
            ("k: true\n", Bool(true)),
            ("k: True\n", Bool(true)),
            ("k: FALSE\n", Bool(false)),
            ("k: tRue\n", s("tRue")),
            ("k: yes\n", s("yes")),
            ("k: off\n", s("off")),
            ("k: 42\n", Int(42)),
            ("k: -17\n", Int(-17)),
            ("k: +5\n", Int(5)),
            ("k: 007\n", Int(7)),
            ("k: 0o17\n", Int(15)),
            ("k: 0x1F\n", Int(31)),
            ("k: 0xff\n", Int(255)),
            ("k: 9223372036854775807\n", Int(i64::MAX)),
            ("k: -9223372036854775808\n", Int(i64::MIN)),
            ("k: 0x8000000000000000\n", s("0x8000000000000000")),
            ("k: 0o8\n", s("0o8")),
            ("k: 0X1F\n", s("0X1F")),
            ("k: -0x1\n", s("-0x1")),
            ("k: 0b101\n", s("0b101")),
            ("k: 1_000\n", s("1_000")),
            ("k: 1.5\n", Float(1.5)),
            ("k: -2.5e-3\n", Float(-2.5e-3)),
            ("k: 1e3\n", Float(1000.0)),
            ("k: 1E+3\n", Float(1000.0)),
            ("k: .5\n", Float(0.5)),
            ("k: 5.\n", Float(5.0)),
            ("k: +.5\n", Float(0.5)),
            ("k: .inf\n", Float(f64::INFINITY)),
            ("k: +.Inf\n", Float(f64::INFINITY)),
            ("k: -.INF\n", Float(f64::NEG_INFINITY)),
            ("k: .NaN\n", Float(f64::NAN)),
            ("k: inf\n", s("inf")),
            ("k: nan\n", s("nan")),
            ("k: -.nan\n", s("-.nan")),
            ("k: 1.2.3\n", s("1.2.3")),
            ("k: 12:30\n", s("12:30")),
            ("k: 2024-01-02\n", s("2024-01-02")),
            // Single-quoted scalars.
            ("k: 'it''s'\n", s("it's")),
            ("k: ''\n", s("")),
            ("k: ''''\n", s("'")),
            ("k: '  lead and trail  '\n", s("  lead and trail  ")),
            ("k: 'a\\nb \"q\"'\n", s("a\\nb \"q\"")),
            ("k: '# not a comment'\n", s("# not a comment")),
            ("k: 'a\n  b'\n", s("a b")),
            ("k: 'a   \n \t  b'\n", s("a b")),
            ("k: 'a\n\n  b'\n", s("a\nb")),
            ("k: 'a\n\n\n  b'\n", s("a\n\nb")),
            ("k: '\n  a\n  '\n", s(" a ")),
            ("k: 'a\r\n\r\n  b'\r\n", s("a\nb")),
            // A lone CR is a line break too (b-break).
            ("k: 'a\r\r  b'\nz: 1\n", s("a\nb")),
            ("k: \"a\r  b\"\r", s("a b")),
            ("k: a\r  b\rz: 1\r", s("a b")),
            ("k: |\r  a\r\rz: 1\r", s("a\n")),
            ("k: '123'\n", s("123")),
            // Double-quoted scalars: escapes.
            (r#"k: "\0\a\b\t\n\v\f\r\e""#, s("\0\x07\x08\t\n\x0B\x0C\r\x1B")),
            ("k: \"\\\t|\\ |\\\"|\\/|\\\\\"\n", s("\t| |\"|/|\\")),
            (r#"k: "\N\_\L\P""#, s("\u{85}\u{A0}\u{2028}\u{2029}")),
            (r#"k: "\x41\u00e9\U0001F600""#, s("Aé😀")),
            (r#"k: "\u20AC \xe9 \U0010FFFF""#, s("€ é \u{10FFFF}")),
            ("k: \"日本語 ü\"\n", s("日本語 ü")),
            ("k: \"true\"\n", s("true")),
            ("k: \"\"\n", s("")),
            // Double-quoted scalars: folding and escaped line breaks.
            ("k: \"a\n  b\"\n", s("a b")),
            ("k: \"a  \n\n  b\"\n", s("a\nb")),
            ("k: \"  \n  x\"\n", s(" x")),
            ("k: \"a \\\n   b\"\n", s("a b")),
            ("k: \"a\\\n   b\"\n", s("ab")),
            ("k: \"a\\\n\n  b\"\n", s("a\nb")),
            ("k: \"a\\t\n  b\"\n", s("a\t b")),
            ("k: \"a\\ \n  b\"\n", s("a  b")),
            ("k: \"a\\\n  \\ b\"\n", s("a b")),
            ("k: \"a\r\n  b\\\r\n  c\"\r\n", s("a bc")),
            // Literal block scalars and chomping.
            ("k: |\n  a\n  b\n", s("a\nb\n")),
            ("k: |\n  a\n\n\nz: 1\n", s("a\n")),
            ("k: |-\n  a\n\n\nz: 1\n", s("a")),
            ("k: |+\n  a\n\n\nz: 1\n", s("a\n\n\n")),
            ("k: |+\n  a\n\n\n", s("a\n\n\n")),
            ("k: |-\n  a\n\n\n", s("a")),
            ("k: |+\n  a\n\n...\n", s("a\n\n")),
            ("k: |+\n  a\n\n # comment\nz: 1\n", s("a\n\n")),
            ("k: |\nz: 1\n", s("")),
            ("k: |+\n\n\nz: 1\n", s("\n\n")),
            ("k: |\n\n  a\n", s("\na\n")),
            ("k: |\n  a  \n   b\n", s("a  \n b\n")),
            ("k: |\n  # not a comment\n", s("# not a comment\n")),
            ("k: | # a comment\n  a\n", s("a\n")),
            ("k: |\n  ü😀\n", s("ü😀\n")),
            ("k: |\r\n  a\r\n  b\r\n\r\nz: 1\r\n", s("a\nb\n")),
            ("k: |+\r\n  a\r\n\r\nz: 1\r\n", s("a\n\n")),
            // Spaces past the indentation are content, even on a line with nothing else:
            // tree-sitter-yaml leaves such a line out of the node, `trailing` brings it back.
            ("k: |+\n  x\n     \n\nz: 1\n", s("x\n   \n\n")),
            ("k: |+\n  x\n  \t\n\nz: 1\n", s("x\n\t\n\n")),
            // A line that is less indented and not empty ends the scalar.
            ("k: |+\n  x\n\t\n\nz: 1\n", s("x\n")),
            // Indentation indicators, counted from the owner's column.
            ("k: |2\n    a\n  b\n", s("  a\nb\n")),
            ("k: |1-\n  a\n", s(" a")),
            ("k: >-2\n   a\n  b\n", s(" a\nb")),
            ("k:\n- |1\n  x\n", s(" x\n")),
            ("k:\n  - |2\n     x\n  - y\n", s(" x\n")),
            ("a:\n  k: |2\n     x\n", s(" x\n")),
            // Folded block scalars.
            ("k: >\n  a\n  b\n\n  c\n", s("a b\nc\n")),
            ("k: >\n  a\n  b\n\n   c\n  d\n\n  e\n", s("a b\n\n c\nd\ne\n")),
            ("k: >\n  a\n  \tb\n  c\n", s("a\n\tb\nc\n")),
            ("k: >\n  a  \n  b\n", s("a   b\n")),
            ("k: >-\n  a\n\n\n  b\n\n", s("a\n\nb")),
            ("k: >+\n  a\n\n", s("a\n\n")),
            // Spec example 8.10, folded lines.
            (
                "k: >\n\n folded\n line\n\n next\n line\n   * bullet\n\n   * list\n   * lines\n\n last\n line\n\n# Comment\n",
                s("\nfolded line\nnext line\n  * bullet\n\n  * list\n  * lines\n\nlast line\n"),
            ),
        ]
    }

    #[test]
    fn scalar_table_matches_spec_and_saphyr() {
        let mut failures = Vec::new();
        for (source, want) in cases() {
            match decode(source) {
                Ok(got) if same(&got, &want) => {}
                got => failures.push(format!("{source:?}: decoded {got:?}, want {want:?}")),
            }
            match saphyr(source) {
                Ok(theirs) if same(&theirs, &want) => {}
                theirs => failures.push(format!("{source:?}: saphyr {theirs:?}, want {want:?}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Where saphyr departs from YAML 1.2 (or from this module's contract), the decoder keeps
    /// to the spec (or the contract).
    #[test]
    fn scalar_cases_where_saphyr_departs() {
        // b-chomped-last(clip) is a line feed or the end of the input, which gives none: a
        // block scalar that ends the input without a line break has no final break to clip.
        // saphyr, like libyaml, adds one.
        assert_eq!(decode("k: |\n  x"), Ok(s("x")));
        assert_eq!(saphyr("k: |\n  x"), Ok(s("x\n")));
        // The core schema's int pattern matches but no i64 holds the value: the contract makes
        // it a string, where saphyr falls back to a float.
        assert_eq!(decode("k: 99999999999999999999\n"), Ok(s("99999999999999999999")));
        assert_eq!(saphyr("k: 99999999999999999999\n"), Ok(Resolved::Float(1e20)));
    }

    #[test]
    fn resolve_plain_empty_is_null() {
        // tree-sitter-yaml has no node for an empty value, so no document can show this.
        assert_eq!(resolve_plain(""), Resolved::Null);
        assert_eq!(plain(""), "");
    }

    /// The facts about tree-sitter-yaml's node spans that the module relies on.
    #[test]
    fn tree_sitter_scalar_node_spans() {
        let text_of = |source: &str| {
            let tree = parse(source);
            source[value_scalar(&tree, source).byte_range()].to_owned()
        };
        // A block scalar followed by more of the document ends with its last non-blank line,
        // before that line's break…
        assert_eq!(text_of("k: |+\n  a\n\n\nz: 1\n"), "|+\n  a");
        // …and leaves out a line of spaces that the spec counts as content…
        assert_eq!(text_of("k: |\n  a\n     \nz: 1\n"), "|\n  a");
        // …but at the end of the input it runs to the end.
        assert_eq!(text_of("k: |+\n  a\n\n\n"), "|+\n  a\n\n\n");
        assert_eq!(text_of("k: |+\r\n  a\r\n\r\n"), "|+\r\n  a\r\n\r\n");
        // An empty block scalar is its header, comment included.
        assert_eq!(text_of("k: |+ # c\n\nz: 1\n"), "|+ # c");
        // A plain scalar spans all its lines with their indentation and the empty lines
        // between them, but not a comment or the final break.
        assert_eq!(text_of("k: a\n  b\n\n  c # d\nz: 1\n"), "a\n  b\n\n  c");
        assert_eq!(text_of("k: a\r\n  b\r\nz: 1\r\n"), "a\r\n  b");
        // Quoted scalars are their quotes and what is between, line breaks as written.
        assert_eq!(text_of("k: \"a\r\n  b\"\r\n"), "\"a\r\n  b\"");
        assert_eq!(text_of("k: 'a\r\r  b'\r"), "'a\r\r  b'");
    }

    #[test]
    fn block_scalar_trailing_takes_blank_lines() {
        let source = "k: |+\n  a\n\n \t\n  \nz: 1\n";
        assert_eq!(block_scalar_trailing(source, 9), "\n\n \t\n  \n");
        assert_eq!(block_scalar_trailing("k: |\r\n  a\r\n\r\nz: 1", 9), "\r\n\r\n");
        assert_eq!(block_scalar_trailing("k: |\n  a\n\n  ", 8), "\n\n  ");
        assert_eq!(block_scalar_trailing("k: |\n  a", 8), "");
        // Out of range, or not at a character boundary.
        assert_eq!(block_scalar_trailing("k", 5), "");
        assert_eq!(block_scalar_trailing("é", 1), "");
    }

    #[test]
    fn double_quoted_escape_errors() {
        let (at, message) = double_quoted(r#""a\qb""#).unwrap_err();
        assert_eq!(at, 2);
        assert!(message.contains(r"`\q`") && message.contains(r"\UXXXXXXXX"), "{message}");
        let (at, message) = double_quoted(r#""ab\x4""#).unwrap_err();
        assert_eq!(at, 3);
        assert!(message.contains(r"`\x`") && message.contains('2'), "{message}");
        let (at, message) = double_quoted(r#""\U0011000""#).unwrap_err();
        assert_eq!(at, 1);
        assert!(message.contains(r"`\U`") && message.contains('8'), "{message}");
        let (at, message) = double_quoted(r#""é\U00110000""#).unwrap_err();
        assert_eq!(at, 3);
        assert!(message.contains(r"\U00110000"), "{message}");
        // The closing quote is taken for the quote; the backslash before it is left alone.
        assert_eq!(double_quoted(r#""a\""#).unwrap_err().0, 2);
        assert_eq!(double_quoted("\"\\\u{7}\"").unwrap_err().0, 1);
        // tree-sitter-yaml rejects an unknown escape itself, but takes any four hex digits, so
        // a surrogate reaches the decoder.
        assert!(parse("k: \"a\\qb\"\n").root_node().has_error());
        let (at, message) = decode("k: \"a\\uD800\"\n").unwrap_err();
        assert_eq!(at, 2);
        assert!(message.contains(r"\uD800"), "{message}");
    }

    /// YAML's printable characters (c-printable), less the byte order mark, which parsers may
    /// drop.
    fn printable(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            && c != '\u{FEFF}'
    }

    /// Characters that YAML treats specially somewhere, and any others.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            2 => any::<char>(),
            3 => select(vec![
                ' ', ' ', '\t', '\n', '\r', '"', '\'', '\\', '/', '#', ':', '-', 'a', 'é', '😀',
                '\u{85}', '\u{A0}', '\u{2028}', '\u{FEFF}', '\0', '\u{7}', '\u{1B}', '\u{7F}',
                '\u{9F}', '\u{FFFE}',
            ]),
        ]
    }

    /// Printable characters other than line breaks; the others become `~`, which keeps the
    /// proportions of `any_char` without rejecting cases.
    fn line_char() -> impl Strategy<Value = char> {
        any_char().prop_map(|c| if printable(c) && !matches!(c, '\n' | '\r') { c } else { '~' })
    }

    /// Printable characters that are neither white space nor line breaks.
    fn word_char() -> impl Strategy<Value = char> {
        line_char().prop_map(|c| if is_white(c) { '_' } else { c })
    }

    /// What follows the scalar: nothing, or more of the document.
    fn tail() -> impl Strategy<Value = &'static str> {
        select(vec!["", "z: 1\n", "# end\nz: 1\n"])
    }

    /// `noise` bit `bit` set: white space where folding drops it; else nothing.
    fn noise(noise: u8, bit: u8) -> &'static str {
        if noise & bit != 0 {
            " \t"
        } else {
            ""
        }
    }

    /// Writes a raw line break, `empty_lines` empty lines and the next line's indentation,
    /// with white space that folding drops on the empty lines and after the indentation where
    /// `noise` bits 2 and 4 say.
    fn raw_break(out: &mut String, empty_lines: usize, noise_bits: u8) {
        out.push('\n');
        for _ in 0..empty_lines {
            out.push_str(noise(noise_bits, 2));
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(noise(noise_bits, 4));
    }

    /// Writes `value` as a double-quoted scalar; `choices[i]` picks how character `i` is
    /// written: raw where that keeps its value, as one of its escapes, or as a raw line break
    /// that folds into it; and whether an escaped line break comes before it, and where
    /// white space that folding drops goes.
    fn render_double_quoted(value: &str, choices: &[u16]) -> String {
        let mut out = String::from("\"");
        // Raw white space before a raw line break would be trimmed with it, and raw white space
        // or a raw break just after one would be taken for indentation or an empty line.
        let mut after_raw_white = false;
        let mut at_line_start = false;
        for (i, c) in value.chars().enumerate() {
            let [pick, noise_bits] = choices.get(i).copied().unwrap_or(0).to_le_bytes();
            if pick & 0xC0 == 0xC0 {
                out.push('\\');
                raw_break(&mut out, 0, noise_bits);
                (after_raw_white, at_line_start) = (false, true);
            }
            let fold_ok = !after_raw_white && !at_line_start;
            let raw_ok = printable(c) && !matches!(c, '"' | '\\' | '\n' | '\r') && !(at_line_start && is_white(c));
            (after_raw_white, at_line_start) = match (c, pick % 4) {
                ('\n' | ' ', 1) if fold_ok => {
                    out.push_str(noise(noise_bits, 1));
                    raw_break(&mut out, usize::from(c == '\n'), noise_bits);
                    (false, true)
                }
                (_, 0 | 1) if raw_ok => {
                    out.push(c);
                    (is_white(c), false)
                }
                _ => {
                    out.push_str(&escape(c, pick));
                    (false, false)
                }
            };
        }
        out.push('"');
        out
    }

    /// One of the escapes for `c`, picked by `choice`.
    fn escape(c: char, choice: u8) -> String {
        let named = match c {
            '\0' => "0",
            '\x07' => "a",
            '\x08' => "b",
            '\t' if choice & 0x20 != 0 => "\t",
            '\t' => "t",
            '\n' => "n",
            '\x0B' => "v",
            '\x0C' => "f",
            '\r' => "r",
            '\x1B' => "e",
            ' ' => " ",
            '"' => "\"",
            '/' => "/",
            '\\' => "\\",
            '\u{85}' => "N",
            '\u{A0}' => "_",
            '\u{2028}' => "L",
            '\u{2029}' => "P",
            _ => "",
        };
        let code = u32::from(c);
        match (choice >> 2) % 4 {
            0 if !named.is_empty() => format!("\\{named}"),
            0 | 1 if code <= 0xFF => format!("\\x{code:02X}"),
            0..=2 if code <= 0xFFFF => format!("\\u{code:04x}"),
            _ => format!("\\U{code:08X}"),
        }
    }

    /// Strings that single quotes can hold: printable, with no white space next to a line
    /// break (folding would trim it).
    fn single_quotable() -> impl Strategy<Value = String> {
        let word = || vec(word_char(), 1..5).prop_map(String::from_iter);
        let gap = select(vec![" ", "  ", "\t", " \t ", "\n", "\n\n"]);
        let edge = || select(vec!["", " ", "\t", "\n"]);
        let text = (edge(), word(), vec((gap, word()), 0..6), edge()).prop_map(
            |(lead, first, rest, trail): (&str, String, Vec<(&str, String)>, &str)| {
                let mut text = format!("{lead}{first}");
                for (gap, word) in rest {
                    text.push_str(gap);
                    text.push_str(&word);
                }
                text + trail
            },
        );
        prop_oneof![1 => Just(String::new()), 9 => text]
    }

    /// Writes `value` as a single-quoted scalar; `choices[i]` says whether a space at `i`
    /// between words is written as a line break (bit 8), and where white space that folding
    /// drops goes around a line break written for character `i`.
    fn render_single_quoted(value: &str, choices: &[u8]) -> String {
        let in_word = |c: char| !is_white(c) && c != '\n';
        let mut out = String::from("'");
        let mut chars = value.chars().enumerate().peekable();
        let mut previous = None;
        while let Some((i, c)) = chars.next() {
            let choice = choices.get(i).copied().unwrap_or(0);
            match c {
                '\'' => out.push_str("''"),
                // A run of line breaks is written with one more: the first folds away.
                '\n' => {
                    let mut empty_lines = 1;
                    while chars.next_if(|&(_, next)| next == '\n').is_some() {
                        empty_lines += 1;
                    }
                    out.push_str(noise(choice, 1));
                    raw_break(&mut out, empty_lines, choice);
                }
                ' ' if choice & 8 != 0
                    && previous.is_some_and(in_word)
                    && chars.peek().is_some_and(|&(_, next)| in_word(next)) =>
                {
                    out.push_str(noise(choice, 1));
                    raw_break(&mut out, 0, choice);
                }
                _ => out.push(c),
            }
            previous = Some(c);
        }
        out.push('\'');
        out
    }

    /// Strings of printable characters and line breaks, as literal block scalars hold them.
    fn literal_text() -> impl Strategy<Value = String> {
        (vec(vec(line_char(), 0..6).prop_map(String::from_iter), 1..6), 0..4usize)
            .prop_map(|(lines, breaks)| lines.join("\n") + &"\n".repeat(breaks))
    }

    /// Lines of a block scalar's content, past its indentation of 2: text lines indented
    /// further by 0 to 2 spaces, and empty lines of 0 to 4 spaces (past 2, the spaces are
    /// content).
    fn block_lines() -> impl Strategy<Value = Vec<String>> {
        let text = (0..3usize, vec(line_char(), 1..5))
            .prop_map(|(extra, text)| " ".repeat(2 + extra) + &String::from_iter(text));
        let empty = (0..5usize).prop_map(|spaces| " ".repeat(spaces));
        vec(prop_oneof![3 => text, 2 => empty], 0..8)
    }

    /// How a literal block scalar is written out.
    #[derive(Debug)]
    struct LiteralStyle {
        /// Indentation of the content past the owner's column.
        indent: usize,
        /// Whether to write the indentation indicator even where auto-detection would work.
        explicit: bool,
        /// Whether the chomping indicator comes before the indentation indicator.
        chomping_first: bool,
        /// Whether the scalar is a sequence entry rather than a mapping value.
        in_sequence: bool,
        /// Whether empty lines are written with the content's indentation.
        indent_empty_lines: bool,
        comment: bool,
    }

    fn literal_style() -> impl Strategy<Value = LiteralStyle> {
        (1..5usize, any::<[bool; 5]>()).prop_map(|(indent, flags)| LiteralStyle {
            indent,
            explicit: flags[0],
            chomping_first: flags[1],
            in_sequence: flags[2],
            indent_empty_lines: flags[3],
            comment: flags[4],
        })
    }

    /// Writes `value` as a literal block scalar under key `k`.
    fn render_literal(value: &str, style: &LiteralStyle) -> String {
        let (chomping, body) = match value.strip_suffix('\n') {
            None => ("-", value),
            Some(body) if body.is_empty() || body.ends_with('\n') => ("+", body),
            Some(body) => ("", body),
        };
        let lines: Vec<&str> = body.split('\n').collect();
        // Auto-detection takes the indentation of the first line with more than spaces, and
        // the spec forbids lines of spaces before it: both need the indicator.
        let first_text = lines.iter().position(|line| !line.trim_start_matches(' ').is_empty());
        let leading = &lines[..first_text.unwrap_or(lines.len())];
        let explicit = style.explicit
            || leading.iter().any(|line| !line.is_empty())
            || first_text.is_some_and(|i| lines[i].starts_with(' '));
        let digit = if explicit { style.indent.to_string() } else { String::new() };
        let indicators = if style.chomping_first { format!("{chomping}{digit}") } else { format!("{digit}{chomping}") };
        let (owner, column) = if style.in_sequence { ("k:\n  - ", 2) } else { ("k: ", 0) };
        let comment = if style.comment { " # header" } else { "" };
        let mut out = format!("{owner}|{indicators}{comment}\n");
        let indentation = " ".repeat(column + style.indent);
        for line in lines {
            if !line.is_empty() || style.indent_empty_lines {
                out.push_str(&indentation);
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    proptest! {
        #[test]
        fn double_quoted_scalars_round_trip(
            value in vec(any_char(), 0..24).prop_map(String::from_iter),
            choices in vec(any::<u16>(), 0..24),
            tail in tail(),
        ) {
            let source = format!("k: {}\n{tail}", render_double_quoted(&value, &choices));
            prop_assert_eq!(decode(&source), Ok(s(&value)), "source {:?}", source);
            prop_assert_eq!(saphyr(&source), Ok(s(&value)), "source {:?}", source);
        }

        #[test]
        fn single_quoted_scalars_round_trip(
            value in single_quotable(),
            choices in vec(any::<u8>(), 0..40),
            tail in tail(),
        ) {
            let source = format!("k: {}\n{tail}", render_single_quoted(&value, &choices));
            prop_assert_eq!(decode(&source), Ok(s(&value)), "source {:?}", source);
            prop_assert_eq!(saphyr(&source), Ok(s(&value)), "source {:?}", source);
        }

        #[test]
        fn literal_block_scalars_round_trip(
            value in literal_text(),
            style in literal_style(),
            tail in tail(),
        ) {
            let source = render_literal(&value, &style) + tail;
            prop_assert_eq!(decode(&source), Ok(s(&value)), "source {:?}", source);
            prop_assert_eq!(saphyr(&source), Ok(s(&value)), "source {:?}", source);
        }

        #[test]
        fn block_scalars_match_saphyr(
            folded in any::<bool>(),
            chomping in select(vec!["", "-", "+"]),
            explicit in any::<bool>(),
            lines in block_lines(),
            tail in tail(),
        ) {
            // Without the indicator, the first text line must set the indentation to 2 and
            // no line of spaces before it may be longer.
            let first_text = lines.iter().position(|line| !line.trim_start_matches(' ').is_empty());
            let explicit = explicit
                || first_text.is_some_and(|i| lines[i].starts_with("   "))
                || lines[..first_text.unwrap_or(lines.len())].iter().any(|line| line.len() > 2);
            let indicator = if folded { '>' } else { '|' };
            let digit = if explicit { "2" } else { "" };
            let mut source = format!("k: {indicator}{chomping}{digit}\n");
            for line in &lines {
                source.push_str(line);
                source.push('\n');
            }
            source.push_str(tail);
            prop_assert_eq!(decode(&source).map_err(|(_, message)| message), saphyr(&source), "source {:?}", source);
        }

        #[test]
        fn plain_scalar_resolution_matches_saphyr(content in prop_oneof![
            "[-+]?[0-9]{1,22}",
            "[-+]?0[xo][-+]?[0-9a-fA-F]{0,17}",
            "[-+]?[0-9]{0,3}\\.?[0-9]{0,3}([eE][-+]?[0-9]{0,3})?",
            "[-+]?\\.(inf|Inf|INF|nan|NaN|NAN|iNF|NAn)",
            "(true|True|TRUE|false|False|FALSE|null|Null|NULL|~|yes|No|on|tRUE|nULL)",
            "[ -~]{0,8}",
        ]) {
            let ours = resolve_plain(&content);
            let theirs = Scalar::parse_from_cow_and_metadata(content.as_str().into(), ScalarStyle::Plain, None)
                .map(|scalar| from_saphyr(&scalar));
            let unsigned = content.strip_prefix(['-', '+']).unwrap_or(&content);
            if is_digits(unsigned) && content.parse::<i64>().is_err() {
                // Out of i64 range: a string by contract, a float to saphyr.
                prop_assert_eq!(ours, s(&content));
                prop_assert!(matches!(theirs, Some(Resolved::Float(_))), "{:?}", theirs);
            } else {
                prop_assert!(theirs.as_ref().is_some_and(|theirs| same(&ours, theirs)), "{:?} vs {:?}", ours, theirs);
            }
        }

        #[test]
        fn scalar_functions_never_panic(
            raw in any::<String>(),
            yamlish in "[|>+\\-0-9 \t\r\n\"'\\\\xuU#a-fé]{0,40}",
            parent in any::<usize>(),
            trailing in "[ \t\r\n]{0,6}",
            at in any::<usize>(),
        ) {
            for text in [&raw, &yamlish] {
                resolve_plain(&plain(text));
                resolve_plain(text);
                single_quoted(text);
                let _ = double_quoted(text);
                block_scalar(text, parent, &trailing);
                block_scalar(text, parent % 8, text);
                block_scalar_trailing(text, at % (text.len() + 2));
            }
        }
    }
}
