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

; Keywords: generated from server/src/model/dsl_statements.rs

; Words that are settings elsewhere but part of a condition here
(sender_domain_is "domain" @keyword.operator)
(recipient_domain_is "domain" @keyword.operator)
(message_type_matches "type" @keyword.operator)

; Top-level items
[
  "connector"
  "mailflow"
  "organization"
  "priority"
  "rule"
] @keyword

; Settings
[
  "comments"
  "domain"
  "domains"
  "enabled"
  "mode"
  "on-premises"
  "processed-header"
  "recipient-domains"
  "relay-domains"
  "relays-through"
  "returns-to-exchange"
  "service"
  "smart-hosts"
  "type"
  "use"
] @property
(disabled) @property

; Conditions and exceptions
[
  "except"
  "if"
] @keyword.conditional

; The words of a condition
[
  "address"
  "contains"
  "from"
  "header"
  "is"
  "matches"
  "member"
  "message"
  "of"
  "other"
  "over"
  "recipient"
  "sender"
  "size"
] @keyword.operator

; Actions and the rule's closing settings
[
  "defer"
  "do"
  "error"
  "on"
  "processing"
  "redirect"
  "remove"
  "set"
  "stop"
  "to"
] @keyword
; End of keywords

["{" "}"] @punctuation.bracket
