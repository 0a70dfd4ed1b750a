//! One `Received:` field read leniently. RFC 5321 (section 4.4) and RFC 5322 (section 3.6.7)
//! give the shape `from A by B via C with D id E for F ; date`, every clause optional but
//! the date; real servers add comments anywhere (`(HELO x)`, `(using TLSv1.2 with cipher
//! …)`, `(qmail 123 invoked by uid 89)`), leave out `from`, write only a comment, put a
//! queue id or an IP literal where a host should be, and stamp local time with a zone
//! comment (`+0100 (CET)`). Nothing here fails: what cannot be read is `None`.

use mail_parser::DateTime;

/// What one `Received:` field says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clauses {
    pub from: Option<String>,
    pub by: Option<String>,
    /// The words of `with` (`Microsoft SMTP Server`, `ESMTPS`, `mapi`, `HTTPS`).
    pub with: Option<String>,
    /// The words of `via` (Exchange writes `via Frontend Transport`).
    pub via: Option<String>,
    pub id: Option<String>,
    pub for_: Option<String>,
    /// The time stamp after the last `;`, when it reads as a date.
    pub time: Option<Stamp>,
    /// No clause at all, only comments (qmail and some gateways write such lines).
    pub comment_only: bool,
    /// The comments, in order, for recognising a product by its words.
    pub comments: Vec<String>,
}

/// A hop's time stamp as written (its own zone kept) and as an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// RFC 3339, in the zone the server wrote.
    pub rfc3339: String,
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Whether the server wrote a zone other than UTC.
    pub local: bool,
}

enum Token {
    Word(String),
    Comment(String),
}

