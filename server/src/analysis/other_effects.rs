//! What `other` conditions and actions do, read by their PowerShell names (without regard
//! to case): the one table the checks share, and what a rule's actions do to the path of
//! the message they act on.
//!
//! A name that is the PowerShell name of a key of the format means what the key means. The
//! key catalogue (`model::keys`) says which names those are: a key written there with its
//! PowerShell parameters is recognised here with no change to this file. A key may stand
//! for several parameters (`setHeader` is `SetHeaderName` and `SetHeaderValue`); each of
//! them has that key. Exceptions are the same parameters with `ExceptIf` in front.
//!
//! The other actions are grouped by what they do to the path: some change only headers,
//! send copies or change the body, which leaves the path alone; some encrypt the message,
//! so that a signature service after them cannot add a signature; some take the message
//! away (redirect, delete, quarantine, reject, moderate). An action that is in none of these
//! groups may change anything: it counts as one that can redirect or stop. A condition
//! without a key of its own is one the analysis cannot evaluate: both outcomes are followed.

use crate::model::keys::{self, Key, Object};
use crate::model::{OtherParameter, ParameterValue, TransportRule};

/// Where an `other` entry is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Condition,
    Exception,
    Action,
}

impl Place {
    /// The catalogue's object whose keys stand at this place.
    pub fn object(self) -> Object {
        match self {
            Place::Condition | Place::Exception => Object::Predicates,
            Place::Action => Object::Actions,
        }
    }
}

/// One of the PowerShell parameters a key of the format stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyParameter {
    pub key: &'static Key,
    /// Which of the key's parameters ([`Key::parameters`]) it is.
    pub index: usize,
}

impl KeyParameter {
    /// Every parameter of the key, in the catalogue's order.
    pub fn parameters(self) -> &'static [&'static str] {
        self.key.parameters
    }

    /// The parameter itself, as the catalogue spells it.
    pub fn parameter(self) -> &'static str {
        self.parameters()[self.index]
    }

    /// Whether the key stands for more than one parameter, which together give its value.
    pub fn is_compound(self) -> bool {
        self.parameters().len() > 1
    }
}

/// The key an `other` entry named `name` at `place` stands for, if the format has one. An
/// exception's name may carry `ExceptIf` in front, as PowerShell writes it.
pub fn key_of(place: Place, name: &str) -> Option<KeyParameter> {
    let name = name.trim();
    let bare = match place {
        Place::Exception => keys::without_except_if(name).unwrap_or(name),
        Place::Condition | Place::Action => name,
    };
    keys::keys(place.object()).iter().find_map(|key| {
        let index = key.parameters.iter().position(|parameter| parameter.eq_ignore_ascii_case(bare))?;
        Some(KeyParameter { key, index })
    })
}

/// What an `other` condition is to the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionEffect {
    /// It is a key's parameter and means what the key means.
    HasKey(KeyParameter),
    /// The analysis cannot evaluate it: both outcomes are followed.
    Unknown,
}

/// What the `other` condition (or exception, by `place`) named `name` is.
pub fn condition(place: Place, name: &str) -> ConditionEffect {
    key_of(place, name).map_or(ConditionEffect::Unknown, ConditionEffect::HasKey)
}

/// What an action does to the message's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionEffect {
    /// It changes headers or message properties only (the spam confidence level, a
    /// classification, an incident report).
    HeaderOnly,
    /// It adds recipients (copies); the message itself goes on as it was.
    AddsRecipients,
    /// It changes the body or the subject (a disclaimer, a subject prefix).
    ChangesBody,
    /// It routes the message through a connector, as `redirectToConnector` does.
    Redirects,
    /// It encrypts or protects the message: a signature service after it cannot add a
    /// signature.
    Encrypts,
    /// It redirects, deletes, quarantines, rejects or holds the message: it does not go on
    /// as it was.
    TakesAway,
    /// Not in the table: it may change anything, as a rule that redirects or stops.
    MayChangeAnything,
}

impl ActionEffect {
    /// Whether the message goes on along the same path after it.
    pub fn leaves_path_alone(self) -> bool {
        matches!(self, ActionEffect::HeaderOnly | ActionEffect::AddsRecipients | ActionEffect::ChangesBody)
    }
}

/// The actions without a key of their own, by what they do.
const ACTIONS: &[(ActionEffect, &[&str])] = &[
    (
        ActionEffect::HeaderOnly,
        &[
            "SetSCL",
            "SetAuditSeverity",
            "ApplyClassification",
            "GenerateIncidentReport",
            "GenerateNotification",
            "IncidentReportContent",
        ],
    ),
    (ActionEffect::AddsRecipients, &["AddToRecipients", "CopyTo", "BlindCopyTo", "AddManagerAsRecipientType"]),
    (
        ActionEffect::ChangesBody,
        &[
            "ApplyHtmlDisclaimerText",
            "ApplyHtmlDisclaimerLocation",
            "ApplyHtmlDisclaimerFallbackAction",
            "PrependSubject",
        ],
    ),
    (
        ActionEffect::Encrypts,
        &["ApplyOME", "ApplyRightsProtectionTemplate", "ApplyRightsProtectionCustomizationTemplate"],
    ),
    (
        ActionEffect::TakesAway,
        &[
            "RedirectMessageTo",
            "DeleteMessage",
            "Quarantine",
            "RejectMessageReasonText",
            "RejectMessageEnhancedStatusCode",
            "ModerateMessageByUser",
            "ModerateMessageByManager",
            "NotifySender",
            "SmtpRejectMessageRejectText",
        ],
    ),
];

