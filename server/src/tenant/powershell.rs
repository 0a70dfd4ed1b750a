//! PowerShell values read as configurations and command lines write them, never running
//! anything: quoted strings (single quotes doubled to quote, double quotes with backtick
//! escapes, the typographic quotes PowerShell counts as quotes, here-strings), numbers (with
//! `KB`..`PB` multipliers), `$true`/`$false`/`$null`, arrays (`@(...)`, `'a','b'`),
//! hashtables (`@{ Key = value; ... }`), bare words and variables.
//!
//! The only variable with a value is `$OrganizationName` (and `$($OrganizationName)` or
//! `$($OrganizationName.Split('.')[0])` inside a double-quoted string), given in
//! [`Variables`]: Microsoft365DSC writes the tenant's name so. Any other variable or
//! expression is read as null and listed in [`Read::unresolved`] with its offset, so that the
//! caller says where it is, or ignores it where the property does not matter (the
//! credentials of a configuration). What needs PowerShell to evaluate (operators, method
//! calls, static members) is a [`SyntaxError`] at its offset, never a guess.
//!
//! Entry points, each given the text and the byte offset to start at: [`value`] (an
//! expression: a hashtable's value, a configuration's property), [`argument`] (a command
//! line's argument, where bare words are text), [`hashtable`] (`@{ ... }` or a block
//! `{ ... }` of `Key = value` lines) and [`command`] (`New-TransportRule -Name 'x' -Switch
//! -X:$true @splat`). [`skip_trivia`] and [`statement_end`] let a caller walk a script's
//! statements with the same notion of strings and comments.

use super::Value;
use crate::text::{LineIndex, Position};

/// What variables stand for while reading.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    /// `$OrganizationName`: the tenant's name (`contoso.onmicrosoft.com`).
    pub organization_name: Option<String>,
}

/// A value as read, with where it starts and what in it had no value.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub value: Value,
    /// Byte offset where the value starts.
    pub offset: usize,
    /// The variables and expressions in it that were read as null (or, inside a string, kept
    /// as written).
    pub unresolved: Vec<Unresolved>,
}

/// A variable or expression without a value: only running PowerShell would give it one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// As written: `$ConfigurationData.NonNodeData.ApplicationId`.
    pub text: String,
    /// Byte offset where it starts.
    pub offset: usize,
}

/// One `Key = value` of a hashtable, or one `-Parameter value` of a command.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key as written, without quotes or the parameter's dash.
    pub name: String,
    /// Byte offset of the key.
    pub offset: usize,
    pub value: Read,
}

/// The entries of a hashtable or block, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Hashtable {
    pub entries: Vec<Entry>,
    /// Byte offset just after the closing `}`.
    pub end: usize,
}

/// One argument of a command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Argument {
    /// `-Name value`, `-Name:value`, or a switch alone (`-Force`, read as `$true`).
    Named(Entry),
    /// A value without a parameter name.
    Positional(Read),
    /// `@params`: a hashtable splatted into the command, by its variable's name.
    Splat { variable: String, offset: usize },
}

/// A command line: the command's name and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub name: String,
    /// Byte offset of the name.
    pub offset: usize,
    pub arguments: Vec<Argument>,
    /// Byte offset where the command ends: its line's end, a `;`, `|`, `}` or `)`, or the
    /// end of the text.
    pub end: usize,
}

impl Command {
    /// The named arguments, in order.
    pub fn named(&self) -> impl Iterator<Item = &Entry> {
        self.arguments.iter().filter_map(|argument| match argument {
            Argument::Named(entry) => Some(entry),
            _ => None,
        })
    }
}

/// Why the text could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
    /// The key (of a hashtable or block) whose value it is in, the innermost.
    pub key: Option<String>,
}

impl SyntaxError {
    /// Where it is, as people count lines and columns.
    pub fn position(&self, text: &str) -> Position {
        position(text, self.offset)
    }
}

/// `offset` of `text` as a 1-based line and column.
pub fn position(text: &str, offset: usize) -> Position {
    LineIndex::new(text).position(text, offset)
}

/// The expression at `at` (after any spaces): a value, or values separated by commas (a list).
/// Returns the value and the offset just after it.
pub fn value(text: &str, at: usize, variables: &Variables) -> Result<(Read, usize), SyntaxError> {
    let mut parser = Parser::new(text, at, variables);
    parser.skip_space(true);
    let read = parser.read(Mode::Expression)?;
    Ok((read, parser.pos))
}

/// A command line's argument at `at` (after any spaces): as [`value`], but a bare word is
/// text (`InOrganization`, `contoso.com,fabrikam.com`) and may hold variables.
pub fn argument(text: &str, at: usize, variables: &Variables) -> Result<(Read, usize), SyntaxError> {
    let mut parser = Parser::new(text, at, variables);
    parser.skip_space(true);
    let read = parser.read(Mode::Argument)?;
    Ok((read, parser.pos))
}

/// The hashtable `@{ ... }` or block `{ ... }` at `at` (after any spaces): its `Key = value`
/// entries, separated by `;` or line breaks. A key given twice is an error, as in PowerShell.
pub fn hashtable(text: &str, at: usize, variables: &Variables) -> Result<Hashtable, SyntaxError> {
    let mut parser = Parser::new(text, at, variables);
    parser.skip_space(true);
    if parser.rest().starts_with("@{") {
        parser.pos += 1;
    }
    if parser.peek() != Some('{') {
        return Err(parser.error("expected a hashtable: `@{` or `{`"));
    }
    let entries = parser.block()?;
    Ok(Hashtable { entries, end: parser.pos })
}

