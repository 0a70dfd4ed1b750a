//! What is at an offset, in the format's terms: the path of keys and list items from the
//! root, and what that path reaches in the key catalogue. Hover finds the path in the tree;
//! completion reads it from the text, because the line being typed may not parse; both
//! resolve it against `model::keys`, so every feature agrees on what a place means.

use crate::model::keys::{self, Key, Object, ValueShape};
use crate::syntax::yaml::{Node, NodeKind};
use crate::text::Span;

/// One step down from the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Item,
}

/// What a path reaches in the key catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Inside a mapping of this kind, where its keys go.
    Keys(Object),
    /// Inside a list of mappings of this kind, where a new item starts.
    Items(Object),
    /// The value of this key of a mapping of kind `Object`, or an item of its list.
    Value(Object, &'static Key),
}

/// What `path` reaches, or `None` when it leaves the format (an unknown key, a list where a
/// mapping belongs, anything under `other`).
pub fn resolve(path: &[Step]) -> Option<Slot> {
    path.iter().try_fold(Slot::Keys(Object::Root), |slot, step| match (slot, *step) {
        (Slot::Keys(object), Step::Key(name)) => {
            let key = keys::lookup(object, name)?;
            Some(match key.shape {
                ValueShape::Object(inner) => Slot::Keys(inner),
                ValueShape::ListOf(inner) => Slot::Items(inner),
                _ => Slot::Value(object, key),
            })
        }
        (Slot::Items(object), Step::Item) => Some(Slot::Keys(object)),
        (slot @ Slot::Value(_, key), Step::Item) if key.shape == ValueShape::TextList => Some(slot),
        _ => None,
    })
}

/// The catalogue entry of the last key of `path`: the key a position is on, or whose value
/// (or list item) it is in.
pub fn last_key(path: &[Step]) -> Option<&'static Key> {
    let at = path.iter().rposition(|step| matches!(step, Step::Key(_)))?;
    let (Some(Slot::Keys(object)), Step::Key(name)) = (resolve(&path[..at]), path[at]) else { return None };
    keys::lookup(object, name)
}

/// The keys of `path` as people read them: `transportRules › conditions › senderIs`.
pub fn path_words(path: &[Step]) -> String {
    let names: Vec<&str> = path
        .iter()
        .filter_map(|step| match step {
            Step::Key(name) => Some(*name),
            Step::Item => None,
        })
        .collect();
    names.join(" › ")
}

/// Whether a cursor at `offset` is on `span`: inside it or at either end, so that a cursor
/// just after a word still counts as on it.
pub fn touches(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// A key or a scalar value of the tree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum On<'n> {
    Key(&'n Node),
    Value(&'n Node),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Located<'n> {
    /// From the root to the key the offset is on, or to the value it is in.
    pub path: Vec<Step<'n>>,
    pub on: On<'n>,
}

/// The key or scalar value of the tree at `offset`. Follows only what contains the offset,
/// so values an alias or a merge brought in from elsewhere are never found here.
pub fn locate(root: &Node, offset: usize) -> Option<Located<'_>> {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        match &node.kind {
            NodeKind::Map(entries) => {
                let entry = entries.iter().find(|entry| touches(entry.span, offset))?;
                path.push(Step::Key(entry.key.as_str()?));
                if touches(entry.key.span, offset) {
                    return Some(Located { path, on: On::Key(&entry.key) });
                }
                node = &entry.value;
            }
            NodeKind::Seq(items) => {
                node = items.iter().find(|item| touches(item.span, offset))?;
                path.push(Step::Item);
            }
            NodeKind::Scalar(_) => return touches(node.span, offset).then_some(Located { path, on: On::Value(node) }),
            NodeKind::Invalid => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::tests::cursor;
    use crate::syntax::yaml::parse;

    fn located(input: &str) -> String {
        let (text, offset) = cursor(input);
        let file = parse(&text);
        let Some(located) = locate(file.root.as_ref().unwrap(), offset) else { return "nothing".into() };
        let (what, node) = match located.on {
            On::Key(node) => ("key", node),
            On::Value(node) => ("value", node),
        };
        let slot = match resolve(&located.path) {
            Some(Slot::Keys(object)) => format!("keys of {object:?}"),
            Some(Slot::Items(object)) => format!("items of {object:?}"),
            Some(Slot::Value(object, key)) => format!("value of {object:?}.{}", key.name),
            None => "outside the format".into(),
        };
        format!("{what} `{}` at {}: {slot}", &text[node.span.range()], path_words(&located.path))
    }

    const RULES: &str = "mailflow: 1
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions:
      headerContains:
        header: X-CodeTwoProcessed
        words: [\"true\", $0yes]
    stopProcessingMoreRules: true
";

    #[test]
    fn finds_keys_and_values_through_block_and_flow_collections() {
        insta::assert_snapshot!(
            located(RULES),
            @r#"value `yes` at transportRules › exceptions › headerContains › words: value of HeaderContains.words"#
        );
        insta::assert_snapshot!(
            located(&RULES.replace("$0", "").replace("{senderIs", "{sen$0derIs")),
            @"key `senderIs` at transportRules › conditions › senderIs: value of Predicates.senderIs"
        );
        insta::assert_snapshot!(
            located(&RULES.replace("$0", "").replace("stopProcessingMoreRules: true", "stopProcessingMoreRules: tr$0ue")),
            @"value `true` at transportRules › stopProcessingMoreRules: value of Rule.stopProcessingMoreRules"
        );
    }

    #[test]
    fn unknown_keys_and_other_parameters_leave_the_format() {
        assert_eq!(
            located("transportRules:\n  - conditions:\n      other: {SubjectContainsWords: [$0invoice]}\n"),
            "value `invoice` at transportRules › conditions › other › SubjectContainsWords: outside the format"
        );
        assert_eq!(located("colour: bl$0ue\n"), "value `blue` at colour: outside the format");
    }

    #[test]
    fn last_key_names_the_key_a_list_item_belongs_to() {
        let path = [Step::Key("connectors"), Step::Item, Step::Key("smartHosts"), Step::Item];
        assert_eq!(last_key(&path).map(|key| key.name), Some("smartHosts"));
        assert_eq!(resolve(&path[..2]), Some(Slot::Keys(Object::Connector)));
        assert_eq!(resolve(&path[..1]), Some(Slot::Items(Object::Connector)));
    }
}
