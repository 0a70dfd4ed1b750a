//! Drift: how the tenant differs from the file that describes it.
//!
//! Both sides are first made the objects Exchange would hold ([`super::to_tenant::objects`]):
//! the file as written, the tenant as imported from its exports. Objects are paired by kind
//! and name (ignoring case, as Exchange does), then compared property by property. Only what
//! the format can say is compared: an import keeps a rule's every set property (under
//! `other` when the format has no key for it) but not a connector's TLS settings or
//! comments, so those never show as drift; and the defaults are explicit on both sides, so
//! a setting left out of the file equals Exchange's default in the tenant.

use super::to_tenant::objects;
use super::{Kind, TenantObject, Value};
use crate::model::MailFlow;

/// One object that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub kind: Kind,
    /// The name, as the file spells it (as the tenant does for an object only there).
    pub name: String,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// In the file, not in the tenant: the object's properties.
    OnlyInFile(Vec<(String, Value)>),
    /// In the tenant, not in the file: the object's properties.
    OnlyInTenant(Vec<(String, Value)>),
    /// In both, with these properties differing (a rule's `Priority` among them when it moved).
    Changed(Vec<PropertyChange>),
}

/// A property whose value differs: the tenant's, then the file's (`None` where unset).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    pub property: String,
    pub tenant: Option<Value>,
    pub file: Option<Value>,
}

/// How the tenant (`tenant`, imported from its exports) differs from `file`: the file's
/// objects in its order (connectors, rules by priority, accepted domains), each kind's
/// objects only in the tenant after the file's. Accepted domains are compared only when
/// `accepted_domains` says an accepted-domains export was read.
pub fn drift(file: &MailFlow, tenant: &MailFlow, accepted_domains: bool) -> Vec<Difference> {
    let compared = |object: &TenantObject| accepted_domains || object.kind != Kind::AcceptedDomain;
    let file: Vec<TenantObject> = objects(file, "").into_iter().filter(compared).collect();
    let tenant: Vec<TenantObject> = objects(tenant, "").into_iter().filter(compared).collect();
    compare(&file, &tenant)
}

/// How the objects of `tenant` differ from those of `file`.
pub fn compare(file: &[TenantObject], tenant: &[TenantObject]) -> Vec<Difference> {
    let mut paired = vec![false; tenant.len()];
    let mut differences = Vec::new();
    for kind in [Kind::OutboundConnector, Kind::TransportRule, Kind::AcceptedDomain] {
        for ours in file.iter().filter(|object| object.kind == kind) {
            let name = ours.name().unwrap_or_default();
            let theirs = tenant.iter().enumerate().find(|(index, object)| {
                !paired[*index] && object.kind == kind && same_name(object.name().unwrap_or_default(), name)
            });
            let change = match theirs {
                Some((index, theirs)) => {
                    paired[index] = true;
                    let changes = properties(&ours.properties, &theirs.properties);
                    if changes.is_empty() {
                        continue;
                    }
                    Change::Changed(changes)
                }
                None => Change::OnlyInFile(ours.properties.clone()),
            };
            differences.push(Difference { kind, name: name.to_owned(), change });
        }
        for (index, theirs) in tenant.iter().enumerate() {
            if theirs.kind == kind && !paired[index] {
                paired[index] = true;
                differences.push(Difference {
                    kind,
                    name: theirs.name().unwrap_or_default().to_owned(),
                    change: Change::OnlyInTenant(theirs.properties.clone()),
                });
            }
        }
    }
    differences
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The properties of one object that differ: the file's in its order, then those only
/// the tenant has.
fn properties(file: &[(String, Value)], tenant: &[(String, Value)]) -> Vec<PropertyChange> {
    let find = |properties: &[(String, Value)], name: &str| {
        properties.iter().find(|(property, _)| same_name(property, name)).map(|(_, value)| value.clone())
    };
    let mut changes = Vec::new();
    for (property, value) in file {
        let theirs = find(tenant, property);
        if !theirs.as_ref().is_some_and(|theirs| same_value(theirs, value)) {
            changes.push(PropertyChange { property: property.clone(), tenant: theirs, file: Some(value.clone()) });
        }
    }
    for (property, value) in tenant {
        if find(file, property).is_none() {
            changes.push(PropertyChange { property: property.clone(), tenant: Some(value.clone()), file: None });
        }
    }
    changes
}

/// Whether two values are the same setting: lists in any order (Exchange keeps a
/// multi-valued property as a set), everything else exactly.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(a), Value::List(b)) => {
            let sorted = |items: &[Value]| {
                let mut shown: Vec<String> = items.iter().map(Value::shown).collect();
                shown.sort_unstable();
                shown
            };
            sorted(a) == sorted(b)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Selection, Syntax};

    fn flow(text: &str) -> MailFlow {
        std::sync::Arc::unwrap_or_clone(check(text, Syntax::Yaml, &Selection::default()).flow)
    }

    const FILE: &str = "mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast
    use: transport-rule
    smartHosts: [a.mimecast.com, b.mimecast.com]