/// What the `other` action named `name` does to the path: a key's parameter what its key
/// does, any other name what the table says, and a name in neither may change anything.
pub fn action(name: &str) -> ActionEffect {
    if let Some(parameter) = key_of(Place::Action, name) {
        return key_effect(parameter.key);
    }
    let name = name.trim();
    ACTIONS
        .iter()
        .find(|(_, names)| names.iter().any(|known| known.eq_ignore_ascii_case(name)))
        .map_or(ActionEffect::MayChangeAnything, |(effect, _)| *effect)
}

/// What an action key does to the path: setting or removing a header leaves it alone,
/// `redirectToConnector` routes the message, and a key this table does not know may
/// change anything.
pub fn key_effect(key: &Key) -> ActionEffect {
    match key.name {
        "setHeader" | "removeHeader" => ActionEffect::HeaderOnly,
        "redirectToConnector" => ActionEffect::Redirects,
        _ => ActionEffect::MayChangeAnything,
    }
}

/// What a rule that applies does to the path of the message, beside changing headers, the
/// body or the recipients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PathChange<'a> {
    /// Its `redirectToConnector`: the message leaves through that connector.
    Redirects,
    /// Its `stopProcessingMoreRules`: no rule below it runs in this pass.
    Stops,
    /// One of its `other` actions, with what it does (never an effect that leaves the path
    /// alone).
    Other(&'a OtherParameter, ActionEffect),
}

/// Everything in `rule`'s actions and settings that changes the path of a message it
/// applies to, in the order of the format: none for a rule that only sets or removes
/// headers, changes the body or adds recipients (a vendor's exclusion rule, a disclaimer).
/// Every action key but `redirectToConnector` changes headers only.
pub fn path_changes(rule: &TransportRule) -> Vec<PathChange<'_>> {
    let mut changes = Vec::new();
    if rule.actions.redirect_to_connector.is_some() {
        changes.push(PathChange::Redirects);
    }
    for parameter in &rule.actions.other {
        let effect = action(&parameter.name.value);
        if !effect.leaves_path_alone() {
            changes.push(PathChange::Other(parameter, effect));
        }
    }
    if rule.stops_processing() {
        changes.push(PathChange::Stops);
    }
    changes
}

