//! What `Get-TransportRule`, `Get-OutboundConnector` and `Get-AcceptedDomain` piped to
//! `ConvertTo-Json` write, read as it really comes: one object or an array of them, `[null]`
//! or nothing for an empty result, a byte order mark from Windows PowerShell, UTF-16 from a
//! `>` redirection, REST annotations (`@odata.type`) and a REST `value` wrapper. Each
//! object's kind is told by its properties, not by the file's name.

use super::{Kind, Origin, Problem, TenantObject, Value};

/// `bytes` as text, decoded by their byte order mark (UTF-8, UTF-16LE or UTF-16BE), or as
/// UTF-16LE when they have none but look like it (every other byte zero, as `>` writes ASCII
/// text in Windows PowerShell 5.1), or as UTF-8.
pub fn decode(bytes: &[u8], file: &str) -> Result<String, Problem> {
    let utf16 = |body: &[u8], little: bool| {
        if !body.len().is_multiple_of(2) {
            return Err(Problem::in_file(file, "UTF-16 text with an odd number of bytes: the file is cut short"));
        }
        let units = body.chunks_exact(2).map(|pair| {
            if little {
                u16::from_le_bytes([pair[0], pair[1]])
            } else {
                u16::from_be_bytes([pair[0], pair[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| Problem::in_file(file, "not valid UTF-16 text (an unpaired surrogate)"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, file),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [first, 0, ..]
            if *first != 0 && bytes.len().is_multiple_of(2) && bytes.iter().skip(1).step_by(2).all(|b| *b == 0) =>
        {
            utf16(bytes, true)
        }
        _ => utf8(bytes, file),
    }
}

fn utf8(bytes: &[u8], file: &str) -> Result<String, Problem> {
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        Problem::in_file(
            file,
            format!("not UTF-8 or UTF-16 text (invalid byte at offset {})", error.utf8_error().valid_up_to()),
        )
    })
}

/// Whether `text` looks like JSON (what a `ConvertTo-Json` export starts with).
pub fn looks_like_json(text: &str) -> bool {
    let start = text.trim_start();
    start.starts_with('[') || start.starts_with('{') || start == "null"
}

/// The objects of a JSON export, each recognised by its properties.
pub fn read(text: &str, file: &str) -> Result<Vec<TenantObject>, Problem> {
    if text.trim().is_empty() {
        // `Get-TransportRule | ConvertTo-Json` writes nothing when there is no rule.
        return Ok(Vec::new());
    }
    let json: serde_json::Value = serde_json::from_str(text).map_err(|error| {
        let what = if error.is_eof() {
            "the JSON ends in the middle of a value: the file is cut short (copied or saved before the export finished?)"
                .to_owned()
        } else {
            format!("not valid JSON: {error}")
        };
        Problem::in_file(&format!("{file}:{}:{}", error.line(), error.column()), what)
    })?;
    let items = match json {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(items) => items,
        // Exchange's REST API wraps a result in `{"value": [...]}`.
        serde_json::Value::Object(map)
            if map.get("value").is_some_and(|v| v.is_array())
                && map.keys().all(|k| k == "value" || k.starts_with('@')) =>
        {
            match map.into_iter().find(|(k, _)| k == "value") {
                Some((_, serde_json::Value::Array(items))) => items,
                _ => Vec::new(),
            }
        }
        object @ serde_json::Value::Object(_) => vec![object],
        other => {
            return Err(Problem::in_file(
                file,
                format!("expected the objects of an export (an array or one object), found {}", json_kind(&other)),
            ))
        }
    };
    let mut objects = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let number = index + 1;
        let properties = match item {
            // `[null]` is how an empty result is written when piped from a variable.
            serde_json::Value::Null => continue,
            // REST annotations describe the object (`@odata.type`) or one property's type
            // (`Priority@data.type`: `System.Int32`), never a value; no PowerShell property
            // name has an `@`.
            serde_json::Value::Object(map) => map
                .into_iter()
                .filter(|(name, _)| !name.contains('@'))
                .map(|(name, value)| (name, value_of(value)))
                .collect::<Vec<_>>(),
            other => {
                return Err(Problem::in_file(
                    file,
                    format!("object {number} is {}, not an object of properties", json_kind(&other)),
                ))
            }
        };
        let kind = kind_of(&properties).ok_or_else(|| {
            let names: Vec<&str> = properties.iter().map(|(name, _)| name.as_str()).take(6).collect();
            Problem::in_file(
                file,
                format!(
                    "object {number} is not a transport rule, an outbound connector or an accepted domain as \
                     Get-TransportRule, Get-OutboundConnector and Get-AcceptedDomain export them (its properties: \
                     {}{})",
                    names.join(", "),
                    if properties.len() > names.len() { ", ..." } else { "" }
                ),
            )
        })?;
        objects.push(TenantObject {
            kind,
            properties,
            origin: Origin { file: file.to_owned(), number },
            absent: false,
        });
    }
    Ok(objects)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn value_of(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(flag) => Value::Bool(flag),
        serde_json::Value::Number(number) => {
            number.as_i64().map_or_else(|| Value::Text(number.to_string()), Value::Integer)
        }
        serde_json::Value::String(text) => Value::Text(text),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(value_of).collect()),
        serde_json::Value::Object(map) => {
            Value::Map(map.into_iter().map(|(name, value)| (name, value_of(value))).collect())
        }
    }
}

/// The kind of object these properties describe: an accepted domain has a `DomainName` and
/// a `DomainType`; a transport rule a `Priority` and rule settings; an outbound connector
/// its routing settings.
pub fn kind_of(properties: &[(String, Value)]) -> Option<Kind> {
    let has = |name: &str| properties.iter().any(|(property, _)| property.eq_ignore_ascii_case(name));
    if has("DomainName") && has("DomainType") {
        return Some(Kind::AcceptedDomain);
    }
    let rule = ["State", "Mode", "RuleErrorAction", "StopRuleProcessing", "RuleVersion", "FromScope", "SentToScope"];
    if has("Priority") && rule.iter().any(|name| has(name)) {
        return Some(Kind::TransportRule);
    }
    let connector = ["SmartHosts", "ConnectorType", "IsTransportRuleScoped", "UseMXRecord", "RecipientDomains"];
    if has("Name") && connector.iter().filter(|name| has(name)).count() >= 2 {
        return Some(Kind::OutboundConnector);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_by_byte_order_mark() {
        assert_eq!(decode(b"\xEF\xBB\xBF[1]", "f").unwrap(), "[1]");
        assert_eq!(decode(b"\xFF\xFE[\x001\x00]\x00", "f").unwrap(), "[1]");
        assert_eq!(decode(b"\xFE\xFF\x00[\x001\x00]", "f").unwrap(), "[1]");
        assert_eq!(decode(b"[\x001\x00]\x00", "f").unwrap(), "[1]");
        assert!(decode(b"\xFF\xFE[\x00]", "f").is_err());
        assert!(decode(b"\xC3(", "f").is_err());
    }

    #[test]
    fn rest_annotations_are_no_properties() {
        let text = r##"[{"@odata.type": "#Exchange.GenericHashTable", "Priority@data.type": "System.Int32",
            "Priority": 0, "State": "Enabled", "Name": "R"}]"##;
        let objects = read(text, "f").unwrap();
        let mut names: Vec<&str> = objects[0].properties.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["Name", "Priority", "State"]);
    }
}
