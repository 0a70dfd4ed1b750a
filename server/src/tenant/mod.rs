//! The tenant as Exchange Online holds it, and the way between it and the file.
//!
//! Exchange describes transport rules, outbound connectors and accepted domains as objects
//! of PowerShell properties (`Name`, `FromScope`, `SmartHosts`...). Every way in (a
//! `Get-TransportRule | ConvertTo-Json` export, ...) is read into [`TenantObject`]s first;
//! [`from_tenant`] turns them into the model, which the printers of `convert` write as a
//! file. The way out goes the other way: [`to_tenant`] gives the objects a file describes,
//! with Exchange's defaults made explicit, for the writers and for comparing a file with a
//! tenant. Both read the parameter names from the key catalogue (`model::keys`), the table
//! hover and `explain` cite: one table for key ↔ parameter.

pub mod cmdlet_json;
pub mod drift;
pub mod from_tenant;
pub mod graph_snapshot;
pub mod m365dsc;
pub mod m365dsc_write;
pub mod names;
pub mod powershell;
pub mod powershell_script;
pub mod rule_xml;
pub mod to_tenant;

use std::fmt;

/// A property's value as PowerShell holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    Text(String),
    List(Vec<Value>),
    /// A nested object (a size with its byte count, a REST wrapper): its properties in order.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// Whether the value means "not set": Exchange writes an unset property as null, an empty
    /// list or an empty string (or leaves it out), and a one-item list `[null]` alike.
    pub fn is_unset(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Text(text) => text.is_empty(),
            Value::List(items) => items.iter().all(Value::is_unset),
            Value::Map(entries) => entries.is_empty(),
            Value::Bool(_) | Value::Integer(_) => false,
        }
    }

    /// The value as people read it in a message: text as is, a list comma-separated.
    pub fn shown(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(value) => if *value { "$true" } else { "$false" }.to_owned(),
            Value::Integer(value) => value.to_string(),
            Value::Text(text) => text.clone(),
            Value::List(items) => items.iter().map(Value::shown).collect::<Vec<_>>().join(", "),
            Value::Map(entries) => {
                let entries: Vec<String> = entries.iter().map(|(k, v)| format!("{k}={}", v.shown())).collect();
                format!("@{{{}}}", entries.join("; "))
            }
        }
    }
}

/// The kinds of object the tool reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    TransportRule,
    OutboundConnector,
    AcceptedDomain,
}

impl Kind {
    /// What Exchange calls objects of this kind, for messages: the noun of its cmdlets.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::TransportRule => "TransportRule",
            Kind::OutboundConnector => "OutboundConnector",
            Kind::AcceptedDomain => "AcceptedDomain",
        }
    }
}

/// Where an object was read: the file, and the object's place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    /// 1-based number of the object in the file.
    pub number: usize,
}

/// One rule, connector or domain: its properties by their PowerShell names, in the order
/// read (or written).
#[derive(Clone, Debug, PartialEq)]
pub struct TenantObject {
    pub kind: Kind,
    pub properties: Vec<(String, Value)>,
    pub origin: Origin,
    /// The object must not exist (a Microsoft365DSC block with `Ensure = "Absent"`).
    pub absent: bool,
}

impl TenantObject {
    /// The property named `name` (PowerShell's names ignore case), set or not.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.iter().find(|(property, _)| property.eq_ignore_ascii_case(name)).map(|(_, value)| value)
    }

    /// The object's name: `Name`, or for an accepted domain `DomainName`, or `Identity`.
    pub fn name(&self) -> Option<&str> {
        ["Name", "DomainName", "Identity"].iter().find_map(|property| match self.get(property) {
            Some(Value::Text(name)) if !name.is_empty() => Some(name.as_str()),
            _ => None,
        })
    }

    /// The object for messages: its kind, its name when it has one, and where it was read.
    pub fn describe(&self) -> String {
        let name = self.name().map_or(String::new(), |name| format!(" `{name}`"));
        format!("{}, {} {}{name}", self.origin.file, self.kind.noun(), self.origin.number)
    }
}

/// Why something could not be read or written, naming the file, the object and the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, and the object in it when the problem is one object's.
    pub place: String,
    /// The property, when the problem is one property's.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn in_file(file: &str, message: impl Into<String>) -> Problem {
        Problem { place: file.to_owned(), field: None, message: message.into() }
    }

    pub fn in_object(object: &TenantObject, field: Option<&str>, message: impl Into<String>) -> Problem {
        Problem { place: object.describe(), field: field.map(str::to_owned), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: `{field}`: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}
