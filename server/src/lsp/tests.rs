//! The service driven in-process, request by request, as a client would.

use futures::StreamExt;
use serde_json::{json, Value};
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ClientSocket, LspService};

use super::Backend;
use crate::check::{Selection, Syntax};

const URI: &str = "file:///tenant/contoso.mailflow.yaml";

/// Mimecast connector with no rule redirecting to it (MF202), below a correct CodeTwo setup.
const TEXT: &str = "mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo}
  # Mimecast delivers
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions:
      headerContains: {header: X-CodeTwoProcessed, words: ['true']}
    actions: {redirectToConnector: CodeTwo}
    stopProcessingMoreRules: true
";

struct Client {
    service: LspService<Backend>,
    /// What the server sent, read from its socket by a task of its own: a handler that
    /// notifies waits until the message is taken, and the test takes it only later.
    received: tokio::sync::mpsc::UnboundedReceiver<Request>,
    next_id: i64,
    /// What the server said it can do, in its answer to `initialize`.
    capabilities: Value,
}

impl Client {
    async fn start(capabilities: Value) -> Client {
        Client::with_settings(capabilities, Settings::default()).await
    }

    /// A client whose `workspace/configuration` answers with `settings` (shared, so a test
    /// can change them and then say `didChangeConfiguration`).
    async fn with_settings(capabilities: Value, settings: Settings) -> Client {
        let (service, received) = serve(settings);
        let mut client = Client { service, received, next_id: 0, capabilities: Value::Null };
        let initialized = client.request("initialize", json!({"capabilities": capabilities})).await.unwrap();
        client.capabilities = initialized["capabilities"].clone();
        client.notify("initialized", json!({})).await;
        client
    }

    /// The result of a request, or its error's message. It runs as the transport runs it: a
    /// result the handler wrote itself is the answer's (checked to be what the handler gives
    /// when it cannot write it, as JSON values).
    async fn request(&mut self, method: &'static str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let request = Request::build(method).id(self.next_id).params(params.clone()).finish();
        let written = super::transport::Written::default();
        let call = self.service.ready().await.unwrap().call(request);
        let response = written.scope(call).await.unwrap().expect("a request gets a response");
        let result = response.into_parts().1.map_err(|e| e.message.to_string())?;
        let Some(bytes) = written.take() else { return Ok(result) };
        assert_eq!(result, Value::Null, "{method}: a handler that wrote its result returns nothing");
        let written: Value = serde_json::from_slice(&bytes).expect("a written result is JSON");
        self.next_id += 1;
        let request = Request::build(method).id(self.next_id).params(params).finish();
        let response = self.service.ready().await.unwrap().call(request).await.unwrap().expect("a response");
        let returned = response.into_parts().1.map_err(|e| e.message.to_string())?;
        assert_eq!(written, returned, "{method}: written as the handler returns it");
        Ok(written)
    }

    async fn notify(&mut self, method: &'static str, params: Value) {
        let request = Request::build(method).params(params).finish();
        assert!(self.service.ready().await.unwrap().call(request).await.unwrap().is_none());
    }

    /// The next notification the server sends with this method, skipping others.
    async fn notification(&mut self, method: &str) -> Value {
        loop {
            let message = tokio::time::timeout(std::time::Duration::from_secs(10), self.received.recv())
                .await
                .expect("the server answers within 10 s")
                .expect("the server is running");
            let (name, _, params) = message.into_parts();
            if name == method {
                return params.unwrap_or(Value::Null);
            }
        }
    }

    async fn hover(&mut self, uri: &str, position: Value) -> Result<Value, String> {
        self.request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": position})).await
    }

    async fn completion(&mut self, uri: &str, position: Value) -> Vec<Value> {
        let params = json!({"textDocument": {"uri": uri}, "position": position});
        self.request("textDocument/completion", params).await.unwrap().as_array().unwrap().clone()
    }

    /// The ranges of the references to what is at `position`, in the order given.
    async fn references(&mut self, position: Value, include_declaration: bool) -> Vec<Value> {
        let context = json!({"includeDeclaration": include_declaration});
        let params = json!({"textDocument": {"uri": URI}, "position": position, "context": context});
        let found = self.request("textDocument/references", params).await.unwrap();
        found.as_array().unwrap().iter().inspect(|r| assert_eq!(r["uri"], URI)).map(|r| r["range"].clone()).collect()
    }

    async fn trace(&mut self, uri: &str, message: Value) -> Result<Value, String> {
        let params = json!({"command": "mailflow.trace", "arguments": [uri, message]});
        self.request("workspace/executeCommand", params).await
    }

    /// Replaces the whole text of an open document; returns the diagnostics published for it.
    async fn change(&mut self, uri: &str, version: i64, text: &str) -> Value {
        let document = json!({"uri": uri, "version": version});
        self.notify("textDocument/didChange", json!({"textDocument": document, "contentChanges": [{"text": text}]}))
            .await;
        let published = self.notification("textDocument/publishDiagnostics").await;
        assert_eq!(published["version"], version);
        published
    }

    /// The code actions offered for one published diagnostic.
    async fn code_actions(&mut self, diagnostic: &Value) -> Vec<Value> {
        let params = json!({"textDocument": {"uri": URI}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}});
        let actions = self.request("textDocument/codeAction", params).await.unwrap();
        actions.as_array().unwrap().clone()
    }

    async fn open(&mut self, text: &str) -> Value {
        self.open_as(URI, "yaml", text).await
    }

    async fn open_as(&mut self, uri: &str, language: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        )
        .await;
        self.notification("textDocument/publishDiagnostics").await
    }
}

type Settings = std::sync::Arc<std::sync::Mutex<Value>>;

