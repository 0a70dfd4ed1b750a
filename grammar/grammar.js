/**
 * @file The mail-flow DSL: Exchange Online outbound connectors and transport rules as code.
 * @license MIT
 *
 * The language is deliberately permissive where the YAML format is permissive, so that the
 * lowering (not the parser) reports what is wrong with a well-formed line:
 *
 * - Every `{ … }` is one `block` node accepting every statement; which statements belong in
 *   which block (rule, connector, service, organization, on-premises) is checked by the
 *   lowering, which can then say "`smart-hosts` belongs in a connector" instead of a bare
 *   syntax error.
 * - A single value slot (`type X`, `mode X`, `comments X`, …) takes any one `_value`
 *   (string, integer, boolean or bare word); the lowering checks its kind (MF003).
 *   Enumerated values are bare `word`s, so an unknown one still parses.
 * - A list slot (`domains …`, `smart-hosts …`, `contains …`) takes one or more literals
 *   (string, integer, boolean) but no bare word, so the list ends where the next line's
 *   first word starts.
 * - A line starting with a word that is no keyword is an `unknown_setting` (MF002).
 * - Statement keywords are reserved: they never lex as a `word`, so a half-typed statement
 *   (`if sender is` followed by `redirect to …`) ends where the next statement starts and
 *   a missing `}` ends at the next `rule`/`connector`.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Keywords that start a statement or a top-level item. They can never be a `word`.
// (`on-premises` and `recipient-domains` also start statements but are missing here on
// purpose: they are enumerated values too, in `type on-premises` and
// `use recipient-domains`.)
const RESERVED = [
  'mailflow', 'organization', 'connector', 'rule',
  'domains', 'relays-through',
  'enabled', 'disabled', 'type', 'use', 'smart-hosts', 'service',
  'domain', 'processed-header', 'returns-to-exchange', 'relay-domains',
  'mode', 'if', 'except', 'set', 'remove', 'redirect', 'do', 'stop', 'defer', 'comments',
  'true', 'false',
];

module.exports = grammar({
  name: 'mailflow',

  extras: $ => [/\s/, /\uFEFF/, $.comment],

  word: $ => $.word,

  reserved: {
    global: _ => RESERVED,
  },

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.version,
      $.organization,
      $.connector,
      $.rule,
      $.unknown_setting,
    ),

    // mailflow 1
    version: $ => seq('mailflow', field('value', $._value)),

    // organization "Contoso" { … }   (the name is optional, as in YAML)
    organization: $ => seq(
      'organization',
      optional(field('name', $.string)),
      field('body', $.block),
    ),

    // connector "Name" { … }
    connector: $ => seq(
      'connector',
      field('name', $.string),
      field('body', $.block),
    ),

    // rule "Name" priority 0 { … }   (`priority N` is required by the lowering, MF004)
    rule: $ => seq(
      'rule',
      field('name', $.string),
      optional(seq('priority', field('priority', $._value))),
      field('body', $.block),
    ),

    block: $ => seq('{', repeat($._statement), '}'),

    _statement: $ => choice(
      // organization
      $.domains,
      $.on_premises,
      $.relays_through,
      // connector
      $.enabled,
      $.disabled,
      $.type,
      $.use,
      $.recipient_domains,
      $.smart_hosts,
      $.service,
      // service
      $.domain,
      $.processed_header,
      $.returns_to_exchange,
      $.relay_domains,
      // rule (enabled / disabled above)
      $.mode,
      $.condition,
      $.exception,
      $.set_header_action,
      $.redirect_action,
      $.remove_header_action,
      $.other_action,
      $.stop_processing,
      $.defer_on_error,
      $.comments,
      // anything else
      $.unknown_setting,
    ),

    // ---- organization ------------------------------------------------------------------

    domains: $ => seq('domains', repeat1(field('value', $._literal))),

    on_premises: $ => seq('on-premises', field('body', $.block)),

    relays_through: $ => seq('relays-through', field('value', $._value)),

    // ---- connector ---------------------------------------------------------------------

    enabled: $ => seq('enabled', field('value', $._value)),

    disabled: _ => 'disabled',

    type: $ => seq('type', field('value', $._value)),

    use: $ => seq('use', field('value', $._value)),

    recipient_domains: $ => seq('recipient-domains', repeat1(field('value', $._literal))),

    smart_hosts: $ => seq('smart-hosts', repeat1(field('value', $._literal))),

    // service signature codetwo { … }
    // Two values: the kind, then the vendor. One value: a kind (`signature`, `smart-host`)
    // or a vendor, told apart by the lowering. None: `service { … }`.
    service: $ => prec.right(seq(
      'service',
      optional(choice(
        seq(field('kind', $._value), field('vendor', $._value)),
        field('kind_or_vendor', $._value),
      )),
      optional(field('body', $.block)),
    )),

    domain: $ => seq('domain', field('value', $._value)),

    processed_header: $ => seq(
      'processed-header',
      field('name', $._value),
      field('value', $._value),
    ),

    returns_to_exchange: $ => seq('returns-to-exchange', field('value', $._value)),

    relay_domains: $ => seq('relay-domains', repeat1(field('value', $._literal))),

    // ---- rule --------------------------------------------------------------------------

    mode: $ => seq('mode', field('value', $._value)),

    condition: $ => seq('if', field('predicate', $._predicate)),

    exception: $ => seq('except', field('predicate', $._predicate)),

    _predicate: $ => choice(
      $.sender_is,
      $.recipient_is,
      $.sender_domain_is,
      $.recipient_domain_is,
      $.recipient_address_matches,
      $.header_contains,
      $.header_matches,
      $.message_type_matches,
      $.sender_is_member_of,
      $.from,
      $.sender_address_matches,
      $.message_size_over,
      $.other_predicate,
    ),

    // sender is inside
    sender_is: $ => seq('sender', 'is', field('value', $._value)),

    // recipient is outside
    recipient_is: $ => seq('recipient', 'is', field('value', $._value)),

    // sender domain is "contoso.com" "fabrikam.com"
    sender_domain_is: $ => seq('sender', 'domain', 'is', repeat1(field('value', $._literal))),

    // recipient domain is "fabrikam.com"
    recipient_domain_is: $ => seq('recipient', 'domain', 'is', repeat1(field('value', $._literal))),

    // recipient address matches "@fabrikam\\.com$"
    recipient_address_matches: $ => seq(
      'recipient', 'address', 'matches',
      repeat1(field('pattern', $._literal)),
    ),

    // header "X-Foo" contains "true"
    header_contains: $ => seq(
      'header', field('header', $._value),
      'contains', repeat1(field('value', $._literal)),
    ),

    // header "X-Foo" matches "^t"
    header_matches: $ => seq(
      'header', field('header', $._value),
      'matches', repeat1(field('pattern', $._literal)),
    ),

    // message type is oof
    message_type_matches: $ => seq('message', 'type', 'is', field('value', $._value)),

    // sender is member of "signatures@contoso.com"
    sender_is_member_of: $ => seq('sender', 'is', 'member', 'of', repeat1(field('value', $._literal))),

    // from "ceo@contoso.com"
    from: $ => seq('from', repeat1(field('value', $._literal))),

    // sender address matches "^<>$"
    sender_address_matches: $ => seq(
      'sender', 'address', 'matches',
      repeat1(field('pattern', $._literal)),
    ),

    // message size over "22.5 MB"
    message_size_over: $ => seq('message', 'size', 'over', field('value', $._value)),

    // other "SubjectContainsWords" "invoice"
    other_predicate: $ => seq('other', field('name', $._value), repeat1(field('value', $._literal))),

    // set header "X-AntiLoop-Smarthost" to "true"
    set_header_action: $ => seq(
      'set', 'header', field('name', $._value),
      'to', field('value', $._value),
    ),

    // remove header "X-SM-outgoing"
    remove_header_action: $ => seq('remove', 'header', field('header', $._value)),

    // redirect to "Mimecast outbound"
    redirect_action: $ => seq('redirect', 'to', field('connector', $._value)),

    // do other "PrependSubject" "[EXT] "
    other_action: $ => seq('do', 'other', field('name', $._value), repeat1(field('value', $._literal))),

    stop_processing: _ => seq('stop', 'processing'),

    defer_on_error: _ => seq('defer', 'on', 'error'),

    comments: $ => seq('comments', field('value', $._value)),

    // ---- anything else -----------------------------------------------------------------

    // A line whose first word is no keyword: `smarthosts "x"`, `colour blue`,
    // `conector "X" { … }`. Values run up to the next keyword, `{`, `}` or end of file.
    unknown_setting: $ => prec.right(seq(
      field('key', $.word),
      repeat(field('value', $._value)),
      optional(field('body', $.block)),
    )),

    // ---- values ------------------------------------------------------------------------

    _value: $ => choice($.string, $.integer, $.boolean, $.word),

    _literal: $ => choice($.string, $.integer, $.boolean),

    // "text", with the escapes \" \\ \n \t and \u{1F600} (1 to 6 hex digits); no line break.
    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.invalid_escape)),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\\r\n]+/)),

    escape_sequence: _ => token.immediate(prec(2, /\\(["\\nt]|u\{[0-9A-Fa-f]{1,6}\})/)),

    // Any other backslash (`\q`, `\.`, `\u{}`, a `\` ending the line): kept in the tree so
    // the lowering can point at it and say what to write instead; it is not an escape.
    invalid_escape: _ => token.immediate(prec(1, /\\[^\r\n]?/)),

    integer: _ => /-?[0-9]+/,

    boolean: _ => choice('true', 'false'),

    // Enumerated values (inside, on-premises, audit-and-notify, codetwo, …) and unknown keys.
    word: _ => /[A-Za-z_][A-Za-z0-9_-]*/,

    comment: _ => token(seq('#', /[^\r\n]*/)),
  },
});
