//! `mailflow lsp` over stdio with the URIs editors send on Windows and for unusual names:
//! a drive as `c%3A` or `C:`, a server (UNC), spaces and non-ASCII letters percent-encoded.
//! Whatever the spelling, and on any host, every answer about a document carries the URI
//! the client sent, byte for byte: published diagnostics, quick fixes' and fix-all's edits
//! (given at once or on resolve), rename's edits, references, symbols. Files the server finds in a workspace folder are named like that folder's URI,
//! and a file open under another spelling of its URI is listed once.
//! (How each URI reads as a Windows or POSIX path: src/lsp/uri_tests.rs.)

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Server {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    /// Starts the server and goes through `initialize` and `initialized`.
    fn start(initialize: Value) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mailflow lsp starts");
        let input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let (sender, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut output) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child, input, messages, next_id: 0 };
        server.request("initialize", initialize);
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The result of a request; notifications sent meanwhile are dropped.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let answer = self.next(|message| message["id"] == id && message.get("method").is_none());
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// The params of the next notification of `method`.
    fn notification(&mut self, method: &str) -> Value {
        self.next(|message| message["method"] == method)["params"].clone()
    }

    fn next(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(message) if wanted(&message) => return message,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("no answer within 20 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server stopped"),
            }
        }
    }

    /// Opens a document; returns the diagnostics published for it.
    fn open(&mut self, uri: &str, language: &str, text: &str) -> Value {
        let document = json!({"uri": uri, "languageId": language, "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": document}));
        self.notification("textDocument/publishDiagnostics")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(output: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if output.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    output.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn example(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)).unwrap()
}

/// The position of the first character after `before` in `text` (ASCII text).
fn position_after(text: &str, before: &str) -> Value {
    let at = text.find(before).unwrap() + before.len();
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
    json!({"line": line, "character": character})
}

/// The keys of a workspace edit's `changes`.
fn edited(edit: &Value) -> Vec<String> {
    edit["changes"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn every_answer_about_a_document_carries_the_uri_the_client_sent() {
    let text = example("broken-rule-order.mailflow");
    let mut server = Server::start(json!({"capabilities": {}}));
    for uri in [
        "file:///c%3A/x/y.mailflow",
        "file:///C:/x/y.mailflow",
        "file:///c:/x/y.mailflow",
        "file://server/share/x.mailflow",
        "file:///c%3A/Users/ana/My%20Rules/r%C3%A8gles%20%E6%96%87.mailflow",
        "file:///home/ana/My%20Rules/r%C3%A8gles.mailflow",
        "file://localhost/home/ana/tenant.mailflow",
    ] {
        let published = server.open(uri, "mailflow", &text);
        assert_eq!(published["uri"], uri);
        let diagnostics = published["diagnostics"].as_array().unwrap().clone();
        let codes: Vec<&str> = diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 4, "{uri}: {codes:?}");

        for diagnostic in &diagnostics {
            assert!(diagnostic["relatedInformation"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|r| r["location"]["uri"] == uri));
        }
        let range = diagnostics[0]["range"].clone();
        let context = json!({"diagnostics": diagnostics, "only": ["quickfix"]});
        let params = json!({"textDocument": {"uri": uri}, "range": range, "context": context});
        let actions = server.request("textDocument/codeAction", params);
        let edits: Vec<Vec<String>> = actions.as_array().unwrap().iter().map(|a| edited(&a["edit"])).collect();
        assert!(!edits.is_empty(), "{uri}: no quick fix");
        assert!(edits.iter().all(|keys| keys == &[uri]), "{uri}: {edits:?}");

        let connector = position_after(&text, "connector \"C");
        let params = json!({"textDocument": {"uri": uri}, "position": connector, "newName": "Signatures"});
        assert_eq!(edited(&server.request("textDocument/rename", params)), [uri]);
        let params =
            json!({"textDocument": {"uri": uri}, "position": connector, "context": {"includeDeclaration": true}});
        let references = server.request("textDocument/references", params);
        assert!(references.as_array().unwrap().iter().all(|r| r["uri"] == uri), "{references}");

        let traced = server.request(
            "workspace/executeCommand",
            json!({"command": "mailflow.trace", "arguments": [uri, {"from": "inside", "to": "user@recipient.example"}]}),
        );
        assert!(traced["text"].as_str().unwrap().contains("Pass 1"), "{uri}");

        server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
        let closed = server.notification("textDocument/publishDiagnostics");
        assert_eq!(closed, json!({"uri": uri, "diagnostics": []}));
    }
}

#[test]
fn edits_resolved_later_carry_the_uri_the_client_sent() {
    // A client that resolves gets each edit in a second request, from data the server kept.
    let capabilities = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    let mut server = Server::start(json!({"capabilities": capabilities}));
    let text = example("broken-rule-order.mailflow");
    for uri in ["file:///c%3A/Users/ana/My%20Rules/r%C3%A8gles.mailflow", "file://server/share/x.mailflow"] {
        let diagnostics = server.open(uri, "mailflow", &text)["diagnostics"].clone();
        let mut kinds = std::collections::BTreeSet::new();
        for diagnostic in diagnostics.as_array().unwrap() {
            let context = json!({"diagnostics": [diagnostic]});
            let params = json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": context});
            for action in server.request("textDocument/codeAction", params).as_array().unwrap() {
                let resolved = server.request("codeAction/resolve", action.clone());
                assert_eq!(edited(&resolved["edit"]), [uri], "{}", action["title"]);
                kinds.insert(action["kind"].as_str().unwrap().to_owned());
            }
        }
        // Quick fixes and fix-all, both resolved.
        assert_eq!(kinds, ["quickfix", "source.fixAll.mailflow"].map(str::to_owned).into(), "{uri}");
        server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
        server.notification("textDocument/publishDiagnostics");
    }
}

/// A path as a URI, each name encoded with lower-case escapes: a spelling of its own, unlike
/// the upper-case one the server writes.
fn lower_case_uri(prefix: &str, path: &Path) -> String {
    let mut uri = prefix.to_owned();
    for name in path.to_str().unwrap().split('/').filter(|n| !n.is_empty()) {
        uri.push('/');
        for byte in name.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                uri.push(char::from(byte));
            } else {
                uri.push_str(&format!("%{byte:02x}"));
            }
        }
    }
    uri
}

