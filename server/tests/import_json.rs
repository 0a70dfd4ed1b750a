//! `mailflow import` on exports shaped like real `Get-TransportRule`, `Get-OutboundConnector`
//! and `Get-AcceptedDomain` output piped to `ConvertTo-Json` (`tests/import_json/README.md`
//! says, per file, whose documentation its shape follows).
//!
//! For each export: the file written (an insta snapshot, YAML, with the notes), the findings
//! its content implies (in both syntaxes), and that nothing is lost: every set property that
//! is neither metadata nor Exchange's default is in the file written, with its value, or named
//! in a note. That count is made here by code of its own (its own lists of metadata and
//! defaults, its own reading of the JSON and of the YAML written), not by the importer's.
//! Bad input is refused with an error naming the file, the object and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mailflow::check::{check, Selection, Syntax};
use mailflow::convert::print;
use mailflow::tenant::{cmdlet_json, from_tenant, Problem, TenantObject};
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import_json")
}

/// The objects of one export, read as `mailflow import` reads them, named by `name`.
fn read(bytes: &[u8], name: &str) -> Result<Vec<TenantObject>, Problem> {
    let text = cmdlet_json::decode(bytes, name)?;
    cmdlet_json::read(&text, name)
}

/// What importing `exports` (name, bytes) gives: the file's text in `syntax` and the notes.
fn import_bytes(exports: &[(&str, Vec<u8>)], syntax: Syntax) -> (String, Vec<String>) {
    let mut objects = Vec::new();
    for (name, bytes) in exports {
        objects.extend(read(bytes, name).unwrap_or_else(|problem| panic!("{problem}")));
    }
    let imported = from_tenant::import(&objects, None).unwrap_or_else(|problems| {
        panic!("{}", problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))
    });
    let names: Vec<&str> = exports.iter().map(|(name, _)| *name).collect();
    let header = vec![format!("# Imported from {}", names.join(", "))];
    let text = print(&imported.flow, header, syntax).unwrap_or_else(|e| panic!("{:?}", e.0));
    (text, imported.notes)
}

fn import(files: &[&str], syntax: Syntax) -> (String, Vec<String>) {
    let exports: Vec<(&str, Vec<u8>)> =
        files.iter().map(|file| (*file, std::fs::read(dir().join(file)).unwrap())).collect();
    import_bytes(&exports, syntax)
}

/// One tenant's exports and the codes that checking the imported file must report.
struct Case {
    name: &'static str,
    files: &'static [&'static str],
    codes: &'static [&'static str],
}

/// The codes come from `docs/rules/` and what each export holds, not from the tool's output.
const CASES: &[Case] = &[
    Case {
        name: "codetwo_mimecast",
        files: &["codetwo-mimecast/rules.json", "codetwo-mimecast/connectors.json", "codetwo-mimecast/domains.json"],
        // The Mimecast rule (priority 0) is above the CodeTwo rule (priority 1):
        // MF104 on the smart host rule that must move, MF101 on the signature rule (a rule
        // above it redirects), MF306 and MF311 as the simulated message goes to Mimecast,
        // which delivers it itself, without ever reaching CodeTwo, and MF310 as both rules
        // redirect the same message in the first pass. The Mimecast connector is scoped to
        // its rule, so no MF201; the services are inferred, so no MF206.
        codes: &["MF101", "MF104", "MF306", "MF310", "MF311"],
    },
    Case {
        name: "codetwo_mimecast_by_domain",
        files: &["codetwo-mimecast-by-domain/rules.json", "codetwo-mimecast-by-domain/connectors.json"],
        // The Mimecast connector takes mail by recipient domain (`*`) beside CodeTwo's
        // rule-routed service: MF201, and nothing else (the CodeTwo rule sends the message
        // to CodeTwo first; back in Exchange it is excepted and leaves through Mimecast).
        codes: &["MF201"],
    },
    Case {
        name: "single_object",
        files: &["single-object.json"],
        // A rules export alone: its rule routes to a connector the file does not define.
        codes: &["MF006"],
    },
    Case { name: "null_array", files: &["null-array.json"], codes: &[] },
    Case {
        name: "utf8_bom",
        files: &["utf8-bom.json"],
        // A connectors export alone: the rule-scoped CodeTwo connector has no rule sending
        // mail to it (MF202), so inside-to-outside mail never reaches CodeTwo (MF311).
        codes: &["MF202", "MF311"],
    },
    Case {
        name: "proofpoint_empties",
        files: &["proofpoint-empties/rules.json", "proofpoint-empties/connectors.json"],
        // The Proofpoint rule is the guide's anti-loop smart host rule; there is no
        // signature service. Nothing to report.
        codes: &[],
    },
    Case {
        name: "numeric_scopes",
        files: &["numeric-scopes.json"],
        // Two rules routing to connectors not exported (MF006 each), both taking the same
        // inside-to-outside message in one pass (MF310).
        codes: &["MF006", "MF006", "MF310"],
    },
    Case { name: "at_keys", files: &["at-keys.json"], codes: &["MF006", "MF006", "MF310"] },
    Case {
        name: "rest_value",
        files: &["rest-value.json"],
        // Connectors alone: both are scoped to rules that were not exported (MF202 each), and
        // CodeTwo is never reached (MF311).
        codes: &["MF202", "MF202", "MF311"],
    },
    Case { name: "other_properties", files: &["other-properties.json"], codes: &[] },
    Case { name: "message_size", files: &["message-size.json"], codes: &[] },
];

