//! The text patterns of transport rules as Exchange reads them: .NET regular expressions.
//! [`read`] says whether .NET accepts a pattern, why it rejects one (worded as .NET's own
//! errors are), and writes an accepted one for the engine the tool evaluates patterns with
//! (fancy-regex), or says why the engine has no equivalent of it.
//!
//! The reading follows Microsoft's reference of the .NET regular expression language (the
//! pages under learn.microsoft.com/dotnet/standard/base-types/, cited below by their titles)
//! and, where the reference is silent or says less than the parser does, .NET's parser
//! itself (`RegexParser.cs` in dotnet/runtime, cited as "the parser"). Each check says which
//! rule it follows. Patterns are read with the options Exchange matches with:
//! `RegexOptions.IgnoreCase`, nothing else.
//!
//! What the engine is given means what the pattern means to .NET: `$` (end of the text or
//! before its final line break, "Anchors in Regular Expressions") is written as a
//! lookahead, `\w` and `\s` as the Unicode categories .NET lists for them ("Character
//! Classes in Regular Expressions"), a named block (`\p{IsBasicLatin}`) as its code point
//! range, a character class subtraction (`[a-z-[aeiou]]`) as a negative lookahead before
//! the base class, an octal or control escape as the character, groups that do not capture
//! under `n` as non-capturing ones, and backreferences by .NET's group numbering (unnamed
//! groups first, then named ones). Two differences remain: .NET reads text as UTF-16 code
//! units and the engine as characters, so a pattern that names a surrogate or puts a
//! character beyond U+FFFF in a class or under a quantifier is not evaluated; and case is
//! folded by Unicode's simple folding rather than a culture's casing.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// What .NET makes of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// .NET accepts it: the same pattern written for the engine, or why the engine has no
    /// equivalent of it.
    Valid(Result<String, String>),
    /// .NET rejects it, for this reason, in .NET's terms.
    Invalid(String),
}

/// Reads `pattern` as .NET does (see the module's documentation).
pub fn read(pattern: &str) -> Reading {
    let chars: Vec<char> = pattern.chars().collect();
    let mut parser = Parser::new(&chars);
    // The parser counts the groups first, so that a backreference may name a group defined
    // after it ("Backreference Constructs": `\k<name>` names a group "defined in the
    // regular expression pattern", wherever; the parser's CountCaptures).
    if let Err(error) = parser.count_captures() {
        return Reading::Invalid(error);
    }
    parser.reset();
    match parser.scan_regex() {
        Err(error) => Reading::Invalid(error),
        Ok(()) => Reading::Valid(parser.engine_pattern()),
    }
}

/// The options that change how a pattern reads ("Regular Expression Options": the inline
/// options `i`, `m`, `n`, `s`, `x`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Options {
    ignore_case: bool,
    multiline: bool,
    explicit_capture: bool,
    singleline: bool,
    ignore_whitespace: bool,
}

/// What a group is, as it is being read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum GroupKind {
    /// The whole pattern.
    Root,
    /// A capturing group, by .NET's number; `balancing` for `(?<a-b>…)`.
    Capture {
        number: Option<u32>,
        balancing: bool,
    },
    NonCapturing,
    Lookaround,
    Atomic,
    /// `(?(1)yes|no)` or `(?(name)yes|no)`: by .NET's group number.
    BackreferenceConditional,
    /// `(?(expression)yes|no)`: its condition, once read, as written for the engine.
    ExpressionConditional {
        condition: Option<String>,
    },
}

/// An open group.
struct Frame {
    kind: GroupKind,
    /// Where its `(` is, for the message when it is never closed.
    open: usize,
    /// The options outside it, restored at its `)`.
    outside: Options,
    /// How many `|` stand directly in it.
    bars: usize,
    /// Where its opening starts in the engine pattern.
    opening: usize,
    /// How many groups the engine pattern had opened before it.
    groups_before: usize,
    /// The largest repetition of anything inside it (see [`Parser::repeated`]).
    weight: u64,
}

/// A character class as read: its items written for the engine, and what it subtracts.
struct Class {
    negated: bool,
    items: String,
    subtracted: Option<Box<Class>>,
}

/// The last thing read that a quantifier may follow.
#[derive(Clone, Copy)]
struct Unit {
    /// How many times its contents are repeated at most, for the engine's size.
    weight: u64,
    /// A character beyond U+FFFF, which .NET reads as two code units: a quantifier repeats
    /// only the second.
    astral: bool,
}

/// Marks a reference to a group in the engine pattern until every group is numbered.
const REFERENCE: char = '\u{E000}';
const CONDITION: char = '\u{E001}';
const END_OF_REFERENCE: char = '\u{E002}';

/// The most a part of a pattern may be repeated (the product of the counts of the
/// quantifiers around it) for the engine to be given it: beyond this, building the engine's
/// automaton costs seconds or exceeds its size limit.
const MAX_REPEAT: u64 = 1000;

const MAX: u32 = i32::MAX as u32;

struct Parser<'p> {
    chars: &'p [char],
    pos: usize,
    options: Options,
    /// The group numbers in use (0 is the whole match), and the numbers of named groups.
    slots: HashSet<u32>,
    names: HashMap<String, u32>,
    autocap: u32,
    ignore_next_paren: bool,
    stack: Vec<Frame>,
    /// The pattern written for the engine.
    out: String,
    /// Why the engine cannot be given the pattern, the first reason found.
    unsupported: Option<String>,
    /// For each .NET group number, the engine's numbers of the groups that capture it.
    engine_groups: HashMap<u32, Vec<usize>>,
    engine_count: usize,
}

/// The options Exchange reads patterns with: case-insensitive, nothing else.
const EXCHANGE: Options = Options {
    ignore_case: true,
    multiline: false,
    explicit_capture: false,
    singleline: false,
    ignore_whitespace: false,
};

impl<'p> Parser<'p> {
    fn new(chars: &'p [char]) -> Self {
        Parser {
            chars,
            pos: 0,
            options: EXCHANGE,
            slots: HashSet::from([0]),
            names: HashMap::new(),
            autocap: 1,
            ignore_next_paren: false,
            stack: Vec::new(),
            out: String::new(),
            unsupported: None,
            engine_groups: HashMap::new(),
            engine_count: 0,
        }
    }