/// The command line at `at` (after any spaces): `New-TransportRule -Name 'x' -FromScope
/// InOrganization -Switch -X:$true @params`. A parameter followed by a value takes it; one
/// followed by another parameter or the end is a switch (`$true`). Lines continue after a
/// backtick at their end.
pub fn command(text: &str, at: usize, variables: &Variables) -> Result<Command, SyntaxError> {
    let mut parser = Parser::new(text, at, variables);
    parser.skip_space(true);
    let offset = parser.pos;
    let name = parser.bare_word_text();
    if name.is_empty() {
        return Err(parser.error("expected a command's name"));
    }
    let mut arguments = Vec::new();
    loop {
        parser.skip_space(false);
        if parser.at_command_end() {
            break;
        }
        let start = parser.pos;
        if let Some(name) = parser.parameter_name() {
            let value = if parser.peek() == Some(':') {
                parser.pos += 1;
                parser.skip_space(false);
                parser.read(Mode::Argument)?
            } else {
                parser.skip_space(false);
                if parser.at_command_end() || parser.at_parameter() {
                    Read { value: Value::Bool(true), offset: start, unresolved: Vec::new() }
                } else {
                    parser.read(Mode::Argument)?
                }
            };
            arguments.push(Argument::Named(Entry { name, offset: start, value }));
        } else if parser.peek() == Some('@') && parser.peek_second().is_some_and(is_name_char) {
            parser.pos += 1;
            let variable = parser.name();
            arguments.push(Argument::Splat { variable, offset: start });
        } else {
            arguments.push(Argument::Positional(parser.read(Mode::Argument)?));
        }
    }
    Ok(Command { name, offset, arguments, end: parser.pos })
}

/// The offset after the spaces, tabs, comments (`# ...`, `<# ... #>`) and line
/// continuations at `at`, and after line breaks too if `newlines`.
pub fn skip_trivia(text: &str, at: usize, newlines: bool) -> usize {
    let variables = Variables::default();
    let mut parser = Parser::new(text, at, &variables);
    parser.skip_space(newlines);
    parser.pos
}

/// Where the statement at `at` ends: at the first line break or `;` outside brackets,
/// strings and comments (the break itself not included), or at a `}` or `)` that closes
/// what the statement is inside of. Brackets left open are an error.
pub fn statement_end(text: &str, at: usize) -> Result<usize, SyntaxError> {
    let variables = Variables::default();
    let mut parser = Parser::new(text, at, &variables);
    parser.statement_end()
}

/// The offset just after the bracket (`(`, `{` or `[`) that closes the one at `at`, skipping
/// strings and comments.
pub fn closing(text: &str, at: usize) -> Result<usize, SyntaxError> {
    let variables = Variables::default();
    let mut parser = Parser::new(text, at, &variables);
    parser.skip_balanced()?;
    Ok(parser.pos)
}

/// The words of `text[start..end]` (runs of letters, digits, `_`, `-` and `%`) outside
/// strings, comments and variables' names, each with its offset: what a caller looks
/// through for keywords (`foreach`) without mistaking a string's text for one.
pub fn words(text: &str, start: usize, end: usize) -> Result<Vec<(usize, &str)>, SyntaxError> {
    let variables = Variables::default();
    let mut parser = Parser::new(text, start, &variables);
    let end = end.min(text.len());
    let mut words = Vec::new();
    let is_word_char = |c: char| is_name_char(c) || c == '-' || c == '%';
    while parser.pos < end {
        let Some(c) = parser.peek() else { break };
        if is_word_char(c) {
            let word_start = parser.pos;
            while parser.pos < end && parser.peek().is_some_and(is_word_char) {
                parser.bump();
            }
            words.push((word_start, &text[word_start..parser.pos]));
        } else if c == '$' {
            parser.pos += 1;
            parser.name();
        } else {
            parser.skip_token()?;
        }
    }
    Ok(words)
}

/// Whether `c` is one of the quotes PowerShell reads as a single quote (`'` and the
/// typographic ones word processors put in its place).
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Whether `c` is one of the quotes PowerShell reads as a double quote.
pub fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

/// Whether `c` is one of the dashes PowerShell reads as `-` before a parameter's name.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// What a bare word is: in an expression only an enumeration's value is expected; in a
/// command's arguments it is text that may hold variables.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Expression,
    Argument,
}

struct Parser<'t, 'v> {
    text: &'t str,
    pos: usize,
    variables: &'v Variables,
    unresolved: Vec<Unresolved>,
}

impl<'t, 'v> Parser<'t, 'v> {
    fn new(text: &'t str, at: usize, variables: &'v Variables) -> Self {
        let pos = crate::text::floor_char_boundary(text, at.min(text.len()));
        Parser { text, pos, variables, unresolved: Vec::new() }
    }

