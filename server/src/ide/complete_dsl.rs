//! Completion in the DSL (`*.mailflow`): the statements a block can still take, the words a
//! setting allows, the connectors and headers a string can name, and snippets for a new
//! connector, a new rule and the guide's anti-loop smart host rule.
//!
//! The block around the cursor comes from the tree (the innermost `rule`, `connector`,
//! `organization`, `service` or `on_premises` whose `{ … }` holds the cursor), else from the
//! text (the last `{` before the cursor not yet closed); what is typed comes from the
//! cursor's line.

use super::complete::{
    choice, escape, next_priority, used_headers, AntiLoop, Completion, CompletionKind, ANTI_LOOP_PAGE,
};
use super::describe::{connector_detail, connector_page, guide_citation, value_page};
use crate::check::{Checked, Source};
use crate::model::dsl_statements::{self, Form, Place, Statement as Row};
use crate::model::keys::{self, Key, Object, ValueShape, GUIDE_CREATING};
use crate::model::MailFlow;
use crate::syntax::dsl::quote;
use crate::syntax::dsl::Block;
use crate::text::{newline_of, Span};
use tree_sitter::Node;

/// A statement a block takes: its label (`…` for a string), its text as a snippet (parts
/// separated by single spaces, none with a space inside; `"…"` parts stand for a string and
/// `$…` parts for a value), the key it writes, and whether it may be given once only (the
/// `id` says which statements count as the same one).
struct Statement {
    label: String,
    template: String,
    key: &'static Key,
    id: String,
    single: bool,
}

fn statement(label: &str, template: String, key: &'static Key, id: String, single: bool) -> Statement {
    Statement { label: label.to_owned(), template, key, id, single }
}

/// The statements a block takes, from the statement table, each with its snippet; a rule's
/// conditions once after `if` and once after `except`.
fn statements(block: Block, flow: &MailFlow) -> Vec<Statement> {
    let mut all = Vec::new();
    let mut predicates_listed = false;
    for row in dsl_statements::in_block(block) {
        let id = format!("{:?}.{}", row.object, row.key);
        match row.form {
            Form::Predicate if predicates_listed => {}
            Form::Predicate => {
                predicates_listed = true;
                for place in [Place::Condition, Place::Exception] {
                    for row in dsl_statements::in_block(block).filter(|r| r.form == Form::Predicate) {
                        let word = place.keyword();
                        all.push(statement(
                            &format!("{word} {}", row.label),
                            format!("{word} {}", snippet(row, flow)),
                            row.catalogue_key(),
                            format!("{word} {:?}.{}", row.object, row.key),
                            !row.repeatable,
                        ));
                    }
                }
            }
            _ => all.push(statement(row.label, snippet(row, flow), row.catalogue_key(), id, !row.repeatable)),
        }
    }
    all
}

/// A statement's snippet: its template with each placeholder a tab stop, an enumeration's
/// or boolean's a choice, text quoted (with the template's example). An item's block holds
/// the one statement its block takes, else the cursor.
fn snippet(row: &'static Row, flow: &MailFlow) -> String {
    let mut stop = 0;
    let mut parts = Vec::new();
    for token in row.template.split(' ') {
        if token == "{…}" {
            if row.form == Form::Item {
                let inner: Vec<&'static Row> =
                    Block::of_kind(row.kind).map_or_else(Vec::new, |b| dsl_statements::in_block(b).collect());
                let body = match inner.as_slice() {
                    [only] if row.block != Block::Root => snippet(only, flow),
                    _ => "$0".to_owned(),
                };
                parts.push(format!("{{\n  {body}\n}}"));
            }
            continue;
        }
        let Some((field, example)) =
            token.strip_prefix('{').and_then(|t| t.strip_suffix('}')).map(|t| match t.split_once(':') {
                Some((field, example)) => (field, Some(example)),
                None => (t, None),
            })
        else {
            parts.push(token.to_owned());
            continue;
        };
        let key = row.catalogue_key();
        let field_key = match (field, key.shape) {
            ("", _) => Some(key),
            (_, ValueShape::Object(object)) => keys::lookup(object, field),
            _ => None,
        };
        let item_field =
            (row.form == Form::Item).then(|| item_object(row)).flatten().and_then(|object| keys::lookup(object, field));
        // An item's optional name is left for the user to add.
        if item_field.is_some_and(|k| !k.required) {
            continue;
        }
        stop += 1;
        parts.push(match (field_key.or(item_field).map(|k| k.shape), example) {
            (Some(ValueShape::OneOf(_) | ValueShape::Bool { .. }), _) => {
                choice(stop, field_key.or(item_field).expect("a key"))
            }
            (Some(ValueShape::Integer { .. }), _) if field == "priority" => {
                format!("${{{stop}:{}}}", next_priority(flow))
            }
            (Some(ValueShape::Integer { .. }), _) => format!("${{{stop}:{}}}", example.unwrap_or("1")),
            (Some(ValueShape::OpenMap), _) => format!("${stop}"),
            (_, Some(example)) => format!("\"${{{stop}:{example}}}\""),
            (_, None) => format!("\"${stop}\""),
        });
    }
    parts.join(" ")
}