fn codes(text: &str, syntax: Syntax) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> =
        check(text, syntax, &Selection::default()).diagnostics.iter().map(|d| d.code()).collect();
    codes.sort_unstable();
    codes
}

#[test]
fn each_export_imports_as_its_snapshot() {
    for case in CASES {
        let (text, notes) = import(case.files, Syntax::Yaml);
        let mut shown = text;
        for note in notes {
            shown.push_str(&format!("# note: {note}\n"));
        }
        insta::assert_snapshot!(case.name, shown);
    }
}

#[test]
fn each_imported_file_checks_with_the_findings_its_content_implies() {
    for case in CASES {
        for syntax in [Syntax::Yaml, Syntax::Dsl] {
            let (text, _) = import(case.files, syntax);
            assert_eq!(codes(&text, syntax), case.codes, "{} ({syntax:?}):\n{text}", case.name);
        }
    }
}

/// `bytes` as UTF-16LE with a byte order mark, as `>` writes in Windows PowerShell 5.1.
fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn utf16_exports_import_as_their_utf8_originals() {
    for file in ["codetwo-mimecast/rules.json", "utf8-bom.json", "single-object.json"] {
        let bytes = std::fs::read(dir().join(file)).unwrap();
        let text = String::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes).to_vec()).unwrap();
        let wide = utf16le(&text);
        assert_eq!(
            import_bytes(&[(file, wide)], Syntax::Yaml),
            import_bytes(&[(file, bytes.clone())], Syntax::Yaml),
            "{file}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// No silent loss, counted independently of the importer.

/// Properties that describe an object rather than the mail flow: identities, versions,
/// times, who changed it, validation state, the class names Exchange lists under
/// `Conditions`/`Exceptions`/`Actions` (they say which properties are set), and
/// `Description` (Exchange's prose about the rule). An accepted domain's `Name` is its
/// identity, the domain name.
const METADATA: &[&str] = &[
    "Identity",
    "Id",
    "Guid",
    "ImmutableId",
    "ExchangeObjectId",
    "DistinguishedName",
    "OrganizationId",
    "IsValid",
    "ObjectState",
    "ExchangeVersion",
    "WhenChanged",
    "WhenCreated",
    "WhenChangedUTC",
    "WhenCreatedUTC",
    "RuleVersion",
    "Description",
    "Conditions",
    "Exceptions",
    "Actions",
    "CreatedBy",
    "LastModifiedBy",
    "ManuallyModified",
    "DlpPolicyId",
    "AdminDisplayName",
    "ConnectorSource",
    "IsValidated",
    "LastValidationTimestamp",
    "ValidationRecipients",
    "Default",
    "PendingRemoval",
    "PendingCompletion",
    "IsCoexistenceDomain",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Rule,
    Connector,
    Domain,
}

/// A value as compared here: its items as text (one for a scalar), sorted, without empty
/// ones; sizes as their number of bytes.
type Norm = Vec<String>;

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) if text.is_empty() => None,
        Value::String(text) => Some(text.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// The bytes a size holds: `22.5 MB (23,592,960 bytes)`, `22.5 MB`, a number, or an object
/// with a number or such a text inside.
fn size_bytes(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => {
            if let Some(open) = text.find('(') {
                let digits: String = text[open..].chars().filter(char::is_ascii_digit).collect();
                return digits.parse().ok();
            }
            let (number, unit) = text.trim().split_once(' ').unwrap_or((text.trim(), "B"));
            let scale = match unit.trim().to_ascii_uppercase().as_str() {
                "B" => 1.0,
                "KB" => 1024.0,
                "MB" => 1024.0 * 1024.0,
                "GB" => 1024.0 * 1024.0 * 1024.0,
                other => panic!("unit {other}"),
            };
            Some((number.parse::<f64>().ok()? * scale).round() as u64)
        }
        Value::Object(map) => map.iter().filter(|(key, _)| *key != "IsUnlimited").find_map(|(_, v)| size_bytes(v)),
        _ => None,
    }
}

