//! Exchange's names for what the format names otherwise: the parameters behind each key
//! (read from the key catalogue), the enumerations' values, and the properties an export
//! carries that say nothing about mail flow.

use crate::analysis::other_effects;
use crate::model::keys::{self, Object};
use crate::model::{ConnectorType, MessageType, RuleMode, Scope};

/// The `index`th PowerShell parameter behind `key` of `object`, as the catalogue names it
/// (`headerContains` is `HeaderContainsMessageHeader` then `HeaderContainsWords`).
pub fn parameter(object: Object, key: &str, index: usize) -> &'static str {
    let key = keys::lookup(object, key).unwrap_or_else(|| panic!("`{key}` is in the key catalogue"));
    key.parameters
        .get(index)
        .copied()
        .unwrap_or_else(|| panic!("`{}` has a PowerShell parameter number {index} in the catalogue", key.name))
}

pub use crate::model::keys::EXCEPT_IF;

pub fn scope(scope: Scope) -> &'static str {
    match scope {
        Scope::Inside => "InOrganization",
        Scope::Outside => "NotInOrganization",
        Scope::ExternalPartner => "ExternalPartner",
        Scope::ExternalNonPartner => "ExternalNonPartner",
    }
}

/// A scope written as a number: PowerShell without `-EnumsAsStrings` writes an enumeration's
/// value, and Exchange's `FromUserScope` and `ToUserScope` declare their members in this
/// order (Exchange Server API reference, Microsoft.Exchange.MessagingPolicies.Rules.Tasks),
/// numbered from 0 as .NET numbers undeclared values.
pub fn scope_numbered(number: i64) -> Option<Scope> {
    [Scope::Inside, Scope::Outside, Scope::ExternalPartner, Scope::ExternalNonPartner]
        .get(usize::try_from(number).ok()?)
        .copied()
}

pub fn message_type(message_type: MessageType) -> &'static str {
    match message_type {
        MessageType::Oof => "OOF",
        MessageType::AutoForward => "AutoForward",
        MessageType::Encrypted => "Encrypted",
        MessageType::Calendaring => "Calendaring",
        MessageType::PermissionControlled => "PermissionControlled",
        MessageType::Voicemail => "Voicemail",
        MessageType::Signed => "Signed",
        MessageType::ApprovalRequest => "ApprovalRequest",
        MessageType::ReadReceipt => "ReadReceipt",
    }
}

pub fn mode(mode: RuleMode) -> &'static str {
    match mode {
        RuleMode::Enforce => "Enforce",
        RuleMode::Audit => "Audit",
        RuleMode::AuditAndNotify => "AuditAndNotify",
    }
}

pub fn connector_type(connector_type: ConnectorType) -> &'static str {
    match connector_type {
        ConnectorType::Partner => "Partner",
        ConnectorType::OnPremises => "OnPremises",
    }
}

/// The value of `all` whose Exchange name is `name`, ignoring case as PowerShell does.
pub fn named<T: Copy>(all: &[T], name_of: fn(T) -> &'static str, name: &str) -> Option<T> {
    all.iter().copied().find(|&value| name_of(value).eq_ignore_ascii_case(name.trim()))
}

/// Every Exchange name of `all`, for messages.
pub fn names<T: Copy>(all: &[T], name_of: fn(T) -> &'static str) -> String {
    all.iter().map(|&value| name_of(value)).collect::<Vec<_>>().join(", ")
}

/// `RuleErrorAction`'s values: the format's `deferOnError` is `Defer`.
pub const RULE_ERROR_ACTIONS: [&str; 2] = ["Ignore", "Defer"];
/// A rule's `State`.
pub const RULE_STATES: [&str; 2] = ["Enabled", "Disabled"];

/// Properties every export carries that describe the object, not the mail flow: identities,
/// versions, times, the session that read them, and the class names Exchange lists under
/// `Conditions`, `Exceptions` and `Actions` (which say which properties are set, never a
/// value). `Description` is Exchange's own prose about the rule, never parsed.
const METADATA: &[&str] = &[
    "Guid",
    "ImmutableId",
    "Identity",
    "Id",
    "DistinguishedName",
    "ExchangeObjectId",
    "OrganizationId",
    "OriginatingServer",
    "ObjectState",
    "ObjectClass",
    "IsValid",
    "ExchangeVersion",
    "WhenChanged",
    "WhenChangedUTC",
    "WhenCreated",
    "WhenCreatedUTC",
    "RuleVersion",
    "Description",
    "Conditions",
    "Exceptions",
    "Actions",
    "CreatedBy",
    "LastModifiedBy",
    "ManuallyModified",
    "DlpPolicy",
    "DlpPolicyId",
    "IsRuleConfigurationSupported",
    "PSComputerName",
    "PSShowComputerName",
    "RunspaceId",
    "AdminDisplayName",
    "ConnectorSource",
    "IsValidated",
    "LastValidationTimestamp",
    "ValidationRecipients",
    "IsDefault",
    "IsCoexistenceDomain",
    "PendingRemoval",
    "PendingCompletion",
    "Default",
];