    fn rest(&self) -> &'t str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { offset: self.pos, message: message.into(), key: None }
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError { offset, message: message.into(), key: None }
    }

    /// Spaces, tabs, comments and line continuations (a backtick ending its line); line
    /// breaks too if `newlines`.
    fn skip_space(&mut self, newlines: bool) {
        loop {
            let rest = self.rest();
            let Some(c) = rest.chars().next() else { return };
            if c == ' ' || c == '\t' || c == '\u{a0}' || c == '\u{feff}' || c == '\u{c}' {
                self.pos += c.len_utf8();
            } else if newlines && (c == '\n' || c == '\r') {
                self.pos += 1;
            } else if c == '`' && (rest[1..].starts_with('\n') || rest[1..].starts_with("\r\n")) {
                self.pos += if rest[1..].starts_with('\n') { 2 } else { 3 };
            } else if rest.starts_with("<#") {
                self.pos += rest.find("#>").map_or(rest.len(), |end| end + 2);
            } else if c == '#' {
                self.pos += rest.find(['\n', '\r']).unwrap_or(rest.len());
            } else {
                return;
            }
        }
    }

    /// A value, or values separated by commas, read as a list.
    fn read(&mut self, mode: Mode) -> Result<Read, SyntaxError> {
        let offset = self.pos;
        let first_unresolved = self.unresolved.len();
        let unary = self.peek() == Some(',');
        if unary {
            self.pos += 1;
            self.skip_space(false);
        }
        let mut items = vec![self.primary(mode)?];
        loop {
            let before = self.pos;
            self.skip_space(false);
            if self.peek() != Some(',') {
                self.pos = before;
                break;
            }
            self.pos += 1;
            self.skip_space(true);
            items.push(self.primary(mode)?);
        }
        self.after_value(mode)?;
        let value = if items.len() == 1 && !unary { items.pop().unwrap_or(Value::Null) } else { Value::List(items) };
        Ok(Read { value, offset, unresolved: self.unresolved.split_off(first_unresolved) })
    }

    /// What may follow a value: the end of its statement, or of what encloses it. An
    /// operator means an expression only PowerShell can evaluate.
    fn after_value(&mut self, mode: Mode) -> Result<(), SyntaxError> {
        let before = self.pos;
        self.skip_space(false);
        let at = self.pos;
        let next = self.peek();
        self.pos = before;
        match next {
            None | Some('\n' | '\r' | ';' | '}' | ')' | '|') => Ok(()),
            // A command's next argument.
            Some(_) if mode == Mode::Argument && at > before => Ok(()),
            Some(c) => Err(self.error_at(
                at,
                format!("`{c}` after a value: an expression mailflow does not evaluate (it never runs PowerShell)"),
            )),
        }
    }

    fn primary(&mut self, mode: Mode) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let Some(c) = self.peek() else { return Err(self.error("expected a value, found the end of the text")) };
        match c {
            c if is_single_quote(c) => Ok(Value::Text(self.single_quoted()?)),
            c if is_double_quote(c) => Ok(Value::Text(self.double_quoted()?)),
            '@' => match self.peek_second() {
                Some('(') => {
                    self.pos += 1;
                    self.array()
                }
                Some('{') => {
                    self.pos += 1;
                    let entries = self.block()?;
                    Ok(Value::Map(self.entries_value(entries)))
                }
                Some(quote) if is_single_quote(quote) || is_double_quote(quote) => self.here_string(),
                _ if mode == Mode::Argument => self.bare_word(),
                _ => Err(self.error("`@` not followed by `(`, `{` or a here-string's quote")),
            },
            '$' => {
                if self.peek_second() == Some('(') {
                    self.pos += 1;
                    let inner_start = self.pos;
                    self.skip_balanced()?;
                    let inner = &self.text[inner_start + 1..self.pos - 1];
                    Ok(match self.organization_expression(inner) {
                        Some(value) => Value::Text(value),
                        None => self.unresolved_value(start),
                    })
                } else {
                    self.variable(start)
                }
            }
            '(' => {
                self.pos += 1;
                self.skip_space(true);
                let inner = self.read(Mode::Expression)?;
                self.unresolved.extend(inner.unresolved);
                self.skip_space(true);
                if self.peek() != Some(')') {
                    return Err(self.error("expected `)`"));
                }
                self.pos += 1;
                Ok(inner.value)
            }
            '[' => {
                // A type cast (`[string[]]@('a')`, `[bool]$true`): the value is what follows.
                self.skip_balanced()?;
                if self.rest().starts_with("::") {
                    return Err(self.error_at(start, "a .NET static member: mailflow does not run PowerShell"));
                }
                self.skip_space(false);
                self.primary(mode)
            }
            c if c.is_ascii_digit()
                || ((c == '.' || c == '+' || is_dash(c))
                    && self.peek_second().is_some_and(|d| d.is_ascii_digit() || (c != '.' && d == '.'))) =>
            {
                if mode == Mode::Argument {
                    return self.bare_word();
                }
                let token_end = self.pos
                    + c.len_utf8()
                    + self.rest()[c.len_utf8()..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                        .unwrap_or(self.rest().len() - c.len_utf8());
                let token = &self.text[self.pos..token_end];
                match number(token) {
                    Some(value) => {
                        self.pos = token_end;
                        Ok(value)
                    }
                    None => Err(self.error(format!("`{token}` is not a number"))),
                }
            }
            c if is_name_char(c) => {
                if mode == Mode::Argument {
                    return self.bare_word();
                }
                let word = self.bare_word_text();
                // A CIM instance (`MSFT_Something{ Key = value }`), as Microsoft365DSC writes
                // nested settings.
                let before = self.pos;
                self.skip_space(false);
                if self.peek() == Some('{') {
                    let mut entries = vec![("@type".to_owned(), Value::Text(word))];
                    let block = self.block()?;
                    entries.extend(self.entries_value(block));
                    return Ok(Value::Map(entries));
                }
                self.pos = before;
                Ok(Value::Text(word))
            }
            _ if mode == Mode::Argument && !matches!(c, ',' | ';' | '|' | ')' | '}' | '{' | '\n' | '\r') => {
                self.bare_word()
            }
            c => Err(self.error(format!("expected a value, found `{c}`"))),
        }
    }

    /// A nested hashtable's entries as a value, what they left unresolved kept with the
    /// value that holds them.
    fn entries_value(&mut self, entries: Vec<Entry>) -> Vec<(String, Value)> {
        entries
            .into_iter()
            .map(|entry| {
                self.unresolved.extend(entry.value.unresolved);
                (entry.name, entry.value.value)
            })
            .collect()
    }

    /// A run of characters that is not a delimiter, as text (a command's name, a key).
    fn bare_word_text(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace()
                || matches!(c, ',' | ';' | '|' | '(' | ')' | '{' | '}' | '=' | '#' | '&' | '<' | '>' | '[' | ']')
                || is_single_quote(c)
                || is_double_quote(c)
                || (c == '$' && self.pos > start)
            {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.text[start..self.pos].to_owned()
    }

    /// A command line's bare word: text, with backtick escapes, variables and quoted parts
    /// joined in; a number when it is one.
    fn bare_word(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let mut text = String::new();
        let mut plain = true;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | ';' | '|' | '(' | ')' | '{' | '}' | '&' | '<' | '>') {
                break;
            }
            if c == '#' && self.pos == start {
                break;
            }
            if is_single_quote(c) {
                plain = false;
                text.push_str(&self.single_quoted()?);
            } else if is_double_quote(c) {
                plain = false;
                text.push_str(&self.double_quoted()?);
            } else if c == '`' {
                plain = false;
                self.pos += 1;
                if let Some(escaped) = self.bump() {
                    text.push(escape(escaped));
                }
            } else if c == '$' {
                plain = false;
                self.expand(&mut text)?;
            } else {
                self.pos += c.len_utf8();
                text.push(c);
            }
        }
        if self.pos == start {
            return Err(self.error("expected a value"));
        }
        if plain {
            if let Some(number) = number(&text) {
                return Ok(number);
            }
        }
        Ok(Value::Text(text))
    }

    /// `'...'`, a quote written twice inside standing for one.
    fn single_quoted(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error_at(start, "a single-quoted string that never ends")),
                Some(c) if is_single_quote(c) => {
                    if self.peek().is_some_and(is_single_quote) {
                        self.bump();
                        text.push(c);
                    } else {
                        return Ok(text);
                    }
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// `"..."`: backtick escapes, a quote written twice standing for one, and variables.
    fn double_quoted(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(start, "a double-quoted string that never ends")),
                Some('`') => {
                    self.pos += 1;
                    match self.bump() {
                        Some('u') if self.peek() == Some('{') => text.push(self.unicode_escape()?),
                        Some(c) => text.push(escape(c)),
                        None => return Err(self.error_at(start, "a double-quoted string that never ends")),
                    }
                }
                Some(c) if is_double_quote(c) => {
                    self.pos += c.len_utf8();
                    if self.peek().is_some_and(is_double_quote) {
                        self.bump();
                        text.push(c);
                    } else {
                        return Ok(text);
                    }
                }
                Some('$') => self.expand(&mut text)?,
                Some(c) => {
                    self.pos += c.len_utf8();
                    text.push(c);
                }
            }
        }
    }

    /// `` `u{2019} ``, after the `u`.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let start = self.pos;
        let end = self.rest().find('}').ok_or_else(|| self.error("`` `u{ `` without its `}`"))?;
        let hex = &self.rest()[1..end];
        let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
        self.pos += end + 1;
        c.ok_or_else(|| self.error_at(start, format!("`` `u{{{hex}}} `` is not a character")))
    }

    /// `@" ... "@` and `@' ... '@`: the lines between the opening and the closing line.
    fn here_string(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let quote = self.bump().unwrap_or('"');
        let expands = is_double_quote(quote);
        self.skip_space(false);
        match self.peek() {
            Some('\r') => {
                self.pos += 1;
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
            }
            Some('\n') => self.pos += 1,
            _ => return Err(self.error("a here-string's opening quote must end its line")),
        }
        let body_start = self.pos;
        let closes = |line: &str| {
            let mut chars = line.chars();
            chars.next().is_some_and(|c| if expands { is_double_quote(c) } else { is_single_quote(c) })
                && chars.next() == Some('@')
        };
        let mut line_start = body_start;
        loop {
            if line_start > self.text.len() {
                return Err(self.error_at(start, "a here-string that never ends"));
            }
            let line = &self.text[line_start..];
            if closes(line) {
                break;
            }
            match line.find('\n') {
                Some(end) => line_start += end + 1,
                None => return Err(self.error_at(start, "a here-string that never ends")),
            }
        }
        let body_end = line_start;
        let body = &self.text[body_start..body_end];
        let body = body.strip_suffix('\n').map_or(body, |b| b.strip_suffix('\r').unwrap_or(b));
        self.pos = body_end + self.text[body_end..].chars().next().map_or(0, char::len_utf8) + 1;
        if !expands {
            return Ok(Value::Text(body.to_owned()));
        }
        // The body of `@"` expands as a double-quoted string does, its quotes being plain.
        let end = self.pos;
        let mut text = String::new();
        self.pos = body_start;
        let body_end = body_start + body.len();
        while self.pos < body_end {
            match self.peek() {
                Some('`') => {
                    self.pos += 1;
                    if let Some(c) = self.bump() {
                        text.push(escape(c));
                    }
                }
                Some('$') => self.expand(&mut text)?,
                Some(c) => {
                    self.pos += c.len_utf8();
                    text.push(c);
                }
                None => break,
            }
        }
        self.pos = end;
        Ok(Value::Text(text))
    }

    /// A `$` inside a double-quoted string or a bare word: a variable (`$name`, `${name}`),
    /// a subexpression (`$(...)`), or a plain `$`.
    fn expand(&mut self, text: &mut String) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        match self.peek() {
            Some('(') => {
                self.skip_balanced()?;
                let inner = &self.text[start + 2..self.pos - 1];
                match self.organization_expression(inner) {
                    Some(value) => text.push_str(&value),
                    None => self.keep_unresolved(start, text),
                }
            }
            Some('{') => {
                let end = self.rest().find('}').ok_or_else(|| self.error("`${` without its `}`"))?;
                let name = self.rest()[1..end].to_owned();
                self.pos += end + 1;
                self.expand_variable(&name, start, text);
            }
            Some(c) if is_name_char(c) || c == '?' || c == '^' || c == '$' => {
                let name = if is_name_char(c) {
                    self.scoped_name()
                } else {
                    self.pos += 1;
                    c.to_string()
                };
                self.expand_variable(&name, start, text);
            }
            _ => text.push('$'),
        }
        Ok(())
    }

    fn expand_variable(&mut self, name: &str, start: usize, text: &mut String) {
        // `$null` expands to nothing.
        let constant = [("true", "True"), ("false", "False"), ("null", "")]
            .into_iter()
            .find(|(variable, _)| name.eq_ignore_ascii_case(variable));
        if let Some((_, expanded)) = constant {
            text.push_str(expanded);
        } else if let Some(organization) = self.organization_name(name) {
            text.push_str(&organization);
        } else {
            self.keep_unresolved(start, text);
        }
    }

    /// An unresolved part of a string is kept as written, and listed.
    fn keep_unresolved(&mut self, start: usize, text: &mut String) {
        let written = &self.text[start..self.pos];
        text.push_str(written);
        self.unresolved.push(Unresolved { text: written.to_owned(), offset: start });
    }

    fn unresolved_value(&mut self, start: usize) -> Value {
        self.unresolved.push(Unresolved { text: self.text[start..self.pos].to_owned(), offset: start });
        Value::Null
    }

    /// `$OrganizationName`'s value, when `name` is it and it is known.
    fn organization_name(&self, name: &str) -> Option<String> {
        let name = name.strip_prefix("script:").unwrap_or(name);
        if name.eq_ignore_ascii_case("OrganizationName") {
            self.variables.organization_name.clone()
        } else {
            None
        }
    }

    /// What Microsoft365DSC writes for the tenant's name inside a `$(...)`:
    /// `$OrganizationName`, or its first label `$OrganizationName.Split('.')[0]`.
    fn organization_expression(&self, inner: &str) -> Option<String> {
        let compact: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.replace('"', "'");
        let rest = compact.strip_prefix('$')?;
        let name_end = rest.find(|c: char| !is_name_char(c) && c != ':').unwrap_or(rest.len());
        let organization = self.organization_name(&rest[..name_end])?;
        match &rest[name_end..] {
            "" => Some(organization),
            tail if tail.eq_ignore_ascii_case(".Split('.')[0]") => {
                Some(organization.split('.').next().unwrap_or_default().to_owned())
            }
            _ => None,
        }
    }

    /// A variable's name, with its scope (`env:PATH`, `script:x`).
    fn scoped_name(&mut self) -> String {
        let mut name = self.name();
        if self.peek() == Some(':') && self.peek_second().is_some_and(is_name_char) {
            self.pos += 1;
            name.push(':');
            name.push_str(&self.name());
        }
        name
    }

    fn name(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.bump();
        }
        self.text[start..self.pos].to_owned()
    }

    /// `$name` outside a string, with what follows it (`.Property`, `[index]`,
    /// `.Method(...)`): `$true`, `$false`, `$null`, `$OrganizationName`, or unresolved.
    fn variable(&mut self, start: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let name = match self.peek() {
            Some('{') => {
                let end = self.rest().find('}').ok_or_else(|| self.error("`${` without its `}`"))?;
                let name = self.rest()[1..end].to_owned();
                self.pos += end + 1;
                name
            }
            Some(c) if is_name_char(c) => self.scoped_name(),
            Some(c @ ('?' | '^' | '$')) => {
                self.pos += 1;
                c.to_string()
            }
            _ => return Err(self.error_at(start, "`$` without a variable's name")),
        };
        let name_end = self.pos;
        loop {
            match self.peek() {
                Some('.') if self.peek_second().is_some_and(is_name_char) => {
                    self.pos += 1;
                    self.name();
                    if self.peek() == Some('(') {
                        self.skip_balanced()?;
                    }
                }
                Some('[') => self.skip_balanced()?,
                _ => break,
            }
        }
        if self.pos == name_end {
            if name.eq_ignore_ascii_case("true") {
                return Ok(Value::Bool(true));
            }
            if name.eq_ignore_ascii_case("false") {
                return Ok(Value::Bool(false));
            }
            if name.eq_ignore_ascii_case("null") {
                return Ok(Value::Null);
            }
        }
        match self.organization_expression(&self.text[start..self.pos]) {
            Some(value) => Ok(Value::Text(value)),
            None => Ok(self.unresolved_value(start)),
        }
    }

    /// `@( ... )` after the `@`: its statements' values, lists flattened.
    fn array(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space(true);
            match self.peek() {
                None => return Err(self.error_at(start, "`@(` without its `)`")),
                Some(')') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                Some(';') => self.pos += 1,
                _ => {
                    let read = self.read(Mode::Expression)?;
                    self.unresolved.extend(read.unresolved);
                    match read.value {
                        Value::List(values) => items.extend(values),
                        value => items.push(value),
                    }
                }
            }
        }
    }

    /// `{ Key = value ... }` at the `{`: entries separated by `;` or line breaks.
    fn block(&mut self) -> Result<Vec<Entry>, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        loop {
            self.skip_space(true);
            let key_at = self.pos;
            let name = match self.peek() {
                None => return Err(self.error_at(start, "`{` without its `}`")),
                Some('}') => {
                    self.pos += 1;
                    return Ok(entries);
                }
                Some(';') => {
                    self.pos += 1;
                    continue;
                }
                Some(c) if is_single_quote(c) => self.single_quoted()?,
                Some(c) if is_double_quote(c) => self.double_quoted()?,
                Some(c) if is_name_char(c) || c == '-' || c == '.' => self.bare_word_text(),
                Some(c) => return Err(self.error(format!("expected a key, found `{c}`"))),
            };
            if entries.iter().any(|entry| entry.name.eq_ignore_ascii_case(&name)) {
                return Err(self.error_at(key_at, format!("`{name}` is given twice")));
            }
            self.skip_space(false);
            if self.peek() != Some('=') {
                return Err(self.error(format!("expected `=` after `{name}`")));
            }
            self.pos += 1;
            self.skip_space(true);
            let value = self
                .read(Mode::Expression)
                .map_err(|error| SyntaxError { key: error.key.or_else(|| Some(name.clone())), ..error })?;
            self.skip_space(false);
            match self.peek() {
                Some('\n' | '\r' | ';' | '}') | None => {}
                Some(c) => {
                    let error = self.error(format!("`{c}` after the value"));
                    return Err(SyntaxError { key: Some(name), ..error });
                }
            }
            entries.push(Entry { name, offset: key_at, value });
        }
    }

    /// A parameter's name after its dash (`-Name`, `–Name`), or `None` (the position unchanged).
    fn parameter_name(&mut self) -> Option<String> {
        if !self.at_parameter() {
            return None;
        }
        self.bump();
        let start = self.pos;
        while self.peek().is_some_and(|c| is_name_char(c) || c == '-') {
            self.bump();
        }
        Some(self.text[start..self.pos].to_owned())
    }

    fn at_parameter(&self) -> bool {
        self.peek().is_some_and(is_dash) && self.peek_second().is_some_and(|c| c.is_alphabetic() || c == '_')
    }

    fn at_command_end(&self) -> bool {
        matches!(self.peek(), None | Some('\n' | '\r' | ';' | '|' | '}' | ')'))
    }

    /// Past the bracket at the current position and everything up to its match.
    fn skip_balanced(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let mut stack = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                let open = self.text[start..].chars().next().unwrap_or('(');
                return Err(self.error_at(start, format!("`{open}` without its closing bracket")));
            };
            match c {
                '(' | '{' | '[' => {
                    stack.push(match c {
                        '(' => ')',
                        '{' => '}',
                        _ => ']',
                    });
                    self.pos += 1;
                }
                ')' | '}' | ']' => {
                    if stack.pop() != Some(c) {
                        return Err(self.error(format!("`{c}` closes nothing open here")));
                    }
                    self.pos += 1;
                    if stack.is_empty() {
                        return Ok(());
                    }
                }
                _ => self.skip_token()?,
            }
        }
    }

    /// One character, or the whole string, here-string or comment that starts here.
    fn skip_token(&mut self) -> Result<(), SyntaxError> {
        let Some(c) = self.peek() else { return Ok(()) };
        if is_single_quote(c) {
            self.single_quoted()?;
        } else if is_double_quote(c) {
            self.skip_double_quoted()?;
        } else if c == '@' && self.peek_second().is_some_and(|q| is_single_quote(q) || is_double_quote(q)) {
            let before = self.pos;
            if self.here_string_raw().is_err() {
                self.pos = before + 1;
            }
        } else if c == '#' || self.rest().starts_with("<#") {
            self.skip_space(false);
        } else if c == '`' {
            self.pos += 1;
            self.bump();
        } else {
            self.pos += c.len_utf8();
        }
        Ok(())
    }

    /// A double-quoted string, its subexpressions skipped whole, without expanding anything.
    fn skip_double_quoted(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.bump();
        loop {
            match self.peek() {
                None => return Err(self.error_at(start, "a double-quoted string that never ends")),
                Some('`') => {
                    self.pos += 1;
                    self.bump();
                }
                Some('$') if self.peek_second() == Some('(') => {
                    self.pos += 1;
                    self.skip_balanced()?;
                }
                Some(c) if is_double_quote(c) => {
                    self.pos += c.len_utf8();
                    if self.peek().is_some_and(is_double_quote) {
                        self.bump();
                    } else {
                        return Ok(());
                    }
                }
                Some(c) => self.pos += c.len_utf8(),
            }
        }
    }

    /// A here-string skipped without expanding it.
    fn here_string_raw(&mut self) -> Result<(), SyntaxError> {
        let saved = std::mem::take(&mut self.unresolved);
        let result = self.here_string().map(|_| ());
        self.unresolved = saved;
        result
    }

    fn statement_end(&mut self) -> Result<usize, SyntaxError> {
        loop {
            match self.peek() {
                None | Some('\n' | '\r' | ';' | '}' | ')') => return Ok(self.pos),
                Some('(' | '{' | '[') => self.skip_balanced()?,
                Some(']') => return Err(self.error("`]` closes nothing open here")),
                Some(c) if c == ' ' || c == '\t' || c == '#' || c == '`' || self.rest().starts_with("<#") => {
                    let before = self.pos;
                    self.skip_space(false);
                    if self.pos == before {
                        self.skip_token()?;
                    }
                }
                Some(_) => self.skip_token()?,
            }
        }
    }
}