fn normalise(property: &str, value: &Value) -> Norm {
    if property.ends_with("SizeOver") {
        return size_bytes(value).map(|bytes| vec![bytes.to_string()]).unwrap_or_default();
    }
    if property.ends_with("FromScope") || property.ends_with("SentToScope") {
        // Numbers as `ConvertTo-Json` writes enumerations, in FromUserScope's member order.
        match value.as_i64() {
            Some(0) => return vec!["InOrganization".into()],
            Some(1) => return vec!["NotInOrganization".into()],
            _ => {}
        }
    }
    let mut items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        one => scalar(one).into_iter().collect(),
    };
    if property.ends_with("MessageTypeMatches") {
        items = items.iter().map(|item| item.to_ascii_lowercase()).collect();
    }
    items.sort();
    items
}

/// Whether `norm` is what Exchange holds when `property` was never set.
fn is_default(kind: Kind, property: &str, norm: &Norm) -> bool {
    let is = |text: &str| norm.len() == 1 && norm[0] == text;
    match (kind, property) {
        (Kind::Connector, "Enabled") => is("true"),
        (Kind::Connector, "ConnectorType") => is("Partner"),
        (Kind::Rule, "State") => is("Enabled"),
        (Kind::Rule, "Mode") => is("Enforce"),
        (Kind::Rule, "RuleErrorAction") => is("Ignore"),
        (Kind::Rule, "SenderAddressLocation") => is("Header"),
        (Kind::Rule, "RuleSubType") => is("None"),
        (Kind::Domain, "DomainType") => is("Authoritative"),
        _ => is("false"),
    }
}

/// One object's significant properties: set, neither metadata nor default.
fn significant(kind: Kind, object: &Map<String, Value>) -> BTreeMap<String, Norm> {
    object
        .iter()
        .filter(|(property, _)| !property.contains('@') && !METADATA.contains(&property.as_str()))
        .filter(|(property, _)| !(kind == Kind::Domain && *property == "Name"))
        .map(|(property, value)| (property.clone(), normalise(property, value)))
        .filter(|(property, norm)| !norm.is_empty() && !is_default(kind, property, norm))
        .collect()
}