/// Whether `property` is one of [`METADATA`], or a REST annotation (`@odata.type`).
pub fn is_metadata(property: &str) -> bool {
    property.starts_with('@') || METADATA.iter().any(|known| known.eq_ignore_ascii_case(property))
}

/// Properties of a rule whose value here is Exchange's default, which every export writes
/// and which mean nothing was set: the sender's address read from the message header, a
/// rule that is no DLP rule, recipients matched by their primary address (Microsoft's
/// New-TransportRule reference gives `Resolved` as RecipientAddressType's default;
/// Microsoft365DSC exports write it on every rule).
const RULE_DEFAULTS: &[(&str, &str)] =
    &[("SenderAddressLocation", "Header"), ("RuleSubType", "None"), ("RecipientAddressType", "Resolved")];

/// Whether `value` of the rule property `property` is Exchange's default for it (a switch
/// left off is `false`).
pub fn is_rule_default(property: &str, value: &super::Value) -> bool {
    match value {
        super::Value::Bool(false) => true,
        super::Value::Text(text) => RULE_DEFAULTS
            .iter()
            .any(|(name, default)| name.eq_ignore_ascii_case(property) && default.eq_ignore_ascii_case(text)),
        _ => false,
    }
}

/// Whether a rule's property `name` (not a key's) is an action: one the analysis knows as
/// an action, or one whose class Exchange lists under the rule's `Actions`
/// (`…Tasks.PrependSubjectAction` for `PrependSubject`).
pub fn is_action(name: &str, action_classes: &[String]) -> bool {
    if other_effects::action(name) != other_effects::ActionEffect::MayChangeAnything {
        return true;
    }
    action_classes.iter().any(|class| {
        let short = class.rsplit('.').next().unwrap_or(class);
        let stem = short.strip_suffix("Action").unwrap_or(short);
        !stem.is_empty() && name.len() >= stem.len() && name[..stem.len()].eq_ignore_ascii_case(stem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_come_from_the_catalogue() {
        assert_eq!(parameter(Object::Predicates, "senderIs", 0), "FromScope");
        assert_eq!(parameter(Object::Predicates, "headerContains", 1), "HeaderContainsWords");
        assert_eq!(parameter(Object::Actions, "setHeader", 0), "SetHeaderName");
        assert_eq!(parameter(Object::Rule, "enabled", 0), "State");
        assert_eq!(parameter(Object::Connector, "use", 0), "IsTransportRuleScoped");
    }

    #[test]
    fn enumerations_read_back_what_they_write() {
        for scope in Scope::ALL {
            assert_eq!(named(&Scope::ALL, super::scope, &super::scope(scope).to_lowercase()), Some(scope));
        }
        for message_type in MessageType::ALL {
            assert_eq!(
                named(&MessageType::ALL, super::message_type, super::message_type(message_type)),
                Some(message_type)
            );
        }
        assert_eq!(scope_numbered(1), Some(Scope::Outside));
        assert_eq!(scope_numbered(4), None);
        assert_eq!(scope_numbered(-1), None);
    }

    #[test]
    fn exchange_defaults_are_not_settings() {
        let text = |t: &str| super::super::Value::Text(t.to_owned());
        assert!(is_rule_default("RecipientAddressType", &text("resolved")));
        assert!(!is_rule_default("RecipientAddressType", &text("Original")));
        assert!(is_rule_default("SenderAddressLocation", &text("Header")));
        assert!(!is_rule_default("SenderAddressLocation", &text("HeaderOrEnvelope")));
    }

    #[test]
    fn actions_are_told_from_conditions() {
        assert!(is_action("PrependSubject", &[]));
        assert!(!is_action("SubjectContainsWords", &[]));
        assert!(is_action(
            "ApplyHtmlDisclaimerTextSomething",
            &["Microsoft.Exchange.X.ApplyHtmlDisclaimerAction".into()]
        ));
        assert!(!is_action("SubjectContainsWords", &["Microsoft.Exchange.X.PrependSubjectAction".into()]));
    }
}