/// A server, and what it says to the client: its requests (answered as `forward` does) and
/// its notifications, in the order each way sent them.
fn serve(settings: Settings) -> (LspService<Backend>, tokio::sync::mpsc::UnboundedReceiver<Request>) {
    let (notifications, mut notifications_out) = super::transport::notifications();
    let (service, socket) = LspService::new(|client| Backend::new(client, notifications));
    let (sender, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(forward(socket, sender.clone(), settings));
    tokio::spawn(async move {
        while let Some(notification) = notifications_out.next_request().await {
            if sender.send(notification).is_err() {
                break;
            }
        }
    });
    (service, received)
}

/// Passes what the server sends to the test, answering the server's own requests:
/// `workspace/configuration` with the settings, anything else with null.
async fn forward(socket: ClientSocket, sender: tokio::sync::mpsc::UnboundedSender<Request>, settings: Settings) {
    use futures::SinkExt;
    let (mut requests, mut responses) = socket.split();
    while let Some(message) = requests.next().await {
        if let Some(id) = message.id().cloned() {
            let answer = match message.method() {
                "workspace/configuration" => json!([settings.lock().unwrap().clone()]),
                _ => Value::Null,
            };
            let _ = responses.send(Response::from_ok(id, answer)).await;
        }
        if sender.send(message).is_err() {
            break;
        }
    }
}

fn codes(published: &Value) -> Vec<String> {
    published["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_owned()).collect()
}

fn position_of(text: &str, needle: &str) -> Value {
    let offset = text.find(needle).unwrap();
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

/// The range of the first `needle` in a text of one-byte characters, without its line break.
fn range_of(text: &str, needle: &str) -> Value {
    range_at(position_of(text, needle), needle.trim_end_matches('\n').len())
}

/// The range of `length` characters from `start`, on one line.
fn range_at(start: Value, length: usize) -> Value {
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() + length as u64});
    json!({"start": start, "end": end})
}

/// `edits` (LSP text edits that do not overlap) applied to a text of one-byte characters.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + position["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    spans.sort_by_key(|&(start, end, _)| std::cmp::Reverse((start, end)));
    let mut text = text.to_owned();
    for (start, end, new_text) in spans {
        text.replace_range(start..end, new_text);
    }
    text
}

#[tokio::test]
async fn diagnostics_are_pushed_with_their_version_and_follow_edits() {
    let mut client = Client::start(json!({})).await;
    let published = client.open(TEXT).await;
    assert_eq!(published["version"], 1);
    assert_eq!(codes(&published), ["MF202"]);
    let mf202 = &published["diagnostics"][0];
    assert_eq!(mf202["source"], "mailflow");
    assert_eq!(mf202["range"]["start"], position_of(TEXT, "Mimecast outbound"));
    // An incremental edit: disable the connector's check by removing its service.
    let start = position_of(TEXT, "    service: {kind: smart-host");
    let end = json!({"line": start["line"].as_u64().unwrap() + 1, "character": 0});
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": {"start": start, "end": end}, "text": ""}]}),
        )
        .await;
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(published["version"], 2);
    // Without a service block the connector is unclassified: the vendor hint joins MF202.
    assert_eq!(codes(&published), ["MF202", "MF206"]);
}

/// A finding carries its own severity: MF301 is a warning (2) for a smart host that delivers
/// mail itself and an error (1) for one that hands it back to Exchange Online.
#[tokio::test]
async fn each_diagnostic_has_its_findings_severity() {
    let text = |returns: bool| {
        format!(
            "mailflow: 1\nconnectors:\n  - name: Barracuda outbound\n    use: transport-rule\n    service: {{kind: smart-host, \
             vendor: barracuda, returnsToExchange: {returns}}}\ntransportRules:\n  - name: Barracuda smart host\n    \
             priority: 0\n    conditions: {{senderIs: inside, recipientIs: outside}}\n    actions: {{redirectToConnector: \
             Barracuda outbound}}\n    deferOnError: true\n"
        )
    };
    let severity = |published: &Value| {
        let diagnostics = published["diagnostics"].as_array().unwrap();
        diagnostics.iter().find(|d| d["code"] == "MF301").map(|d| d["severity"].clone())
    };
    let mut client = Client::start(json!({})).await;
    assert_eq!(severity(&client.open(&text(false)).await), Some(json!(2)));
    assert_eq!(severity(&client.change(URI, 2, &text(true)).await), Some(json!(1)));
}

#[tokio::test]
async fn pull_clients_ask_for_diagnostics() {
    let mut client = Client::start(json!({"textDocument": {"diagnostic": {}}})).await;
    client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": "yaml", "version": 1, "text": TEXT}}),
        )
        .await;
    let report = client.request("textDocument/diagnostic", json!({"textDocument": {"uri": URI}})).await.unwrap();
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"][0]["code"], "MF202");
}

/// What a client that is pushed diagnostics is published for `text`, and what a client that
/// pulls them is answered, each with `settings`.
async fn pushed_and_pulled(text: &str, settings: Value) -> (Value, Value) {
    let settings = Settings::new(std::sync::Mutex::new(settings));
    let mut push = Client::with_settings(json!({"workspace": {"configuration": true}}), settings.clone()).await;
    let pushed = push.open(text).await;
    let pulls = json!({"workspace": {"configuration": true}, "textDocument": {"diagnostic": {}}});
    let mut pull = Client::with_settings(pulls, settings).await;
    let document = json!({"uri": URI, "languageId": "yaml", "version": 1, "text": text});
    pull.notify("textDocument/didOpen", json!({"textDocument": document})).await;
    let pulled = pull.request("textDocument/diagnostic", json!({"textDocument": {"uri": URI}})).await.unwrap();
    (pushed, pulled)
}

/// Pushed diagnostics are written as JSON directly, pulled ones through serde: they are the
/// same, with every field a diagnostic can have, text that needs escaping in JSON, and columns
/// counted in UTF-16 past a character outside the BMP.
#[tokio::test]
async fn pushed_diagnostics_are_the_pulled_ones() {
    let text = "mailflow: 1\ntransportRules:\n  - name: \"Say \\\"hi\\\" \\\\ \u{e9} \u{1d11e}\\tnow\"\n    \
                priority: 0\n    exceptions: {headerContains: {header: \"X-\u{1d11e}:\", words: [x]}}\n  \
                # mailflow: ignore[MF203]\n  - name: \"Say \\\"hi\\\" \\\\ \u{e9} \u{1d11e}\\tnow\"\n    priority: 1\n";
    let (pushed, pulled) = pushed_and_pulled(text, json!({"docsUrl": "https://docs.example/mailflow/"})).await;
    let diagnostics = pushed["diagnostics"].as_array().unwrap();
    for code in ["MF005", "MF010", "MF014"] {
        assert!(codes(&pushed).iter().any(|c| c == code), "{code} in {pushed:#}");
    }
    for field in ["relatedInformation", "tags", "codeDescription"] {
        assert!(diagnostics.iter().any(|d| !d[field].is_null()), "{field} in {pushed:#}");
    }
    assert!(diagnostics.iter().any(|d| d["message"].as_str().unwrap().contains("\"hi\" \\ \u{e9} \u{1d11e}\tnow")));
    assert_eq!(&pulled["items"], &pushed["diagnostics"]);
}