/// The objects of an export, read with serde_json alone.
fn raw_objects(bytes: &[u8]) -> Vec<(Kind, Map<String, Value>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let json: Value = serde_json::from_slice(bytes).unwrap();
    let items = match json {
        Value::Array(items) => items,
        Value::Object(mut map) if map.contains_key("value") => match map.remove("value") {
            Some(Value::Array(items)) => items,
            other => panic!("{other:?}"),
        },
        Value::Object(map) => vec![Value::Object(map)],
        Value::Null => Vec::new(),
        other => panic!("{other:?}"),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(map) => {
                let kind = if map.contains_key("DomainType") {
                    Kind::Domain
                } else if map.contains_key("Priority") {
                    Kind::Rule
                } else {
                    Kind::Connector
                };
                Some((kind, map))
            }
            _ => None,
        })
        .collect()
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.iter().map(|(k, v)| (to_json(k).as_str().expect("a text key").to_owned(), to_json(v))).collect(),
        ),
        other => panic!("unexpected YAML node: {other:?}"),
    }
}

/// The PowerShell parameter of each condition key taking one value or a list.
const CONDITION_KEYS: &[(&str, &str)] = &[
    ("senderIs", "FromScope"),
    ("recipientIs", "SentToScope"),
    ("senderDomainIs", "SenderDomainIs"),
    ("recipientDomainIs", "RecipientDomainIs"),
    ("recipientAddressMatches", "RecipientAddressMatchesPatterns"),
    ("senderAddressMatches", "FromAddressMatchesPatterns"),
    ("senderIsMemberOf", "FromMemberOf"),
    ("from", "From"),
    ("messageTypeMatches", "MessageTypeMatches"),
    ("messageSizeOver", "MessageSizeOver"),
];

fn scope(word: &str) -> &'static str {
    match word {
        "inside" => "InOrganization",
        "outside" => "NotInOrganization",
        "external-partner" => "ExternalPartner",
        "external-non-partner" => "ExternalNonPartner",
        other => panic!("scope {other}"),
    }
}

/// One object of the written file as PowerShell properties (named by this test's table).
fn written(kind: Kind, item: &Map<String, Value>) -> BTreeMap<String, Norm> {
    let mut out = BTreeMap::new();
    let mut put = |property: String, value: &Value| {
        let norm = normalise(&property, value);
        assert!(out.insert(property.clone(), norm).is_none(), "{property} written twice");
    };
    let text = |value: &str| Value::String(value.to_owned());
    for (key, value) in item {
        match (kind, key.as_str()) {
            (_, "name") => put("Name".into(), value),
            (Kind::Rule, "priority") => put("Priority".into(), value),
            (Kind::Rule, "enabled") => put("State".into(), &text(if value == true { "Enabled" } else { "Disabled" })),
            (Kind::Rule, "mode") => put(
                "Mode".into(),
                &text(match value.as_str().unwrap() {
                    "audit" => "Audit",
                    "audit-and-notify" => "AuditAndNotify",
                    _ => "Enforce",
                }),
            ),
            (Kind::Rule, "deferOnError") => {
                put("RuleErrorAction".into(), &text(if value == true { "Defer" } else { "Ignore" }))
            }
            (Kind::Rule, "stopProcessingMoreRules") => put("StopRuleProcessing".into(), value),
            (Kind::Rule, "comments") => put("Comments".into(), value),
            (Kind::Rule, "conditions" | "exceptions") => {
                let prefix = if key == "exceptions" { "ExceptIf" } else { "" };
                for (name, value) in value.as_object().unwrap() {
                    match name.as_str() {
                        "senderIs" | "recipientIs" => {
                            let parameter = if name == "senderIs" { "FromScope" } else { "SentToScope" };
                            put(format!("{prefix}{parameter}"), &text(scope(value.as_str().unwrap())));
                        }
                        "headerContains" | "headerMatches" => {
                            let (stem, values) = if name == "headerContains" {
                                ("HeaderContains", ("Words", "words"))
                            } else {
                                ("HeaderMatches", ("Patterns", "patterns"))
                            };
                            put(format!("{prefix}{stem}MessageHeader"), &value["header"]);
                            put(format!("{prefix}{stem}{}", values.0), &value[values.1]);
                        }
                        "other" => {
                            for (parameter, value) in value.as_object().unwrap() {
                                let bare = parameter.strip_prefix("ExceptIf").unwrap_or(parameter);
                                put(format!("{prefix}{bare}"), value);
                            }
                        }
                        key => {
                            let (_, parameter) = CONDITION_KEYS
                                .iter()
                                .find(|(k, _)| *k == key)
                                .unwrap_or_else(|| panic!("no parameter for `{key}` in this test's table"));
                            put(format!("{prefix}{parameter}"), value);
                        }
                    }
                }
            }
            (Kind::Rule, "actions") => {
                for (name, value) in value.as_object().unwrap() {
                    match name.as_str() {
                        "setHeader" => {
                            put("SetHeaderName".into(), &value["name"]);
                            put("SetHeaderValue".into(), &value["value"]);
                        }
                        "redirectToConnector" => put("RouteMessageOutboundConnector".into(), value),
                        "removeHeader" => put("RemoveHeader".into(), value),
                        "other" => {
                            for (parameter, value) in value.as_object().unwrap() {
                                put(parameter.clone(), value);
                            }
                        }
                        other => panic!("action `{other}`"),
                    }
                }
            }
            (Kind::Connector, "enabled") => put("Enabled".into(), value),
            (Kind::Connector, "type") => {
                let name = if value == "on-premises" { "OnPremises" } else { "Partner" };
                put("ConnectorType".into(), &text(name));
            }
            (Kind::Connector, "use") => put("IsTransportRuleScoped".into(), &Value::Bool(value == "transport-rule")),
            (Kind::Connector, "recipientDomains") => put("RecipientDomains".into(), value),
            (Kind::Connector, "smartHosts") => put("SmartHosts".into(), value),
            // Inferred from the smart hosts, and said so in a note (checked below).
            (Kind::Connector, "service") => {}
            (kind, key) => panic!("{kind:?} key `{key}` not in this test's table"),
        }
    }
    out.retain(|property, norm| !norm.is_empty() && !is_default(kind, property, norm));
    out
}