/// The object whose keys an item's head names (a connector's name, a rule's priority).
fn item_object(row: &Row) -> Option<Object> {
    match row.key {
        "organization" => Some(Object::Organization),
        "connectors" => Some(Object::Connector),
        "transportRules" => Some(Object::Rule),
        _ => None,
    }
}

/// A token of DSL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'t> {
    Word(&'t str),
    Str,
    Open,
    Close,
}

/// The tokens of `text` from `from`, each with its offset and whether it is the first on its
/// line; and whether the text ends inside a string (its offset) or a comment.
struct Tokens<'t> {
    tokens: Vec<(Token<'t>, usize, bool)>,
    open_string: Option<usize>,
    in_comment: bool,
}

fn is_line_break(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

fn tokenize(text: &str, from: usize) -> Tokens<'_> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let (mut open_string, mut in_comment) = (None, false);
    let mut line_start = true;
    let mut i = from;
    while i < bytes.len() {
        let first = std::mem::replace(&mut line_start, false);
        match bytes[i] {
            // LF, CRLF and a lone CR break lines (`crate::text`).
            b'\n' | b'\r' => line_start = true,
            b' ' | b'\t' => line_start = first,
            b'#' => match crate::text::line_end(text, i) {
                end if end < text.len() => {
                    // On the line break: it is read next.
                    i = end;
                    line_start = true;
                    continue;
                }
                _ => {
                    in_comment = true;
                    break;
                }
            },
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && !is_line_break(bytes[i]) {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() || is_line_break(bytes[i]) {
                    open_string = Some(start);
                    if i >= bytes.len() {
                        break;
                    }
                    line_start = true;
                } else {
                    tokens.push((Token::Str, start, first));
                }
            }
            b'{' => tokens.push((Token::Open, i, first)),
            b'}' => tokens.push((Token::Close, i, first)),
            byte if is_word_byte(byte) => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                tokens.push((Token::Word(&text[start..i]), start, first));
                continue;
            }
            _ => {}
        }
        if open_string.is_some_and(|start| start < i) && i >= bytes.len() {
            break;
        }
        i += 1;
    }
    if open_string.is_some_and(|start| text[start..].contains(['\n', '\r'])) {
        open_string = None;
    }
    Tokens { tokens, open_string, in_comment }
}