/// The diagnostics pushed for a large file, serialized a half on each core, are those a pull
/// client gets, in the order of the findings.
#[tokio::test]
async fn a_large_files_pushed_diagnostics_are_its_findings_in_order() {
    let rule = |n: usize| {
        format!("  - name: R{n}\n    priority: {n}\n    exceptions: {{headerContains: {{header: \"X-{n}:\", words: [x]}}}}\n")
    };
    let text = format!("mailflow: 1\ntransportRules:\n{}", (0..400).map(rule).collect::<String>());
    let (pushed, pulled) = pushed_and_pulled(&text, json!({})).await;
    let diagnostics = pushed["diagnostics"].as_array().unwrap();
    assert_eq!(codes(&pushed).iter().filter(|code| *code == "MF010").count(), 400);
    assert_eq!(&pulled["items"], &pushed["diagnostics"]);
    let indices: Vec<u64> = diagnostics.iter().map(|d| d["data"]["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, (0..diagnostics.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_headline_code_action_inserts_the_anti_loop_rule() {
    let mut client = Client::start(json!({})).await;
    let published = client.open(TEXT).await;
    let diagnostic = published["diagnostics"][0].clone();
    let actions = client.code_actions(&diagnostic).await;
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Insert anti-loop rule for `Mimecast outbound`"), "{titles:?}");
    assert!(titles.contains(&"Ignore MF202 for this object"), "{titles:?}");
    let insert = actions.iter().find(|a| a["title"].as_str().unwrap().starts_with("Insert")).unwrap();
    assert_eq!(insert["kind"], "quickfix");
    assert_eq!(insert["isPreferred"], false, "inserting a rule changes routing: not a safe fix");
    let edits = insert["edit"]["changes"][URI].as_array().unwrap();
    assert!(edits.iter().any(|e| e["newText"].as_str().unwrap().contains("redirectToConnector: Mimecast outbound")));
}

#[tokio::test]
async fn clients_that_resolve_get_edits_on_resolve() {
    let capabilities = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    let mut client = Client::start(capabilities).await;
    let published = client.open(TEXT).await;
    let diagnostic = published["diagnostics"][0].clone();
    let actions = client.code_actions(&diagnostic).await;
    let insert = actions.iter().find(|a| a["title"].as_str().unwrap().starts_with("Insert")).unwrap().clone();
    assert!(insert.get("edit").is_none_or(Value::is_null));
    let resolved = client.request("codeAction/resolve", insert).await.unwrap();
    assert!(resolved["edit"]["changes"][URI].as_array().is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn fix_all_is_offered_where_a_safe_fix_is_and_computed_when_resolved() {
    let capabilities = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    let mut client = Client::start(capabilities).await;
    // Without its stop, the CodeTwo rule gets MF102, whose fix (set the stop) is safe.
    let text = TEXT.replace("    stopProcessingMoreRules: true\n", "");
    let published = client.open(&text).await;
    let diagnostics = published["diagnostics"].as_array().unwrap();
    let mf102 = diagnostics.iter().find(|d| d["code"] == "MF102").unwrap();
    let mf202 = diagnostics.iter().find(|d| d["code"] == "MF202").unwrap();

    let fix_all = |actions: Vec<Value>| actions.into_iter().find(|a| a["kind"] == "source.fixAll.mailflow");
    let offered = fix_all(client.code_actions(mf102).await).expect("offered where a safe fix is");
    assert!(offered.get("edit").is_none_or(Value::is_null), "the edit waits for resolve");
    assert!(fix_all(client.code_actions(mf202).await).is_none(), "MF202's fix is not safe");

    let resolved = client.request("codeAction/resolve", offered).await.unwrap();
    let edits = resolved["edit"]["changes"][URI].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["newText"], "    stopProcessingMoreRules: true\n");
    assert_eq!(apply(&text, edits), TEXT);
}

/// A smart host rule without the anti-loop header and exception (MF301) and without
/// `deferOnError` (MF403): the anti-loop fix and the defer fix both end the rule.
const SMART_HOST_RULE: &str = "  - name: Mimecast smart host
    priority: 1
    conditions: {senderIs: inside, recipientIs: outside}
    actions: {redirectToConnector: Mimecast outbound}
";

/// What fix-all gives for `text`, listed with its edit (asked for by kind) and resolved.
async fn fix_all_text(client: &mut Client, text: &str) -> String {
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": text.lines().count(), "character": 0}});
    let context = json!({"diagnostics": [], "only": ["source.fixAll.mailflow"]});
    let params = json!({"textDocument": {"uri": URI}, "range": whole, "context": context});
    let actions = client.request("textDocument/codeAction", params).await.unwrap();
    let [action] = &actions.as_array().unwrap()[..] else { panic!("one fix-all action: {actions}") };
    assert_eq!(action["kind"], "source.fixAll.mailflow");
    apply(text, action["edit"]["changes"][URI].as_array().unwrap())
}

/// Issue 14, item 2: fix-all applies fixes as `check --fix` does (`check::fix`), in rounds
/// checked again. It used to apply the fixes of the findings it had, once: the anti-loop
/// fix and the defer fix overlap, so the defer was left, and MF403 with it.
#[tokio::test]
async fn fix_all_gives_the_text_check_fix_gives() {
    use crate::check::{check, fix, Selection, Syntax};
    let mut client = Client::start(json!({})).await;
    let text = format!("{TEXT}{SMART_HOST_RULE}");
    assert_eq!(codes(&client.open(&text).await), ["MF301", "MF403"]);
    let fixed = fix_all_text(&mut client, &text).await;
    assert_eq!(fixed, fix(&text, Syntax::Yaml, &Selection::default(), false).text);
    assert!(fixed.contains("    deferOnError: true\n") && fixed.contains("setHeader"), "{fixed}");
    assert!(check(&fixed, Syntax::Yaml, &Selection::default()).diagnostics.is_empty(), "{fixed}");
    // Resolved later, the same edit.
    let capabilities = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    let mut client = Client::start(capabilities).await;
    let published = client.open(&text).await;
    let mf403 = published["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "MF403").unwrap().clone();
    let actions = client.code_actions(&mf403).await;
    let offered = actions.into_iter().find(|a| a["kind"] == "source.fixAll.mailflow").unwrap();
    let resolved = client.request("codeAction/resolve", offered).await.unwrap();
    assert_eq!(apply(&text, resolved["edit"]["changes"][URI].as_array().unwrap()), fixed);
}

/// Fix-all fixes the findings the settings select, as `check --fix --ignore` does.
#[tokio::test]
async fn fix_all_fixes_what_the_settings_select() {
    use crate::check::{fix, Selection, Syntax};
    let settings: Settings = std::sync::Arc::new(std::sync::Mutex::new(json!({"ignore": ["MF403"]})));
    let mut client = Client::with_settings(json!({"workspace": {"configuration": true}}), settings).await;
    let text = format!("{TEXT}{SMART_HOST_RULE}");
    assert_eq!(codes(&client.open(&text).await), ["MF301"]);
    let fixed = fix_all_text(&mut client, &text).await;
    let selection = Selection { select: Vec::new(), ignore: vec!["MF403".into()] };
    assert_eq!(fixed, fix(&text, Syntax::Yaml, &selection, false).text);
    assert!(!fixed.contains("deferOnError"), "{fixed}");
}

#[tokio::test]
async fn ignore_action_inserts_the_suppression_above_the_object() {
    let mut client = Client::start(json!({})).await;
    let published = client.open(TEXT).await;
    let diagnostic = published["diagnostics"][0].clone();
    let actions = client.code_actions(&diagnostic).await;
    let ignore = actions.iter().find(|a| a["title"] == "Ignore MF202 for this object").unwrap();
    let edit = &ignore["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "  # mailflow: ignore[MF202]\n");
    assert_eq!(edit["range"]["start"], json!({"line": 9, "character": 0}));
}

/// The Markdown of the hover on the first `key` of TEXT, checked to cover the key and to
/// open with its heading: the key and where it is written.
async fn key_hover(client: &mut Client, key: &str, under: &str) -> String {
    let hover = client.hover(URI, position_of(TEXT, key)).await.unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert_eq!(hover["range"], range_of(TEXT, key));
    let markdown = hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("a hover on `{key}`")).to_owned();
    assert!(markdown.starts_with(&format!("**`{key}`** in `{under}`\n")), "{markdown}");
    markdown
}

#[tokio::test]
async fn hover_explains_a_key_with_its_exchange_names_and_guide_section() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let markdown = key_hover(&mut client, "stopProcessingMoreRules", "transportRules").await;
    assert!(markdown.contains("**Exchange PowerShell:** `StopRuleProcessing`"), "{markdown}");
    assert!(markdown.contains(r#"**Exchange admin center:** "Stop processing more rules""#), "{markdown}");
    assert!(markdown.contains(r#"section "Modifying the CodeTwo transport rule""#), "{markdown}");
    let markdown = key_hover(&mut client, "redirectToConnector", "transportRules › actions").await;
    assert!(markdown.contains("**Exchange PowerShell:** `RouteMessageOutboundConnector`"), "{markdown}");
}

#[tokio::test]
async fn definition_references_and_rename_of_a_connector() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let (declaration, reference) = (position_of(TEXT, "CodeTwo\n"), position_of(TEXT, "CodeTwo}"));
    let (declared, referred) = (range_at(declaration.clone(), 7), range_at(reference.clone(), 7));
    let at = |position: &Value| json!({"textDocument": {"uri": URI}, "position": position});
    let definition = client.request("textDocument/definition", at(&reference)).await.unwrap();
    assert_eq!(definition, json!({"uri": URI, "range": declared}));
    // Not on a reference: nothing.
    let key = position_of(TEXT, "stopProcessingMoreRules");
    assert_eq!(client.request("textDocument/definition", at(&key)).await, Ok(Value::Null));
    assert_eq!(client.references(declaration.clone(), true).await, [declared.clone(), referred.clone()]);
    assert_eq!(client.references(reference, true).await, [declared, referred.clone()]);
    assert_eq!(client.references(declaration.clone(), false).await, [referred]);
    let rename = client
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": URI}, "position": declaration, "newName": "CodeTwo connector"}),
        )
        .await
        .unwrap();
    assert_eq!(rename["changes"][URI].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn outline_folding_and_workspace_symbols() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let symbols = client.request("textDocument/documentSymbol", json!({"textDocument": {"uri": URI}})).await.unwrap();
    let symbols = symbols.as_array().unwrap();
    // The tenant (a namespace), its connectors (interfaces), then its rules (functions) in
    // priority order, each named by its selection range.
    let outline: Vec<(&str, u64)> =
        symbols.iter().map(|s| (s["name"].as_str().unwrap(), s["kind"].as_u64().unwrap())).collect();
    assert_eq!(outline, [("organization", 3), ("CodeTwo", 11), ("Mimecast outbound", 11), ("CodeTwo rule", 12)]);
    for symbol in &symbols[1..] {
        let name = symbol["name"].as_str().unwrap();
        assert_eq!(symbol["selectionRange"], range_of(TEXT, &format!("{name}\n")), "{symbol}");
    }
    // A rule's range is the whole rule.
    let rule = &symbols[3];
    assert_eq!(rule["range"], json!({"start": {"line": 14, "character": 4}, "end": {"line": 21, "character": 0}}));
    assert_eq!(rule["detail"], "priority 0 · signature rule");
    let folding = client.request("textDocument/foldingRange", json!({"textDocument": {"uri": URI}})).await.unwrap();
    let folds: Vec<(u64, u64)> = folding
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["startLine"].as_u64().unwrap(), f["endLine"].as_u64().unwrap()))
        .collect();
    // connectors, each connector, transportRules, the rule, its exceptions.
    assert_eq!(folds, [(2, 12), (3, 7), (9, 12), (13, 20), (14, 20), (17, 18)]);
    let workspace = client.request("workspace/symbol", json!({"query": "mimecast"})).await.unwrap();
    assert_eq!(workspace.as_array().unwrap().len(), 1);
}

/// Labels of completion items, each checked to be of `kind` (a CompletionItemKind).
fn labels(items: &[Value], kind: u64) -> Vec<&str> {
    items.iter().inspect(|i| assert_eq!(i["kind"], kind, "{i}")).map(|i| i["label"].as_str().unwrap()).collect()
}

/// The text edit of the completion item labelled `label`.
fn completion_edit(items: &[Value], label: &str) -> Value {
    items.iter().find(|i| i["label"] == label).unwrap_or_else(|| panic!("no `{label}`"))["textEdit"].clone()
}

#[tokio::test]
async fn completion_offers_keys_values_and_connectors() {
    const PROPERTY: u64 = 10;
    const REFERENCE: u64 = 18;
    const ENUM_MEMBER: u64 = 20;
    let mut client = Client::start(json!({})).await;
    // On a new line of the rule: the keys a rule takes and this one has not written.
    let text = TEXT.replace("    priority: 0\n", "    priority: 0\n    \n");
    client.open(&text).await;
    let items = client.completion(URI, json!({"line": 16, "character": 4})).await;
    let keys = labels(&items, PROPERTY);
    assert!(["mode", "enabled", "deferOnError", "comments"].iter().all(|k| keys.contains(k)), "{keys:?}");
    assert!(
        !["priority", "exceptions", "smartHosts", "mailflow", "senderIs"].iter().any(|k| keys.contains(k)),
        "{keys:?}"
    );

    // After `mode: `, its values; the one picked is written after the key.
    let text = text.replace("    \n", "    mode: \n");
    client.change(URI, 2, &text).await;
    let items = client.completion(URI, json!({"line": 16, "character": 10})).await;
    assert_eq!(labels(&items, ENUM_MEMBER), ["enforce", "audit", "audit-and-notify"]);
    let text = apply(&text, &[completion_edit(&items, "enforce")]);
    assert!(text.contains("    priority: 0\n    mode: enforce\n"), "{text}");
    assert_eq!(codes(&client.change(URI, 3, &text).await), ["MF202"]);

    // After `redirectToConnector: `, the connectors, inserted so that they parse.
    let text =
        text.replace("    actions: {redirectToConnector: CodeTwo}\n", "    actions:\n      redirectToConnector: \n");
    client.change(URI, 4, &text).await;
    let line = text.lines().position(|l| l.ends_with("redirectToConnector: ")).unwrap();
    let items = client.completion(URI, json!({"line": line, "character": 27})).await;
    let connectors = labels(&items, REFERENCE);
    assert!(connectors.contains(&"CodeTwo") && connectors.contains(&"Mimecast outbound"), "{connectors:?}");
    let text = apply(&text, &[completion_edit(&items, "CodeTwo")]);
    assert!(text.contains("      redirectToConnector: CodeTwo\n"), "{text}");
    assert_eq!(codes(&client.change(URI, 5, &text).await), ["MF202"]);
}

/// Issue 14, item 4: in a DSL document whose lines end with a lone CR (a line break for the
/// LSP as for the checker), completion reads the cursor's line and replaces what is typed.
#[tokio::test]
async fn dsl_completion_reads_the_line_in_a_document_of_lone_crs() {
    const ENUM_MEMBER: u64 = 20;
    let mut client = Client::start(json!({})).await;
    let uri = "file:///tenant/contoso.mailflow";
    let text = "mailflow 1\rrule \"R\" priority 0 {\r  if sender is inside\r  mode au\r}\r";
    client.open_as(uri, "mailflow", text).await;
    let items = client.completion(uri, json!({"line": 3, "character": 9})).await;
    assert_eq!(labels(&items, ENUM_MEMBER), ["enforce", "audit", "audit-and-notify"]);
    let range = json!({"start": {"line": 3, "character": 7}, "end": {"line": 3, "character": 9}});
    assert_eq!(completion_edit(&items, "audit"), json!({"range": range, "newText": "audit"}));
}

#[tokio::test]
async fn utf8_clients_count_bytes() {
    let mut client = Client::start(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}})).await;
    let text = TEXT.replace("name: Mimecast outbound", "name: Mimécast outbound");
    let published = client.open(&text).await;
    let mf202 = published["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "MF202").unwrap();
    // The name spans 17 characters, one of them two bytes long in UTF-8.
    let start = mf202["range"]["start"]["character"].as_u64().unwrap();
    assert_eq!(mf202["range"]["end"]["character"].as_u64().unwrap() - start, 18);
}

#[tokio::test]
async fn the_trace_command_follows_a_message_through_the_open_text() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let outbound = json!({"from": "inside", "to": "a@fabrikam.com"});
    let trace = client.trace(URI, outbound.clone()).await.unwrap();
    assert_eq!(trace["message"], outbound);
    let path = &trace["paths"][0];
    assert_eq!(path["ending"]["kind"], "delivered-by-mx");
    let routes: Vec<&Value> = path["passes"].as_array().unwrap().iter().map(|p| &p["route"]).collect();
    assert_eq!(
        routes,
        [&json!({"kind": "rule", "rule": "CodeTwo rule", "connector": "CodeTwo"}), &json!({"kind": "mx"})]
    );
    assert!(trace["text"].as_str().unwrap().starts_with("A message from inside to a@fabrikam.com\n"));
    assert!(trace["mermaid"].as_str().unwrap().starts_with("flowchart LR"));
    // Mail from outside to the tenant: the rule is for inside senders.
    let inbound = client.trace(URI, json!({"from": "outside", "to": "a@contoso.com"})).await.unwrap();
    assert_eq!(inbound["paths"][0]["passes"][0]["route"], json!({"kind": "mailbox"}));
    // It traces the open text: without the rule's redirect the mail goes straight out.
    let text = TEXT.replace("    actions: {redirectToConnector: CodeTwo}\n", "");
    client.change(URI, 2, &text).await;
    let trace = client.trace(URI, outbound).await.unwrap();
    assert_eq!(trace["paths"][0]["passes"][0]["route"], json!({"kind": "mx"}));
    let error = client.request("workspace/executeCommand", json!({"command": "mailflow.trace", "arguments": []})).await;
    assert!(error.unwrap_err().contains("mailflow.trace takes"));
}

/// `mailflow.headers` (issue 12): the header text alone, then held against the open file.
#[tokio::test]
async fn the_headers_command_reads_a_message_and_holds_it_against_the_open_text() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let headers = include_str!("../../tests/headers/smart-host-before-signature.txt");
    let command = |arguments: Value| json!({"command": "mailflow.headers", "arguments": arguments});
    let alone = client.request("workspace/executeCommand", command(json!([headers]))).await.unwrap();
    assert_eq!(alone["exchangePasses"], 3);
    assert_eq!(alone["findings"][0]["code"], "MF501");
    assert!(alone["text"].as_str().unwrap().starts_with("A message from sender@contoso.com"));
    assert!(alone["mermaid"].as_str().unwrap().starts_with("flowchart LR"));
    assert!(alone.get("prediction").is_none());
    let held = client.request("workspace/executeCommand", command(json!([headers, URI]))).await.unwrap();
    assert_eq!(held["prediction"]["sender"], "sender@contoso.com");
    assert!(held["findings"].as_array().unwrap().iter().any(|f| f["code"] == "MF505"));
    let bad = client.request("workspace/executeCommand", command(json!(["Subject: hi\n\n"]))).await;
    assert!(bad.unwrap_err().starts_with("cannot read the headers: no `Received:` field found"));
    let none = client.request("workspace/executeCommand", command(json!([]))).await;
    assert!(none.unwrap_err().contains("mailflow.headers takes a message's header text"));
}

