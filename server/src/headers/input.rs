//! Finding the header block in what was pasted or saved, and reading it with `mail-parser`
//! (RFC 5322 unfolding, RFC 2047 encoded words, dates). The `Received:` fields are kept as
//! their raw text, unfolded, for `received.rs`.

use mail_parser::{HeaderValue, MessageParser};

use super::NotHeaders;
use crate::text::Span;

/// One `Received:` field: its place in the whole text and its value, unfolded.
pub struct Field {
    pub span: Span,
    pub value: String,
}

/// What the rest of the analysis reads from the block.
pub struct Block {
    /// Top to bottom, as written.
    pub received: Vec<Field>,
    /// Every field's name, in order.
    pub names: Vec<String>,
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
}

/// Where the headers start: after an NDR's "Original message headers:" (Exchange's wording)
/// or a `text/rfc822-headers` part when the text has one, else at the first line that
/// looks like a header field.
fn block_start(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    for marker in ["original message headers:", "content-type: text/rfc822-headers"] {
        if let Some(at) = lower.find(marker) {
            let after = at + marker.len();
            // Skip the rest of the marker's line and the part's own headers up to a blank line.
            let mut start = text[after..].find('\n').map_or(text.len(), |n| after + n + 1);
            if marker.starts_with("content-type") {
                start = blank_line_after(text, start).unwrap_or(start);
            }
            return skip_blank_lines(text, start);
        }
    }
    skip_blank_lines(text, 0)
}

fn skip_blank_lines(text: &str, mut at: usize) -> usize {
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        if !text[at..end].trim().is_empty() {
            break;
        }
        at = end;
    }
    at
}

fn blank_line_after(text: &str, mut at: usize) -> Option<usize> {
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        if text[at..end].trim().is_empty() {
            return Some(end);
        }
        at = end;
    }
    None
}

/// A folded value on one line, its line breaks and the white space after them one space.
fn unfolded(raw: &str) -> String {
    raw.split(['\r', '\n']).map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

fn first_address(value: &HeaderValue) -> Option<String> {
    match value {
        HeaderValue::Address(address) => {
            address.iter().find_map(|a| a.address().map(|s| s.trim().to_owned())).filter(|a| a.contains('@'))
        }
        _ => None,
    }
}

pub fn read(text: &str) -> Result<Block, NotHeaders> {
    if text.contains('\0') {
        return Err(NotHeaders("the input is binary (it holds NUL bytes), not a message's headers".into()));
    }
    let start = block_start(text);
    let block = &text[start..];
    let parsed = MessageParser::new().parse_headers(block.as_bytes()).ok_or_else(|| {
        NotHeaders(
            "no header fields found: give a message's headers with their `Received:` lines, an .eml file or an NDR"
                .into(),
        )
    })?;
    let mut out = Block { received: Vec::new(), names: Vec::new(), sender: None, recipient: None, subject: None };
    for header in parsed.headers() {
        let name = header.name().to_owned();
        let (from, to) = (header.offset_start() as usize, header.offset_end() as usize);
        if name.eq_ignore_ascii_case("received") {
            if let Some(raw) = block.get(from..to) {
                let field_start = header.offset_field() as usize;
                out.received.push(Field { span: Span::new(start + field_start, start + to), value: unfolded(raw) });
            }
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "from" if out.sender.is_none() => out.sender = first_address(header.value()),
            "to" if out.recipient.is_none() => out.recipient = first_address(header.value()),
            "subject" if out.subject.is_none() => out.subject = header.value().as_text().map(str::to_owned),
            _ => {}
        }
        out.names.push(name);
    }
    if out.received.is_empty() {
        return Err(NotHeaders(
            "no `Received:` field found: copy the whole header block (Outlook: File > Properties > Internet \
             headers), not only its first lines"
                .into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_encoded_fields_are_read() {
        let text = "Received: from a.example.org\r\n\tby b.example.org with ESMTP;\r\n Tue, 1 Jul 2025 10:00:00 +0000\r\n\
                    Subject: =?utf-8?q?Caf=C3=A9?=\r\nFrom: =?utf-8?b?w6lsw6hu?= <a@contoso.com>\r\nTo: b@fabrikam.com\r\n\r\nbody";
        let block = read(text).unwrap();
        assert_eq!(block.received.len(), 1);
        assert_eq!(
            block.received[0].value,
            "from a.example.org by b.example.org with ESMTP; Tue, 1 Jul 2025 10:00:00 +0000"
        );
        assert!(text[block.received[0].span.range()].starts_with("Received:"));
        assert_eq!(block.subject.as_deref(), Some("Café"));
        assert_eq!(block.sender.as_deref(), Some("a@contoso.com"));
        assert_eq!(block.recipient.as_deref(), Some("b@fabrikam.com"));
    }

    #[test]
    fn an_ndr_is_read_from_its_quoted_headers() {
        let text = "Received: from ndr.example\nSubject: Undeliverable\n\nDelivery has failed.\n\nOriginal message headers:\n\n\
                    Received: from x.example by y.example; Tue, 1 Jul 2025 10:00:00 +0000\nTo: b@fabrikam.com\n";
        let block = read(text).unwrap();
        assert_eq!(block.received[0].value, "from x.example by y.example; Tue, 1 Jul 2025 10:00:00 +0000");
    }

    #[test]
    fn text_without_received_fields_is_refused() {
        assert!(read("Subject: hi\n\n").is_err());
        assert!(read("").is_err());
        assert!(read("\0\u{1}binary").is_err());
    }
}