/// The block holding `offset`, and where its content starts and ends.
fn enclosing_block(checked: &Checked, text: &str, offset: usize) -> (Block, usize, usize) {
    if let Source::Dsl(dsl) = &checked.source {
        let mut node = dsl.root().descendant_for_byte_range(offset, offset);
        while let Some(current) = node {
            if current.is_error() {
                break;
            }
            if let (Some(block), Some(body)) = (Block::of_kind(current.kind()), current.child_by_field_name("body")) {
                if body.start_byte() < offset && (offset < body.end_byte() || unclosed(body)) {
                    return (block, body.start_byte() + 1, body.end_byte());
                }
            }
            node = current.parent();
        }
        if node.is_none() {
            return (Block::Root, 0, text.len());
        }
    }
    // The line does not parse: the last `{` before the cursor not closed yet.
    let tokens = tokenize(&text[..offset], 0).tokens;
    let mut opens: Vec<usize> = Vec::new();
    for (index, (token, _, _)) in tokens.iter().enumerate() {
        match token {
            Token::Open => opens.push(index),
            Token::Close => {
                opens.pop();
            }
            _ => {}
        }
    }
    let Some(&open) = opens.last() else { return (Block::Root, 0, text.len()) };
    // The statement that opens it starts at the first token of its line.
    let opener = tokens[..open]
        .iter()
        .rev()
        .find(|(token, _, first)| *first || matches!(token, Token::Open | Token::Close))
        .and_then(|(token, _, _)| match token {
            Token::Word(word) => Block::of_kind(word),
            _ => None,
        });
    let start = tokens[open].1 + 1;
    let mut depth = 0;
    let mut end = text.len();
    for (token, at, _) in tokenize(text, start).tokens {
        match token {
            Token::Open => depth += 1,
            Token::Close if depth == 0 => {
                end = at;
                break;
            }
            Token::Close => depth -= 1,
            _ => {}
        }
    }
    (opener.unwrap_or(Block::Root), start, end)
}

/// A block whose `}` is missing.
fn unclosed(body: Node) -> bool {
    body.child(body.child_count().saturating_sub(1)).is_none_or(|last| last.is_missing() || last.kind() != "}")
}

/// Whether `tokens` match the parts of `template` from its start, as far as they go.
fn matches(tokens: &[Token], parts: &[&str]) -> bool {
    tokens.len() <= parts.len()
        && tokens.iter().zip(parts).all(|(token, part)| match token {
            Token::Str => part.starts_with('"'),
            Token::Word(word) => word == part,
            _ => false,
        })
}

/// The keyword parts of a template: up to its first value (a final string is a value too).
fn keyword_parts(template: &str) -> Vec<&str> {
    let parts: Vec<&str> =
        template.split(' ').take_while(|part| !part.starts_with('$') && !part.contains('\n')).collect();
    match parts.last() {
        Some(last) if last.starts_with('"') && parts.len() > 1 => parts[..parts.len() - 1].to_vec(),
        _ => parts,
    }
}

/// The ids of the statements written in the block from `start` to `end`, but for the
/// cursor's line.
fn written(text: &str, start: usize, end: usize, line: (usize, usize), all: &[Statement]) -> Vec<String> {
    let tokens = tokenize(&text[..end.min(text.len())], start).tokens;
    let mut ids = Vec::new();
    let mut depth = 0;
    for (index, &(token, at, first)) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth -= 1,
            _ => {}
        }
        let starts_statement = first || index == 0 || matches!(tokens[index - 1].0, Token::Open | Token::Close);
        if depth != 0 || !starts_statement || (line.0..=line.1).contains(&at) {
            continue;
        }
        let following: Vec<Token> = tokens[index..].iter().map(|(token, _, _)| *token).collect();
        for statement in all {
            let parts = keyword_parts(&statement.template);
            if following.len() >= parts.len() && matches(&following[..parts.len()], &parts) {
                ids.push(statement.id.clone());
            }
        }
    }
    ids
}