#[tokio::test]
async fn bad_requests_get_errors_and_the_server_keeps_serving() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    // A position far outside the document is clamped to its end, after its last line:
    // nothing to explain there.
    assert_eq!(client.hover(URI, json!({"line": 9999, "character": 9999})).await, Ok(Value::Null));
    // Past the end of a line: clamped to its end, just after the value `true`.
    let line = position_of(TEXT, "    stopProcessingMoreRules: true")["line"].clone();
    let end_of_line = client.hover(URI, json!({"line": line, "character": 9999})).await.unwrap();
    assert_eq!(end_of_line["range"], range_of(TEXT, "true\n"));
    assert!(end_of_line["contents"]["value"].as_str().unwrap().starts_with("**`stopProcessingMoreRules: true`**"));
    // A document that is not open.
    let unknown = client.hover("file:///nope.mailflow.yaml", json!({"line": 0, "character": 0})).await;
    assert_eq!(unknown, Ok(Value::Null));
    assert!(client.request("textDocument/hover", json!({"bogus": true})).await.is_err());
    // Past the end of a line, completion is clamped too: nothing to offer after a name.
    assert_eq!(client.completion(URI, json!({"line": 3, "character": 9999})).await, Vec::<Value>::new());
    let command = |name: &str, arguments: Value| json!({"command": name, "arguments": arguments});
    let unknown = client.request("workspace/executeCommand", command("mailflow.nope", json!([]))).await;
    assert_eq!(
        unknown.unwrap_err(),
        "unknown command `mailflow.nope`; this server runs mailflow.trace and mailflow.headers"
    );
    let not_open = client.trace("file:///nope.mailflow.yaml", json!({})).await;
    assert_eq!(not_open.unwrap_err(), "file:///nope.mailflow.yaml is not open in the editor");
    // Still serving.
    let markdown = key_hover(&mut client, "priority", "transportRules").await;
    assert!(markdown.contains("**Exchange PowerShell:** `Priority`"), "{markdown}");
}