/// The written file's objects by kind and name.
fn written_objects(text: &str) -> BTreeMap<(String, String), BTreeMap<String, Norm>> {
    let file = to_json(&Yaml::load_from_str(text).unwrap()[0]);
    let mut objects = BTreeMap::new();
    for (key, kind) in [("transportRules", Kind::Rule), ("connectors", Kind::Connector)] {
        for item in file.get(key).and_then(Value::as_array).into_iter().flatten() {
            let item = item.as_object().unwrap();
            let name = item["name"].as_str().unwrap().to_owned();
            objects.insert((format!("{kind:?}"), name), written(kind, item));
        }
    }
    for domain in file.pointer("/organization/domains").and_then(Value::as_array).into_iter().flatten() {
        let name = domain.as_str().unwrap().to_owned();
        let properties = BTreeMap::from([("DomainName".to_owned(), vec![name.clone()])]);
        objects.insert((format!("{:?}", Kind::Domain), name), properties);
    }
    objects
}

/// What the notes say about the object named `name`: the properties they list, and whether
/// the object was left out whole.
fn noted(notes: &[String], name: &str) -> (Vec<String>, bool) {
    let mine: Vec<&String> = notes.iter().filter(|note| note.contains(&format!("`{name}`:"))).collect();
    let mut properties = Vec::new();
    let mut whole = false;
    for note in mine {
        if note.contains("not listed") {
            whole = true;
        } else if let Some((_, list)) = note.split_once("not imported (").and_then(|(_, rest)| rest.split_once("): ")) {
            properties.extend(list.split(", ").map(str::to_owned));
        }
    }
    (properties, whole)
}