/// What can be typed at `offset` in a DSL file.
pub(super) fn complete(checked: &Checked, text: &str, offset: usize) -> Vec<Completion> {
    let Some(prefix) = text.get(..offset) else { return Vec::new() };
    let (line_start, line_end) = (crate::text::line_start(text, offset), crate::text::line_end(text, offset));
    let typed = tokenize(prefix, line_start);
    if typed.in_comment {
        return Vec::new();
    }
    let partial_start = match typed.open_string {
        Some(quote) => quote,
        None => {
            offset - (prefix.len() - prefix.trim_end_matches(|c: char| c.is_ascii() && is_word_byte(c as u8)).len())
        }
    };
    let partial = Span::new(partial_start, offset);
    // The statement typed so far: the tokens after the last brace, before the partial.
    let tokens: Vec<(Token, usize, bool)> = typed.tokens.into_iter().filter(|(_, at, _)| *at < partial_start).collect();
    let from =
        tokens.iter().rposition(|(token, _, _)| matches!(token, Token::Open | Token::Close)).map_or(0, |i| i + 1);
    let words: Vec<Token> = tokens[from..].iter().map(|(token, _, _)| *token).collect();
    let (block, start, end) = enclosing_block(checked, text, partial_start);
    let item =
        |label: &str, insert_text: String, kind, detail: Option<String>, documentation: Option<String>| Completion {
            label: label.to_owned(),
            kind,
            detail,
            documentation,
            insert_text,
            is_snippet: false,
            replace: partial,
        };
    let flow = &checked.flow;
    let word = |index: usize| match words.get(index) {
        Some(Token::Word(word)) => *word,
        _ => "",
    };
    let values = |key: &'static Key, kind| -> Vec<Completion> {
        key.values()
            .into_iter()
            .map(|(value, meaning)| {
                item(value, value.to_owned(), kind, Some(meaning.to_owned()), value_page(key, value))
            })
            .collect()
    };
    let lookup = |object, name| keys::lookup(object, name).expect("the key is in the catalogue");
    let names: Vec<&str> = (0..words.len()).map(word).collect();
    // The enumerated or boolean key whose value follows these words in a statement of the block.
    let enumerated = |form: Form, written: &[&str]| {
        let rows = dsl_statements::STATEMENTS
            .iter()
            .filter(|r| r.form == form && (form == Form::Predicate || r.block == block));
        rows.filter(|row| row.leading_words().eq(written.iter().copied()) && row.takes_value_next())
            .map(|row| row.catalogue_key())
            .find(|key| !key.values().is_empty())
    };
    let value_items = match (block, names.as_slice()) {
        (_, ["redirect", "to"]) => Some(
            flow.connectors
                .iter()
                .filter(|connector| connector.name.is_some())
                .map(|connector| {
                    let name = connector.name();
                    item(
                        name,
                        quote(name),
                        CompletionKind::Connector,
                        Some(connector_detail(connector)),
                        Some(connector_page(flow, connector)),
                    )
                })
                .collect(),
        ),
        (_, ["if" | "except" | "set", "header"]) | (Block::Service, ["processed-header"]) => Some(
            used_headers(flow)
                .into_iter()
                .map(|(name, place)| item(&name, quote(&name), CompletionKind::Header, Some(place), None))
                .collect(),
        ),
        _ if typed.open_string.is_some() => return Vec::new(),
        (_, ["if" | "except", predicate @ ..]) if enumerated(Form::Predicate, predicate).is_some() => {
            enumerated(Form::Predicate, predicate).map(|key| values(key, CompletionKind::Value))
        }
        (Block::Connector, ["service"]) => {
            let mut items = values(lookup(Object::Service, "kind"), CompletionKind::Value);
            items.extend(values(lookup(Object::Service, "vendor"), CompletionKind::Vendor));
            Some(items)
        }
        (Block::Connector, ["service", "signature" | "smart-host"]) => {
            Some(values(lookup(Object::Service, "vendor"), CompletionKind::Vendor))
        }
        (_, setting) => enumerated(Form::Setting, setting).map(|key| values(key, CompletionKind::Value)),
    };
    if let Some(items) = value_items {
        return items;
    }
    if typed.open_string.is_some() {
        return Vec::new();
    }
    // A statement, or the rest of one half typed.
    let all = statements(block, flow);
    let present = written(text, start, end, (line_start, line_end), &all);
    let typed_partial = &text[partial.range()];
    // Lines after the first are inserted as they are: they take the cursor line's indentation,
    // and end with the file's line break.
    let line = &text[line_start..offset];
    let indent = &line[..line.len() - line.trim_start().len()];
    let newline = newline_of(text);
    let mut items: Vec<Completion> = all
        .iter()
        .filter(|statement| !(statement.single && present.contains(&statement.id)))
        .filter_map(|statement| {
            let parts: Vec<&str> = statement.template.split(' ').collect();
            let labels: Vec<&str> = statement.label.split(' ').collect();
            let next = *parts.get(words.len())?;
            if !matches(&words, &parts) || next.starts_with(['$', '"']) || !next.starts_with(typed_partial) {
                return None;
            }
            let label = labels.get(words.len()..).map(|rest| rest.join(" ")).filter(|rest| !rest.is_empty())?;
            let key = statement.key;
            let mut documentation = format!("**`{}`** (YAML `{}`)\n\n{}", statement.label, key.name, key.doc);
            if let Some(default) = key.default {
                documentation.push_str(&format!("\n\n**Default:** {default}"));
            }
            Some(Completion {
                label,
                kind: CompletionKind::Key,
                detail: key.powershell.map(str::to_owned),
                documentation: Some(documentation),
                insert_text: parts[words.len()..].join(" ").replace('\n', &format!("{newline}{indent}")),
                is_snippet: true,
                replace: partial,
            })
        })
        .collect();
    if block == Block::Root && words.is_empty() {
        items.extend(snippets(flow, partial, newline));
    }
    items
}