#[tokio::test]
async fn settings_apply_without_a_restart() {
    let settings: Settings = std::sync::Arc::new(std::sync::Mutex::new(
        json!({"ignore": ["MF2"], "docsUrl": "https://docs.example/codes/"}),
    ));
    let mut client = Client::with_settings(json!({"workspace": {"configuration": true}}), settings.clone()).await;
    let published = client.open(TEXT).await;
    assert!(codes(&published).is_empty(), "MF2xx are ignored: {published}");
    *settings.lock().unwrap() = json!({"select": ["MF202"], "docsUrl": "https://docs.example/codes/"});
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}})).await;
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(codes(&published), ["MF202"]);
    assert_eq!(published["diagnostics"][0]["codeDescription"]["href"], "https://docs.example/codes/MF202");
    // A URL with `{CODE}` in it, as `check --docs-url` reads it: the pages in the repository.
    *settings.lock().unwrap() = json!({"select": ["MF202"], "docsUrl": crate::rules::REPOSITORY_PAGES});
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}})).await;
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(
        published["diagnostics"][0]["codeDescription"]["href"],
        "https://github.com/mailflow/mailflow/blob/main/docs/rules/MF202.md"
    );
    // Without a docs URL, no link.
    *settings.lock().unwrap() = json!({"select": ["MF202"]});
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}})).await;
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(codes(&published), ["MF202"]);
    assert_eq!(published["diagnostics"][0].get("codeDescription"), None);
}

