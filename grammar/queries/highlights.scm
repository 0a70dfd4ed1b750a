; Syntax highlighting for the mail-flow DSL.

(comment) @comment

(string) @string
(escape_sequence) @string.escape
(integer) @number
(boolean) @boolean

; Top-level items
[
  "mailflow"
  "organization"
  "connector"
  "rule"
] @keyword

"priority" @keyword

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

; Actions and rule settings
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

; Names
(organization name: (string) @string.special)
(connector name: (string) @type.definition)
(rule name: (string) @function)
(redirect_action connector: (string) @type)

; Enumerated values (inside, on-premises, audit, codetwo, …)
(word) @constant

; An unknown key: shown as what it is, not as a value.
(unknown_setting key: (word) @variable)

["{" "}"] @punctuation.bracket
"\"" @string
