//! `mailflow diff`'s comparison (`tenant::drift`) on the examples: each example against a
//! tenant exported from its own objects agrees; one property changed, one rule moved, one
//! connector deleted in the tenant each show as exactly that difference.
//!
//! The exports are written here as `Get-TransportRule`, `Get-OutboundConnector` and
//! `Get-AcceptedDomain` piped to `ConvertTo-Json` write them: `State` for a rule's switch,
//! sizes with their byte count, and the identities, dates and TLS settings that Exchange adds
//! and the file has no key for (which must never show as drift).

use std::path::{Path, PathBuf};

use mailflow::check::{check, Selection, Syntax};
use mailflow::model::{MailFlow, MessageSize};
use mailflow::tenant::drift::{drift, Change, Difference, PropertyChange};
use mailflow::tenant::{cmdlet_json, from_tenant, to_tenant, Kind, TenantObject, Value};
use serde_json::{json, Map, Value as Json};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "mailflow"))
        .collect();
    paths.sort();
    paths
}

fn flow(path: &Path) -> MailFlow {
    let text = std::fs::read_to_string(path).unwrap();
    std::sync::Arc::unwrap_or_clone(check(&text, Syntax::of_path(path), &Selection::default()).flow)
}

fn json_of(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Integer(number) => json!(number),
        Value::Text(text) => Json::String(text.clone()),
        Value::List(items) => Json::Array(items.iter().map(json_of).collect()),
        Value::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), json_of(v))).collect()),
    }
}

/// `bytes` with a comma between thousands, as Exchange shows a byte count.
fn grouped(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// One object as `Get-<noun> | ConvertTo-Json` writes it.
fn exported(object: &TenantObject, number: usize) -> Json {
    let mut out = Map::new();
    let name = object.name().unwrap_or_default().to_owned();
    for (property, value) in &object.properties {
        match (object.kind, property.as_str(), value) {
            // New-TransportRule takes `-Enabled`; Get-TransportRule shows `State`.
            (Kind::TransportRule, "Enabled", Value::Bool(on)) => {
                out.insert("State".into(), json!(if *on { "Enabled" } else { "Disabled" }));
            }
            (_, property, Value::Text(size)) if property.ends_with("SizeOver") => {
                let bytes = MessageSize::parse(size).unwrap().bytes;
                out.insert(property.into(), json!(format!("{size} ({} bytes)", grouped(bytes))));
            }
            _ => {
                out.insert(property.clone(), json_of(value));
            }
        }
    }
    // What Exchange adds: identities, times, and settings the format has no key for.
    out.insert("Identity".into(), json!(name));
    out.insert("Guid".into(), json!(format!("00000000-0000-4000-8000-{number:012}")));
    out.insert("WhenChanged".into(), json!("2025-03-11T09:42:17+00:00"));
    match object.kind {
        Kind::TransportRule => {
            out.insert("Description".into(), json!("If the message: ..."));
            out.insert("SenderAddressLocation".into(), json!("Header"));
            out.insert("DeleteMessage".into(), json!(false));
            out.insert("SubjectContainsWords".into(), Json::Null);
        }
        Kind::OutboundConnector => {
            out.insert("TlsSettings".into(), json!("CertificateValidation"));
            out.insert("Comment".into(), json!("Created by the vendor's wizard"));
            out.insert("ConnectorSource".into(), json!("Default"));
        }
        Kind::AcceptedDomain => {
            out.insert("Name".into(), json!(name));
            out.insert("DomainType".into(), json!("Authoritative"));
            out.insert("AuthenticationType".into(), json!("Managed"));
        }
    }
    Json::Object(out)
}

/// The exports of `objects`: rules, connectors and accepted domains, each as its cmdlet
/// writes them (an array, or one object alone, or nothing for none), keeping those `keep` says.
fn exports(objects: &[TenantObject], keep: impl Fn(&mut Map<String, Json>) -> bool) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (kind, file) in [
        (Kind::TransportRule, "rules.json"),
        (Kind::OutboundConnector, "connectors.json"),
        (Kind::AcceptedDomain, "domains.json"),
    ] {
        let mut items: Vec<Json> = Vec::new();
        for (number, object) in objects.iter().filter(|o| o.kind == kind).enumerate() {
            let Json::Object(mut map) = exported(object, number) else { unreachable!() };
            if keep(&mut map) {
                items.push(Json::Object(map));
            }
        }
        let text = match items.len() {
            0 => String::new(),
            1 => serde_json::to_string_pretty(&items[0]).unwrap(),
            _ => serde_json::to_string_pretty(&items).unwrap(),
        };
        files.push((file.to_owned(), text));
    }
    files
}

/// The tenant the exports describe, and whether they held accepted domains.
fn tenant(exports: &[(String, String)]) -> (MailFlow, bool) {
    let mut objects = Vec::new();
    for (file, text) in exports {
        objects.extend(cmdlet_json::read(text, file).unwrap_or_else(|problem| panic!("{problem}\n{text}")));
    }
    let domains = objects.iter().any(|o| o.kind == Kind::AcceptedDomain);
    let imported = from_tenant::import(&objects, None).unwrap_or_else(|problems| panic!("{problems:?}"));
    (imported.flow, domains)
}