#[tokio::test]
async fn scanning_the_workspace_reports_progress() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("a.mailflow.yaml"), TEXT).unwrap();
    let uri = tower_lsp_server::ls_types::Uri::from_file_path(folder.path()).unwrap();
    let (service, received) = serve(Settings::default());
    let mut client = Client { service, received, next_id: 0, capabilities: Value::Null };
    let capabilities = json!({"window": {"workDoneProgress": true}});
    client
        .request(
            "initialize",
            json!({"capabilities": capabilities, "workspaceFolders": [{"uri": uri.as_str(), "name": "t"}]}),
        )
        .await
        .unwrap();
    client.notify("initialized", json!({})).await;
    let begin = client.notification("$/progress").await;
    assert_eq!(begin["value"]["kind"], "begin");
    let symbols = client.request("workspace/symbol", json!({"query": "CodeTwo"})).await.unwrap();
    assert!(symbols
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["location"]["uri"].as_str().unwrap().ends_with("a.mailflow.yaml")));
}

#[tokio::test]
async fn a_second_ignore_joins_the_first_suppression() {
    let mut client = Client::start(json!({})).await;
    // Without its service block the Mimecast connector gets MF206 beside MF202.
    let mut text = TEXT.replace("    service: {kind: smart-host, vendor: mimecast}\n", "");
    let mut published = client.open(&text).await;
    for (version, code) in [(2, "MF206"), (3, "MF202")] {
        let finding = published["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == code).unwrap().clone();
        let actions = client.code_actions(&finding).await;
        let title = format!("Ignore {code} for this object");
        let ignore = actions.iter().find(|a| a["title"] == title).unwrap();
        let edits = ignore["edit"]["changes"][URI].as_array().unwrap();
        if code == "MF202" {
            // The second joins the comment the first wrote just above the connector.
            assert_eq!(edits[0]["newText"], ", MF202");
            assert_eq!(edits[0]["range"]["start"], json!({"line": 9, "character": 26}));
        }
        text = apply(&text, edits);
        published = client.change(URI, version, &text).await;
    }
    assert!(
        text.contains("  # Mimecast delivers\n  # mailflow: ignore[MF206, MF202]\n  - name: Mimecast outbound\n"),
        "{text}"
    );
    assert!(codes(&published).is_empty(), "{published}");
}

const DSL_URI: &str = "file:///x.mailflow";

#[tokio::test]
async fn dsl_documents_are_formatted_in_one_edit() {
    let mut client = Client::start(json!({})).await;
    assert_eq!(client.capabilities["documentFormattingProvider"], true);
    let messy = "mailflow   1\nconnector \"C\" { type partner # why\n}";
    client.open_as(DSL_URI, "mailflow", messy).await;
    let format = |uri: &str| json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}});
    let edits = client.request("textDocument/formatting", format(DSL_URI)).await.unwrap();
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 1}});
    let formatted = "mailflow 1\n\nconnector \"C\" {\n  type partner # why\n}\n";
    assert_eq!(edits, json!([{"range": whole, "newText": formatted}]));
    // Formatted already: no edit.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": DSL_URI, "version": 2}, "contentChanges": [{"text": formatted}]}),
        )
        .await;
    assert_eq!(client.request("textDocument/formatting", format(DSL_URI)).await.unwrap(), json!([]));
    // A syntax error: nothing (its diagnostic says where).
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": DSL_URI, "version": 3}, "contentChanges": [{"text": "rule \"R\" priority 0 { if sender is }"}]}),
        )
        .await;
    assert_eq!(client.request("textDocument/formatting", format(DSL_URI)).await.unwrap(), Value::Null);
    // A suppression comment no layout keeps on its objects' line: an error that says why.
    let two = "connector \"A\" {} connector \"B\" {} # mailflow: ignore[MF206]\n";
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": DSL_URI, "version": 4}, "contentChanges": [{"text": two}]}),
        )
        .await;
    let error = client.request("textDocument/formatting", format(DSL_URI)).await.unwrap_err();
    assert!(error.starts_with("mailflow did not format this document: line 1: "), "{error}");
    // YAML has no formatter.
    client.open(TEXT).await;
    assert_eq!(client.request("textDocument/formatting", format(URI)).await.unwrap(), Value::Null);
}