#[test]
fn no_property_is_lost_silently() {
    let mut compared = 0;
    for case in CASES {
        let (text, notes) = import(case.files, Syntax::Yaml);
        let mut output = written_objects(&text);
        for file in case.files {
            for (kind, object) in raw_objects(&std::fs::read(dir().join(file)).unwrap()) {
                let input = significant(kind, &object);
                let name_property = if kind == Kind::Domain { "DomainName" } else { "Name" };
                let name = object[name_property].as_str().unwrap().to_owned();
                let (listed, whole) = noted(&notes, &name);
                let place = format!("{}: {file}: {kind:?} `{name}`", case.name);
                if whole {
                    assert!(
                        !output.contains_key(&(format!("{kind:?}"), name.clone())),
                        "{place}: left out, yet written"
                    );
                    compared += input.len();
                    continue;
                }
                let out = output
                    .remove(&(format!("{kind:?}"), name.clone()))
                    .unwrap_or_else(|| panic!("{place}: not in the file written, and no note says why:\n{text}"));
                for (property, value) in &input {
                    match out.get(property) {
                        Some(written) => assert_eq!(written, value, "{place}: `{property}` written with another value"),
                        None => assert!(
                            listed.contains(property),
                            "{place}: `{property}` = {value:?} is neither in the file nor in a note:\n{text}\n{notes:#?}"
                        ),
                    }
                }
                for property in out.keys() {
                    assert!(input.contains_key(property), "{place}: `{property}` written, but not in the export");
                }
                for property in &listed {
                    assert!(input.contains_key(property), "{place}: the note lists `{property}`, which is not set");
                    assert!(!out.contains_key(property), "{place}: the note lists `{property}`, which is written");
                }
                assert_eq!(input.len(), out.len() + listed.len(), "{place}: counts differ");
                compared += input.len();
            }
        }
        assert!(output.is_empty(), "{}: written but in no export: {:?}", case.name, output.keys());
        // A service inferred from a connector's smart hosts is said to be inferred.
        for connector in text.split("\n  - name: ").filter(|item| item.contains("\n    service:")) {
            let name = connector.lines().next().unwrap();
            assert!(
                notes.iter().any(|note| note.contains(&format!("`{name}`:")) && note.contains("inferred"))
                    || connector.contains("kind: signature"),
                "{}: `{name}`'s service is inferred without a note",
                case.name
            );
        }
    }
    assert!(compared > 150, "only {compared} properties compared");
}

#[test]
fn properties_the_format_has_no_key_for_land_under_other() {
    let (text, _) = import(&["other-properties.json"], Syntax::Yaml);
    let file = to_json(&Yaml::load_from_str(&text).unwrap()[0]);
    let rule = &file["transportRules"][0];
    assert_eq!(rule["conditions"]["other"]["ActivationDate"], "2025-04-01T00:00:00+00:00");
    assert_eq!(
        rule["conditions"]["other"]["SubjectContainsWords"],
        serde_json::json!(["invoice", "payment request", "wire transfer"])
    );
    assert_eq!(rule["exceptions"]["other"]["SubjectContainsWords"], "[EXTERNAL]");
    assert_eq!(rule["actions"]["other"]["PrependSubject"], "[EXTERNAL] ");
}

#[test]
fn message_sizes_read_the_same_whatever_their_shape() {
    let (text, _) = import(&["message-size.json"], Syntax::Yaml);
    let file = to_json(&Yaml::load_from_str(&text).unwrap()[0]);
    let sizes: Vec<&Value> =
        file["transportRules"].as_array().unwrap().iter().map(|rule| &rule["conditions"]["messageSizeOver"]).collect();
    assert_eq!(sizes.len(), 4);
    assert!(sizes.iter().all(|size| *size == "22.5 MB"), "{sizes:?}");
}

// ---------------------------------------------------------------------------------------
// Bad input: refused, naming the file, the object and the field.

/// Every problem importing `exports` (read and import), as text.
fn problems(exports: &[(&str, Vec<u8>)]) -> Vec<String> {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for (name, bytes) in exports {
        match read(bytes, name) {
            Ok(read) => objects.extend(read),
            Err(problem) => problems.push(problem.to_string()),
        }
    }
    if problems.is_empty() {
        if let Err(found) = from_tenant::import(&objects, None) {
            problems.extend(found.iter().map(Problem::to_string));
        }
    }
    problems
}

fn bad(file: &str) -> Vec<String> {
    problems(&[(file, std::fs::read(dir().join(file)).unwrap())])
}

#[test]
fn text_that_is_no_json_is_refused_naming_the_file() {
    // `mailflow import` says it is no export before parsing (tests/cli/test_import.py); the
    // library's reader says where the JSON breaks.
    let problems = bad("bad/format-list.txt");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("bad/format-list.txt:2:1: not valid JSON"), "{problems:?}");
}

