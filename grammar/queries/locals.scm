; Connectors are defined by name and referred to by `redirect to "…"` and by
; `relays-through "…"` (which names a connector or a host).

(source_file) @local.scope

(connector name: (string) @local.definition)

(redirect_action connector: (string) @local.reference)

(relays_through value: (string) @local.reference)