/// Semantic tokens decoded from their relative encoding: line, character, length, type and
/// modifiers by name.
fn decode_tokens(data: &Value, legend: &Value) -> Vec<(u64, u64, u64, String, Vec<String>)> {
    let numbers: Vec<u64> = data.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    let name = |list: &str, index: u64| legend[list][index as usize].as_str().unwrap().to_owned();
    let (mut line, mut character) = (0, 0);
    numbers
        .chunks(5)
        .map(|token| {
            line += token[0];
            character = if token[0] == 0 { character + token[1] } else { token[1] };
            let modifiers = (0..32).filter(|bit| token[4] & (1 << bit) != 0).map(|bit| name("tokenModifiers", bit));
            (line, character, token[2], name("tokenTypes", token[3]), modifiers.collect())
        })
        .collect()
}

#[tokio::test]
async fn dsl_documents_get_semantic_tokens_in_the_agreed_encoding() {
    let text = "mailflow 1\nrule \"Ré\" priority 0 {\n  set header \"X-A\" to \"1\"\n  redirect to \"C\" # é\n}\nconnector \"C\" {}\n";
    // `é` is one UTF-16 code unit and two UTF-8 bytes.
    let utf8 = json!({"general": {"positionEncodings": ["utf-8"]}});
    for (capabilities, name_length, comment_length) in [(json!({}), 4, 3), (utf8, 5, 4)] {
        let mut client = Client::start(capabilities).await;
        let provider = &client.capabilities["semanticTokensProvider"];
        assert_eq!(provider["full"], true);
        assert_eq!(provider["range"], true);
        let legend = provider["legend"].clone();
        client.open_as(DSL_URI, "mailflow", text).await;
        let tokens = client
            .request("textDocument/semanticTokens/full", json!({"textDocument": {"uri": DSL_URI}}))
            .await
            .unwrap();
        let plain = Vec::<String>::new;
        assert_eq!(
            decode_tokens(&tokens["data"], &legend),
            [
                (0, 0, 8, "keyword".into(), plain()),
                (0, 9, 1, "number".into(), plain()),
                (1, 0, 4, "keyword".into(), plain()),
                (1, 5, name_length, "function".into(), vec!["declaration".to_owned()]),
                (1, 6 + name_length, 8, "keyword".into(), plain()),
                (1, 15 + name_length, 1, "number".into(), plain()),
                (2, 2, 3, "keyword".into(), plain()),
                (2, 6, 6, "keyword".into(), plain()),
                (2, 13, 5, "string".into(), plain()),
                (2, 19, 2, "keyword".into(), plain()),
                (2, 22, 3, "string".into(), plain()),
                (3, 2, 8, "keyword".into(), plain()),
                (3, 11, 2, "keyword".into(), plain()),
                (3, 14, 3, "type".into(), plain()),
                (3, 18, comment_length, "comment".into(), plain()),
                (5, 0, 9, "keyword".into(), plain()),
                (5, 10, 3, "type".into(), vec!["declaration".to_owned()]),
            ]
        );
        // A range's tokens are those of the whole file that reach into it, placed from the
        // file's start as the whole file's are.
        let range = json!({"start": {"line": 2, "character": 0}, "end": {"line": 3, "character": 12}});
        let in_range = client
            .request("textDocument/semanticTokens/range", json!({"textDocument": {"uri": DSL_URI}, "range": range}))
            .await
            .unwrap();
        let whole = decode_tokens(&tokens["data"], &legend);
        let expected: Vec<_> = whole.into_iter().filter(|t| t.0 == 2 || (t.0 == 3 && t.1 < 12)).collect();
        assert_eq!(expected.len(), 7);
        assert_eq!(decode_tokens(&in_range["data"], &legend), expected);
    }
    // YAML documents have none.
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let tokens = client.request("textDocument/semanticTokens/full", json!({"textDocument": {"uri": URI}})).await;
    assert_eq!(tokens.unwrap(), Value::Null);
}

/// Ten changes come before any check can run: only the newest text is checked and published,
/// and a request after them is answered from it, never from an older text.
#[tokio::test]
async fn overtaken_versions_are_skipped_and_requests_see_the_newest_text() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let newest = |version: i64| TEXT.replace("Mimecast outbound", &format!("Mimecast {version}"));
    for version in 2..=11 {
        let document = json!({"uri": URI, "version": version});
        let changes = json!([{"text": newest(version)}]);
        client.notify("textDocument/didChange", json!({"textDocument": document, "contentChanges": changes})).await;
    }
    let hover = client.hover(URI, position_of(&newest(11), "Mimecast 11")).await.unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("**Connector** `Mimecast 11`"), "{hover}");
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(published["version"], 11);
    assert_eq!(codes(&published), ["MF202"]);
    assert_eq!(published["diagnostics"][0]["range"], range_of(&newest(11), "Mimecast 11"));
}

/// Clients route by file type and send every YAML file: only mail-flow documents (by name,
/// or by a first key `mailflow`) get diagnostics and features.
#[tokio::test]
async fn other_yaml_documents_get_nothing() {
    let mut client = Client::start(json!({})).await;
    let compose = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n";
    let published = client.open_as("file:///app/docker-compose.yaml", "yaml", compose).await;
    assert_eq!(published["diagnostics"], json!([]));
    let hover = client.hover("file:///app/docker-compose.yaml", json!({"line": 1, "character": 3})).await.unwrap();
    assert_eq!(hover, Value::Null);
    let workflow = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n";
    let published = client.open_as("file:///app/.github/workflows/ci.yml", "yaml", workflow).await;
    assert_eq!(published["diagnostics"], json!([]));
    // A .yaml file whose first key is `mailflow` is a mail-flow file whatever its name.
    let published = client.open_as("file:///tenant/tenant.yaml", "yaml", TEXT).await;
    let codes: Vec<&Value> = published["diagnostics"].as_array().unwrap().iter().map(|d| &d["code"]).collect();
    assert!(codes.contains(&&json!("MF202")), "{published}");
}

/// The text a change gives, told apart by the name of the Mimecast connector.
fn renamed(version: i64) -> String {
    TEXT.replace("Mimecast outbound", &format!("Mimecast {version}"))
}

/// Replaces the whole text of the open document with `renamed(version)`.
async fn change_to(client: &mut Client, version: i64) {
    let document = json!({"uri": URI, "version": version});
    let changes = json!([{"text": renamed(version)}]);
    client.notify("textDocument/didChange", json!({"textDocument": document, "contentChanges": changes})).await;
}

/// Every permit to check: while the test holds them, a check started waits for its turn, as
/// one does behind a long check of another document.
async fn hold_checks(client: &Client) -> tokio::sync::OwnedSemaphorePermit {
    let checking = client.service.inner().shared.checking.clone();
    let permits = checking.available_permits() as u32;
    checking.acquire_many_owned(permits).await.unwrap()
}