#[test]
#[cfg(unix)]
fn workspace_files_are_named_like_their_folder_and_an_open_one_is_listed_once() {
    let scratch = tempfile::tempdir().unwrap();
    let folder = scratch.path().join("My Rul\u{e8}s");
    std::fs::create_dir(&folder).unwrap();
    let dsl = folder.join("r\u{e8}gles [1].mailflow");
    std::fs::write(&dsl, example("broken-rule-order.mailflow")).unwrap();
    std::fs::write(folder.join("b c.mailflow.yaml"), example("codetwo-mimecast.mailflow.yaml")).unwrap();
    let folder_uri = lower_case_uri("file://", &folder);

    let initialize = json!({"capabilities": {}, "workspaceFolders": [{"uri": folder_uri, "name": "My Rulès"}]});
    let mut server = Server::start(initialize);
    let scanned_dsl = format!("{folder_uri}/r%C3%A8gles%20%5B1%5D.mailflow");
    let scanned_yaml = format!("{folder_uri}/b%20c.mailflow.yaml");
    // The workspace is read after `initialized`: ask until both files are in.
    let deadline = Instant::now() + Duration::from_secs(20);
    let symbols = loop {
        let symbols = server.request("workspace/symbol", json!({"query": ""}));
        let uris: Vec<&str> =
            symbols.as_array().unwrap().iter().map(|s| s["location"]["uri"].as_str().unwrap()).collect();
        if uris.contains(&scanned_dsl.as_str()) && uris.contains(&scanned_yaml.as_str()) {
            break symbols;
        }
        assert!(Instant::now() < deadline, "workspace symbols after 20 s: {symbols}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let found =
        |symbols: &Value, uri: &str| symbols.as_array().unwrap().iter().filter(|s| s["location"]["uri"] == uri).count();
    let in_dsl = found(&symbols, &scanned_dsl);
    assert!(in_dsl > 0);

    // The editor opens the DSL file under yet another spelling of its URI.
    let opened = lower_case_uri("file://localhost", &dsl);
    assert_eq!(server.open(&opened, "mailflow", &example("broken-rule-order.mailflow"))["uri"], opened);
    let symbols = server.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(found(&symbols, &opened), in_dsl, "{symbols}");
    assert_eq!(found(&symbols, &scanned_dsl), 0, "listed twice: {symbols}");
    assert!(found(&symbols, &scanned_yaml) > 0);
}