    fn reset(&mut self) {
        self.pos = 0;
        self.autocap = 1;
        self.ignore_next_paren = false;
        self.options = EXCHANGE;
        self.stack.clear();
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    fn at(&self, pos: usize) -> Option<char> {
        self.chars.get(pos).copied()
    }

    fn peek(&self) -> Option<char> {
        self.at(self.pos)
    }

    fn unsupported(&mut self, why: impl Into<String>) {
        self.unsupported.get_or_insert_with(|| why.into());
    }

    /// Where the reading stands, as people count: "at character 5".
    fn place(&self, pos: usize) -> String {
        format!("at character {}", pos + 1)
    }

    /// The prescan: notes every group's number and name, as the parser's CountCaptures does
    /// before reading the pattern. Unnamed groups are numbered from 1 in the order of their
    /// `(`; named groups take the numbers after them ("Grouping Constructs": "Named matched
    /// subexpressions are numbered consecutively from left to right after matched
    /// subexpressions"); a group named by a number takes that number ("Backreference
    /// Constructs": "name can also be the string representation of a number").
    fn count_captures(&mut self) -> Result<(), String> {
        let mut names: Vec<String> = Vec::new();
        let mut outside: Vec<Options> = Vec::new();
        while self.pos < self.len() {
            let ch = self.chars[self.pos];
            self.pos += 1;
            match ch {
                '\\' if self.pos < self.len() => {
                    self.scan_backslash(true)?;
                }
                '#' if self.options.ignore_whitespace => {
                    self.pos -= 1;
                    self.scan_blank()?;
                }
                '[' => {
                    self.scan_class(true)?;
                }
                ')' => {
                    if let Some(options) = outside.pop() {
                        self.options = options;
                    }
                }
                '(' => {
                    if self.at(self.pos + 1) == Some('#') && self.peek() == Some('?') {
                        self.pos -= 1;
                        self.scan_blank()?;
                        continue;
                    }
                    outside.push(self.options);
                    if self.peek() == Some('?') {
                        self.pos += 1;
                        if self.pos + 1 < self.len() && matches!(self.peek(), Some('<' | '\'')) {
                            self.pos += 1;
                            let ch = self.chars[self.pos];
                            if ch != '0' && is_word(ch) {
                                if ch.is_ascii_digit() {
                                    let number = self.scan_decimal()?;
                                    self.slots.insert(number);
                                } else {
                                    let name = self.scan_name();
                                    if !names.contains(&name) {
                                        names.push(name);
                                    }
                                }
                            }
                        } else {
                            self.scan_options();
                            match self.peek() {
                                Some(')') => {
                                    self.pos += 1;
                                    outside.pop();
                                }
                                // A conditional: the group after it is its condition, which
                                // does not capture.
                                Some('(') => {
                                    self.ignore_next_paren = true;
                                    continue;
                                }
                                _ => {}
                            }
                        }
                    } else if !self.options.explicit_capture && !self.ignore_next_paren {
                        self.slots.insert(self.autocap);
                        self.autocap += 1;
                    }
                    self.ignore_next_paren = false;
                }
                _ => {}
            }
        }
        for name in names {
            while self.slots.contains(&self.autocap) {
                self.autocap += 1;
            }
            self.names.insert(name, self.autocap);
            self.slots.insert(self.autocap);
            self.autocap += 1;
        }
        Ok(())
    }

    /// Reads the pattern, writing it for the engine as it goes.
    fn scan_regex(&mut self) -> Result<(), String> {
        self.push(GroupKind::Root, 0, self.options, 0);
        let mut unit: Option<Unit> = None;
        let mut was_quantifier;
        let mut is_quantifier = false;
        loop {
            was_quantifier = is_quantifier;
            is_quantifier = false;
            self.scan_blank()?;
            let Some(ch) = self.peek() else { break };
            let start = self.pos;
            self.pos += 1;
            // "Character Escapes": characters other than . $ ^ { [ ( | ) * + ? \ match
            // themselves; a `{` that does not start a quantifier is one of them (the
            // parser's IsTrueQuantifier).
            let special = matches!(ch, '.' | '$' | '^' | '[' | '(' | '|' | ')' | '*' | '+' | '?' | '\\')
                || (ch == '{' && self.is_true_quantifier_at(start));
            if !special {
                unit = Some(self.literal(ch as u32));
            } else {
                match ch {
                    '[' => {
                        let class = self.scan_class(false)?.expect("a class read in full");
                        self.class(&class);
                        unit = Some(Unit { weight: 1, astral: false });
                    }
                    '(' => {
                        let outside = self.options;
                        self.scan_group_open(start, outside)?;
                        unit = None;
                        continue;
                    }
                    '|' => {
                        self.bar();
                        unit = None;
                        continue;
                    }
                    ')' => {
                        if self.stack.len() == 1 {
                            // "Too many )'s" (the parser's InsufficientOpeningParentheses).
                            return Err(format!("unmatched `)` {}: no group is open", self.place(start)));
                        }
                        unit = self.close_group()?;
                        if unit.is_none() {
                            continue;
                        }
                    }
                    '\\' => {
                        if self.pos == self.len() {
                            // "Illegal \ at end of pattern" (UnescapedEndingBackslash).
                            return Err("the pattern ends with a lone `\\`".to_owned());
                        }
                        unit = Some(self.scan_backslash(false)?.expect("an escape read in full"));
                    }
                    // "Anchors": `^` is the start of the text, or of a line under `m`.
                    '^' => {
                        self.out += if self.options.multiline { "(?m:^)" } else { "^" };
                        unit = Some(Unit { weight: 1, astral: false });
                    }
                    // "Anchors": `$` is the end of the text or before a final `\n`, or the
                    // end of a line under `m`.
                    '$' => {
                        self.out += if self.options.multiline { "(?m:$)" } else { r"(?=\n?\z)" };
                        unit = Some(Unit { weight: 1, astral: false });
                    }
                    // "Character Classes", Any character: every character but `\n`, or
                    // every one under `s`.
                    '.' => {
                        self.out += if self.options.singleline { "(?s:.)" } else { "." };
                        unit = Some(Unit { weight: 1, astral: false });
                    }
                    _ => {
                        // A quantifier where nothing precedes it ("Quantifier {x,y}
                        // following nothing", "Nested quantifier").
                        if unit.is_none() {
                            return Err(if was_quantifier {
                                format!("nested quantifier `{ch}` {}: a quantifier cannot follow another one (put the first in a group)", self.place(start))
                            } else {
                                format!("quantifier `{ch}` {} follows nothing", self.place(start))
                            });
                        }
                        self.pos -= 1;
                    }
                }
            }
            self.scan_blank()?;
            let Some(current) = unit else { continue };
            if self.pos == self.len() || !self.is_true_quantifier_at(self.pos) {
                self.repeated(current.weight);
                unit = None;
                continue;
            }
            is_quantifier = true;
            let quantifier_at = self.pos;
            let ch = self.chars[self.pos];
            self.pos += 1;
            // "Quantifiers": `*` {0,}, `+` {1,}, `?` {0,1}, `{n}`, `{n,}`, `{n,m}`, each
            // made lazy by a `?` after it.
            let (min, max) = match ch {
                '*' => (0, MAX),
                '+' => (1, MAX),
                '?' => (0, 1),
                _ => {
                    let min = self.scan_decimal()?;
                    let mut max = min;
                    if self.peek() == Some(',') {
                        self.pos += 1;
                        max = if matches!(self.peek(), None | Some('}')) { MAX } else { self.scan_decimal()? };
                    }
                    self.pos += 1; // `}`, as is_true_quantifier_at saw.
                    (min, max)
                }
            };
            let written: String = self.chars[quantifier_at..self.pos].iter().collect();
            self.scan_blank()?;
            let lazy = self.peek() == Some('?');
            if lazy {
                self.pos += 1;
            }
            if min > max {
                // "Illegal {x,y} with x > y" (ReversedQuantifierRange).
                return Err(format!(
                    "quantifier `{written}` {}: its minimum is more than its maximum",
                    self.place(quantifier_at)
                ));
            }
            if current.astral {
                self.unsupported("a quantifier after a character beyond U+FFFF, which .NET repeats only the second UTF-16 code unit of");
            }
            self.out += &match (min, max) {
                (0, MAX) => "*".to_owned(),
                (1, MAX) => "+".to_owned(),
                (0, 1) => "?".to_owned(),
                (min, MAX) => format!("{{{min},}}"),
                (min, max) if min == max => format!("{{{min}}}"),
                (min, max) => format!("{{{min},{max}}}"),
            };
            if lazy {
                self.out.push('?');
            }
            let count = if max == MAX { min.max(1) } else { max.max(1) };
            self.repeated(current.weight.saturating_mul(u64::from(count)));
            unit = None;
        }
        if self.stack.len() > 1 {
            let open = self.stack.last().map_or(0, |frame| frame.open);
            // "Not enough )'s" (InsufficientClosingParentheses).
            return Err(format!("unterminated group: the `(` {} is never closed", self.place(open)));
        }
        Ok(())
    }

    /// Notes that something inside the current group is repeated `weight` times.
    fn repeated(&mut self, weight: u64) {
        if let Some(frame) = self.stack.last_mut() {
            frame.weight = frame.weight.max(weight);
        }
        if weight > MAX_REPEAT {
            self.unsupported(format!(
                "its repetitions ({weight} times in all) are more than the engine that evaluates patterns can build"
            ));
        }
    }

    /// "Miscellaneous Constructs": `(?#comment)` anywhere, and under `x` white space and
    /// `#` to the end of the line (the parser's ScanBlank; its white space is tab, line
    /// feed, form feed, carriage return and space).
    fn scan_blank(&mut self) -> Result<(), String> {
        loop {
            if self.options.ignore_whitespace {
                while matches!(self.peek(), Some('\t' | '\n' | '\x0C' | '\r' | ' ')) {
                    self.pos += 1;
                }
            }
            if self.options.ignore_whitespace && self.peek() == Some('#') {
                self.pos = (self.pos..self.len()).find(|&at| self.chars[at] == '\n').unwrap_or(self.len());
            } else if self.pos + 2 < self.len()
                && self.chars[self.pos] == '('
                && self.chars[self.pos + 1] == '?'
                && self.chars[self.pos + 2] == '#'
            {
                let open = self.pos;
                match (self.pos..self.len()).find(|&at| self.chars[at] == ')') {
                    Some(close) => self.pos = close + 1,
                    // "Unterminated (?#...) comment".
                    None => {
                        return Err(format!("unterminated comment: the `(?#` {} is never closed", self.place(open)))
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    /// Whether a quantifier starts at `pos`: `*`, `+`, `?`, or `{` followed by digits and
    /// `}`, or digits, `,`, digits or none, and `}` ("Quantifiers"; any other `{` is a
    /// literal, the parser's IsTrueQuantifier).
    fn is_true_quantifier_at(&self, pos: usize) -> bool {
        match self.at(pos) {
            Some('*' | '+' | '?') => true,
            Some('{') => {
                let digits = |from: usize| (from..self.len()).take_while(|&at| self.chars[at].is_ascii_digit()).count();
                let first = digits(pos + 1);
                if first == 0 {
                    return false;
                }
                let after = pos + 1 + first;
                match self.at(after) {
                    Some('}') => true,
                    Some(',') => {
                        let end = after + 1 + digits(after + 1);
                        self.at(end) == Some('}')
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Digits as a number; more than `Int32.MaxValue` is an error, as the parser's
    /// ScanDecimal says ("Capture group numbers must be less than or equal to
    /// Int32.MaxValue").
    fn scan_decimal(&mut self) -> Result<u32, String> {
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            self.pos += 1;
            value = value * 10 + u64::from(digit);
            if value > u64::from(MAX) {
                return Err(format!("the number {} is more than 2147483647", self.place(start)));
            }
        }
        Ok(value as u32)
    }

    /// A name: word characters ("Grouping Constructs": "name must not contain any
    /// punctuation characters"; the parser's ScanCapname).
    fn scan_name(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_word) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// "Regular Expression Options", inline options: `i`, `m`, `n`, `s`, `x` (in either
    /// case, as the parser reads them), turned off after `-` and on after `+`; stops at the
    /// first other character.
    fn scan_options(&mut self) {
        let mut off = false;
        while let Some(ch) = self.peek() {
            match ch {
                '-' => off = true,
                '+' => off = false,
                _ => {
                    let option = match ch.to_ascii_lowercase() {
                        'i' => &mut self.options.ignore_case,
                        'm' => &mut self.options.multiline,
                        'n' => &mut self.options.explicit_capture,
                        's' => &mut self.options.singleline,
                        'x' => &mut self.options.ignore_whitespace,
                        _ => return,
                    };
                    *option = !off;
                }
            }
            self.pos += 1;
        }
    }

    /// What follows a `(` (the parser's ScanGroupOpen), with "Grouping Constructs" and
    /// "Alternation Constructs".
    fn scan_group_open(&mut self, open: usize, outside: Options) -> Result<(), String> {
        let unrecognized = |parser: &Self| format!("unrecognized grouping construct {}", parser.place(open));
        let plain = self.peek() != Some('?') || self.at(self.pos + 1) == Some(')');
        if plain {
            // "Grouping Constructs", Matched subexpressions: `(…)` captures, numbered from
            // the left, unless the `n` option (ExplicitCapture) is on.
            let kind = if self.options.explicit_capture || self.ignore_next_paren {
                self.ignore_next_paren = false;
                GroupKind::NonCapturing
            } else {
                let number = self.autocap;
                self.autocap += 1;
                GroupKind::Capture { number: Some(number), balancing: false }
            };
            self.open_group(kind, open, outside);
            return Ok(());
        }
        self.pos += 1;
        let Some(ch) = self.peek() else { return Err(unrecognized(self)) };
        self.pos += 1;
        let kind = match ch {
            ':' => GroupKind::NonCapturing,
            '=' | '!' => {
                let opening = if ch == '=' { "(?=" } else { "(?!" };
                self.open_written(GroupKind::Lookaround, open, outside, opening);
                return Ok(());
            }
            '>' => {
                self.open_written(GroupKind::Atomic, open, outside, "(?>");
                return Ok(());
            }
            '<' | '\'' => {
                let close = if ch == '\'' { '\'' } else { '>' };
                let Some(ch) = self.peek() else { return Err(unrecognized(self)) };
                self.pos += 1;
                match ch {
                    '=' | '!' if close == '>' => {
                        let opening = if ch == '=' { "(?<=" } else { "(?<!" };
                        self.open_written(GroupKind::Lookaround, open, outside, opening);
                        return Ok(());
                    }
                    _ => {
                        self.pos -= 1;
                        return self.named_group(open, outside, close);
                    }
                }
            }
            '(' => return self.conditional(open, outside),
            _ => {
                self.pos -= 1;
                // The parser reads no options in a group directly inside a conditional
                // with an expression: `(?i)` there is an unrecognized construct.
                let in_condition =
                    matches!(self.stack.last().map(|frame| &frame.kind), Some(GroupKind::ExpressionConditional { .. }));
                if !in_condition {
                    self.scan_options();
                }
                let Some(ch) = self.peek() else { return Err(unrecognized(self)) };
                self.pos += 1;
                match ch {
                    ')' => {
                        // Options for the rest of the enclosing group.
                        if self.options.ignore_case != outside.ignore_case {
                            self.out += if self.options.ignore_case { "(?i)" } else { "(?-i)" };
                        }
                        return Ok(());
                    }
                    ':' => GroupKind::NonCapturing,
                    _ => return Err(unrecognized(self)),
                }
            }
        };
        self.open_group(kind, open, outside);
        Ok(())
    }

    /// `(?<name>…)`, `(?'name'…)`, `(?<number>…)` and the balancing `(?<name-other>…)`,
    /// `(?<-other>…)` ("Grouping Constructs"; checks as the parser makes them).
    fn named_group(&mut self, open: usize, outside: Options, close: char) -> Result<(), String> {
        let invalid_name = |parser: &Self| {
            format!("invalid group name {}: a group name must begin with a word character", parser.place(open))
        };
        let mut number: Option<u32> = None;
        let mut other: Option<u32> = None;
        let mut proceed = false;
        let ch = self.peek().expect("a character after `(?<`");
        if ch.is_ascii_digit() {
            let n = self.scan_decimal()?;
            number = self.slots.contains(&n).then_some(n);
            if self.peek().is_some_and(|c| c != close && c != '-') {
                return Err(invalid_name(self));
            }
            if n == 0 {
                // "Capture number cannot be zero".
                return Err(format!(
                    "group number 0 {}: 0 is the whole match and cannot be a group's number",
                    self.place(open)
                ));
            }
        } else if is_word(ch) {
            let name = self.scan_name();
            number = self.names.get(&name).copied();
            if self.peek().is_some_and(|c| c != close && c != '-') {
                return Err(invalid_name(self));
            }
        } else if ch == '-' {
            proceed = true;
        } else {
            return Err(invalid_name(self));
        }
        if (number.is_some() || proceed) && self.pos + 1 < self.len() && self.peek() == Some('-') {
            self.pos += 1;
            let ch = self.chars[self.pos];
            if ch.is_ascii_digit() {
                let n = self.scan_decimal()?;
                if !self.slots.contains(&n) {
                    return Err(format!("reference to undefined group number {n}"));
                }
                other = Some(n);
            } else if is_word(ch) {
                let name = self.scan_name();
                match self.names.get(&name) {
                    Some(&n) => other = Some(n),
                    None => return Err(format!("reference to undefined group name `{name}`")),
                }
            } else {
                return Err(invalid_name(self));
            }
            if self.peek().is_some_and(|c| c != close) {
                return Err(invalid_name(self));
            }
        }
        if (number.is_some() || other.is_some()) && self.peek() == Some(close) {
            self.pos += 1;
            let kind = GroupKind::Capture { number, balancing: other.is_some() };
            self.open_group(kind, open, outside);
            return Ok(());
        }
        Err(format!("unrecognized grouping construct {}", self.place(open)))
    }

    /// `(?(`: "Alternation Constructs". A number or a group's name followed by `)` tests
    /// whether that group has captured; a number no group has is an error; anything else is
    /// an expression tested as a zero-width assertion ("If the given name does not
    /// correspond to the name or number of a capturing group …, the alternation construct
    /// is interpreted as an expression test").
    fn conditional(&mut self, open: usize, outside: Options) -> Result<(), String> {
        let paren = self.pos;
        if let Some(ch) = self.peek() {
            if ch.is_ascii_digit() {
                let number = self.scan_decimal()?;
                if self.peek() == Some(')') {
                    self.pos += 1;
                    if !self.slots.contains(&number) {
                        return Err(format!(
                            "the conditional {} tests group number {number}, which is not defined",
                            self.place(open)
                        ));
                    }
                    let opening = format!("(?({CONDITION}{number}{END_OF_REFERENCE})");
                    self.open_written(GroupKind::BackreferenceConditional, open, outside, &opening);
                    return Ok(());
                }
                return Err(format!(
                    "malformed conditional {}: `(?({number}` must be followed by `)`",
                    self.place(open)
                ));
            }
            if is_word(ch) {
                let name = self.scan_name();
                if let (Some(&number), Some(')')) = (self.names.get(&name), self.peek()) {
                    self.pos += 1;
                    let opening = format!("(?({CONDITION}{number}{END_OF_REFERENCE})");
                    self.open_written(GroupKind::BackreferenceConditional, open, outside, &opening);
                    return Ok(());
                }
            }
        }
        // The condition is the group that starts at the `(` after `(?`; it does not capture.
        self.pos = paren - 1;
        self.ignore_next_paren = true;
        if self.at(self.pos + 1) == Some('?') && self.pos + 2 < self.len() {
            // "Alternation conditions cannot be comments" and "do not capture and cannot be
            // named" (the parser's AlternationHasComment, AlternationHasNamedCapture).
            match self.chars[self.pos + 2] {
                '#' => {
                    return Err(format!("the condition of the conditional {} cannot be a comment", self.place(open)))
                }
                '\'' => {
                    return Err(format!(
                        "the condition of the conditional {} cannot be a named group",
                        self.place(open)
                    ))
                }
                '<' if self.at(self.pos + 3).is_some_and(|c| c != '!' && c != '=') => {
                    return Err(format!(
                        "the condition of the conditional {} cannot be a named group",
                        self.place(open)
                    ))
                }
                _ => {}
            }
        }
        self.open_written(GroupKind::ExpressionConditional { condition: None }, open, outside, "(?:(?=");
        Ok(())
    }

    /// Writes a group's opening for the engine and opens it.
    fn open_group(&mut self, kind: GroupKind, open: usize, outside: Options) {
        let opening = self.out.len();
        match &kind {
            GroupKind::Capture { number: Some(number), balancing: false } => {
                self.engine_count += 1;
                self.engine_groups.entry(*number).or_default().push(self.engine_count);
                self.out.push('(');
            }
            GroupKind::Capture { .. } => {
                self.unsupported("a balancing group (`(?<name-other>…)`), which the engine has no equivalent of");
                self.out += "(?:";
            }
            _ if self.options.ignore_case != outside.ignore_case => {
                self.out += if self.options.ignore_case { "(?i:" } else { "(?-i:" };
            }
            _ => self.out += "(?:",
        }
        self.push(kind, open, outside, opening);
    }

    /// Opens a group that `opening` opens for the engine (a lookaround, an atomic group, a
    /// conditional: their openings set no options).
    fn open_written(&mut self, kind: GroupKind, open: usize, outside: Options, opening: &str) {
        let at = self.out.len();
        self.out += opening;
        self.push(kind, open, outside, at);
    }

    fn push(&mut self, kind: GroupKind, open: usize, outside: Options, opening: usize) {
        let groups_before = self.engine_count;
        self.stack.push(Frame { kind, open, outside, bars: 0, opening, groups_before, weight: 1 });
    }

    /// `|`. A conditional takes one at most (the parser's AlternationHasTooManyConditions),
    /// which is checked at its `)`.
    fn bar(&mut self) {
        let frame = self.stack.last_mut().expect("the whole pattern is a group");
        frame.bars += 1;
        match &frame.kind {
            GroupKind::ExpressionConditional { condition: Some(condition) } if frame.bars == 1 => {
                let condition = condition.clone();
                self.out += &format!("|(?!{condition})");
            }
            _ => self.out.push('|'),
        }
    }

    /// `)`: closes the innermost group; the unit it leaves for a quantifier, or none when
    /// the group was a conditional's condition.
    fn close_group(&mut self) -> Result<Option<Unit>, String> {
        let frame = self.stack.pop().expect("a group is open");
        self.options = frame.outside;
        let conditional =
            matches!(frame.kind, GroupKind::BackreferenceConditional | GroupKind::ExpressionConditional { .. });
        if conditional && frame.bars > 1 {
            return Err(format!(
                "too many `|` in the conditional {}: it takes a yes and a no branch",
                self.place(frame.open)
            ));
        }
        match &frame.kind {
            GroupKind::ExpressionConditional { condition: Some(condition) } => {
                if frame.bars == 0 {
                    self.out += &format!("|(?!{condition})");
                }
                self.out += ")";
            }
            _ => self.out.push(')'),
        }
        let weight = frame.weight;
        // The first group inside a conditional with an expression is its condition: written
        // as a lookahead, and again as a negative one before the no branch.
        let in_condition = matches!(
            self.stack.last().map(|frame| &frame.kind),
            Some(GroupKind::ExpressionConditional { condition: None })
        );
        if in_condition {
            if self.engine_count > frame.groups_before {
                self.unsupported("a conditional whose condition captures a group, which would be tested twice");
            }
            let written = self.out[frame.opening..].to_owned();
            if let Some(GroupKind::ExpressionConditional { condition }) =
                self.stack.last_mut().map(|frame| &mut frame.kind)
            {
                *condition = Some(written);
            }
            self.out.push(')');
            return Ok(None);
        }
        Ok(Some(Unit { weight, astral: false }))
    }

    /// A `\` outside a class (`scan_only`: in the prescan): "Character Escapes", "Character
    /// Classes", "Anchors" and "Backreference Constructs" (the parser's ScanBackslash).
    fn scan_backslash(&mut self, scan_only: bool) -> Result<Option<Unit>, String> {
        let ch = self.chars[self.pos];
        let one = Unit { weight: 1, astral: false };
        match ch {
            'b' | 'B' | 'A' | 'G' | 'Z' | 'z' => {
                self.pos += 1;
                if !scan_only {
                    self.out += match ch {
                        'b' => r"\b",
                        'B' => r"\B",
                        'A' => r"\A",
                        // `\G` is where matching started: the start of the text for a
                        // message's one match attempt.
                        'G' => r"\A",
                        // "Anchors": `\Z` is the end of the text or before a final `\n`.
                        'Z' => r"(?=\n?\z)",
                        _ => r"\z",
                    };
                }
                Ok(Some(one))
            }
            'w' | 'W' | 's' | 'S' | 'd' | 'D' => {
                self.pos += 1;
                if !scan_only {
                    let (set, negated) = shorthand(ch);
                    self.out += &format!("[{}{set}]", if negated { "^" } else { "" });
                }
                Ok(Some(one))
            }
            'p' | 'P' => {
                self.pos += 1;
                if scan_only {
                    return Ok(None);
                }
                let name = self.parse_property()?;
                let (set, negated) = self.property(&name, ch == 'P')?;
                self.out += &format!("[{}{set}]", if negated { "^" } else { "" });
                Ok(Some(one))
            }
            _ => self.scan_basic_backslash(scan_only),
        }
    }

    /// Backreferences and character escapes (the parser's ScanBasicBackslash).
    fn scan_basic_backslash(&mut self, scan_only: bool) -> Result<Option<Unit>, String> {
        let back = self.pos;
        let mut close = '\0';
        let mut angled = false;
        let mut ch = self.chars[self.pos];
        // "Backreference Constructs": `\k<name>`, `\k'name'`.
        if ch == 'k' {
            if self.pos + 1 < self.len() {
                self.pos += 1;
                ch = self.chars[self.pos];
                self.pos += 1;
                if ch == '<' || ch == '\'' {
                    angled = true;
                    close = if ch == '\'' { '\'' } else { '>' };
                }
            }
            if !angled || self.pos == self.len() {
                // "Malformed \k<...> named back reference".
                return Err(format!(
                    "malformed named backreference {}: `\\k` takes `<name>` or `'name'`",
                    self.place(back - 1)
                ));
            }
            ch = self.chars[self.pos];
        } else if (ch == '<' || ch == '\'') && self.pos + 1 < self.len() {
            // `\<name>`, the older form of `\k<name>`, which the parser still reads.
            angled = true;
            close = if ch == '\'' { '\'' } else { '>' };
            self.pos += 1;
            ch = self.chars[self.pos];
        }
        if angled && ch.is_ascii_digit() {
            let number = self.scan_decimal()?;
            if self.peek() == Some(close) {
                self.pos += 1;
                if scan_only {
                    return Ok(None);
                }
                if !self.slots.contains(&number) {
                    return Err(format!("reference to undefined group number {number}"));
                }
                return self.backreference(number).map(Some);
            }
        } else if !angled && ('1'..='9').contains(&ch) {
            // "Backreference Constructs": `\1` to `\9` are always backreferences; from
            // `\10` a number is one when such a group exists, else an octal escape.
            let number = self.scan_decimal()?;
            if scan_only {
                return Ok(None);
            }
            if self.slots.contains(&number) {
                return self.backreference(number).map(Some);
            }
            if number <= 9 {
                return Err(format!("reference to undefined group number {number}"));
            }
        } else if angled && is_word(ch) {
            let name = self.scan_name();
            if self.peek() == Some(close) {
                self.pos += 1;
                if scan_only {
                    return Ok(None);
                }
                return match self.names.get(&name) {
                    Some(&number) => self.backreference(number).map(Some),
                    None => Err(format!("reference to undefined group name `{name}`")),
                };
            }
        }
        self.pos = back;
        let code = self.scan_char_escape()?;
        if scan_only {
            return Ok(None);
        }
        Ok(Some(self.literal(code)))
    }

    fn backreference(&mut self, number: u32) -> Result<Unit, String> {
        self.out += &format!("{REFERENCE}{number}{END_OF_REFERENCE}");
        Ok(Unit { weight: 1, astral: false })
    }

    /// One escaped character, as a UTF-16 code unit ("Character Escapes"; the parser's
    /// ScanCharEscape).
    fn scan_char_escape(&mut self) -> Result<u32, String> {
        let at = self.pos;
        let ch = self.chars[self.pos];
        self.pos += 1;
        // `\nnn`: up to three octal digits, the value kept to 8 bits (the parser's
        // ScanOctal: "Octal codes only go up to 255").
        if ('0'..='7').contains(&ch) {
            self.pos -= 1;
            let mut value = 0;
            let mut taken = 0;
            while taken < 3 {
                match self.peek().and_then(|c| c.to_digit(8)) {
                    Some(digit) => value = value * 8 + digit,
                    None => break,
                }
                self.pos += 1;
                taken += 1;
            }
            return Ok(value & 0xFF);
        }
        Ok(match ch {
            // `\xnn`: exactly two hexadecimal digits; `\unnnn`: exactly four.
            'x' => self.scan_hex(2, at)?,
            'u' => self.scan_hex(4, at)?,
            'a' => 0x07,
            'b' => 0x08,
            'e' => 0x1B,
            'f' => 0x0C,
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'v' => 0x0B,
            'c' => self.scan_control(at)?,
            // "When followed by a character that is not recognized as an escaped
            // character, matches that character", but the parser rejects a word character
            // there ("Unrecognized escape sequence").
            _ if is_word(ch) => return Err(format!("unknown escape `\\{ch}` {}", self.place(at - 1))),
            _ => ch as u32,
        })
    }

    fn scan_hex(&mut self, digits: usize, at: usize) -> Result<u32, String> {
        let mut value = 0;
        let mut left = digits;
        if self.pos + digits <= self.len() {
            while left > 0 {
                let ch = self.chars[self.pos];
                self.pos += 1;
                let Some(digit) = ch.to_digit(16) else { break };
                value = value * 16 + digit;
                left -= 1;
            }
        }
        if left > 0 {
            let letter = self.chars[at];
            // "Insufficient hexadecimal digits".
            return Err(format!("`\\{letter}` {} takes exactly {digits} hexadecimal digits", self.place(at - 1)));
        }
        Ok(value)
    }

    /// `\cX`: "Matches an ASCII control character, where X is the letter of the control
    /// character"; the parser takes `@` to `_` (and lowercase letters), the character's code
    /// minus 64.
    fn scan_control(&mut self, at: usize) -> Result<u32, String> {
        let Some(ch) = self.peek() else {
            // "Missing control character".
            return Err(format!("`\\c` {} lacks its control character letter", self.place(at - 1)));
        };
        self.pos += 1;
        let code = ch.to_ascii_uppercase() as u32;
        if (64..96).contains(&code) {
            Ok(code - 64)
        } else {
            // "Unrecognized control character".
            Err(format!("unknown control character `\\c{ch}` {}", self.place(at - 1)))
        }
    }

    /// `\p{name}`: the name (the parser's ParseProperty).
    fn parse_property(&mut self) -> Result<String, String> {
        let at = self.pos.saturating_sub(2);
        let incomplete = |parser: &Self| format!("incomplete `\\p{{…}}` {}", parser.place(at));
        if self.pos + 2 >= self.len() {
            return Err(incomplete(self));
        }
        if self.chars[self.pos] != '{' {
            return Err(format!("malformed `\\p` {}: a `{{` must follow it", self.place(at)));
        }
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| is_word(c) || c == '-') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if self.peek() != Some('}') {
            return Err(incomplete(self));
        }
        self.pos += 1;
        Ok(name)
    }

    /// A Unicode general category or named block for the engine, inside a class, and
    /// whether it is negated. "Character Classes": the supported general categories and
    /// named blocks, by their exact names ("Unknown property").
    fn property(&mut self, name: &str, negated: bool) -> Result<(String, bool), String> {
        if CATEGORIES.contains(&name) {
            return Ok((format!(r"\{}{{{name}}}", if negated { 'P' } else { 'p' }), false));
        }
        let Some(&(_, low, high)) = BLOCKS.iter().find(|(block, _, _)| *block == name) else {
            return Err(format!("unknown property `{name}` in `\\p{{{name}}}`: not a Unicode category or named block"));
        };
        // By code: a block's ends are seldom letters. No block straddles the surrogates.
        let range = self.range(low, high).map(|_| format!(r"\x{{{low:X}}}-\x{{{high:X}}}"));
        Ok((range.unwrap_or_default(), negated))
    }

    /// A range of code units for the engine: surrogates are no characters to it, so a
    /// range is cut at them, and one of only surrogates cannot be evaluated.
    fn range(&mut self, low: u32, high: u32) -> Option<String> {
        let low = if (0xD800..=0xDFFF).contains(&low) { 0xE000 } else { low };
        let high = if (0xD800..=0xDFFF).contains(&high) { 0xD7FF } else { high };
        if low > high {
            self.unsupported(
                "surrogate code units (U+D800 to U+DFFF), which .NET matches in UTF-16 text and the engine never sees",
            );
            return None;
        }
        Some(if low == high { class_char(low) } else { format!("{}-{}", class_char(low), class_char(high)) })
    }

    /// The rest of a class after its `[` (the parser's ScanCharClass; "Character Classes":
    /// positive and negative groups, ranges, shorthand classes and categories, and
    /// subtraction `[base-[excluded]]`, which must come last). `scan_only` reads without
    /// building, as the prescan does.
    fn scan_class(&mut self, scan_only: bool) -> Result<Option<Class>, String> {
        let open = self.pos.saturating_sub(1);
        let mut class = Class { negated: false, items: String::new(), subtracted: None };
        let mut previous: u32 = 0;
        let mut in_range = false;
        let mut first = true;
        let mut closed = false;
        if self.peek() == Some('^') {
            self.pos += 1;
            class.negated = true;
        }
        while self.pos < self.len() {
            let mut translated = false;
            let at = self.pos;
            let mut ch = self.chars[self.pos];
            self.pos += 1;
            let mut code = ch as u32;
            if ch == ']' {
                if !first {
                    closed = true;
                    break;
                }
            } else if ch == '\\' && self.pos < self.len() {
                ch = self.chars[self.pos];
                self.pos += 1;
                match ch {
                    'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'p' | 'P' => {
                        if !scan_only && in_range {
                            // "Cannot include class \X in character range".
                            return Err(format!("a range cannot end in the class `\\{ch}` {}", self.place(at)));
                        }
                        if matches!(ch, 'p' | 'P') {
                            let name = self.parse_property()?;
                            if !scan_only {
                                let (set, negated) = self.property(&name, ch == 'P')?;
                                class.items += &if negated { format!("[^{set}]") } else { set };
                            }
                        } else if !scan_only {
                            let (set, negated) = shorthand(ch);
                            class.items += &if negated { format!("[^{set}]") } else { set.to_owned() };
                        }
                        first = false;
                        continue;
                    }
                    // `\-` is a hyphen, which may end a range (the parser's case '-').
                    '-' => {
                        if !scan_only {
                            if in_range {
                                if previous > '-' as u32 {
                                    return Err(reversed(self, at, previous, '-' as u32));
                                }
                                self.class_range(&mut class, previous, '-' as u32);
                                in_range = false;
                            } else {
                                self.class_range(&mut class, '-' as u32, '-' as u32);
                            }
                        }
                        first = false;
                        continue;
                    }
                    _ => {
                        self.pos -= 1;
                        code = self.scan_char_escape()?;
                        translated = true;
                    }
                }
            } else if ch == '[' && self.peek() == Some(':') && !in_range {
                // `[:name:]` is read and skipped, as the parser does ("It currently doesn't
                // do anything other than skip the whole thing"): the `[` stays a character.
                let save = self.pos;
                self.pos += 1;
                self.scan_name();
                if self.pos + 1 < self.len() && self.chars[self.pos] == ':' && self.chars[self.pos + 1] == ']' {
                    self.pos += 2;
                } else {
                    self.pos = save;
                }
            }
            if in_range {
                in_range = false;
                if !scan_only {
                    if ch == '[' && !translated && !first {
                        // `x-[…]`: not a range but `x` and a subtraction.
                        self.class_range(&mut class, previous, previous);
                        class.subtracted = Some(Box::new(self.scan_class(false)?.expect("a class read in full")));
                        if self.peek().is_some_and(|c| c != ']') {
                            return Err(subtraction_not_last(self, at));
                        }
                    } else {
                        if previous > code {
                            // "[x-y] range in reverse order".
                            return Err(reversed(self, at, previous, code));
                        }
                        self.class_range(&mut class, previous, code);
                    }
                }
            } else if self.pos + 1 < self.len() && self.chars[self.pos] == '-' && self.chars[self.pos + 1] != ']' {
                previous = code;
                in_range = true;
                self.pos += 1;
            } else if self.pos < self.len() && ch == '-' && !translated && self.chars[self.pos] == '[' && !first {
                self.pos += 1;
                let subtracted = self.scan_class(scan_only)?;
                if !scan_only {
                    class.subtracted = subtracted.map(Box::new);
                    if self.peek().is_some_and(|c| c != ']') {
                        return Err(subtraction_not_last(self, at));
                    }
                }
            } else if !scan_only {
                self.class_range(&mut class, code, code);
            }
            first = false;
        }
        if !closed {
            // "Unterminated [] set".
            return Err(format!("unterminated character class: the `[` {} is never closed", self.place(open)));
        }
        Ok((!scan_only).then_some(class))
    }

    fn class_range(&mut self, class: &mut Class, low: u32, high: u32) {
        if high > 0xFFFF {
            self.unsupported("a character beyond U+FFFF in a class, which .NET reads as two UTF-16 code units");
        }
        if let Some(range) = self.range(low, high) {
            class.items += &range;
        }
    }

    /// A class for the engine: a subtraction is a negative lookahead of the excluded class
    /// before the base one.
    fn class(&mut self, class: &Class) {
        let written = class_written(class);
        self.out += &written;
    }

    /// A character (a UTF-16 code unit, or a character beyond U+FFFF written as itself) for
    /// the engine.
    fn literal(&mut self, code: u32) -> Unit {
        if (0xD800..=0xDFFF).contains(&code) {
            self.unsupported("a surrogate code unit, which .NET matches in UTF-16 text and the engine never sees");
            return Unit { weight: 1, astral: false };
        }
        let ch = char::from_u32(code).expect("a code unit that is no surrogate is a character");
        if ch.is_alphanumeric() || ch == ' ' {
            self.out.push(ch);
        } else if r"\.+*?()|[]{}^$#&-~".contains(ch) {
            self.out.push('\\');
            self.out.push(ch);
        } else if ch.is_ascii_graphic() {
            self.out.push(ch);
        } else {
            self.out += &format!("\\x{{{code:X}}}");
        }
        Unit { weight: 1, astral: code > 0xFFFF }
    }

    /// The engine's pattern, its references to groups numbered as the engine numbers them,
    /// or why there is none.
    fn engine_pattern(&mut self) -> Result<String, String> {
        let mut written = String::with_capacity(self.out.len());
        let mut rest = self.out.as_str();
        while let Some(at) = rest.find([REFERENCE, CONDITION]) {
            written += &rest[..at];
            let marker = rest[at..].chars().next().expect("a marker");
            let after = &rest[at + marker.len_utf8()..];
            let end = after.find(END_OF_REFERENCE).expect("a reference is closed");
            let number: u32 = after[..end].parse().expect("a group number");
            rest = &after[end + END_OF_REFERENCE.len_utf8()..];
            match self.engine_groups.get(&number).map(Vec::as_slice) {
                Some([group]) if marker == REFERENCE => written += &format!(r"\k<{group}>"),
                Some([group]) => written += &group.to_string(),
                _ => {
                    self.unsupported.get_or_insert_with(|| {
                        format!("a reference to group {number}, which several groups (or none) capture under one name or number")
                    });
                }
            }
        }
        written += rest;
        match self.unsupported.take() {
            Some(why) => Err(why),
            None => Ok(written),
        }
    }
}

fn reversed(parser: &Parser, at: usize, low: u32, high: u32) -> String {
    let show = |code: u32| char::from_u32(code).map_or_else(|| format!("\\u{code:04X}"), |c| c.to_string());
    format!("range `{}-{}` {} is in reverse order", show(low), show(high), parser.place(at))
}

fn subtraction_not_last(parser: &Parser, at: usize) -> String {
    // "A subtraction must be the last element in a character class".
    format!("the subtraction {} must be the last thing in its character class", parser.place(at))
}

/// A class written for the engine, as one unit.
fn class_written(class: &Class) -> String {
    let base = format!("[{}{}]", if class.negated { "^" } else { "" }, class.items);
    match &class.subtracted {
        Some(subtracted) => format!("(?:(?!{}){base})", class_written(subtracted)),
        None => base,
    }
}

/// A shorthand class, inside a class, for the engine, and whether it is negated
/// ("Character Classes": `\w` is the categories Ll, Lu, Lt, Lo, Lm, Mn, Nd, Pc; `\s` is
/// `\f`, `\n`, `\r`, `\t`, `\v`, `\x85` and `\p{Z}`; `\d` is `\p{Nd}`).
fn shorthand(letter: char) -> (&'static str, bool) {
    let set = match letter.to_ascii_lowercase() {
        'w' => r"\p{L}\p{Mn}\p{Nd}\p{Pc}",
        's' => r"\f\n\r\t\x0B\x{85}\p{Z}",
        _ => r"\p{Nd}",
    };
    (set, letter.is_ascii_uppercase())
}

/// A character inside a class for the engine: a letter or digit as itself, ASCII
/// punctuation escaped where a class would read it, anything else by its code (so that no
/// invisible character, and no private-use one like the markers above, is written as is).
fn class_char(code: u32) -> String {
    match char::from_u32(code) {
        Some(ch) if ch.is_alphanumeric() || ch == ' ' => ch.to_string(),
        Some(ch) if r"\[]^-&~".contains(ch) => format!("\\{ch}"),
        Some(ch) if ch.is_ascii_graphic() => ch.to_string(),
        _ => format!("\\x{{{code:X}}}"),
    }
}

/// A word character as .NET's parser tests it in names and escapes (RegexCharClass's
/// IsBoundaryWordChar: the categories L, Mn, Nd, Pc, and the zero-width joiner and
/// non-joiner).
fn is_word(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_alphanumeric() || ch == '_';
    }
    static WORD: LazyLock<fancy_regex::Regex> = LazyLock::new(|| {
        fancy_regex::Regex::new(r"^[\p{L}\p{Mn}\p{Nd}\p{Pc}\x{200C}\x{200D}]\z").expect("a valid class")
    });
    WORD.is_match(&ch.to_string()).unwrap_or(false)
}

/// "Character Classes", Supported Unicode general categories.
const CATEGORIES: &[&str] = &[
    "Lu", "Ll", "Lt", "Lm", "Lo", "L", "Mn", "Mc", "Me", "M", "Nd", "Nl", "No", "N", "Pc", "Pd", "Ps", "Pe", "Pi",
    "Pf", "Po", "P", "Sm", "Sc", "Sk", "So", "S", "Zs", "Zl", "Zp", "Z", "Cc", "Cf", "Cs", "Co", "Cn", "C",
];

/// "Character Classes", Supported named blocks: each name with its code point range.
const BLOCKS: &[(&str, u32, u32)] = &[
    ("IsBasicLatin", 0x0000, 0x007F),
    ("IsLatin-1Supplement", 0x0080, 0x00FF),
    ("IsLatinExtended-A", 0x0100, 0x017F),
    ("IsLatinExtended-B", 0x0180, 0x024F),
    ("IsIPAExtensions", 0x0250, 0x02AF),
    ("IsSpacingModifierLetters", 0x02B0, 0x02FF),
    ("IsCombiningDiacriticalMarks", 0x0300, 0x036F),
    ("IsGreek", 0x0370, 0x03FF),
    ("IsGreekandCoptic", 0x0370, 0x03FF),
    ("IsCyrillic", 0x0400, 0x04FF),
    ("IsCyrillicSupplement", 0x0500, 0x052F),
    ("IsArmenian", 0x0530, 0x058F),
    ("IsHebrew", 0x0590, 0x05FF),
    ("IsArabic", 0x0600, 0x06FF),
    ("IsSyriac", 0x0700, 0x074F),
    ("IsThaana", 0x0780, 0x07BF),
    ("IsDevanagari", 0x0900, 0x097F),
    ("IsBengali", 0x0980, 0x09FF),
    ("IsGurmukhi", 0x0A00, 0x0A7F),
    ("IsGujarati", 0x0A80, 0x0AFF),
    ("IsOriya", 0x0B00, 0x0B7F),
    ("IsTamil", 0x0B80, 0x0BFF),
    ("IsTelugu", 0x0C00, 0x0C7F),
    ("IsKannada", 0x0C80, 0x0CFF),
    ("IsMalayalam", 0x0D00, 0x0D7F),
    ("IsSinhala", 0x0D80, 0x0DFF),
    ("IsThai", 0x0E00, 0x0E7F),
    ("IsLao", 0x0E80, 0x0EFF),
    ("IsTibetan", 0x0F00, 0x0FFF),
    ("IsMyanmar", 0x1000, 0x109F),
    ("IsGeorgian", 0x10A0, 0x10FF),
    ("IsHangulJamo", 0x1100, 0x11FF),
    ("IsEthiopic", 0x1200, 0x137F),
    ("IsCherokee", 0x13A0, 0x13FF),
    ("IsUnifiedCanadianAboriginalSyllabics", 0x1400, 0x167F),
    ("IsOgham", 0x1680, 0x169F),
    ("IsRunic", 0x16A0, 0x16FF),
    ("IsTagalog", 0x1700, 0x171F),
    ("IsHanunoo", 0x1720, 0x173F),
    ("IsBuhid", 0x1740, 0x175F),
    ("IsTagbanwa", 0x1760, 0x177F),
    ("IsKhmer", 0x1780, 0x17FF),
    ("IsMongolian", 0x1800, 0x18AF),
    ("IsLimbu", 0x1900, 0x194F),
    ("IsTaiLe", 0x1950, 0x197F),
    ("IsKhmerSymbols", 0x19E0, 0x19FF),
    ("IsPhoneticExtensions", 0x1D00, 0x1D7F),
    ("IsLatinExtendedAdditional", 0x1E00, 0x1EFF),
    ("IsGreekExtended", 0x1F00, 0x1FFF),
    ("IsGeneralPunctuation", 0x2000, 0x206F),
    ("IsSuperscriptsandSubscripts", 0x2070, 0x209F),
    ("IsCurrencySymbols", 0x20A0, 0x20CF),
    ("IsCombiningDiacriticalMarksforSymbols", 0x20D0, 0x20FF),
    ("IsCombiningMarksforSymbols", 0x20D0, 0x20FF),
    ("IsLetterlikeSymbols", 0x2100, 0x214F),
    ("IsNumberForms", 0x2150, 0x218F),
    ("IsArrows", 0x2190, 0x21FF),
    ("IsMathematicalOperators", 0x2200, 0x22FF),
    ("IsMiscellaneousTechnical", 0x2300, 0x23FF),
    ("IsControlPictures", 0x2400, 0x243F),
    ("IsOpticalCharacterRecognition", 0x2440, 0x245F),
    ("IsEnclosedAlphanumerics", 0x2460, 0x24FF),
    ("IsBoxDrawing", 0x2500, 0x257F),
    ("IsBlockElements", 0x2580, 0x259F),
    ("IsGeometricShapes", 0x25A0, 0x25FF),
    ("IsMiscellaneousSymbols", 0x2600, 0x26FF),
    ("IsDingbats", 0x2700, 0x27BF),
    ("IsMiscellaneousMathematicalSymbols-A", 0x27C0, 0x27EF),
    ("IsSupplementalArrows-A", 0x27F0, 0x27FF),
    ("IsBraillePatterns", 0x2800, 0x28FF),
    ("IsSupplementalArrows-B", 0x2900, 0x297F),
    ("IsMiscellaneousMathematicalSymbols-B", 0x2980, 0x29FF),
    ("IsSupplementalMathematicalOperators", 0x2A00, 0x2AFF),
    ("IsMiscellaneousSymbolsandArrows", 0x2B00, 0x2BFF),
    ("IsCJKRadicalsSupplement", 0x2E80, 0x2EFF),
    ("IsKangxiRadicals", 0x2F00, 0x2FDF),
    ("IsIdeographicDescriptionCharacters", 0x2FF0, 0x2FFF),
    ("IsCJKSymbolsandPunctuation", 0x3000, 0x303F),
    ("IsHiragana", 0x3040, 0x309F),
    ("IsKatakana", 0x30A0, 0x30FF),
    ("IsBopomofo", 0x3100, 0x312F),
    ("IsHangulCompatibilityJamo", 0x3130, 0x318F),
    ("IsKanbun", 0x3190, 0x319F),
    ("IsBopomofoExtended", 0x31A0, 0x31BF),
    ("IsKatakanaPhoneticExtensions", 0x31F0, 0x31FF),
    ("IsEnclosedCJKLettersandMonths", 0x3200, 0x32FF),
    ("IsCJKCompatibility", 0x3300, 0x33FF),
    ("IsCJKUnifiedIdeographsExtensionA", 0x3400, 0x4DBF),
    ("IsYijingHexagramSymbols", 0x4DC0, 0x4DFF),
    ("IsCJKUnifiedIdeographs", 0x4E00, 0x9FFF),
    ("IsYiSyllables", 0xA000, 0xA48F),
    ("IsYiRadicals", 0xA490, 0xA4CF),
    ("IsHangulSyllables", 0xAC00, 0xD7AF),
    ("IsHighSurrogates", 0xD800, 0xDB7F),
    ("IsHighPrivateUseSurrogates", 0xDB80, 0xDBFF),
    ("IsLowSurrogates", 0xDC00, 0xDFFF),
    ("IsPrivateUse", 0xE000, 0xF8FF),
    ("IsPrivateUseArea", 0xE000, 0xF8FF),
    ("IsCJKCompatibilityIdeographs", 0xF900, 0xFAFF),
    ("IsAlphabeticPresentationForms", 0xFB00, 0xFB4F),
    ("IsArabicPresentationForms-A", 0xFB50, 0xFDFF),
    ("IsVariationSelectors", 0xFE00, 0xFE0F),
    ("IsCombiningHalfMarks", 0xFE20, 0xFE2F),
    ("IsCJKCompatibilityForms", 0xFE30, 0xFE4F),
    ("IsSmallFormVariants", 0xFE50, 0xFE6F),
    ("IsArabicPresentationForms-B", 0xFE70, 0xFEFF),
    ("IsHalfwidthandFullwidthForms", 0xFF00, 0xFFEF),
    ("IsSpecials", 0xFFF0, 0xFFFF),
];