/// The new connector, new rule and anti-loop smart host rule snippets, at the top level.
fn snippets(flow: &MailFlow, replace: Span, newline: &str) -> Vec<Completion> {
    let catalogue = |object: Object, name: &str| keys::lookup(object, name).expect("the key is in the catalogue");
    let snippet = |label: &str, detail: &str, documentation: Option<String>, lines: Vec<String>| Completion {
        label: label.to_owned(),
        kind: CompletionKind::Snippet,
        detail: Some(detail.to_owned()),
        documentation,
        insert_text: lines.join(newline),
        is_snippet: true,
        replace,
    };
    let placeholder = |tabstop: usize, value: &str| format!("${{{tabstop}:{}}}", escape(&quote(value)));
    let connector = flow.connectors.iter().find_map(|c| c.name.as_ref()).map_or("Connector name", |n| &n.value);
    let new_connector = snippet(
        "New connector",
        "an outbound connector and the service behind it",
        None,
        vec![
            "connector \"${1:Connector name}\" {".to_owned(),
            format!("  type {}", choice(2, catalogue(Object::Connector, "type"))),
            format!("  use {}", choice(3, catalogue(Object::Connector, "use"))),
            "  smart-hosts \"${4:smtp.example.com}\"".to_owned(),
            format!(
                "  service {} {}",
                choice(5, catalogue(Object::Service, "kind")),
                choice(6, catalogue(Object::Service, "vendor"))
            ),
            "}".to_owned(),
        ],
    );
    let new_rule = snippet(
        "New transport rule",
        "a rule that redirects mail to a connector",
        None,
        vec![
            format!("rule \"${{1:Rule name}}\" priority ${{2:{}}} {{", next_priority(flow)),
            format!("  if sender is {}", choice(3, catalogue(Object::Predicates, "senderIs"))),
            format!("  redirect to {}", placeholder(4, connector)),
            "}".to_owned(),
        ],
    );
    let anti_loop = AntiLoop::of(flow);
    let header = escape(&quote(&anti_loop.header));
    let mut lines = vec![
        format!("rule {} priority ${{2:{}}} {{", placeholder(1, &anti_loop.connector), anti_loop.priority),
        "  enabled true".to_owned(),
        "  if sender is inside".to_owned(),
        "  if recipient is outside".to_owned(),
    ];
    if !anti_loop.domains.is_empty() {
        let domains: Vec<String> = anti_loop.domains.iter().map(|domain| escape(&quote(domain))).collect();
        lines.push(format!("  if recipient domain is {}", domains.join(" ")));
    }
    lines.extend([
        format!("  except header {header} contains \"true\""),
        format!("  set header {header} to \"true\""),
        format!("  redirect to {}", placeholder(3, &anti_loop.connector)),
        "  defer on error".to_owned(),
        "}".to_owned(),
    ]);
    let anti_loop = snippet(
        "Anti-loop smart host rule",
        "a rule that sends inside-to-outside mail through a smart host once",
        Some(format!("{ANTI_LOOP_PAGE}\n\n{}", guide_citation(GUIDE_CREATING))),
        lines,
    );
    vec![new_connector, new_rule, anti_loop]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Syntax;
    use crate::ide::tests::{completions, listed, snippet};

    const HEAD: &str = r#"mailflow 1
organization { domains "contoso.com" }
connector "CodeTwo Email Signatures 365 connector" {
  type on-premises
  use transport-rule
  service signature codetwo
}
connector "Mimecast outbound" {
  recipient-domains "fabrikam.com" "*.litware.com"
  service smart-host mimecast
}
rule "CodeTwo Exchange transport rule" priority 0 {
  except header "X-CodeTwoProcessed" contains "true"
  redirect to "CodeTwo Email Signatures 365 connector"
  stop processing
}
"#;

    #[test]
    fn statements_a_rule_can_still_take() {
        let listed = listed(
            &format!(
                "{HEAD}rule \"R\" priority 1 {{\n  if sender is inside\n  $0\n  defer on error\n  mode audit\n}}\n"
            ),
            Syntax::Dsl,
        );
        insta::assert_snapshot!(listed, @r#"
        Key enabled [] enabled ${1|false,true|}
        Key disabled [] disabled
        Key if recipient is [] if recipient is ${1|inside,outside,external-partner,external-non-partner|}
        Key if sender domain is [] if sender domain is "$1"
        Key if recipient domain is [] if recipient domain is "$1"
        Key if recipient address matches [] if recipient address matches "$1"
        Key if header "…" contains [] if header "${1:X-Name}" contains "$2"
        Key if header "…" matches [] if header "${1:X-Name}" matches "$2"
        Key if message type is [] if message type is ${1|oof,auto-forward,encrypted,calendaring,permission-controlled,voicemail,signed,approval-request,read-receipt|}
        Key if sender is member of [] if sender is member of "$1"
        Key if from [] if from "$1"
        Key if sender address matches [] if sender address matches "$1"
        Key if message size over [] if message size over "${1:25MB}"
        Key if other [] if other "${1:Name}" $2
        Key except sender is [] except sender is ${1|inside,outside|}
        Key except recipient is [] except recipient is ${1|inside,outside,external-partner,external-non-partner|}
        Key except sender domain is [] except sender domain is "$1"
        Key except recipient domain is [] except recipient domain is "$1"
        Key except recipient address matches [] except recipient address matches "$1"
        Key except header "…" contains [] except header "${1:X-Name}" contains "$2"
        Key except header "…" matches [] except header "${1:X-Name}" matches "$2"
        Key except message type is [] except message type is ${1|oof,auto-forward,encrypted,calendaring,permission-controlled,voicemail,signed,approval-request,read-receipt|}
        Key except sender is member of [] except sender is member of "$1"
        Key except from [] except from "$1"
        Key except sender address matches [] except sender address matches "$1"
        Key except message size over [] except message size over "${1:25MB}"
        Key except other [] except other "${1:Name}" $2
        Key set header "…" to "…" [] set header "${1:X-Name}" to "${2:true}"
        Key redirect to "…" [] redirect to "$1"
        Key remove header [] remove header "${1:X-Name}"
        Key do other [] do other "${1:Name}" $2
        Key stop processing [] stop processing
        Key comments [] comments "$1"
        "#);
    }

    #[test]
    fn statements_carry_the_yaml_keys_documentation() {
        let (text, items) = completions(&format!("{HEAD}connector \"X\" {{\n  smart$0\n}}\n"), Syntax::Dsl);
        assert_eq!(items.len(), 1);
        let item = &items[0];
        assert_eq!(item.label, "smart-hosts");
        assert_eq!(&text[item.replace.range()], "smart");
        let smart_hosts = keys::lookup(Object::Connector, "smartHosts").unwrap();
        assert!(item.documentation.as_deref().unwrap().contains(smart_hosts.doc));
    }

    #[test]
    fn a_half_typed_line_continues_its_statement() {
        // The rule is not closed and its line does not parse.
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  except recip$0"), Syntax::Dsl), @r#"
        Key recipient is [recip] recipient is ${1|inside,outside,external-partner,external-non-partner|}
        Key recipient domain is [recip] recipient domain is "$1"
        Key recipient address matches [recip] recipient address matches "$1"
        "#);
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  if recipient is ou$0\n"), Syntax::Dsl), @"
        Value inside [ou] inside
        Value outside [ou] outside
        Value external-partner [ou] external-partner
        Value external-non-partner [ou] external-non-partner
        ");
    }

    #[test]
    fn enumerated_words() {
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  mode $0\n}}\n"), Syntax::Dsl), @"
        Value enforce [] enforce
        Value audit [] audit
        Value audit-and-notify [] audit-and-notify
        ");
        insta::assert_snapshot!(listed(&format!("{HEAD}connector \"X\" {{\n  type $0\n}}\n"), Syntax::Dsl), @"
        Value partner [] partner
        Value on-premises [] on-premises
        ");
        insta::assert_snapshot!(listed(&format!("{HEAD}connector \"X\" {{\n  service $0\n}}\n"), Syntax::Dsl), @"
        Value signature [] signature
        Value smart-host [] smart-host
        Vendor codetwo [] codetwo
        Vendor exclaimer [] exclaimer
        Vendor mimecast [] mimecast
        Vendor proofpoint [] proofpoint
        Vendor barracuda [] barracuda
        Vendor reflexion [] reflexion
        Vendor symantec [] symantec
        Vendor other [] other
        ");
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  except message type is s$0\n}}\n"), Syntax::Dsl), @"
        Value oof [s] oof
        Value auto-forward [s] auto-forward
        Value encrypted [s] encrypted
        Value calendaring [s] calendaring
        Value permission-controlled [s] permission-controlled
        Value voicemail [s] voicemail
        Value signed [s] signed
        Value approval-request [s] approval-request
        Value read-receipt [s] read-receipt
        ");
    }

    #[test]
    fn connectors_and_headers_as_strings() {
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  redirect to $0\n}}\n"), Syntax::Dsl), @r#"
        Connector CodeTwo Email Signatures 365 connector [] "CodeTwo Email Signatures 365 connector"
        Connector Mimecast outbound [] "Mimecast outbound"
        "#);
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  set header \"X-$0\n}}\n"), Syntax::Dsl), @r#"Header X-CodeTwoProcessed ["X-] "X-CodeTwoProcessed""#);
    }

    #[test]
    fn top_level_statements_and_snippets() {
        insta::assert_snapshot!(listed(&format!("{HEAD}$0\n"), Syntax::Dsl), @r#"
        Key connector "…" [] connector "${1:Name}" {⏎  $0⏎}
        Key rule "…" priority [] rule "${1:Name}" priority ${2:1} {⏎  $0⏎}
        Snippet New connector []
        Snippet New transport rule []
        Snippet Anti-loop smart host rule []
        "#);
        insta::assert_snapshot!(snippet(&format!("{HEAD}$0\n"), Syntax::Dsl, "New connector"), @r#"
        connector "${1:Connector name}" {
          type ${2|on-premises,partner|}
          use ${3|transport-rule,recipient-domains|}
          smart-hosts "${4:smtp.example.com}"
          service ${5|signature,smart-host|} ${6|codetwo,exclaimer,mimecast,proofpoint,barracuda,reflexion,symantec,other|}
        }
        "#);
        insta::assert_snapshot!(snippet(&format!("{HEAD}$0\n"), Syntax::Dsl, "New transport rule"), @r#"
        rule "${1:Rule name}" priority ${2:1} {
          if sender is ${3|inside,outside|}
          redirect to ${4:"CodeTwo Email Signatures 365 connector"}
        }
        "#);
        insta::assert_snapshot!(snippet(&format!("{HEAD}$0\n"), Syntax::Dsl, "Anti-loop smart host rule"), @r#"
        rule ${1:"Mimecast outbound"} priority ${2:1} {
          enabled true
          if sender is inside
          if recipient is outside
          if recipient domain is "fabrikam.com" "litware.com"
          except header "X-AntiLoop-Smarthost" contains "true"
          set header "X-AntiLoop-Smarthost" to "true"
          redirect to ${3:"Mimecast outbound"}
          defer on error
        }
        "#);
    }

    #[test]
    fn the_rest_of_a_top_level_item() {
        insta::assert_snapshot!(listed(&format!("{HEAD}rule \"R\" pri$0\n"), Syntax::Dsl), @"Key priority [pri] priority ${2:1} {⏎  $0⏎}");
    }

    #[test]
    fn organization_service_and_nothing_in_comments() {
        insta::assert_snapshot!(listed("mailflow 1\norganization {\n  domains \"a.com\"\n  $0\n}\n", Syntax::Dsl), @r#"Key on-premises [] on-premises {⏎    relays-through "$1"⏎  }"#);
        insta::assert_snapshot!(listed("mailflow 1\nconnector \"X\" {\n  service codetwo {\n    domain \"x\"\n    $0\n  }\n}\n", Syntax::Dsl), @r#"
        Key processed-header [] processed-header "${1:X-Name}" "${2:true}"
        Key returns-to-exchange [] returns-to-exchange ${1|true,false|}
        Key relay-domains [] relay-domains "$1"
        "#);
        assert_eq!(listed(&format!("{HEAD}rule \"R\" priority 1 {{\n  # redirect to $0\n}}\n"), Syntax::Dsl), "");
    }

    /// The items offered at `$0` in `input`, each with the text it replaces and the text it
    /// inserts, that text's line breaks (of any kind) shown as `⏎`.
    fn offered(input: &str) -> Vec<String> {
        let (text, items) = completions(input, Syntax::Dsl);
        items
            .iter()
            .map(|item| {
                let inserted = item.insert_text.replace("\r\n", "⏎").replace(['\r', '\n'], "⏎");
                format!("{:?} {} [{}] {inserted}", item.kind, item.label, &text[item.replace.range()])
            })
            .collect()
    }

    /// Issue 14, item 4: completion read the cursor's line up to the last LF, so in a file of
    /// lone CRs it read the whole file before the cursor as the statement being typed.
    #[test]
    fn crlf_and_lone_cr_files_complete_as_their_lf_twins() {
        let inputs = [
            format!(
                "{HEAD}rule \"R\" priority 1 {{\n  if sender is inside\n  $0\n  defer on error\n  mode audit\n}}\n"
            ),
            format!("{HEAD}rule \"R\" priority 1 {{\n  except recip$0"),
            format!("{HEAD}rule \"R\" priority 1 {{\n  if recipient is ou$0\n"),
            format!("{HEAD}rule \"R\" priority 1 {{\n  mode $0\n}}\n"),
            format!("{HEAD}rule \"R\" priority 1 {{\n  set header \"X-$0\n}}\n"),
            format!("{HEAD}rule \"R\" priority 1 {{ # a comment\n  redirect to $0\n}}\n"),
            format!("{HEAD}rule \"R\" priority 1 {{ # a comment\n  stop processing\n  # redirect to $0\n}}\n"),
            format!("{HEAD}$0\n"),
            "mailflow 1\norganization {\n  domains \"a.com\"\n  $0\n}\n".to_owned(),
            "mailflow 1\nconnector \"X\" {\n  service codetwo {\n    domain \"x\"\n    $0\n  }\n}\n".to_owned(),
        ];
        for lf in &inputs {
            let expected = offered(lf);
            for newline in ["\r\n", "\r"] {
                assert_eq!(offered(&lf.replace('\n', newline)), expected, "{newline:?}: {lf}");
            }
        }
        // What is inserted ends its lines as the file does.
        let cr = "mailflow 1\rorganization {\r  domains \"a.com\"\r  $0\r}\r";
        let (_, items) = completions(cr, Syntax::Dsl);
        assert_eq!(items[0].insert_text, "on-premises {\r    relays-through \"$1\"\r  }");
        assert_eq!(
            snippet(&format!("{HEAD}$0\n").replace('\n', "\r\n"), Syntax::Dsl, "New transport rule")
                .matches("\r\n")
                .count(),
            3
        );
    }
}
