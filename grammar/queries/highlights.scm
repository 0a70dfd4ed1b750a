; Syntax highlighting for the mail-flow DSL.
; Specific patterns come first: tree-sitter's highlighter gives a node the capture of the
; first pattern that matches it.

(comment) @comment

; Names of the things the file defines, and references to them
(organization name: (string) @string.special)
(connector name: (string) @type.definition)
(rule name: (string) @function)
(redirect_action connector: (string) @type)

; A line whose first word is no keyword
(unknown_setting key: (word) @variable)

; Literals
(escape_sequence) @string.escape
(invalid_escape) @error
(string) @string
(integer) @number
(boolean) @boolean

; Enumerated values (inside, on-premises, audit, codetwo, …)
(word) @constant

; `type` and `domain` are settings, except inside a condition
(message_type_matches "type" @keyword.operator)
(sender_domain_is "domain" @keyword.operator)
(recipient_domain_is "domain" @keyword.operator)

; Top-level items
[
  "mailflow"
  "organization"
  "connector"
  "rule"
  "priority"
] @keyword

; Settings
[
  "domains"
  "on-premises"
  "relays-through"
  "enabled"
  "type"
  "use"
  "recipient-domains"
  "smart-hosts"
  "service"
  "domain"
  "processed-header"
  "returns-to-exchange"
  "relay-domains"
  "mode"
  "comments"
] @property

(disabled) @property

; Conditions and exceptions
[
  "if"
  "except"
] @keyword.conditional

[
  "sender"
  "recipient"
  "address"
  "header"
  "message"
  "other"
  "is"
  "contains"
  "matches"
] @keyword.operator

; Actions and the rule's error and stop settings
[
  "set"
  "to"
  "redirect"
  "do"
  "stop"
  "processing"
  "defer"
  "on"
  "error"
] @keyword

["{" "}"] @punctuation.bracket