transportRules:
  - name: Route
    priority: 0
    conditions: {senderIs: inside}
    actions: {redirectToConnector: Mimecast}
  - name: Tag
    priority: 1
    actions: {other: {PrependSubject: '[X] '}}
";

    #[test]
    fn lists_agree_in_any_order() {
        let same = FILE.replace("a.mimecast.com, b", "b.mimecast.com, a");
        assert_eq!(drift(&flow(FILE), &flow(&same), true), []);
    }

    #[test]
    fn objects_pair_by_name_ignoring_case() {
        let tenant = FILE.replace("name: Tag", "name: TAG");
        let differences = drift(&flow(FILE), &flow(&tenant), true);
        let name = |t: &str| Some(Value::Text(t.to_owned()));
        let change = PropertyChange { property: "Name".into(), tenant: name("TAG"), file: name("Tag") };
        assert_eq!(
            differences,
            [Difference { kind: Kind::TransportRule, name: "Tag".into(), change: Change::Changed(vec![change]) }]
        );
    }

    #[test]
    fn changes_are_property_by_property() {
        let tenant = FILE.replace("priority: 0", "priority: 2").replace("senderIs: inside", "senderIs: outside");
        let differences = drift(&flow(FILE), &flow(&tenant), true);
        let text = |t: &str| Some(Value::Text(t.to_owned()));
        assert_eq!(
            differences,
            [Difference {
                kind: Kind::TransportRule,
                name: "Route".into(),
                change: Change::Changed(vec![
                    PropertyChange {
                        property: "Priority".into(),
                        tenant: Some(Value::Integer(2)),
                        file: Some(Value::Integer(0))
                    },
                    PropertyChange {
                        property: "FromScope".into(),
                        tenant: text("NotInOrganization"),
                        file: text("InOrganization")
                    },
                ]),
            }]
        );
    }

    #[test]
    fn objects_on_one_side_only_and_properties_the_file_leaves_out() {
        let tenant = FILE.replace("  - name: Tag\n    priority: 1\n    actions: {other: {PrependSubject: '[X] '}}\n", "")
            + "  - name: Other\n    priority: 1\n    conditions: {senderIs: inside}\n    actions: {other: {PrependSubject: '[X] '}}\n";
        let differences = drift(&flow(FILE), &flow(&tenant), true);
        let summary: Vec<(&str, &str)> = differences
            .iter()
            .map(|d| {
                let change = match d.change {
                    Change::OnlyInFile(_) => "file",
                    Change::OnlyInTenant(_) => "tenant",
                    Change::Changed(_) => "changed",
                };
                (d.name.as_str(), change)
            })
            .collect();
        assert_eq!(summary, [("Tag", "file"), ("Other", "tenant")]);
    }

    #[test]
    fn accepted_domains_only_when_exported() {
        let tenant = FILE.replace("[contoso.com]", "[contoso.com, fabrikam.com]");
        assert_eq!(drift(&flow(FILE), &flow(&tenant), false), []);
        let differences = drift(&flow(FILE), &flow(&tenant), true);
        assert_eq!(differences.len(), 1);
        assert_eq!((differences[0].kind, differences[0].name.as_str()), (Kind::AcceptedDomain, "fabrikam.com"));
        assert!(matches!(differences[0].change, Change::OnlyInTenant(_)));
    }
}