/// The differences between the example at `path` and its own export changed by `keep`.
fn differences(path: &Path, keep: impl Fn(&mut Map<String, Json>) -> bool) -> Vec<Difference> {
    let file = flow(path);
    let (tenant, domains) = tenant(&exports(&to_tenant::objects(&file, "f"), keep));
    drift(&file, &tenant, domains)
}

#[test]
fn every_example_agrees_with_its_own_export() {
    let examples = examples();
    assert!(examples.len() >= 20, "{examples:?}");
    for path in examples {
        assert_eq!(differences(&path, |_| true), [], "{}", path.display());
    }
}

fn codetwo_mimecast() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/codetwo-mimecast.mailflow.yaml")
}

const MIMECAST_RULE: &str = "Route outbound mail through Mimecast";

fn named(map: &Map<String, Json>, name: &str) -> bool {
    map.get("Name").and_then(Json::as_str) == Some(name)
}

fn one_change(kind: Kind, name: &str, property: &str, tenant: Value, file: Value) -> Vec<Difference> {
    let change = PropertyChange { property: property.into(), tenant: Some(tenant), file: Some(file) };
    vec![Difference { kind, name: name.into(), change: Change::Changed(vec![change]) }]
}

#[test]
fn one_property_changed_in_the_tenant_is_that_change() {
    let differences = differences(&codetwo_mimecast(), |map| {
        if named(map, MIMECAST_RULE) {
            map.insert("SetHeaderValue".into(), json!("yes"));
        }
        true
    });
    let text = |t: &str| Value::Text(t.into());
    assert_eq!(
        differences,
        one_change(Kind::TransportRule, MIMECAST_RULE, "SetHeaderValue", text("yes"), text("true"))
    );
}

#[test]
fn one_rule_moved_in_the_tenant_is_a_priority_change() {
    let differences = differences(&codetwo_mimecast(), |map| {
        if named(map, MIMECAST_RULE) {
            map.insert("Priority".into(), json!(5));
        }
        true
    });
    assert_eq!(
        differences,
        one_change(Kind::TransportRule, MIMECAST_RULE, "Priority", Value::Integer(5), Value::Integer(1))
    );
}

#[test]
fn one_connector_deleted_in_the_tenant_is_only_in_the_file() {
    let file = flow(&codetwo_mimecast());
    let differences = differences(&codetwo_mimecast(), |map| !named(map, "Mimecast Outbound Connector"));
    assert_eq!(differences.len(), 1, "{differences:#?}");
    assert_eq!(
        (differences[0].kind, differences[0].name.as_str()),
        (Kind::OutboundConnector, "Mimecast Outbound Connector")
    );
    let expected = to_tenant::objects(&file, "f")
        .into_iter()
        .find(|o| o.kind == Kind::OutboundConnector && o.name() == Some("Mimecast Outbound Connector"))
        .unwrap();
    assert_eq!(differences[0].change, Change::OnlyInFile(expected.properties));
}

#[test]
fn a_rule_only_in_the_tenant_and_a_setting_only_the_tenant_has() {
    let file = flow(&codetwo_mimecast());
    let mut objects = to_tenant::objects(&file, "f");
    let mut extra = objects.iter().find(|o| o.kind == Kind::TransportRule).unwrap().clone();
    extra.properties[0].1 = Value::Text("Added in the admin center".into());
    objects.push(extra);
    let (tenant, domains) = tenant(&exports(&objects, |map| {
        if named(map, MIMECAST_RULE) {
            map.insert("PrependSubject".into(), json!("[EXT] "));
        }
        true
    }));
    let differences = drift(&file, &tenant, domains);
    let shown: Vec<String> = differences
        .iter()
        .map(|d| match &d.change {
            Change::OnlyInTenant(_) => format!("- {}", d.name),
            Change::OnlyInFile(_) => format!("+ {}", d.name),
            Change::Changed(changes) => format!("~ {}: {:?}", d.name, changes),
        })
        .collect();
    assert_eq!(
        shown,
        [
            format!(
                "~ {MIMECAST_RULE}: {:?}",
                [PropertyChange {
                    property: "PrependSubject".into(),
                    tenant: Some(Value::Text("[EXT] ".into())),
                    file: None
                }]
            ),
            "- Added in the admin center".to_owned(),
        ]
    );
}

#[test]
fn accepted_domains_are_compared_only_when_exported() {
    let path = codetwo_mimecast();
    let file = flow(&path);
    let mut files = exports(&to_tenant::objects(&file, "f"), |map| !named(map, "contoso.onmicrosoft.com"));
    let (tenant_with, domains) = tenant(&files);
    assert!(domains);
    let differences = drift(&file, &tenant_with, domains);
    assert_eq!(differences.len(), 1, "{differences:#?}");
    assert_eq!((differences[0].kind, differences[0].name.as_str()), (Kind::AcceptedDomain, "contoso.onmicrosoft.com"));
    files.retain(|(name, _)| name != "domains.json");
    let (tenant_without, domains) = tenant(&files);
    assert!(!domains);
    assert_eq!(drift(&file, &tenant_without, domains), []);
}