/// Splits `text` into words and comments (nested parentheses, backslash escapes); quoted
/// strings and `[…]` literals stay inside one word.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                if !word.is_empty() {
                    out.push(Token::Word(std::mem::take(&mut word)));
                }
                let mut depth = 1;
                let mut comment = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => comment.extend(chars.next()),
                        '(' => {
                            depth += 1;
                            comment.push(c);
                        }
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            comment.push(c);
                        }
                        _ => comment.push(c),
                    }
                }
                out.push(Token::Comment(comment));
            }
            '"' => {
                word.push(c);
                while let Some(c) = chars.next() {
                    word.push(c);
                    match c {
                        '\\' => word.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '[' => {
                word.push(c);
                for c in chars.by_ref() {
                    word.push(c);
                    if c == ']' {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(Token::Word(std::mem::take(&mut word)));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(Token::Word(word));
    }
    out
}

/// The byte offset of the `;` that starts the date: the last one outside comments.
fn date_separator(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut last = None;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => last = Some(at),
            _ => {}
        }
    }
    last
}

const KEYWORDS: &[&str] = &["from", "by", "via", "with", "id", "for"];

/// Reads a date as RFC 5322 writes it, its comments (`(CET)`) left out.
pub fn read_date(text: &str) -> Option<Stamp> {
    let plain: String = tokens(text)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w),
            Token::Comment(_) => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    let date = DateTime::parse_rfc822(&plain)?;
    date.is_valid().then(|| Stamp {
        rfc3339: date.to_rfc3339(),
        unix: date.to_timestamp(),
        local: date.tz_hour != 0 || date.tz_minute != 0,
    })
}

/// Reads one unfolded `Received:` value.
pub fn parse(value: &str) -> Clauses {
    let (clauses, date) = match date_separator(value) {
        Some(at) => (&value[..at], Some(&value[at + 1..])),
        None => (value, None),
    };
    let mut out = Clauses { time: date.and_then(read_date), ..Clauses::default() };
    let mut current: Option<&str> = None;
    let mut words: Vec<String> = Vec::new();
    let mut any_clause = false;
    let finish = |keyword: Option<&str>, words: &mut Vec<String>, out: &mut Clauses| {
        let Some(keyword) = keyword else {
            words.clear();
            return;
        };
        let first = words.first().cloned();
        let all = (!words.is_empty()).then(|| words.join(" "));
        match keyword {
            "from" => out.from = out.from.take().or(first),
            "by" => out.by = out.by.take().or(first),
            "with" => out.with = out.with.take().or(all),
            "via" => out.via = out.via.take().or(all),
            "id" => out.id = out.id.take().or(first),
            _ => out.for_ = out.for_.take().or(first.map(|f| f.trim_matches(|c| c == '<' || c == '>').to_owned())),
        }
        words.clear();
    };
    for token in tokens(clauses) {
        match token {
            Token::Comment(comment) => out.comments.push(comment),
            Token::Word(word) => {
                let lower = word.to_ascii_lowercase();
                if let Some(keyword) = KEYWORDS.iter().find(|k| **k == lower) {
                    finish(current, &mut words, &mut out);
                    current = Some(keyword);
                    any_clause = true;
                } else {
                    words.push(word);
                }
            }
        }
    }
    finish(current, &mut words, &mut out);
    out.comment_only = !any_clause && !out.comments.is_empty();
    out
}

/// The host a clause names, lower case, without a trailing dot; `None` for an IP literal
/// or a word that is no domain name (a queue id, `localhost`, `unknown`).
pub fn host_name(word: &str) -> Option<String> {
    let host = word.trim_end_matches('.').to_ascii_lowercase();
    let plausible = host.contains('.')
        && !host.starts_with('[')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && host.chars().any(|c| c.is_ascii_alphabetic())
        && !host.split('.').next_back().is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()));
    plausible.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exchange_online_line_is_read_with_its_comments_left_out() {
        let line = "from AM0PR01CA0001.eurprd01.prod.outlook.com (2603:10a6:208:1::11) by \
                    DB9PR01MB0002.eurprd01.prod.outlook.com (2603:10a6:10:2::12) with Microsoft SMTP Server \
                    (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7452.28; \
                    Tue, 1 Jul 2025 10:00:01 +0000";
        let read = parse(line);
        assert_eq!(read.from.as_deref(), Some("AM0PR01CA0001.eurprd01.prod.outlook.com"));
        assert_eq!(read.by.as_deref(), Some("DB9PR01MB0002.eurprd01.prod.outlook.com"));
        assert_eq!(read.with.as_deref(), Some("Microsoft SMTP Server"));
        assert_eq!(read.id.as_deref(), Some("15.20.7452.28"));
        assert_eq!(read.time.as_ref().map(|t| t.rfc3339.as_str()), Some("2025-07-01T10:00:01Z"));
    }

    #[test]
    fn odd_lines_give_what_they_have() {
        let qmail = parse("(qmail 4242 invoked by uid 89); 1 Jul 2025 10:00:00 -0000");
        assert!(qmail.comment_only);
        assert_eq!((qmail.from, qmail.by), (None, None));
        assert!(qmail.time.is_some());
        let fromless =
            parse("by mail.example.net (Postfix, from userid 1000) id 4Xy1; Tue, 1 Jul 2025 12:00:00 +0200 (CEST)");
        assert_eq!(fromless.from, None);
        assert_eq!(fromless.by.as_deref(), Some("mail.example.net"));
        let stamp = fromless.time.unwrap();
        assert_eq!((stamp.rfc3339.as_str(), stamp.local), ("2025-07-01T12:00:00+02:00", true));
        let with_in_comment = parse("from a.example.org (using TLSv1.2 with cipher X) by b.example.org; junk");
        assert_eq!(with_in_comment.with, None);
        assert_eq!(with_in_comment.time, None);
        assert!(!parse("").comment_only);
        assert!(parse("(unterminated ( comment").comment_only);
    }

    #[test]
    fn only_domain_names_are_hosts() {
        assert_eq!(host_name("Mail.Example.NET."), Some("mail.example.net".into()));
        for word in ["[192.0.2.1]", "192.0.2.1", "localhost", "4Xy1abc", "[IPv6:::ffff:192.0.2.1]"] {
            assert_eq!(host_name(word), None, "{word}");
        }
    }
}