#[test]
fn another_cmdlets_objects_are_refused_naming_the_object() {
    let problems = bad("bad/mailbox.json");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("bad/mailbox.json: object 1 is not a transport rule"), "{problems:?}");
}

#[test]
fn a_truncated_export_is_refused_naming_where_it_ends() {
    let problems = bad("bad/truncated.json");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let (place, message) = problems[0].split_once(": ").unwrap();
    let mut place = place.split(':');
    assert_eq!(place.next(), Some("bad/truncated.json"));
    assert!(place.all(|number| number.parse::<usize>().is_ok()), "{problems:?}");
    assert!(message.contains("cut short"), "{problems:?}");
}

#[test]
fn an_unknown_enumeration_value_is_refused_naming_object_and_field() {
    assert_eq!(
        bad("bad/unknown-enum.json"),
        ["bad/unknown-enum.json, TransportRule 1 `CodeTwo Exchange transport rule`: `State`: `Paused` is not one of \
          Enabled, Disabled"]
    );
}

#[test]
fn state_and_mode_as_numbers_are_refused_naming_the_field() {
    for (file, place, field) in [
        ("bad/state-number.json", "TransportRule 2 `CodeTwo Exchange transport rule`", "State"),
        ("bad/mode-number.json", "TransportRule 1 `CodeTwo Exchange transport rule`", "Mode"),
    ] {
        let problems = bad(file);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let head = format!("{file}, {place}: `{field}`: is the number ");
        assert!(problems[0].starts_with(&head), "{problems:?}");
        assert!(problems[0].contains("-EnumsAsStrings"), "{problems:?}");
    }
}

#[test]
fn scopes_as_numbers_are_read_by_their_documented_order() {
    let (numbers, _) = import(&["numeric-scopes.json"], Syntax::Yaml);
    assert!(numbers.contains("senderIs: inside\n      recipientIs: outside\n"), "{numbers}");
    // FromScope has two members: 2 is no value of it.
    let text = std::fs::read_to_string(dir().join("numeric-scopes.json")).unwrap().replacen(
        "\"FromScope\": 0",
        "\"FromScope\": 2",
        1,
    );
    let problems = problems(&[("numeric-scopes.json", text.into_bytes())]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "numeric-scopes.json, TransportRule 1 `Route outbound mail through Mimecast`: `FromScope`: is the number 2"
        ),
        "{problems:?}"
    );
}

#[test]
fn a_too_small_depth_is_refused_naming_each_field_and_the_depth_to_use() {
    let problems = bad("shallow-depth.json");
    let expected = [
        (
            "TransportRule 1 `Route outbound mail through Mimecast`",
            "ExceptIfHeaderContainsWords",
            "System.Collections.ArrayList",
        ),
        (
            "TransportRule 1 `Route outbound mail through Mimecast`",
            "ExceptIfMessageSizeOver",
            "System.Collections.Hashtable",
        ),
        (
            "TransportRule 2 `CodeTwo Exchange transport rule`",
            "ExceptIfHeaderContainsWords",
            "System.Collections.ArrayList",
        ),
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (problem, (object, field, type_name)) in problems.iter().zip(expected) {
        let head = format!("shallow-depth.json, {object}: `{field}`: holds `{type_name}`");
        assert!(problem.starts_with(&head), "{problem}");
        assert!(problem.ends_with("export again with `ConvertTo-Json -Depth 6`"), "{problem}");
    }
}

#[test]
fn a_utf16_export_cut_in_half_is_refused_naming_the_file() {
    let text = std::fs::read_to_string(dir().join("codetwo-mimecast/rules.json")).unwrap();
    let wide = utf16le(&text);
    for cut in [wide.len() / 2, wide.len() / 2 + 1] {
        let problems = problems(&[("rules.json", wide[..cut].to_vec())]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("rules.json"), "{problems:?}");
        assert!(problems[0].contains("cut short"), "{problems:?}");
    }
}