/// The headers `rule` sets when it applies, as `(name, value)`: its `setHeader`, and a
/// `SetHeaderName` with a `SetHeaderValue` written as `other` actions.
pub fn headers_set(rule: &TransportRule) -> Vec<(&str, &str)> {
    let mut headers: Vec<(&str, &str)> =
        rule.actions.set_header.iter().map(|h| (h.name.value.as_str(), h.value.value.as_str())).collect();
    let part = |index: usize| {
        rule.actions.other.iter().find_map(|parameter| {
            let found = key_of(Place::Action, &parameter.name.value)?;
            (found.key.name == "setHeader" && found.index == index).then_some(parameter)?.values.first()
        })
    };
    if let (Some(name), Some(value)) = (part(0), part(1)) {
        if let (ParameterValue::Text(name), ParameterValue::Text(value)) = (&name.value, &value.value) {
            headers.push((name.as_str(), value.as_str()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_a_key_are_read_from_the_catalogue() {
        let of = |place, name| key_of(place, name).map(|p| (p.key.name, p.parameter()));
        assert_eq!(of(Place::Condition, "FromScope"), Some(("senderIs", "FromScope")));
        assert_eq!(of(Place::Condition, "sentToScope"), Some(("recipientIs", "SentToScope")));
        assert_eq!(of(Place::Condition, "FromMemberOf"), Some(("senderIsMemberOf", "FromMemberOf")));
        assert_eq!(of(Place::Condition, "HeaderContainsWords"), Some(("headerContains", "HeaderContainsWords")));
        assert_eq!(of(Place::Exception, "ExceptIfHeaderMatchesMessageHeader").map(|k| k.0), Some("headerMatches"));
        assert_eq!(of(Place::Exception, "ExceptIfFromMemberOf").map(|k| k.0), Some("senderIsMemberOf"));
        // `ExceptIf` belongs to exceptions only.
        assert_eq!(of(Place::Condition, "ExceptIfFromMemberOf"), None);
        assert_eq!(of(Place::Action, "setheadervalue"), Some(("setHeader", "SetHeaderValue")));
        assert_eq!(of(Place::Action, "RouteMessageOutboundConnector").map(|k| k.0), Some("redirectToConnector"));
        // A condition's name is not an action's, and the reverse.
        assert_eq!(of(Place::Action, "FromMemberOf"), None);
        assert_eq!(of(Place::Condition, "SetHeaderName"), None);
        assert_eq!(condition(Place::Condition, "SubjectContainsWords"), ConditionEffect::Unknown);
        let compound = key_of(Place::Condition, "HeaderMatchesPatterns").unwrap();
        assert!(compound.is_compound());
        assert_eq!(compound.parameters(), ["HeaderMatchesMessageHeader", "HeaderMatchesPatterns"]);
    }

    /// Every key of conditions and actions but `other` has its PowerShell parameters, and
    /// no parameter belongs to two keys.
    #[test]
    fn every_key_has_parameters_of_its_own() {
        for object in [Object::Predicates, Object::Actions] {
            let mut seen: Vec<String> = Vec::new();
            for key in keys::keys(object).iter().filter(|key| key.name != "other") {
                let own = key.parameters;
                assert!(!own.is_empty(), "{}", key.name);
                for parameter in own {
                    let lower = parameter.to_ascii_lowercase();
                    assert!(!seen.contains(&lower), "{parameter}");
                    seen.push(lower);
                }
            }
        }
    }

    /// Each parameter of every key of conditions and actions reads as that key, whatever its
    /// case, and in exceptions with `ExceptIf` in front too: a key added to the catalogue is
    /// known here as it lands.
    #[test]
    fn every_parameter_of_the_catalogue_reads_as_its_key() {
        let places =
            [(Place::Condition, ""), (Place::Exception, ""), (Place::Exception, "ExceptIf"), (Place::Action, "")];
        for (place, prefix) in places {
            for key in keys::keys(place.object()) {
                for (index, parameter) in key.parameters.iter().enumerate() {
                    let name = format!("{prefix}{}", parameter.to_ascii_uppercase());
                    assert_eq!(key_of(place, &name), Some(KeyParameter { key, index }), "{name}");
                }
            }
        }
    }

    /// [`path_changes`] reads `redirectToConnector` and `other` and counts every other action
    /// key as one that changes headers only: a new action key must say what it does here.
    #[test]
    fn every_action_key_has_a_known_effect() {
        for key in keys::keys(Object::Actions).iter().filter(|key| key.name != "other") {
            let expected = match key.name {
                "redirectToConnector" => ActionEffect::Redirects,
                _ => ActionEffect::HeaderOnly,
            };
            assert_eq!(key_effect(key), expected, "{}", key.name);
        }
    }

    #[test]
    fn actions_are_read_by_the_table() {
        assert_eq!(action("PrependSubject"), ActionEffect::ChangesBody);
        assert_eq!(action("applyome"), ActionEffect::Encrypts);
        assert_eq!(action("SetSCL"), ActionEffect::HeaderOnly);
        assert_eq!(action("BlindCopyTo"), ActionEffect::AddsRecipients);
        assert_eq!(action("Quarantine"), ActionEffect::TakesAway);
        assert_eq!(action("SetHeaderName"), ActionEffect::HeaderOnly);
        assert_eq!(action("RouteMessageOutboundConnector"), ActionEffect::Redirects);
        assert_eq!(action("SomethingNew"), ActionEffect::MayChangeAnything);
        assert!(action("ApplyHtmlDisclaimerText").leaves_path_alone());
        assert!(!action("DeleteMessage").leaves_path_alone());
    }

    fn rule(text: &str) -> TransportRule {
        let text = format!("transportRules:\n  - name: R\n    priority: 0\n{text}");
        let (flow, _) = crate::model::lower_yaml::lower(&crate::syntax::yaml::parse(&text), &text);
        std::sync::Arc::unwrap_or_clone(flow.rules.into_iter().next().unwrap())
    }

    #[test]
    fn a_rule_that_only_sets_headers_leaves_the_path_alone() {
        let exclusion = rule(
            "    conditions: {messageTypeMatches: oof}\n    actions:\n      setHeader: {name: X-ExclaimerHostedSignatures-MessageProcessed, value: \"true\"}\n      other: {SetSCL: -1, PrependSubject: \"[OOF] \"}\n",
        );
        assert_eq!(path_changes(&exclusion), []);
        assert_eq!(headers_set(&exclusion), [("X-ExclaimerHostedSignatures-MessageProcessed", "true")]);
        let routing = rule(
            "    actions:\n      redirectToConnector: C\n      other: {ApplyOME: true, Frobnicate: 1}\n    stopProcessingMoreRules: true\n",
        );
        let changes: Vec<String> = path_changes(&routing)
            .into_iter()
            .map(|change| match change {
                PathChange::Redirects => "redirects".to_owned(),
                PathChange::Stops => "stops".to_owned(),
                PathChange::Other(parameter, effect) => format!("{} {effect:?}", parameter.name.value),
            })
            .collect();
        assert_eq!(changes, ["redirects", "ApplyOME Encrypts", "Frobnicate MayChangeAnything", "stops"]);
        let written_out = rule("    actions: {other: {SetHeaderName: X-Mark, SetHeaderValue: yes}}\n");
        assert_eq!(headers_set(&written_out), [("X-Mark", "yes")]);
        assert_eq!(path_changes(&written_out), []);
    }
}
