//! A Microsoft Graph tenant configuration snapshot: what `createSnapshot` extracts
//! (`/admin/configurationManagement/configurationSnapshots/createSnapshot`) and its job's
//! `resourceLocation` serves once it succeeded, or a monitor's baseline. Both are a
//! `resources` array of `{ displayName, resourceType, properties }`, whose `properties`
//! carry the names Microsoft365DSC's resources use (`Name`, `Ensure`, `Identity`, ...):
//! `microsoft.exchange.transportrule`, `microsoft.exchange.outboundconnector` and
//! `microsoft.exchange.accepteddomain` are read as [`super::m365dsc`] reads its blocks;
//! other resource types are counted in a note.

use std::collections::BTreeMap;

use super::m365dsc::{resource_object, skipped_note};
use super::{Kind, Origin, Problem, TenantObject, Value};

/// The resource types read, as Graph names them (without regard to case).
const RESOURCE_TYPES: [(&str, Kind); 3] = [
    ("microsoft.exchange.transportrule", Kind::TransportRule),
    ("microsoft.exchange.outboundconnector", Kind::OutboundConnector),
    ("microsoft.exchange.accepteddomain", Kind::AcceptedDomain),
];

/// Whether `text` is JSON of a snapshot (or a baseline, or the snapshot job that points at
/// one): an object with a `resources` array of resources or of resource types (no cmdlet's
/// object has a `resources` property).
pub fn recognise(text: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return false };
    resources(&json).is_some()
}

/// The `resources` array of a snapshot, or of the baseline in a monitor.
fn resources(json: &serde_json::Value) -> Option<&Vec<serde_json::Value>> {
    let object = json.as_object()?;
    let holder = match object.get("baseline") {
        Some(baseline) if baseline.get("resources").is_some() => baseline.as_object()?,
        _ => object,
    };
    let resources = holder.get("resources")?.as_array()?;
    let shaped = |item: &serde_json::Value| item.is_string() || item.get("resourceType").is_some_and(|t| t.is_string());
    resources.iter().all(shaped).then_some(resources)
}

/// The objects of a snapshot's Exchange mail-flow resources, and notes on the rest.
pub fn read(text: &str, file: &str) -> Result<(Vec<TenantObject>, Vec<String>), Vec<Problem>> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|error| vec![Problem::in_file(file, format!("not valid JSON: {error}"))])?;
    let Some(resources) = resources(&json) else {
        return Err(vec![Problem::in_file(file, "not a configuration snapshot: no `resources` array of resources")]);
    };
    if resources.iter().any(serde_json::Value::is_string) {
        let location =
            json.get("resourceLocation").and_then(serde_json::Value::as_str).unwrap_or("its resourceLocation");
        return Err(vec![Problem::in_file(
            file,
            format!(
                "the snapshot job, not the snapshot: it lists the resource types asked for; once its status is \
                 `succeeded`, download what {location} points at and import that"
            ),
        )]);
    }
    let mut objects = Vec::new();
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for resource in resources {
        let resource_type = resource.get("resourceType").and_then(serde_json::Value::as_str).unwrap_or_default();
        let Some(&(_, kind)) = RESOURCE_TYPES.iter().find(|(name, _)| name.eq_ignore_ascii_case(resource_type)) else {
            *skipped.entry(resource_type.to_owned()).or_default() += 1;
            continue;
        };
        let number = counts.entry(kind).or_default();
        *number += 1;
        let origin = Origin { file: file.to_owned(), number: *number };
        let properties = match resource.get("properties") {
            Some(serde_json::Value::Object(map)) => {
                map.iter().map(|(name, value)| (name.clone(), value_of(value))).collect()
            }
            _ => {
                let name = resource.get("displayName").and_then(serde_json::Value::as_str).unwrap_or_default();
                problems.push(Problem::in_file(
                    file,
                    format!("resource {number} of {resource_type} (`{name}`) has no `properties` object"),
                ));
                continue;
            }
        };
        match resource_object(kind, properties, origin) {
            Ok((object, note)) => {
                objects.push(object);
                notes.extend(note);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    notes.extend(skipped_note(file, &skipped));
    Ok((objects, notes))
}

/// A property's JSON value as PowerShell holds it; a number that is no whole number is text.
fn value_of(json: &serde_json::Value) -> Value {
    use serde_json::Value as Json;
    match json {
        Json::Null => Value::Null,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => number.as_i64().map_or_else(|| Value::Text(number.to_string()), Value::Integer),
        Json::String(text) => Value::Text(text.clone()),
        Json::Array(items) => Value::List(items.iter().map(value_of).collect()),
        Json::Object(map) => Value::Map(map.iter().map(|(name, value)| (name.clone(), value_of(value))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exchange_mail_flow_resources_and_counts_the_others() {
        let text = r#"{
          "displayName": "Mail flow", "description": "",
          "resources": [
            {"displayName": "Signatures", "resourceType": "microsoft.exchange.transportRule",
             "properties": {"Name": "Signatures", "Priority": 0, "Enabled": true, "Ensure": "Present",
                            "ExceptIfHeaderContainsWords": ["true"]}},
            {"displayName": "Relay", "resourceType": "microsoft.exchange.outboundconnector",
             "properties": {"Identity": "Relay", "SmartHosts": ["smtp.example.net"], "Ensure": "Absent"}},
            {"displayName": "CA", "resourceType": "microsoft.entra.conditionalaccesspolicy", "properties": {}}
          ]
        }"#;
        assert!(recognise(text));
        let (objects, notes) = read(text, "snapshot.json").unwrap();
        assert_eq!(objects[0].get("ExceptIfHeaderContainsWords"), Some(&Value::List(vec![Value::Text("true".into())])));
        assert_eq!(objects[0].get("Ensure"), None);
        assert_eq!((objects[1].name(), objects[1].absent), (Some("Relay"), true));
        assert_eq!(
            notes,
            ["snapshot.json: 1 other resource not read (not mail flow): microsoft.entra.conditionalaccesspolicy (1)"]
        );
    }

    #[test]
    fn the_job_is_not_the_snapshot() {
        let job = r#"{"id": "c91a", "status": "succeeded", "resources": ["microsoft.exchange.transportrule"],
                      "resourceLocation": "https://graph.example/snapshot"}"#;
        assert!(recognise(job));
        let problems = read(job, "job.json").unwrap_err();
        assert!(problems[0].message.starts_with("the snapshot job, not the snapshot"), "{}", problems[0]);
        assert!(!recognise(r#"[{"Name": "x", "Priority": 0}]"#));
        // A snapshot of a tenant without rules.
        assert_eq!(read(r#"{"resources": []}"#, "empty.json").unwrap(), (vec![], vec![]));
    }
}