/// The character a backtick escape stands for (`` `n `` a line feed, `` `" `` a quote).
fn escape(c: char) -> char {
    match c {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'e' => '\u{1b}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        other => other,
    }
}

/// `token` as PowerShell reads a number: decimal or `0x` hexadecimal, a fraction or an
/// exponent, a type suffix (`L`, `D`) and a multiplier (`KB`, `MB`, `GB`, `TB`, `PB`). A
/// whole number is an integer; any other is kept as text.
fn number(token: &str) -> Option<Value> {
    let (negative, body) = match token.chars().next()? {
        '+' => (false, &token[1..]),
        c if is_dash(c) => (true, &token[c.len_utf8()..]),
        _ => (false, token),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, multiplier) = [("kb", 1u64 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("tb", 1 << 40), ("pb", 1 << 50)]
        .iter()
        .find_map(|(suffix, scale)| lower.strip_suffix(suffix).map(|digits| (digits, *scale)))
        .unwrap_or((lower.as_str(), 1));
    let signed = |magnitude: i128| -> Option<Value> {
        let value = if negative { -magnitude } else { magnitude } * i128::from(multiplier);
        i64::try_from(value).ok().map(Value::Integer)
    };
    if let Some(hex) = digits.strip_prefix("0x") {
        let hex = hex.strip_suffix('l').unwrap_or(hex);
        return i128::from_str_radix(hex, 16).ok().and_then(signed);
    }
    let digits = digits.strip_suffix(['l', 'd', 'u', 'y', 'n', 's']).unwrap_or(digits);
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse::<i128>().ok().and_then(signed);
    }
    let real: f64 = digits.parse().ok()?;
    let scaled = real * multiplier as f64;
    if scaled.fract() == 0.0 && scaled.abs() < 9.0e15 {
        let whole = scaled as i64;
        return Some(Value::Integer(if negative { -whole } else { whole }));
    }
    Some(Value::Text(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn read(source: &str) -> Read {
        read_with(source, None)
    }

    fn read_with(source: &str, organization: Option<&str>) -> Read {
        let variables = Variables { organization_name: organization.map(str::to_owned) };
        value(source, 0, &variables).unwrap_or_else(|error| panic!("{source}: {error:?}")).0
    }

    fn fails(source: &str) -> SyntaxError {
        value(source, 0, &Variables::default()).expect_err(source)
    }

    #[test]
    fn single_quoted_strings_double_their_quotes() {
        assert_eq!(read("'O''Brien'").value, text("O'Brien"));
        assert_eq!(read("''").value, text(""));
        assert_eq!(read("'a `n $x'").value, text("a `n $x"));
        // Typographic quotes are quotes, as PowerShell reads them.
        assert_eq!(read("\u{2018}it\u{2019}\u{2019}s\u{2019}").value, text("it\u{2019}s"));
        assert!(fails("'never ends").message.contains("never ends"));
    }

    #[test]
    fn double_quoted_strings_take_backtick_escapes() {
        assert_eq!(read(r#""say `"hi`"""#).value, text("say \"hi\""));
        assert_eq!(read(r#""a""b""#).value, text("a\"b"));
        assert_eq!(read(r#""`$5 and ``""#).value, text("$5 and `"));
        assert_eq!(read(r#""line`nnext`ttab`u{2019}""#).value, text("line\nnext\ttab\u{2019}"));
        assert_eq!(read("\u{201C}curly\u{201D}").value, text("curly"));
        assert_eq!(read(r#""price: $ 5""#).value, text("price: $ 5"));
        assert_eq!(read(r#""$true/$False/$null""#).value, text("True/False/"));
        // Over-escaped, as some exports write: a backtick before a character that needs none
        // stands for that character.
        assert_eq!(read(r#""don`'t `{x`} `#1 `@ `-""#).value, text("don't {x} #1 @ -"));
    }

    #[test]
    fn here_strings() {
        assert_eq!(read("@'\nline 'one'\nline two\n'@").value, text("line 'one'\nline two"));
        assert_eq!(read("@\"\r\nsay \"hi\" `t$OrganizationName\r\n\"@").unresolved.len(), 1);
        let expanded = read_with("@\"\nat $OrganizationName\n\"@", Some("contoso.onmicrosoft.com"));
        assert_eq!(expanded.value, text("at contoso.onmicrosoft.com"));
    }

    #[test]
    fn numbers_booleans_and_null() {
        assert_eq!(read("42").value, Value::Integer(42));
        assert_eq!(read("-1").value, Value::Integer(-1));
        assert_eq!(read("0x10").value, Value::Integer(16));
        assert_eq!(read("10MB").value, Value::Integer(10 << 20));
        assert_eq!(read("1.5KB").value, Value::Integer(1536));
        assert_eq!(read("2.5").value, text("2.5"));
        assert_eq!(read("$True").value, Value::Bool(true));
        assert_eq!(read("$FALSE").value, Value::Bool(false));
        assert_eq!(read("$null").value, Value::Null);
        assert!(fails("12abc").message.contains("not a number"));
    }

    #[test]
    fn arrays_and_comma_lists() {
        assert_eq!(read("@()").value, Value::List(vec![]));
        assert_eq!(read("@('a')").value, Value::List(vec![text("a")]));
        assert_eq!(read("'a','b'").value, Value::List(vec![text("a"), text("b")]));
        assert_eq!(read("'a',\n  'b'").value, Value::List(vec![text("a"), text("b")]));
        assert_eq!(read("@(\n  'a'\n  'b', 'c'\n)").value, Value::List(vec![text("a"), text("b"), text("c")]));
        assert_eq!(read(",'only'").value, Value::List(vec![text("only")]));
        assert_eq!(read("[string[]]@('x')").value, Value::List(vec![text("x")]));
        assert_eq!(read("('a', 'b')").value, Value::List(vec![text("a"), text("b")]));
    }

    #[test]
    fn hashtables_and_instances() {
        let variables = Variables::default();
        let source = "@{ Name = 'x'; Priority = 0\n  Words = @('a') } # after";
        let table = hashtable(source, 0, &variables).unwrap();
        let names: Vec<&str> = table.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Name", "Priority", "Words"]);
        assert_eq!(table.entries[1].value.value, Value::Integer(0));
        assert_eq!(&source[table.end..], " # after");
        let block = hashtable("  {\n 'Quoted Key' = $true\n}", 0, &variables).unwrap();
        assert_eq!(block.entries[0].name, "Quoted Key");
        let error = hashtable("@{ a = 1; A = 2 }", 0, &variables).unwrap_err();
        assert_eq!((error.offset, error.message.as_str()), (10, "`A` is given twice"));
        assert_eq!(
            read("@(\n MSFT_Thing{\n  Key = 'v'\n }\n)").value,
            Value::List(vec![Value::Map(vec![("@type".into(), text("MSFT_Thing")), ("Key".into(), text("v"))])])
        );
    }

    #[test]
    fn the_organization_name_resolves_and_other_variables_are_listed() {
        let org = Some("contoso.onmicrosoft.com");
        assert_eq!(read_with("$OrganizationName", org).value, text("contoso.onmicrosoft.com"));
        assert_eq!(read_with("\"admin@$OrganizationName\"", org).value, text("admin@contoso.onmicrosoft.com"));
        assert_eq!(read_with("\"${organizationname}!\"", org).value, text("contoso.onmicrosoft.com!"));
        assert_eq!(
            read_with("\"https://$($OrganizationName.Split('.')[0]).sharepoint.com\"", org).value,
            text("https://contoso.sharepoint.com")
        );
        let credentials = read("$ConfigurationData.NonNodeData.ApplicationId");
        assert_eq!(credentials.value, Value::Null);
        assert_eq!(
            credentials.unresolved,
            [Unresolved { text: "$ConfigurationData.NonNodeData.ApplicationId".into(), offset: 0 }]
        );
        let unknown = read("\"x@$OrganizationName\"");
        assert_eq!(unknown.value, text("x@$OrganizationName"));
        assert_eq!(unknown.unresolved, [Unresolved { text: "$OrganizationName".into(), offset: 3 }]);
        let split = read("@('a', $Creds.UserName.Split('@')[1])");
        assert_eq!(split.unresolved[0].text, "$Creds.UserName.Split('@')[1]");
    }

    #[test]
    fn what_needs_powershell_is_an_error() {
        assert!(fails("'a' + $b").message.contains("`+` after a value"));
        let error = hashtable("@{ Name = 'x'\n Priority = 'a' + 'b' }", 0, &Variables::default()).unwrap_err();
        assert_eq!((error.offset, error.key.as_deref()), (30, Some("Priority")));
        assert!(fails("[System.String]::Empty").message.contains("static member"));
        assert_eq!(fails("'x' -f 1").offset, 4);
    }

    #[test]
    fn command_lines() {
        let variables = Variables { organization_name: Some("contoso.onmicrosoft.com".into()) };
        let line = "New-TransportRule -Name 'Route ''A''' -FromScope InOrganization -SetSCL -1 `\n  \
                    -SenderDomainIs a.com,'b.com' -StopRuleProcessing:$true -Force -Comments \"by $OrganizationName\" \
                    @params # done\nnext";
        let command = command(line, 0, &variables).unwrap();
        assert_eq!(command.name, "New-TransportRule");
        let named: Vec<(&str, &Value)> = command.named().map(|e| (e.name.as_str(), &e.value.value)).collect();
        assert_eq!(
            named,
            [
                ("Name", &text("Route 'A'")),
                ("FromScope", &text("InOrganization")),
                ("SetSCL", &Value::Integer(-1)),
                ("SenderDomainIs", &Value::List(vec![text("a.com"), text("b.com")])),
                ("StopRuleProcessing", &Value::Bool(true)),
                ("Force", &Value::Bool(true)),
                ("Comments", &text("by contoso.onmicrosoft.com")),
            ]
        );
        assert!(matches!(command.arguments.last(), Some(Argument::Splat { variable, .. }) if variable == "params"));
        assert_eq!(&line[command.end..], "\nnext");
        // A dash a word processor made typographic still starts a parameter.
        let command = super::command("Set-X \u{2013}Name y 'positional'", 0, &variables).unwrap();
        assert_eq!(command.named().next().map(|e| e.name.as_str()), Some("Name"));
        assert!(matches!(&command.arguments[1], Argument::Positional(read) if read.value == text("positional")));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::cases::cases(512)))]

        /// Any text, read from any offset, gives a value or an error: never a panic, never an
        /// offset past the text.
        #[test]
        fn any_text_reads_without_panicking(
            text in r#"(?s)[ \t\r\n'"`$@(){}\[\],;=#<>|a-zA-Z0-9.\-:‘’“”–]{0,60}"#,
            at in 0usize..64,
        ) {
            let variables = Variables { organization_name: Some("contoso.onmicrosoft.com".into()) };
            if let Ok((_, end)) = value(&text, at, &variables) {
                proptest::prop_assert!(end <= text.len());
            }
            if let Ok((_, end)) = argument(&text, at, &variables) {
                proptest::prop_assert!(end <= text.len());
            }
            if let Ok(table) = hashtable(&text, at, &variables) {
                proptest::prop_assert!(table.end <= text.len());
            }
            if let Ok(command) = command(&text, at, &variables) {
                proptest::prop_assert!(command.end <= text.len());
            }
            let errors = [statement_end(&text, at).err(), closing(&text, at).err(), words(&text, at, text.len()).err()];
            for error in errors.into_iter().flatten() {
                proptest::prop_assert!(error.offset <= text.len());
            }
            proptest::prop_assert!(skip_trivia(&text, at, true) <= text.len());
        }
    }

    #[test]
    fn statements_and_brackets_are_walked_past_strings_and_comments() {
        let text = "if ($a -eq '}') { \"{\" } # }\nnext";
        assert_eq!(statement_end(text, 0).unwrap(), text.find('\n').unwrap());
        assert_eq!(closing("{ <# } #> '}' }x", 0).unwrap(), 15);
        assert_eq!(skip_trivia("  # c\n  <# d #> x", 0, true), 16);
        assert!(closing("{ 'open", 0).is_err());
        let script = "foreach ($r in $rules) { \"for $while\" } # do";
        let found: Vec<&str> = words(script, 0, script.len()).unwrap().into_iter().map(|(_, w)| w).collect();
        assert_eq!(found, ["foreach", "in"]);
    }
}