/// Issue 15: a large file just opened is checked read in pieces, which leaves nothing for
/// the next check; what that reuses is made after publishing, with the changes that came
/// meanwhile recorded in it, and the edits then check the text as it is, reusing it.
#[tokio::test]
async fn a_large_file_opened_is_checked_first_and_read_for_its_edits_after() {
    let rule = |n: usize| {
        format!(
            "  - name: Tag {n}\n    priority: {}\n    conditions: {{senderIs: inside}}\n    actions:\n      \
             setHeader: {{name: X-Tag-{n}, value: '1'}}\n",
            n + 1
        )
    };
    let text: String = TEXT.to_owned() + &(0..400).map(rule).collect::<String>();
    let lines = crate::text::LineIndex::new(&text);
    assert!(crate::syntax::yaml::parse_in_pieces(&text, &lines).is_some(), "read in pieces");
    let codes_of = |text: &str| {
        let mut codes: Vec<String> = crate::check::check(text, Syntax::Yaml, &Selection::default())
            .diagnostics
            .iter()
            .map(|d| d.code().to_owned())
            .collect();
        codes.sort();
        codes
    };
    let sorted = |published: &Value| {
        let mut codes = codes(published);
        codes.sort();
        codes
    };
    let mut client = Client::start(json!({})).await;
    assert_eq!(sorted(&client.open(&text).await), codes_of(&text));
    // Renames the connector found, at once and again later: its finding follows the name.
    let mut text = text;
    for (version, name) in [(2, "Mimecast outbound"), (3, "Mimecast 2")] {
        let uri: tower_lsp_server::ls_types::Uri = URI.parse().unwrap();
        let holds_reuse = |client: &Client| client.service.inner().state().documents[&uri].previous.is_some();
        if version == 3 {
            for _ in 0..1000 {
                if holds_reuse(&client) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert!(holds_reuse(&client), "what the next check reuses was not made");
        }
        let new_name = format!("Mimecast {version}");
        let change = json!({"range": range_of(&text, name), "text": new_name});
        text = text.replace(name, &new_name);
        let document = json!({"uri": URI, "version": version});
        client.notify("textDocument/didChange", json!({"textDocument": document, "contentChanges": [change]})).await;
        let published = client.notification("textDocument/publishDiagnostics").await;
        assert_eq!(published["version"], version);
        assert_eq!(published["diagnostics"][0]["range"], range_of(&text, &new_name));
        assert_eq!(sorted(&published), codes_of(&text));
    }
}

/// How many checks of the open document ran to their end.
fn checks_run(client: &Client) -> u64 {
    client.service.inner().state().documents[&URI.parse().unwrap()].checked
}

/// Issue 15: a burst of changes that comes while checking is held up (a check of another
/// document, say) is checked once, as its last version; no version of it before the last is
/// published. Counts checks: checking each version in full would make ten.
#[tokio::test]
async fn a_burst_of_changes_is_checked_once_and_only_its_last_version_published() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    assert_eq!(checks_run(&client), 1);
    let held = hold_checks(&client).await;
    for version in 2..=11 {
        change_to(&mut client, version).await;
    }
    drop(held);
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(published["version"], 11, "{published}");
    assert_eq!(published["diagnostics"][0]["range"], range_of(&renamed(11), "Mimecast 11"));
    assert_eq!(checks_run(&client), 2, "the burst was checked more than once");
    // And nothing else comes: a request waits for nothing older.
    let hover = client.hover(URI, position_of(&renamed(11), "Mimecast 11")).await.unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("**Connector** `Mimecast 11`"), "{hover}");
    assert_eq!(checks_run(&client), 2);
    assert!(client.received.try_recv().is_err(), "something more was published");
}

/// A request is answered against the text it came after: a hover sent after version 2 and
/// still waiting for its check when version 3 comes describes version 2's connector, and
/// version 2's diagnostics, no longer current, are not published (only version 3's are).
#[tokio::test]
async fn a_request_is_answered_against_the_version_it_names() {
    let mut client = Client::start(json!({})).await;
    client.open(TEXT).await;
    let held = hold_checks(&client).await;
    change_to(&mut client, 2).await;
    let params = json!({"textDocument": {"uri": URI}, "position": position_of(&renamed(2), "Mimecast 2")});
    let request = Request::build("textDocument/hover").id(100).params(params).finish();
    let hover = tokio::spawn(client.service.ready().await.unwrap().call(request));
    // The hover waits for the check of version 2 ...
    let uri: tower_lsp_server::ls_types::Uri = URI.parse().unwrap();
    let waiting = |client: &Client| client.service.inner().state().documents[&uri].waiting.contains(&1);
    while !waiting(&client) {
        tokio::task::yield_now().await;
    }
    // ... when version 3 comes.
    change_to(&mut client, 3).await;
    drop(held);
    let answer = hover.await.unwrap().unwrap().expect("a request gets a response");
    let hover = answer.into_parts().1.unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("**Connector** `Mimecast 2`"), "{hover}");
    let published = client.notification("textDocument/publishDiagnostics").await;
    assert_eq!(published["version"], 3, "{published}");
    assert_eq!(checks_run(&client), 3, "versions 2 (for the hover) and 3 (for the diagnostics)");
}

/// What stops a running check (`check::check_incremental_unless` asks before each phase and
/// each simulated message): once a newer text comes, a check of the older one is wanted only
/// while a request waits that named its text or an older one.
#[test]
fn a_check_overtaken_is_wanted_only_while_a_request_waits_for_it() {
    let uri: tower_lsp_server::ls_types::Uri = URI.parse().unwrap();
    let mut state = super::State::default();
    let document = super::Document::new(TEXT, 1, crate::check::Syntax::Yaml, 1);
    let first = document.stamp(0);
    state.documents.insert(uri.clone(), document);
    assert!(state.wanted(&uri, first));
    let document = state.documents.get_mut(&uri).unwrap();
    document.revision += 1;
    assert!(!state.wanted(&uri, first), "a check overtaken by a change is stopped");
    // A request that came after the second text does not keep the first one's check.
    state.documents.get_mut(&uri).unwrap().waiting.push(1);
    assert!(!state.wanted(&uri, first));
    // One that came after the first text does, until it has its answer.
    state.documents.get_mut(&uri).unwrap().waiting.push(0);
    assert!(state.wanted(&uri, first));
    state.documents.get_mut(&uri).unwrap().waiting.retain(|&named| named != 0);
    assert!(!state.wanted(&uri, first));
    // A check of another opening of the document is never wanted.
    let reopened = super::Document::new(TEXT, 1, crate::check::Syntax::Yaml, 2);
    state.documents.insert(uri.clone(), reopened);
    assert!(!state.wanted(&uri, first));
}
